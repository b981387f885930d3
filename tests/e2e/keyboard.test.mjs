// The widget by keyboard alone: Alice's page gets no click and no locator action, only
// page.keyboard (Bob, on the other side, is driven as usual). Each step checks what the user
// would notice: where the focus is (document.activeElement), what shows, what Bob receives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asUser, eventually, openChatWith, sendDirect, signIn, useServerAndBrowser, waitOnline,
} from './harness.mjs';

let bob;

const env = useServerAndBrowser('mw-e2e-keyboard', {
  async ready({ browser, server }) {
    bob = await signIn(browser, server.url, 'bob');
  },
});

/** The focused element, as a user would describe it. */
const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return {
    testid: e?.dataset?.testid ?? e?.tagName ?? null,
    username: e?.dataset?.username ?? null,
    name: e?.getAttribute('aria-label') ?? e?.textContent.trim().slice(0, 60),
    expanded: e?.getAttribute('aria-expanded') ?? null,
  };
});
const focusedId = async (page) => (await focused(page)).testid;

/** Presses `key` until the focus is on `testid`; returns the stops passed on the way. */
async function pressUntil(page, key, testid, max = 20) {
  const stops = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(key);
    const id = await focusedId(page);
    stops.push(id);
    if (id === testid) return stops;
  }
  assert.fail(`${key} never reached ${testid}: ${stops.join(' → ')}`);
}

