// Accessibility, screen by screen: axe-core (injected into the page) finds no serious or
// critical violation on any screen; new messages are announced through live regions; the
// rail's counters say their counts; focus is always visible; reduced motion is honoured.
// What axe finds is printed per screen (moderate and minor findings too), so a new rule
// breaking shows up in the log before it fails.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import {
  asUser, eventually, openChatWith, sendDirect, signIn, startServer, useServerAndBrowser, waitOnline,
} from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let alice;
let bob;

const env = useServerAndBrowser('mw-e2e-a11y', {
  async ready({ browser, server }) {
    alice = await signIn(browser, server.url, 'alice');
    bob = await signIn(browser, server.url, 'bob');
  },
});

/** axe's findings on the page as it is now: violations, and the rules that passed. */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    // Evaluated by the driver: the page's CSP refuses an added inline script.
    await page.evaluate(readFileSync(AXE, 'utf8'));
  }
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    const nodes = (v) => v.nodes.map((n) => `${n.target.join(' ')}: ${
      (n.failureSummary || n.any.map((c) => c.message).join('; ')).replace(/\s+/g, ' ').slice(0, 240)}`);
    return {
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: nodes(v) })),
      incomplete: r.incomplete.filter((v) => v.id === 'color-contrast').map((v) => ({ id: v.id, nodes: nodes(v) })),
      passes: r.passes.map((v) => v.id),
    };
  });
}

/**
 * Runs axe on `screen`: prints every rule it reports, fails on a serious or critical one,
 * and checks that the colour-contrast rule ran on something and passed.
 */
async function audit(t, page, screen) {
  const { violations, incomplete, passes } = await axe(page);
  for (const v of violations) {
    t.diagnostic(`${screen}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 4).join(' | ')}`);
  }
  for (const v of incomplete) {
    t.diagnostic(`${screen}: contrast not decided for ${v.nodes.length}: ${v.nodes.slice(0, 3).join(' | ')}`);
  }
  if (violations.length === 0) t.diagnostic(`${screen}: no violation (${passes.length} rules passed)`);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking.map((v) => `${v.id}: ${v.nodes.join(' | ')}`), [], `${screen}: serious or critical`);
  assert.ok(passes.includes('color-contrast'), `${screen}: colour contrast was checked`);
}

/** A small PNG drawn in the page. */
const pngOf = (page) => page.evaluate(() => {
  const c = document.createElement('canvas');
  c.width = 80;
  c.height = 60;
  const g = c.getContext('2d');
  g.fillStyle = '#3a7';
  g.fillRect(0, 0, 80, 60);
  return c.toDataURL('image/png').split(',')[1];
});

test('axe: sign-in, empty and with an error', async (t) => {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(env.server.url);
    await page.getByTestId('login-username').waitFor();
    await audit(t, page, 'sign-in');
    await page.getByTestId('login-username').fill('alice');
    await page.getByTestId('login-password').fill('wrong');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    await audit(t, page, 'sign-in error');
  } finally {
    await context.close();
  }
});

