// The loader on a portal page (issue 10): the launcher and its live badge without the wasm,
// when the widget is fetched, the command queue, host events, the page title, CSS isolation
// both ways and the strict CSP. The pages are tests/e2e/fixtures/, served by the real server
// as a demo intranet (so with its headers), the widget and loader from the release build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  box, eventually, intranetArgs, intranetWithFixtures, launcher, openChatWith, passwordToken,
  protocolClient, signIn, useServerAndBrowser, widgetRequests,
} from './harness.mjs';

const dir = intranetWithFixtures('loader');
const env = useServerAndBrowser('loader', { args: intranetArgs(dir) });

/** A fresh browser (own storage) on a fixture page booted with `query` (see loader-page.js). */
async function portalPage(query, { file = 'page.html', viewport = { width: 1200, height: 800 }, initScript } = {}) {
  const context = await env.browser.newContext({ viewport });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${file}] page error: ${err.message}`));
  const requests = widgetRequests(page);
  const response = await page.goto(`${env.server.url}/intranet/${file}?${new URLSearchParams(query)}`);
  return { context, page, requests, response };
}

/** Resolves after the page has been idle twice after its load event: when idle preload runs. */
async function pastIdle(page) {
  await page.waitForLoadState('load');
  for (let i = 0; i < 2; i++) {
    await page.evaluate(() => new Promise((r) => requestIdleCallback(r, { timeout: 2000 })));
  }
  await page.waitForTimeout(300);
}

const badge = (page) => page.getByTestId('launcher-badge');
const expanded = (page) => launcher(page).getAttribute('aria-expanded');

/** Marks every conversation and notification of `username` read (from node), so its unread
 * count starts at 0. */
async function readEverything(username) {
  const client = await protocolClient(env.server.url, username);
  try {
    for (const c of client.welcome.conversations) {
      if (c.unread > 0 && c.last_message) {
        await client.cmd({ type: 'mark_read', conversation_id: c.id, message_id: c.last_message.id });
      }
    }
    if (client.welcome.unread_notifications > 0) await client.cmd({ type: 'mark_all_notifications_read' });
  } finally {
    client.close();
  }
}

async function sendFromBob(to, text) {
  const bob = await protocolClient(env.server.url, 'bob');
  try {
    const other = bob.welcome.users.find((u) => u.username === to).id;
    const { conversation } = await bob.cmd({ type: 'open_direct', user_id: other });
    await bob.cmd({ type: 'send_message', conversation_id: conversation.id, text });
  } finally {
    bob.close();
  }
}

test('with preload "open" nothing of the widget is fetched until the launcher is clicked', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const { context, page, requests } = await portalPage({ token, preload: 'open' });
  try {
    await launcher(page).waitFor();
    await pastIdle(page);
    assert.deepEqual(requests, [], 'no widget js or wasm before the user asks for it');
    assert.equal(await expanded(page), 'false');

    await launcher(page).click();
    await page.getByTestId('me').waitFor();
    assert.equal(await expanded(page), 'true');
    assert.ok(requests.some((u) => u.endsWith('_bg.wasm')), `wasm fetched on click: ${requests}`);
    assert.ok(requests.some((u) => u.endsWith('.js')), `widget js fetched on click: ${requests}`);
  } finally {
    await context.close();
  }
});

test('by default the widget is fetched when the page is idle, after its load event', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const { context, page, requests } = await portalPage({ token });
  try {
    await eventually(() => assert.ok(requests.some((u) => u.endsWith('_bg.wasm')), 'wasm fetched on idle'));
    const { loadEnd, starts } = await page.evaluate(() => ({
      loadEnd: performance.getEntriesByType('navigation')[0].loadEventEnd,
      starts: performance.getEntriesByType('resource')
        .filter((e) => /\/messenger-widget-[0-9a-f]{16}(_bg\.wasm|\.js)$/.test(e.name))
        .map((e) => [e.name, e.startTime]),
    }));
    assert.equal(starts.length, 2, `the widget's js and wasm: ${JSON.stringify(starts)}`);
    for (const [name, start] of starts) {
      assert.ok(start >= loadEnd, `${name} (at ${start} ms) waits for the page's load (${loadEnd} ms)`);
    }
    // Preloaded, not shown: the launcher stays closed until clicked.
    assert.equal(await expanded(page), 'false');
    await launcher(page).click();
    await page.getByTestId('me').waitFor();
  } finally {
    await context.close();
  }
});

