// Figures of issue 9, standalone (not a test; it never fails for a figure):
// - time from navigation start to the first drawn conversation row, with the local copy (a
//   reload of a signed-in page) and without it (a fresh profile holding only the sign-in
//   token), median of 5 each, again with 150 ms added to every round trip to the server, and
//   with the server unreachable;
// - WebSocket connections seen by a proxy and the server's memory (VmRSS) with 1 and 5 tabs
//   of one user (and, for comparison, 5 separate browser profiles of that user);
// - the JS heap of the leader tab and of a follower tab (CDP Performance.getMetrics after a GC).
//
// Run: cd tests/e2e && MESSENGER_DIST=… MESSENGER_SERVER_BIN=… node bench/tabs.mjs
// (TABS_SAMPLES=n changes the 5 samples.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launchBrowser, signIn, startServer, tempDir, waitOnline } from '../harness.mjs';
import { startProxy } from '../fault-proxy.mjs';

const SAMPLES = Number(process.env.TABS_SAMPLES ?? 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => console.log(`tabs: ${line}`);
const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const msText = (xs) => {
  const m = median(xs);
  const drawn = xs.filter((x) => x !== null).length;
  const all = xs.map((x) => (x === null ? 'none' : Math.round(x))).join(', ');
  return m === null ? `none drawn within the wait (${all})` : `median ${Math.round(m)} ms (${drawn}/${xs.length} drawn; ${all})`;
};

// When the first conversation row is in the document, in ms since navigation start.
const FIRST_ROW = `(() => {
  window.__firstRow = null;
  addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  const seen = () => {
    if (window.__firstRow === null && document.querySelector('[data-testid="conversation"]')) {
      window.__firstRow = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, { subtree: true, childList: true });
})();`;

/** Waits up to `waitMs` for the first row; its time, or null when none was drawn. */
async function firstRow(page, waitMs) {
  try {
    await page.waitForFunction(() => window.__firstRow !== null, null, { timeout: waitMs, polling: 20 });
  } catch {
    return null;
  }
  return page.evaluate(() => window.__firstRow);
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function jsHeap(context, page) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize').value;
  } finally {
    await cdp.detach();
  }
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const server = await startServer({ port: await freePort(), db: join(tempDir('mw-bench-tabs'), 'messenger.sqlite3') });
const proxy = await startProxy({ target: server.url });
const browser = await launchBrowser();
try {
  // A signed-in profile of Alice with her conversations drawn (and so stored).
  const alice = await signIn(browser, proxy.url, 'alice', 'demo', { initScript: FIRST_ROW });
  await alice.page.getByTestId('conversation').first().waitFor();
  await sleep(1_000);
  const token = await alice.page.evaluate(() => localStorage.getItem('messenger.token'));
  const tokenOnly = { cookies: [], origins: [{ origin: proxy.url, localStorage: [{ name: 'messenger.token', value: token }] }] };

  const withCopy = async () => {
    await alice.page.reload();
    return firstRow(alice.page, 10_000);
  };
  // The same profile and HTTP cache, the local copy deleted just before the reload.
  const copyDeleted = async () => {
    await alice.page.evaluate(async () => {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open('messenger-widget');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction('copy', 'readwrite');
      tx.objectStore('copy').clear();
      await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
      db.close();
    });
    const t = await withCopy();
    await waitOnline(alice.page);
    return t;
  };
  const withoutCopy = async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-US', storageState: tokenOnly });
    await context.addInitScript(FIRST_ROW);
    const page = await context.newPage();
    await page.goto(proxy.url);
    const t = await firstRow(page, 10_000);
    await context.close();
    return t;
  };
  const sample = async (fn) => {
    const out = [];
    for (let i = 0; i < SAMPLES; i += 1) out.push(await fn());
    return out;
  };

  const copyUp = await sample(async () => {
    const t = await withCopy();
    await waitOnline(alice.page);
    return t;
  });
  log(`first conversation row, with the local copy (reload), server up: ${msText(copyUp)}`);
  log(`first conversation row, without the local copy (reload, copy deleted, HTTP cache warm), server up: ${msText(await sample(copyDeleted))}`);
  log(`first conversation row, without the local copy (fresh profile, token only, cold HTTP cache), server up: ${msText(await sample(withoutCopy))}`);
  // A far-away server: 150 ms more on every round trip.
  proxy.setLatency(150);
  log(`first conversation row, with the local copy (reload), server 150 ms away: ${msText(await sample(async () => {
    const t = await withCopy();
    await waitOnline(alice.page);
    return t;
  }))}`);
  log(`first conversation row, without the local copy (reload, copy deleted, HTTP cache warm), server 150 ms away: ${msText(await sample(copyDeleted))}`);
  proxy.setLatency(0);
  proxy.setApiDown(true);
  log(`first conversation row, with the local copy, server unreachable: ${msText(await sample(withCopy))}`);
  log(`first conversation row, without the local copy, server unreachable: ${msText(await sample(async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-US', storageState: tokenOnly });
    await context.addInitScript(FIRST_ROW);
    const page = await context.newPage();
    await page.goto(proxy.url);
    const t = await firstRow(page, 5_000);
    await context.close();
    return t;
  }))}`);
  proxy.setApiDown(false);
  await alice.context.close();
  await sleep(1_000);

  // Connections and memory: Bob with 1 tab, then 5 tabs of one profile, then 5 profiles.
  const settle = async () => {
    await sleep(2_000);
    return { ...proxy.open(), rss: rssKb(server.pid) };
  };
  const idle = await settle();
  log(`server idle (no tab): ${idle.websockets} WebSockets, server RSS ${(idle.rss / 1024).toFixed(1)} MiB`);
  const bob = await signIn(browser, proxy.url, 'bob', 'demo', { initScript: FIRST_ROW });
  const tabs = [bob.page];
  const one = await settle();
  log(`1 tab of one user: ${one.websockets} WebSocket(s) at the server, server RSS ${(one.rss / 1024).toFixed(1)} MiB`);
  for (let i = 1; i < 5; i += 1) {
    const page = await bob.context.newPage();
    await page.goto(proxy.url);
    await page.getByTestId('me').waitFor();
    await waitOnline(page);
    tabs.push(page);
  }
  const five = await settle();
  log(`5 tabs of one user (one profile): ${five.websockets} WebSocket(s) at the server, server RSS ${(five.rss / 1024).toFixed(1)} MiB`);
  const roles = await Promise.all(tabs.map((p) => p.locator('.mw-app').first().getAttribute('data-leader')));
  const heaps = [];
  const wasm = [];
  for (const page of tabs) {
    heaps.push(await jsHeap(bob.context, page));
    wasm.push(await page.evaluate(() => window.__wasm?.memory?.buffer.byteLength ?? null));
  }
  const leaderHeaps = heaps.filter((_, i) => roles[i] === 'true');
  const followerHeaps = heaps.filter((_, i) => roles[i] !== 'true');
  log(`JS heap per tab (5 tabs, after a GC): leader ${leaderHeaps.map(mib).join(', ')}; followers ${followerHeaps.map(mib).join(', ')} `
    + `(leaders: ${leaderHeaps.length})`);
  const wasmOf = (leader) => wasm.filter((_, i) => (roles[i] === 'true') === leader).map((b) => (b === null ? '?' : mib(b))).join(', ');
  log(`wasm linear memory per tab: leader ${wasmOf(true)}; followers ${wasmOf(false)}`);
  await bob.context.close();
  await sleep(1_000);

  const profiles = [];
  for (let i = 0; i < 5; i += 1) profiles.push(await signIn(browser, proxy.url, 'bob'));
  const separate = await settle();
  log(`for comparison, 5 separate profiles of one user: ${separate.websockets} WebSocket(s) at the server, server RSS ${(separate.rss / 1024).toFixed(1)} MiB`);
  for (const p of profiles) await p.context.close();
} finally {
  await browser.close();
  await proxy.close();
  await server.stop();
}