test('axe: the chat with messages, a link and an image; its compose pop-ups', async (t) => {
  const { page } = alice;
  await sendDirect(bob.page, 'alice', 'Hi Alice, the plan is at https://example.com/plan, call +33 1 23 45 67 89');
  await openChatWith(page, 'bob');
  await page.getByTestId('message').filter({ hasText: 'the plan is at' }).waitFor();
  const input = page.getByTestId('compose-input');
  await input.pressSequentially('Thanks, reading it now');
  await input.press('Enter');
  const png = await pngOf(page);
  await page.getByTestId('compose-file').setInputFiles({ name: 'green.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await page.locator('[data-testid="compose-attachment"][data-state="ready"]').waitFor();
  await audit(t, page, 'compose with an image picked');
  await page.getByTestId('compose-send').click();
  await page.getByTestId('message').getByTestId('attachment-thumb').waitFor();
  const sent = page.getByTestId('message').filter({ hasText: 'reading it now' });
  await eventually(async () => assert.notEqual(await sent.getAttribute('data-state'), 'pending'));
  await page.getByTestId('message-link').first().waitFor();
  await audit(t, page, 'chat');

  // The canned-reply pop-up.
  await input.pressSequentially('/tha');
  await page.getByTestId('canned-suggestion').first().waitFor();
  await audit(t, page, 'canned-reply pop-up');
  await input.press('Escape');
  await input.fill('');

  // The saved messages and canned replies panels.
  await page.getByTestId('compose-saved-toggle').click();
  await page.getByTestId('compose-panel').waitFor();
  await audit(t, page, 'saved messages');
  await page.getByTestId('compose-canned-toggle').click();
  await page.locator('[data-testid="compose-panel"][data-kind="canned"]').waitFor();
  await audit(t, page, 'canned replies manager');
  await page.getByTestId('compose-canned-toggle').click();
  await page.getByTestId('compose-panel').waitFor({ state: 'detached' });
});

test('axe: the image viewer', async (t) => {
  const { page } = alice;
  await page.getByTestId('message').getByTestId('attachment-thumb').first().click();
  const viewer = page.getByTestId('attachment-viewer');
  await viewer.waitFor();
  await eventually(async () => assert.ok(await page.getByTestId('viewer-image').evaluate((i) => i.complete && i.naturalWidth > 0)));
  await audit(t, page, 'image viewer');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
});

test('axe: a toast, then the high-importance dialog', async (t) => {
  const { page } = alice;
  await sendDirect(bob.page, 'alice', '@alice could you look at the slides?');
  const toast = page.getByTestId('notification-toast').first();
  await toast.waitFor();
  // Measured once it has slid in (it fades in from transparent).
  await toast.evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)));
  await audit(t, page, 'toast');
  await sendDirect(bob.page, 'alice', '@alice the server is down', 'high');
  const dialog = page.getByTestId('notification-dialog');
  await dialog.waitFor();
  await audit(t, page, 'high-importance dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('axe: the notification center', async (t) => {
  const { page } = alice;
  await page.getByTestId('notifications-counter').click();
  await eventually(async () => assert.ok((await page.getByTestId('notification').count()) >= 2));
  await audit(t, page, 'notification center');
});

test('axe: the channels, and the new-channel form', async (t) => {
  const { page } = alice;
  await asUser(bob.page, `await cmd({ type: 'create_channel', title: 'Releases' });`);
  await page.getByTestId('channels-counter').click();
  await page.getByTestId('channel-join').first().waitFor();
  await audit(t, page, 'channels');
  await page.getByTestId('channel-new').click();
  await page.getByTestId('channel-form').waitFor();
  await audit(t, page, 'new channel form');
  await page.keyboard.press('Escape');
  await page.getByTestId('channel-form').waitFor({ state: 'detached' });
});

test('axe: the settings', async (t) => {
  const { page } = alice;
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-panel').waitFor();
  await audit(t, page, 'settings');
  await page.getByTestId('settings-email-mode').selectOption('digest');
  await page.getByTestId('settings-digest-minutes').waitFor();
  await audit(t, page, 'settings, digest');
  await page.getByTestId('panel-back').click();
});

test('axe: the contacts tree and the search', async (t) => {
  const { page } = alice;
  const search = page.getByTestId('contact-search');
  await search.waitFor();
  await page.getByTestId('department').filter({ hasText: 'Engineering' }).click();
  await eventually(async () => assert.equal(
    await page.getByTestId('department').filter({ hasText: 'Engineering' }).getAttribute('aria-expanded'), 'false'));
  await audit(t, page, 'contacts tree');
  // The tree's levels are there for a screen reader: a department, a person in it.
  assert.equal(await page.getByTestId('department').first().getAttribute('aria-level'), '1');
  assert.equal(await page.getByRole('treeitem', { name: /Bob Nguyen/, level: 3 }).count(), 1);
  await page.getByTestId('department').filter({ hasText: 'Engineering' }).click();
  await search.fill('kow');
  await page.getByTestId('contact').first().waitFor();
  await audit(t, page, 'contacts search');
  await search.fill('nobody-like-this');
  await page.getByTestId('contact-search-empty').waitFor();
  await audit(t, page, 'contacts search, no match');
  await search.fill('');
});

test('axe: one column at 360×640, the list and the chat', async (t) => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice', 'demo', { viewport: { width: 360, height: 640 } });
  try {
    await page.getByTestId('contact-search').waitFor();
    await audit(t, page, 'narrow list');
    await openChatWith(page, 'bob');
    await page.getByTestId('message').first().waitFor();
    await audit(t, page, 'narrow chat');
  } finally {
    await context.close();
  }
});

