// Figures of the loader (issue 10), standalone (not a test; it never fails for a figure):
// - when the launcher is drawn, in ms after DOMContentLoaded (negative: before it), goal
//   ≤ 250 ms;
// - from the click on the launcher to a usable chat (the widget drawn and online), on a cold
//   cache (a fresh browser context each time) with preload 'open' (nothing of the widget
//   fetched before the click), goal ≤ 600 ms;
// both under Chromium's network emulation of 10 Mbit/s and 40 ms round trips (CDP
// Network.emulateNetworkConditions), median of 5 (LOADER_SAMPLES=n).
//
// Run: cd tests/e2e && MESSENGER_DIST=… MESSENGER_SERVER_BIN=… node bench/loader.mjs
import { join } from 'node:path';
import {
  freePort, intranetArgs, intranetWithFixtures, launchBrowser, launcher, passwordToken,
  startServer, tempDir,
} from '../harness.mjs';

const SAMPLES = Number(process.env.LOADER_SAMPLES ?? 5);
const NETWORK = { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 };
const log = (line) => console.log(`loader: ${line}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const figure = (xs, goal) => `median ${Math.round(median(xs))} ms (goal ≤ ${goal} ms; ${xs.map(Math.round).join(', ')})`;

// In the page before anything else: when the launcher's host is in the document (the next
// frame is when it shows), when the user clicked, when the widget is usable.
const PROBES = `(() => {
  const t = (window.__loader = { launcher: null, click: null, usable: null });
  new MutationObserver((_, obs) => {
    if (document.querySelector('mw-host')) {
      obs.disconnect();
      requestAnimationFrame(() => { t.launcher = performance.now(); });
    }
  }).observe(document, { subtree: true, childList: true });
  addEventListener('click', (e) => { if (t.click === null) t.click = e.timeStamp; }, true);
  const poll = () => {
    const root = document.querySelector('mw-host')?.shadowRoot;
    if (t.click !== null && root?.querySelector('[data-testid="connection-status"][data-state="online"]')
      && root.querySelector('[data-testid="me"]')) {
      t.usable = performance.now();
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();`;

const port = await freePort();
const server = await startServer({
  port,
  db: join(tempDir('mw-loader-bench'), 'messenger.sqlite3'),
  args: intranetArgs(intranetWithFixtures('mw-loader-bench')),
});
const browser = await launchBrowser();
try {
  const token = await passwordToken(server.url, 'alice');
  const url = `${server.url}/intranet/page.html?${new URLSearchParams({ token, preload: 'open' })}`;
  const afterDcl = [];
  const clickToChat = [];
  for (let i = 0; i < SAMPLES; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(PROBES);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.send('Network.emulateNetworkConditions', NETWORK);
    await page.goto(url);
    await page.waitForFunction(() => window.__loader.launcher !== null);
    const dcl = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventStart);
    afterDcl.push((await page.evaluate(() => window.__loader.launcher)) - dcl);
    await page.waitForLoadState('load');
    await launcher(page).click();
    await page.waitForFunction(() => window.__loader.usable !== null, null, { timeout: 30_000 });
    clickToChat.push(await page.evaluate(() => window.__loader.usable - window.__loader.click));
    await context.close();
  }
  log(`network: 10 Mbit/s, 40 ms RTT, cold cache, ${SAMPLES} samples`);
  log(`launcher visible after DOMContentLoaded: ${figure(afterDcl, 250)}`);
  log(`click to usable chat: ${figure(clickToChat, 600)}`);
} finally {
  await browser.close();
  await server.stop();
}