test('commands pushed before the loader ran are replayed; open, close and toggle drive the panel', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const { context, page } = await portalPage({ token, preload: 'open', before: 'open' });
  try {
    // Messenger.push(['open']) ran before messenger-loader.js: the widget opened by itself.
    await page.getByTestId('me').waitFor();
    assert.equal(await expanded(page), 'true');

    await page.evaluate(() => Messenger.push(['close']));
    await page.getByTestId('me').waitFor({ state: 'hidden' });
    assert.equal(await expanded(page), 'false');

    await page.evaluate(() => Messenger.push(['toggle']));
    await page.getByTestId('me').waitFor();
    assert.equal(await expanded(page), 'true');

    await launcher(page).click();
    await page.getByTestId('me').waitFor({ state: 'hidden' });

    const names = await page.evaluate(() => window.hostEvents.map((e) => e.name));
    for (const name of ['ready', 'opened', 'closed', 'unread']) {
      assert.ok(names.includes(name), `messenger:${name} reached the page (got ${names})`);
    }
  } finally {
    await context.close();
  }
});

test('the badge and the title follow unread messages without the widget; reading restores the title', async () => {
  await readEverything('alice');
  const token = await passwordToken(env.server.url, 'alice');
  const { context, page, requests } = await portalPage({ token, preload: 'open' });
  try {
    await launcher(page).waitFor();
    await eventually(() => page.evaluate(() => { if (!window.lastUnread) throw new Error('no unread yet'); }));
    // What is left unread after reading every message: notifications, if any.
    const before = await page.evaluate(() => window.lastUnread.total);
    const titled = (n) => (n ? `(${n}) Loader test` : 'Loader test');
    assert.equal(await page.title(), titled(before));

    await sendFromBob('alice', 'Lunch at noon?');
    await eventually(async () => assert.equal(await badge(page).textContent(), String(before + 1)));
    assert.equal(await page.title(), titled(before + 1));
    const last = await page.evaluate(() => window.lastUnread);
    assert.equal(last.total, before + 1, 'the on("unread") callback has the new total');
    assert.equal(last.messages, 1);
    assert.deepEqual(requests, [], 'the count came without loading the widget');

    await launcher(page).click();
    await openChatWith(page, 'bob');
    await eventually(async () => assert.equal(await page.title(), titled(before)));
    if (before === 0) await badge(page).waitFor({ state: 'hidden' });
  } finally {
    await context.close();
  }
});

test('one tab per browser polls the unread count and shares it; another takes over when it closes', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const context = await env.browser.newContext();
  const url = `${env.server.url}/intranet/page.html?${new URLSearchParams({ token, preload: 'open' })}`;
  const tabs = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    const tab = { page, polls: 0 };
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/unread') tab.polls += 1; });
    await page.goto(url);
    await launcher(page).waitFor();
    tabs.push(tab);
  }
  try {
    const counted = (tab) => tab.page.evaluate(() => window.lastUnread?.total ?? null);
    await eventually(async () => assert.ok((await counted(tabs[0])) !== null && (await counted(tabs[1])) !== null));
    const before = await counted(tabs[0]);
    await sendFromBob('alice', 'Two tabs, one poll');
    for (const tab of tabs) {
      await eventually(async () => assert.equal(await badge(tab.page).textContent(), String(before + 1)));
    }
    const polling = tabs.filter((t) => t.polls > 0);
    assert.equal(polling.length, 1, `one tab polls (requests per tab: ${tabs.map((t) => t.polls)})`);

    const [leader] = polling;
    const other = tabs.find((t) => t !== leader);
    await leader.page.close();
    await eventually(() => assert.ok(other.polls > 0, 'the other tab took over the poll'));
    await sendFromBob('alice', 'Still counted');
    await eventually(async () => assert.equal(await badge(other.page).textContent(), String(before + 2)));
  } finally {
    await context.close();
  }
});

test('the launcher sits in the corner the host asks for', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const { context, page } = await portalPage({ token, preload: 'open', position: 'top-left' });
  try {
    const b = await box(launcher(page));
    assert.ok(b.x < 40 && b.y < 40, `top-left: ${JSON.stringify(b)}`);
    await launcher(page).click();
    const panel = await box(page.getByTestId('launcher-panel'));
    assert.ok(panel.y > b.y + b.height - 1, 'the panel opens below a top launcher');
    assert.ok(panel.height <= 600 && panel.width <= 380, `panel at most 380×600: ${JSON.stringify(panel)}`);
  } finally {
    await context.close();
  }
});

test('the floating panel fits a small viewport', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const viewport = { width: 360, height: 560 };
  const { context, page } = await portalPage({ token, preload: 'now', before: 'open' }, { viewport });
  try {
    await page.getByTestId('me').waitFor();
    const panel = await box(page.getByTestId('launcher-panel'));
    assert.ok(panel.x >= 0 && panel.y >= 0, `inside the viewport: ${JSON.stringify(panel)}`);
    assert.ok(panel.x + panel.width <= viewport.width && panel.y + panel.height <= viewport.height,
      `inside the viewport: ${JSON.stringify(panel)}`);
  } finally {
    await context.close();
  }
});