test('new messages are announced: politely, high importance at once; not one\'s own, not history', async () => {
  const { page } = alice;
  const polite = page.getByTestId('announce-polite');
  const assertive = page.getByTestId('announce-assertive');
  // Live regions a screen reader follows, shown to nobody.
  assert.equal(await polite.getAttribute('aria-live'), 'polite');
  assert.equal(await assertive.getAttribute('aria-live'), 'assertive');
  for (const region of [polite, assertive]) {
    const b = await region.boundingBox();
    assert.ok(b && b.width <= 1 && b.height <= 1, `visually hidden: ${JSON.stringify(b)}`);
  }

  // A reload loads the conversations and the open chat's history: none of it is news.
  await page.reload();
  await waitOnline(page);
  await openChatWith(page, 'bob');
  await page.getByTestId('message').filter({ hasText: 'the plan is at' }).waitFor();
  assert.equal(await polite.textContent(), '');
  assert.equal(await assertive.textContent(), '');

  // What Alice writes herself is not read back to her.
  await page.getByTestId('compose-input').pressSequentially('My own words');
  await page.getByTestId('compose-input').press('Enter');
  await page.getByTestId('message').filter({ hasText: 'My own words' }).waitFor();
  assert.equal(await polite.textContent(), '');

  // Bob writes: polite.
  await sendDirect(bob.page, 'alice', 'Lunch at noon?');
  await eventually(async () => assert.equal(await polite.textContent(), 'New message from Bob Nguyen: Lunch at noon?'));
  assert.equal(await assertive.textContent(), '');
  // The same words again are a new announcement (a new text node, which a screen reader
  // reads; an unchanged one it would skip).
  await polite.evaluate((r) => { window.mwSaid = r.firstChild; });
  await sendDirect(bob.page, 'alice', 'Lunch at noon?');
  await eventually(async () => assert.ok(await polite.evaluate((r) => r.firstChild !== window.mwSaid), 'said again'));
  assert.equal(await polite.textContent(), 'New message from Bob Nguyen: Lunch at noon?');

  // High importance: assertive, and the polite region does not repeat an older message.
  await sendDirect(bob.page, 'alice', 'Fire drill in five minutes', 'high');
  await eventually(async () => assert.equal(await assertive.textContent(), 'New message from Bob Nguyen: Fire drill in five minutes'));
  assert.equal(await polite.textContent(), '');
  // It also asks for an answer in the dialog: dismissed here.
  const dialog = page.getByTestId('notification-dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('the rail counters say their counts in their accessible names', async () => {
  const dave = await signIn(env.browser, env.server.url, 'dave');
  const { page } = dave;
  const rail = (name) => page.getByRole('navigation', { name: 'Messenger' }).getByRole('button', { name, exact: true });
  try {
    // Nothing unread: the names say what the buttons are, without a zero.
    for (const name of ['Conversations, unread messages', 'Notifications', 'Settings']) {
      assert.equal(await rail(name).count(), 1, name);
    }
    await sendDirect(bob.page, 'dave', 'first');
    await sendDirect(bob.page, 'dave', 'second');
    await sendDirect(bob.page, 'dave', '@dave third, with a mention');
    await asUser(bob.page, `await cmd({ type: 'create_channel', title: 'Counters' });`);
    await eventually(async () => assert.equal(await rail('Conversations, unread messages: 3').count(), 1));
    await eventually(async () => assert.equal(await rail('Notifications: 1').count(), 1));
    await eventually(async () => assert.ok(
      (await rail(/^Open channels: \d+$/).count()) === 1, 'the channel count is in the name'));
    // The name and the badge a sighted user sees agree.
    const badge = await page.getByTestId('unread-counter').locator('.mw-nav-count').textContent();
    assert.equal(badge.trim(), '3');
    const channels = await page.getByTestId('channels-counter').getAttribute('aria-label');
    assert.equal(channels, `Open channels: ${(await page.getByTestId('channels-counter').locator('.mw-nav-count').textContent()).trim()}`);
  } finally {
    await dave.context.close();
  }
});

test('reduced motion: toasts and the tree stop animating', async () => {
  const { page } = alice;
  const motion = (selector) => page.locator(selector).first().evaluate((e) => {
    const s = getComputedStyle(e);
    return { animation: parseFloat(s.animationDuration) || 0, transition: parseFloat(s.transitionDuration) || 0 };
  });
  const toast = page.getByTestId('notification-toast');
  await sendDirect(bob.page, 'alice', '@alice moving toast');
  await toast.first().waitFor();
  // Without the preference, they move: the check below can tell.
  assert.ok((await motion('[data-testid="notification-toast"]')).animation > 0, 'the toast slides in');
  assert.ok((await motion('.mw-chevron')).transition > 0, 'the chevron turns');
  await page.getByTestId('notification-toast-close').first().click();

  await page.emulateMedia({ reducedMotion: 'reduce' });
  try {
    await sendDirect(bob.page, 'alice', '@alice still toast');
    await toast.first().waitFor();
    assert.deepEqual(await motion('[data-testid="notification-toast"]'), { animation: 0, transition: 0 });
    assert.deepEqual(await motion('.mw-chevron'), { animation: 0, transition: 0 });
    const moving = await page.evaluate(() => [...document.querySelectorAll('.mw-root *')]
      .filter((e) => {
        const s = getComputedStyle(e);
        return parseFloat(s.animationDuration) > 0 || parseFloat(s.transitionDuration) > 0;
      })
      .map((e) => e.className || e.tagName));
    assert.deepEqual(moving, [], 'nothing in the widget animates');
  } finally {
    await page.emulateMedia({ reducedMotion: null });
  }
});

/** Relative luminance of a CSS rgb()/rgba() colour. */
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

test('every Tab stop shows a focus ring in contrast with what is around it', async () => {
  const { page } = alice;
  await openChatWith(page, 'bob');
  // From the first Tab stop on (Tab then Shift+Tab: the focus came from the keyboard).
  await page.getByTestId('unread-counter').focus();
  await page.keyboard.press('Tab');
  const seen = new Map();
  for (let i = 0; i < 30; i += 1) {
    await page.keyboard.press(i === 0 ? 'Shift+Tab' : 'Tab');
    const ring = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      // The file input is invisible: its label shows the ring.
      const shown = el.matches('input[type=file]') ? el.closest('label') : el;
      const s = getComputedStyle(shown);
      // What the ring is drawn on: the element itself when drawn inside, else around it.
      let bg = null;
      for (let e = parseFloat(s.outlineOffset) < 0 ? shown : shown.parentElement; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (!/rgba\(.*, 0\)$/.test(c) && !/rgba\(.*, 0?\.\d+\)$/.test(c)) { bg = c; break; }
      }
      return {
        id: el.dataset.testid || el.getAttribute('aria-label') || el.tagName,
        style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, bg: bg ?? 'rgb(255, 255, 255)',
      };
    });
    if (!ring) continue;
    seen.set(ring.id, ring);
  }
  const ids = [...seen.keys()];
  for (const id of ['unread-counter', 'settings-button', 'sign-out', 'contact-search', 'timeline', 'compose-input', 'compose-send', 'compose-importance']) {
    assert.ok(ids.includes(id), `Tab reached ${id}: ${ids.join(', ')}`);
  }
  const weak = [...seen.values()].filter((r) => r.style === 'none' || r.width < 2 || contrast(r.color, r.bg) < 3)
    .map((r) => `${r.id}: ${r.style} ${r.width}px ${r.color} on ${r.bg}`);
  assert.deepEqual(weak, [], 'rings at least 2 px wide with a 3:1 contrast');
});

test('axe: offline, with a message waiting to be sent', async (t) => {
  const { page } = alice;
  await openChatWith(page, 'bob');
  await env.server.stop();
  try {
    await page.getByTestId('offline-banner').waitFor();
    await page.getByTestId('compose-input').pressSequentially('Sent once we are back');
    await page.getByTestId('compose-input').press('Enter');
    await page.locator('[data-testid="message"][data-state="pending"]').waitFor();
    await audit(t, page, 'offline, a message waiting');
  } finally {
    env.server = await startServer({ port: env.port, db: env.db });
  }
  await waitOnline(page);
  await page.locator('[data-testid="message"][data-state="pending"]').waitFor({ state: 'detached' });
});
