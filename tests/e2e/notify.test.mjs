// News outside the page (issue 10): a browser notification while no tab of the user is in
// view, only once the user allowed it in the settings, one per event across the tabs of one
// browser; an optional tone, one per event; toasts and an unanswered dialog carried over to
// the next page; the dark theme (axe-core) and the widget's isolation from inherited styles.
//
// Headless Chromium shows every page as visible, so an init script puts
// `document.visibilityState` under the test's control (`__setHidden`, which also fires
// `visibilitychange`); it also wraps `window.Notification` (the real permission, recorded
// constructions, reported to node through `exposeBinding`) and counts the oscillators the
// page creates.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  eventually, openTab, sendDirect, signIn, useServerAndBrowser,
} from './harness.mjs';

// Evaluated through the devtools protocol, which the page's CSP does not govern (an injected
// <script> would be refused under `script-src 'self'`).
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const PROBES = `(() => {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true, get: () => (hidden ? 'hidden' : 'visible'),
  });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__setHidden = (h) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
  window.__notes = [];
  const Real = window.Notification;
  if (Real) {
    class Recorded extends EventTarget {
      constructor(title, options = {}) {
        super();
        this.title = title;
        this.body = options.body;
        this.tag = options.tag;
        this.onclick = null;
        window.__notes.push(this);
        window.__noteMade?.({ title, body: options.body, tag: options.tag });
      }
      close() { this.closed = true; }
      static get permission() { return Real.permission; }
      static requestPermission(...args) { return Real.requestPermission(...args); }
    }
    window.Notification = Recorded;
  }
  window.__tones = 0;
  const make = BaseAudioContext.prototype.createOscillator;
  BaseAudioContext.prototype.createOscillator = function () { window.__tones += 1; return make.call(this); };
})();`;

const env = useServerAndBrowser('mw-e2e-notify');

/** `username` signed in with the probes; `made` collects the notifications of every tab. */
async function signInProbed(username) {
  const made = [];
  const { context, page } = await signIn(env.browser, env.server.url, username, 'demo', { initScript: PROBES });
  await context.grantPermissions(['notifications'], { origin: env.server.url });
  await context.exposeBinding('__noteMade', ({ page: from }, note) => made.push({ page: from, ...note }));
  return { context, page, made };
}

async function allowNotifications(page) {
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-panel').waitFor();
  const button = page.getByTestId('settings-notify');
  assert.equal(await button.getAttribute('data-state'), 'granted', 'the browser allows, the user has not asked yet');
  await button.click();
  await eventually(async () => assert.equal(await button.getAttribute('data-state'), 'on'));
  assert.match(await page.getByTestId('settings-notify-state').textContent(), /tab is in view/);
  await page.getByTestId('panel-back').click();
}

const setHidden = (page, hidden) => page.evaluate((h) => window.__setHidden(h), hidden);

/** Waits until `page` shows `text` as the newest message of some conversation. */
async function arrived(page, text) {
  await page.locator('[data-testid="conversation"]', { hasText: text }).first().waitFor();
}

/** A moment for anything late (a second tab's notification) to show up before counting. */
const settle = () => new Promise((r) => setTimeout(r, 700));