test('a whole conversation with the keyboard only', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[alice] page error: ${err.message}`));
  const k = page.keyboard;
  try {
    // Sign in: Tab to the username, type, Tab, type, Enter.
    await page.goto(env.server.url);
    await page.getByTestId('login-username').waitFor();
    await k.press('Tab');
    assert.equal(await focusedId(page), 'login-username');
    await k.type('alice');
    await k.press('Tab');
    assert.equal(await focusedId(page), 'login-password');
    await k.type('demo');
    await k.press('Enter');
    await page.getByTestId('me').waitFor();
    await waitOnline(page);
    await page.getByTestId('contact').first().waitFor();

    // The Tab order: the rail, then the list column: one stop in the conversations (the
    // demo's team group), the search, one stop in the tree.
    const stops = await pressUntil(page, 'Tab', 'contact-search');
    assert.deepEqual(stops, [
      'unread-counter', 'channels-counter', 'notifications-counter', 'settings-button', 'sign-out',
      'conversation', 'contact-search',
    ]);

    // The contacts tree: ArrowDown enters it, Left folds a department, Right opens it again.
    await k.press('ArrowDown');
    let f = await focused(page);
    assert.equal(f.testid, 'department');
    assert.equal(f.expanded, 'true');
    const people = page.getByTestId('contact');
    const everyone = await people.count();
    await k.press('ArrowLeft');
    await eventually(async () => assert.equal((await focused(page)).expanded, 'false'));
    await eventually(async () => assert.ok((await people.count()) < everyone, 'folded: its people are hidden'));
    await k.press('ArrowRight');
    await eventually(async () => assert.equal(await people.count(), everyone));
    // Down the tree to Bob.
    await pressUntil(page, 'ArrowDown', 'contact', 3);
    for (let i = 0; i < 8 && (await focused(page)).username !== 'bob'; i += 1) await k.press('ArrowDown');
    assert.equal((await focused(page)).username, 'bob', 'arrow keys reach Bob in the tree');

    // Or by name: back to the search box, type, ArrowDown to the only match.
    await k.press('Shift+Tab');
    assert.equal(await focusedId(page), 'contact-search');
    await k.type('nguy');
    await eventually(async () => assert.equal(await people.count(), 1));
    await k.press('ArrowDown');
    assert.equal((await focused(page)).username, 'bob');

    // Enter opens the chat and puts the keyboard in the message box.
    await k.press('Enter');
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Bob Nguyen'));
    await eventually(async () => assert.equal(await focusedId(page), 'compose-input'));
    await k.type('Hello Bob, typed without a mouse');
    await k.press('Enter');
    await page.getByTestId('message').filter({ hasText: 'typed without a mouse' }).waitFor();
    assert.equal(await page.getByTestId('compose-input').inputValue(), '');

    // Bob gets it, and answers: Alice's screen reader hears it.
    await openChatWith(bob.page, 'alice');
    await bob.page.getByTestId('message').filter({ hasText: 'Hello Bob, typed without a mouse' }).waitFor();
    await sendDirect(bob.page, 'alice', 'Hi Alice! Got it.');
    await page.getByTestId('message').filter({ hasText: 'Got it.' }).waitFor();
    await eventually(async () => assert.equal(
      await page.getByTestId('announce-polite').textContent(), 'New message from Bob Nguyen: Hi Alice! Got it.'));
    assert.equal(await focusedId(page), 'compose-input', 'an arriving message leaves the focus alone');

    // Bob sends a picture: Alice reaches it from the message box, opens the viewer, which
    // keeps the focus until Escape gives it back to the thumbnail.
    const png = await bob.page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 40;
      c.height = 30;
      c.getContext('2d').fillRect(0, 0, 40, 30);
      return c.toDataURL('image/png').split(',')[1];
    });
    await bob.page.getByTestId('compose-file').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
    await bob.page.locator('[data-testid="compose-attachment"][data-state="ready"]').waitFor();
    await bob.page.getByTestId('compose-send').click();
    await page.getByTestId('attachment-thumb').waitFor();
    await pressUntil(page, 'Shift+Tab', 'attachment-thumb', 4);
    await k.press('Enter');
    await page.getByTestId('attachment-viewer').waitFor();
    await eventually(async () => assert.equal(await focusedId(page), 'viewer-close'));
    // Save is offered once the picture's bytes have arrived (it saves those bytes).
    await page.locator('[data-testid="attachment-viewer"][data-state="ready"]').waitFor();
    await k.press('Tab');
    assert.equal(await focusedId(page), 'viewer-download');
    await k.press('Tab');
    assert.equal(await focusedId(page), 'viewer-close', 'Tab stays in the viewer');
    await k.press('Escape');
    await page.getByTestId('attachment-viewer').waitFor({ state: 'detached' });
    assert.equal(await focusedId(page), 'attachment-thumb');
    await pressUntil(page, 'Tab', 'compose-input', 4);

    // The canned replies offered on "/": the arrows move the highlight, which the message
    // box names as its active option (what a screen reader reads); Escape closes the pop-up
    // and leaves the text.
    const box = page.getByTestId('compose-input');
    const active = () => page.evaluate(() => {
      const id = document.activeElement.getAttribute('aria-activedescendant');
      const option = id && document.getElementById(id);
      return option ? `${option.getAttribute('aria-selected')} ${option.textContent}` : null;
    });
    await k.type('/');
    await page.getByTestId('canned-suggestion').nth(1).waitFor();
    const options = await page.getByTestId('canned-suggestion').allTextContents();
    assert.equal(await active(), `true ${options[0]}`);
    await k.press('ArrowDown');
    assert.equal(await active(), `true ${options[1]}`);
    await k.press('Escape');
    await eventually(async () => assert.equal(await page.getByTestId('canned-suggestion').count(), 0));
    assert.equal(await active(), null);
    assert.equal(await box.inputValue(), '/');
    await k.press('Backspace');

    // The saved messages panel: opened from its button, closed with Escape.
    await pressUntil(page, 'Tab', 'compose-saved-toggle', 8);
    await k.press('Enter');
    await page.getByTestId('compose-panel').waitFor();
    assert.equal((await focused(page)).expanded, 'true');
    await k.press('Escape');
    await page.getByTestId('compose-panel').waitFor({ state: 'detached' });
    assert.equal(await focusedId(page), 'compose-input', 'Escape puts the keyboard back in the message box');

    // A high-importance message interrupts: the dialog has the focus and keeps it; Escape
    // closes it and gives the focus back where Alice was typing.
    await k.type('half a sentence');
    await sendDirect(bob.page, 'alice', '@alice the build is broken', 'high');
    const dialog = page.getByTestId('notification-dialog');
    await dialog.waitFor();
    await eventually(async () => assert.equal(await focusedId(page), 'notification-open'));
    await k.press('Tab');
    assert.equal(await focusedId(page), 'notification-dismiss', 'Tab stays in the dialog');
    await k.press('Tab');
    assert.equal(await focusedId(page), 'notification-open');
    await k.press('Shift+Tab');
    assert.equal(await focusedId(page), 'notification-dismiss');
    await k.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await focusedId(page), 'compose-input');
    assert.equal(await page.getByTestId('compose-input').inputValue(), 'half a sentence');
    assert.match(await page.getByTestId('announce-assertive').textContent(), /the build is broken/);
    await k.press('Enter');
    await bob.page.getByTestId('message').filter({ hasText: 'half a sentence' }).waitFor();

    // The notification center: back to the rail, Enter, into the list, arrows, Enter opens.
    await sendDirect(bob.page, 'alice', '@alice and the slides, please');
    await pressUntil(page, 'Shift+Tab', 'notifications-counter');
    await k.press('Enter');
    await page.getByTestId('notification-center').waitFor();
    const rows = page.getByTestId('notification');
    await eventually(async () => assert.equal(await rows.count(), 2));
    const into = await pressUntil(page, 'Tab', 'notification', 6);
    assert.deepEqual(into.slice(-3), ['panel-back', 'mark-all-read', 'notification']);
    const first = await page.evaluate(() => document.activeElement.dataset.notificationId);
    await k.press('ArrowDown');
    const second = await page.evaluate(() => document.activeElement.dataset.notificationId);
    assert.notEqual(second, first, 'ArrowDown moves to the next notification');
    await k.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.notificationId), first);
    await k.press('Enter');
    await page.getByTestId('notification-center').waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Bob Nguyen'));
    await eventually(async () => assert.equal(await focusedId(page), 'compose-input'));

    // The settings: the text size by arrow key, then back to the conversations.
    await pressUntil(page, 'Shift+Tab', 'settings-button');
    await k.press('Enter');
    await page.getByTestId('settings-panel').waitFor();
    await pressUntil(page, 'Tab', 'settings-zoom', 12);
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.mw-me')).fontSize));
    const before = await size();
    await k.press('ArrowDown');
    await eventually(async () => assert.equal(await page.getByTestId('settings-zoom').getAttribute('data-value'), '110'));
    assert.ok((await size()) > before, 'the text got bigger');
    await pressUntil(page, 'Shift+Tab', 'panel-back', 12);
    await k.press('Enter');
    await page.getByTestId('settings-panel').waitFor({ state: 'detached' });
    await page.getByTestId('contact-search').waitFor();
    assert.equal(await focusedId(page), 'conversation', 'back on the conversations');

    // The conversation list: Home, then ArrowDown to Bob's, Enter, and on with the chat.
    await k.press('Home');
    const title = () => page.evaluate(() => document.activeElement.querySelector('.mw-conv-title').textContent);
    const firstTitle = await title();
    for (let i = 0; i < 5 && (await title()) !== 'Bob Nguyen'; i += 1) await k.press('ArrowDown');
    assert.equal(await title(), 'Bob Nguyen');
    await k.press('End');
    await k.press('Home');
    assert.equal(await title(), firstTitle, 'Home goes back to the first');
    for (let i = 0; i < 5 && (await title()) !== 'Bob Nguyen'; i += 1) await k.press('ArrowDown');
    await k.press('Enter');
    await eventually(async () => assert.equal(await focusedId(page), 'compose-input'));
    await k.type('Done, thanks!');
    await k.press('Enter');
    await bob.page.getByTestId('message').filter({ hasText: 'Done, thanks!' }).waitFor();
  } finally {
    await context.close();
  }
});

test('one column: Enter opens the chat, its back button returns to the row', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'carol', 'demo', { viewport: { width: 360, height: 640 } });
  const k = page.keyboard;
  try {
    await page.getByTestId('contact').first().waitFor();
    await pressUntil(page, 'Tab', 'contact-search');
    await k.type('bob');
    await eventually(async () => assert.equal(await page.getByTestId('contact').count(), 1));
    await k.press('ArrowDown');
    await k.press('Enter');
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Bob Nguyen'));
    assert.equal(await page.locator('.mw-list').isVisible(), false, 'the chat fills the widget');
    await eventually(async () => assert.equal(await focusedId(page), 'compose-input'));
    await k.type('From a phone');
    await k.press('Enter');
    await page.getByTestId('message').filter({ hasText: 'From a phone' }).waitFor();
    await pressUntil(page, 'Shift+Tab', 'chat-back');
    await k.press('Enter');
    await page.getByTestId('contact-search').waitFor();
    await eventually(async () => {
      const f = await focused(page);
      assert.equal(f.testid, 'conversation');
      assert.match(f.name, /Bob Nguyen/);
    });
  } finally {
    await context.close();
  }
});

test('arrow keys in the channel list; Escape closes the new-channel form', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'dave');
  const k = page.keyboard;
  try {
    for (const title of ['Alpha', 'Beta']) {
      await asUser(bob.page, `await cmd({ type: 'create_channel', title: arg });`, title);
    }
    await page.getByTestId('contact').first().waitFor();
    await pressUntil(page, 'Tab', 'channels-counter');
    await k.press('Enter');
    await eventually(async () => assert.equal(await page.getByTestId('channel').count(), 2));
    const stops = await pressUntil(page, 'Tab', 'channel-join', 6);
    assert.deepEqual(stops.slice(-3), ['panel-back', 'channel-new', 'channel-join']);
    const title = () => page.evaluate(() => document.activeElement.closest('[data-testid=channel]')
      .querySelector('[data-testid=channel-title]').textContent);
    assert.equal(await title(), 'Beta', 'newest first');
    await k.press('ArrowDown');
    assert.equal(await title(), 'Alpha');
    await k.press('Home');
    assert.equal(await title(), 'Beta');
    await k.press('Tab');
    assert.notEqual(await focusedId(page), 'channel-join', 'one row of the list is a Tab stop');

    // The form for a new channel: Escape closes it, the focus goes back to its button.
    await pressUntil(page, 'Shift+Tab', 'channel-new', 6);
    await k.press('Enter');
    await page.getByTestId('channel-form').waitFor();
    assert.equal(await focusedId(page), 'channel-title-input');
    await k.press('Escape');
    await page.getByTestId('channel-form').waitFor({ state: 'detached' });
    assert.equal(await focusedId(page), 'channel-new');

    // Joining by keyboard opens the channel, ready to write.
    await pressUntil(page, 'Tab', 'channel-join', 3);
    await k.press('Enter');
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Beta'));
    await eventually(async () => assert.equal(await focusedId(page), 'compose-input'));
  } finally {
    await context.close();
  }
});

test('a tap opens the chat without focusing the message box (no on-screen keyboard pops up)', async () => {
  const context = await env.browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto(env.server.url);
    await page.getByTestId('login-username').fill('erin');
    await page.getByTestId('login-password').fill('demo');
    await page.getByTestId('login-submit').tap();
    await waitOnline(page);
    await page.locator('[data-testid="contact"][data-username="bob"]').tap();
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Bob Nguyen'));
    await page.getByTestId('compose-input').waitFor();
    await page.waitForTimeout(200);
    assert.notEqual(await focusedId(page), 'compose-input');
  } finally {
    await context.close();
  }
});