/** Boxes of the launcher and key parts of the open widget, relative to the viewport. */
async function widgetLayout(file, token) {
  const { context, page } = await portalPage({ token, preload: 'now', before: 'open' }, { file });
  try {
    await page.getByTestId('me').waitFor();
    await page.locator('[data-testid="contact"]').first().waitFor();
    const parts = {
      launcher: launcher(page),
      panel: page.getByTestId('launcher-panel'),
      me: page.getByTestId('me'),
      status: page.getByTestId('connection-status'),
      contact: page.locator('[data-testid="contact"]').first(),
    };
    const out = {};
    for (const [name, locator] of Object.entries(parts)) out[name] = await box(locator);
    out.meFont = await parts.me.evaluate((el) => getComputedStyle(el).fontSize);
    return out;
  } finally {
    await context.close();
  }
}

test('a hostile host stylesheet does not move or resize the launcher or the widget', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const calm = await widgetLayout('page.html', token);
  const hostile = await widgetLayout('hostile.html', token);
  assert.equal(hostile.meFont, calm.meFont, 'the widget keeps its font size');
  for (const part of ['launcher', 'panel', 'me', 'status', 'contact']) {
    assert.ok(calm[part] && hostile[part], `${part} is shown on both pages`);
    for (const k of ['x', 'y', 'width', 'height']) {
      assert.ok(Math.abs(calm[part][k] - hostile[part][k]) <= 1,
        `${part}.${k}: ${calm[part][k]} without the hostile sheet, ${hostile[part][k]} with it`);
    }
  }
});

test('the widget and the launcher change no style of the host page', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const ids = ['host-title', 'host-text', 'host-card', 'host-link', 'host-button', 'host-input', 'host-list', 'inline'];
  const styles = (page) => page.evaluate((ids) => {
    const read = (el) => {
      const cs = getComputedStyle(el);
      const out = {};
      for (const prop of cs) out[prop] = cs.getPropertyValue(prop);
      return out;
    };
    const out = { html: read(document.documentElement), body: read(document.body) };
    for (const id of ids) out[id] = read(document.getElementById(id));
    return out;
  }, ids);

  const bare = await portalPage({}, { file: 'nowidget.html' });
  const without = await styles(bare.page);
  await bare.context.close();

  const { context, page } = await portalPage({ token, preload: 'now', before: 'open' });
  try {
    await page.getByTestId('me').waitFor();
    const withWidget = await styles(page);
    for (const [el, props] of Object.entries(without)) {
      const changed = Object.keys(props).filter((p) => props[p] !== withWidget[el][p]);
      assert.deepEqual(changed, [], `#${el}: the widget changed ${changed.map((p) => `${p}: ${props[p]} → ${withWidget[el][p]}`)}`);
    }
  } finally {
    await context.close();
  }
});

test('under the server\'s strict CSP the loader and the widget cause no violation', async () => {
  const token = await passwordToken(env.server.url, 'alice');
  const initScript = () => {
    window.cspViolations = [];
    addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    }, true);
  };
  const { context, page, response } = await portalPage({ token, preload: 'now', before: 'open' }, { initScript });
  try {
    const csp = response.headers()['content-security-policy'] || '';
    assert.match(csp, /style-src 'self'/, `the page is served with the strict CSP: ${csp}`);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, csp);
    await page.getByTestId('me').waitFor();
    await openChatWith(page, 'bob');
    await page.getByTestId('compose-input').fill('under CSP');
    await page.getByTestId('compose-input').press('Enter');
    await page.getByText('under CSP').first().waitFor();
    await launcher(page).click();
    await launcher(page).click();
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  } finally {
    await context.close();
  }
});

test('the standalone page has no inline script or style and starts the app through the loader', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  try {
    const response = await page.goto(env.server.url);
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>');
    assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
    assert.match(html, /<script src="\/messenger-loader\.js" defer><\/script>/);
    // One app, not two: the wasm's start() and the loader both know autostart elements.
    await page.getByTestId('login-username').waitFor();
    assert.equal(await page.getByTestId('login-username').count(), 1);
  } finally {
    await context.close();
  }
});

test('the standalone app leads its title with the unread count and tells the page, as a portal page does', async () => {
  await readEverything('erin');
  const { context, page } = await signIn(env.browser, env.server.url, 'erin');
  try {
    await page.evaluate(() => {
      window.unreadEvents = [];
      addEventListener('messenger:unread', (e) => window.unreadEvents.push(e.detail));
    });
    assert.equal(await page.title(), 'Messenger');

    await sendFromBob('erin', 'Standalone hello');
    await eventually(async () => assert.equal(await page.title(), '(1) Messenger'));
    const told = await page.evaluate(() => window.unreadEvents.at(-1));
    assert.equal(told.messages, 1, JSON.stringify(told));

    // Reading the message takes the count off the title.
    await openChatWith(page, 'bob');
    await eventually(async () => assert.equal(await page.title(), 'Messenger'));
    // Still one app: the loader mounted the element, the wasm's start() left it alone.
    assert.equal(await page.locator('[data-messenger-autostart] .mw-root').count(), 1);
  } finally {
    await context.close();
  }
});