test('browser notifications: none before the button, one while hidden, a toast while in view, a click opens the chat', async () => {
  const bob = await signIn(env.browser, env.server.url, 'bob');
  const alice = await signInProbed('alice');
  try {
    const { page, made } = alice;
    // Allowed by the browser but not by the user: a hidden page stays quiet.
    await setHidden(page, true);
    await sendDirect(bob.page, 'alice', 'before the button');
    await arrived(page, 'before the button');
    await settle();
    assert.deepEqual(made, [], 'nothing before the user asked');

    await setHidden(page, false);
    await allowNotifications(page);
    await setHidden(page, true);
    await sendDirect(bob.page, 'alice', 'while you were away');
    await eventually(() => assert.equal(made.length, 1));
    assert.match(made[0].title, /Bob/);
    assert.equal(made[0].body, 'while you were away');
    assert.match(made[0].tag, /^mw-[mn]\d+$/);

    // In view: a mention shows as a toast, not as a browser notification.
    await setHidden(page, false);
    await sendDirect(bob.page, 'alice', '@alice in view');
    await page.getByTestId('notification-toast').first().waitFor();
    await settle();
    assert.equal(made.length, 1, 'no browser notification while the page is in view');

    // Clicking the notification opens its conversation.
    assert.equal(await page.getByTestId('chat-title').count(), 0, 'no chat open yet');
    await page.evaluate(() => window.__notes[0].onclick());
    await page.getByTestId('chat-title').waitFor();
    assert.match(await page.getByTestId('chat-title').textContent(), /Bob/);
    assert.equal(await page.evaluate(() => window.__notes[0].closed), true, 'closed once clicked');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('three tabs of one user: one notification per message, none while any tab is in view; the tone is off until chosen, then once per message', async () => {
  const bob = await signIn(env.browser, env.server.url, 'bob');
  const carol = await signInProbed('carol');
  try {
    const { context, made } = carol;
    const tabs = [carol.page, await openTab(context, env.server.url, 'carol'), await openTab(context, env.server.url, 'carol')];
    await allowNotifications(tabs[1]);
    for (const t of tabs) await setHidden(t, true);
    const tones = async () => (await Promise.all(tabs.map((t) => t.evaluate(() => window.__tones))))
      .reduce((a, b) => a + b, 0);

    for (const text of ['first of three', 'second of three']) {
      await sendDirect(bob.page, 'carol', text);
      await eventually(() => assert.equal(made.filter((n) => n.body === text).length, 1));
      await Promise.all(tabs.map((t) => arrived(t, text)));
    }
    await settle();
    assert.equal(made.length, 2, 'one notification per message across three tabs');
    assert.equal(await tones(), 0, 'no sound by default');

    // One tab (not the leader, the first) in view: it shows the news, nobody notifies.
    await setHidden(tabs[2], false);
    await sendDirect(bob.page, 'carol', 'one tab in view');
    await Promise.all(tabs.map((t) => arrived(t, 'one tab in view')));
    await settle();
    assert.equal(made.length, 2, 'no notification while a tab is in view');

    // The sound, chosen in one tab: one tone per message, from one tab, seen or not.
    await tabs[2].getByTestId('settings-button').click();
    await tabs[2].getByTestId('settings-sound').check();
    await tabs[2].getByTestId('panel-back').click();
    for (const [i, text] of ['ding one', 'ding two'].entries()) {
      await sendDirect(bob.page, 'carol', text);
      await Promise.all(tabs.map((t) => arrived(t, text)));
      await eventually(async () => assert.equal(await tones(), i + 1));
    }
    await settle();
    assert.equal(await tones(), 2, 'one tone per message across three tabs');
  } finally {
    await carol.context.close();
    await bob.context.close();
  }
});

test('a toast still up and an unanswered dialog come back on the next page; an answered one does not', async () => {
  const bob = await signIn(env.browser, env.server.url, 'bob');
  const dave = await signIn(env.browser, env.server.url, 'dave');
  try {
    const { page } = dave;
    const toast = page.getByTestId('notification-toast');
    await sendDirect(bob.page, 'dave', '@dave before you go');
    await toast.waitFor();
    const shownAt = Date.now();
    await page.waitForTimeout(3_000);
    await page.reload();
    await toast.waitFor({ timeout: 3_000 });
    assert.match(await toast.textContent(), /before you go/);
    // For the rest of its time (6 s in all), not a fresh 6 s (that would end after 9 s).
    await toast.waitFor({ state: 'detached', timeout: 9_000 });
    assert.ok(Date.now() - shownAt < 8_000, `gone ${Date.now() - shownAt} ms after it first showed`);
    await page.reload();
    await page.getByTestId('me').waitFor();
    await settle();
    assert.equal(await toast.count(), 0, 'a toast whose time ran out stays away');

    const dialog = page.getByTestId('notification-dialog');
    await sendDirect(bob.page, 'dave', '@dave the server room is flooding', 'high');
    await dialog.waitFor();
    await page.reload();
    await dialog.waitFor({ timeout: 4_000 });
    assert.match(await dialog.textContent(), /flooding/);
    await page.getByTestId('notification-dismiss').click();
    await dialog.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByTestId('me').waitFor();
    await settle();
    assert.equal(await dialog.count(), 0, 'an answered dialog does not come back');
  } finally {
    await dave.context.close();
    await bob.context.close();
  }
});

test('without the Notification API the button says so and asks nothing', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'erin', 'demo', {
    initScript: 'delete window.Notification;',
  });
  try {
    await page.getByTestId('settings-button').click();
    const button = page.getByTestId('settings-notify');
    assert.equal(await button.getAttribute('data-state'), 'unsupported');
    assert.equal(await button.isDisabled(), true);
    assert.match(await page.getByTestId('settings-notify-state').textContent(), /cannot show notifications/);
  } finally {
    await context.close();
  }
});

/** Serious or critical axe findings on the page, and whether colour contrast was checked. */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return {
      blocking: r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} ${n.failureSummary}`).join(' | ')}`),
      contrastChecked: r.passes.some((p) => p.id === 'color-contrast'),
    };
  });
}

test('the dark theme: other colours, axe-core passes; auto follows the system', async (t) => {
  const bob = await signIn(env.browser, env.server.url, 'bob');
  const erin = await signIn(env.browser, env.server.url, 'erin');
  try {
    const { page } = erin;
    await sendDirect(bob.page, 'erin', 'a message to read in the dark https://example.com');
    await sendDirect(bob.page, 'erin', '@erin and a mention');
    await page.locator('[data-testid="conversation"]', { hasText: 'mention' }).first().click();
    await page.getByTestId('chat-title').waitFor();
    const colours = () => page.evaluate(() => {
      const style = (sel) => getComputedStyle(document.querySelector(sel));
      return {
        text: style('.mw-root').color,
        list: style('.mw-list').backgroundColor,
        chat: style('.mw-chat').backgroundColor,
        bubble: style('.mw-bubble').backgroundColor,
      };
    });
    const setTheme = (theme) => page.evaluate((th) => { document.querySelector('.mw-root').dataset.theme = th; }, theme);
    const light = await colours();
    await setTheme('dark');
    const dark = await colours();
    for (const k of Object.keys(light)) assert.notEqual(dark[k], light[k], `${k} changes in the dark theme`);
    assert.equal(dark.list, 'rgb(24, 29, 36)');

    for (const screen of ['chat', 'notifications', 'settings']) {
      if (screen === 'notifications') await page.getByTestId('notifications-counter').click();
      if (screen === 'settings') await page.getByTestId('settings-button').click();
      await page.waitForTimeout(300);
      const { blocking, contrastChecked } = await axe(page);
      t.diagnostic(`dark ${screen}: ${blocking.length} serious or critical`);
      assert.deepEqual(blocking, [], `dark ${screen}`);
      assert.ok(contrastChecked, `dark ${screen}: colour contrast was checked`);
    }

    // "auto": the system's choice, changing without a reload.
    await setTheme('auto');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal((await colours()).list, dark.list);
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal((await colours()).list, light.list);
  } finally {
    await erin.context.close();
    await bob.context.close();
  }
});

/**
 * Hostile host styles, through the CSSOM (a page under the server's CSP can take no inline
 * `<style>`): global resets and huge inherited text settings.
 */
const HOSTILE = `html { font-size: 40px; } body { font-size: 40px; line-height: 3; letter-spacing: 2px;
  word-spacing: 9px; text-transform: uppercase; color: red; font-style: italic; text-indent: 50px;
  font-family: serif; cursor: wait; white-space: pre; visibility: visible; }
  * { box-sizing: content-box; } div { display: flex; } ul, li { list-style: square; }`;
const addHostile = (page) => page.evaluate((css) => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}, HOSTILE);

/** What the host could leak into the widget, read on its "me" line inside `root`. */
const lookIn = (page, inShadow) => page.evaluate((inShadow) => {
  const root = inShadow ? document.querySelector('#shadow-host').shadowRoot : document;
  const me = root.querySelector('[data-testid="me"]');
  const s = getComputedStyle(me);
  return {
    fontSize: s.fontSize, lineHeight: s.lineHeight, letterSpacing: s.letterSpacing, fontFamily: s.fontFamily,
    wordSpacing: s.wordSpacing, textTransform: s.textTransform, color: s.color, whiteSpace: s.whiteSpace,
    fontStyle: s.fontStyle, textIndent: s.textIndent, cursor: s.cursor,
  };
}, inShadow);

test('a hostile page: inherited styles do not reach the widget, in the page or in a shadow root; --mw-* set on the host do', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  try {
    const before = await lookIn(page, false);
    assert.equal(before.fontSize, '14px');
    // A second widget in a shadow root, its stylesheet linked inside, as the loader mounts it
    // (the host element is the loader's own: an element the page's div rules do not match).
    await page.evaluate(async () => {
      // The page's own stylesheet and script, whatever their (hashed) names.
      const css = document.querySelector('link[rel="stylesheet"]').href;
      const js = document.querySelector('link[rel="modulepreload"]').href;
      const host = document.createElement('mw-test-host');
      host.id = 'shadow-host';
      host.style.display = 'block';
      document.body.append(host);
      const shadow = host.attachShadow({ mode: 'open' });
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = css;
      const box = document.createElement('div');
      box.style.height = '600px';
      shadow.append(link, box);
      (await import(js)).mountMessenger(box, { dbName: 'mw-shadow-test' });
    });
    const shadowMe = page.locator('#shadow-host [data-testid="me"]');
    await shadowMe.waitFor();
    assert.deepEqual(await lookIn(page, true), before, 'the same look in a shadow root');

    await addHostile(page);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '40px', 'the host style applies');
    assert.deepEqual(await lookIn(page, false), before, 'in the page');
    assert.deepEqual(await lookIn(page, true), before, 'in the shadow root');
    // The shadow root's layout holds: the rail, the list and the chat side by side.
    const layout = await page.evaluate(() => {
      const r = document.querySelector('#shadow-host').shadowRoot;
      const box = (sel) => r.querySelector(sel).getBoundingClientRect();
      return { rail: box('.mw-sidebar'), list: box('.mw-list'), chat: box('.mw-chat') };
    });
    assert.ok(layout.rail.right <= layout.list.left + 1 && layout.list.right <= layout.chat.left + 1,
      `columns in order: ${JSON.stringify(layout)}`);

    // The host themes the widget through custom properties on its own element.
    const brand = () => page.evaluate(() => getComputedStyle(
      document.querySelector('#shadow-host').shadowRoot.querySelector('.mw-brand')).backgroundColor);
    const accent = () => page.evaluate(() => getComputedStyle(
      document.querySelector('#shadow-host').shadowRoot.querySelector('.mw-root')).getPropertyValue('--mw-accent').trim());
    assert.equal(await accent(), '#215bd0', 'the default, from :host');
    assert.equal(await brand(), 'rgb(33, 91, 208)');
    await page.evaluate(() => document.querySelector('#shadow-host').style.setProperty('--mw-accent', '#0b7a53'));
    assert.equal(await accent(), '#0b7a53', 'the host\'s own value wins');
    assert.equal(await brand(), 'rgb(11, 122, 83)');
  } finally {
    await context.close();
  }
});
