// Sidebar counters, channel list, notification center, contacts tree and settings, against
// the real server. Bob's side acts through a raw WebSocket of his own (the widget has no
// importance control in these tests' scope).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asUser, eventually, openChatWith, sendDirect, signIn, waitOnline, useServerAndBrowser,
} from './harness.mjs';

let alice;
let bob;

const env = useServerAndBrowser('mw-e2e-nav', {
  async ready({ browser, server }) {
    alice = await signIn(browser, server.url, 'alice');
    bob = await signIn(browser, server.url, 'bob');
  },
});

/** Bob sends `text` to Alice in their direct conversation, with `importance`. */
const bobTellsAlice = (text, importance = 'normal') => sendDirect(bob.page, 'alice', text, importance);

const count = async (page, testid) => (await page.getByTestId(testid).textContent()).trim();

/** The `data-testid` of the focused element, and its text. */
const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return `${e?.dataset?.testid ?? e?.tagName}: ${e?.textContent.trim()}`;
});

// First: the demo organisation has no channel yet.
test('no channel yet: the panel offers to create one, and the new channel opens', async () => {
  const page = alice.page;
  await page.getByTestId('channels-counter').click();
  await page.getByTestId('channels-empty').filter({ hasText: 'No open channels yet.' }).waitFor();
  await page.getByTestId('channel-create-first').click();
  const input = page.getByTestId('channel-title-input');
  await input.fill('Design reviews');
  await input.press('Enter');
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Design reviews'));
  const mine = page.getByTestId('channel').filter({ hasText: 'Design reviews' });
  await mine.waitFor();
  assert.equal(await mine.getAttribute('data-joined'), 'true');
  assert.match(await mine.textContent(), /1 member · joined/);
  assert.equal(await page.getByTestId('channel-form').count(), 0, 'the form closed');
  assert.equal(await page.getByTestId('channels-empty').isVisible(), false);
  await page.getByTestId('system-line').filter({ hasText: /Alice Martin created/ }).waitFor();

  // With channels listed, the header's action creates another.
  await page.getByTestId('channel-new').click();
  await input.fill('Lunch');
  await page.getByTestId('channel-create').click();
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Lunch'));
  await eventually(async () => assert.equal(await page.getByTestId('channel').count(), 2));
  assert.equal(await page.getByTestId('channel').first().getAttribute('data-joined'), 'true', 'newest first');
  // Others hear of both; one's own channels are no news.
  await eventually(async () => assert.equal(await count(bob.page, 'channels-counter'), '2'));
  assert.equal(await count(page, 'channels-counter'), '0');
  await page.getByTestId('panel-back').click();
  await page.getByTestId('contact-search').waitFor();
});


test('a new channel shows on the counter live; the list clears it; joining opens it', async () => {
  const page = alice.page;
  assert.equal(await count(page, 'channels-counter'), '0');
  await asUser(bob.page, `await cmd({ type: 'create_channel', title: 'Releases' });`);
  await eventually(async () => assert.equal(await count(page, 'channels-counter'), '1'));

  await page.getByTestId('channels-counter').click();
  const row = page.getByTestId('channel').filter({ hasText: 'Releases' });
  await row.waitFor();
  assert.match(await row.textContent(), /1 member/);
  assert.equal(await row.getAttribute('data-joined'), 'false');
  await eventually(async () => assert.equal(await count(page, 'channels-counter'), '0'));

  await row.getByTestId('channel-join').click();
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Releases'));
  // Membership changes are system lines in the timeline, set apart from messages.
  const joined = page.getByTestId('system-line').filter({ hasText: /Alice Martin joined/ });
  await joined.waitFor();
  assert.match(await joined.getAttribute('class'), /mw-tl-system/);
  await eventually(async () => assert.equal(await row.getAttribute('data-joined'), 'true'));
  assert.match(await row.textContent(), /2 members/);

  // The server remembers what was seen.
  await page.reload();
  await waitOnline(page);
  assert.equal(await count(page, 'channels-counter'), '0');
  // Back to the usual list.
  assert.equal(await page.getByTestId('contact-search').count(), 1);
});

test('notifications: live counter, toast, dialog, center, mark read', async () => {
  const page = alice.page;
  assert.equal(await count(page, 'notifications-counter'), '0');

  await bobTellsAlice('@alice can you check the release notes?');
  await eventually(async () => assert.equal(await count(page, 'notifications-counter'), '1'));
  const toast = page.getByTestId('notification-toast');
  await toast.waitFor();
  assert.match(await toast.textContent(), /Bob Nguyen mentioned you/);

  await bobTellsAlice('@alice the build is broken', 'high');
  await eventually(async () => assert.equal(await count(page, 'notifications-counter'), '2'));
  const dialog = page.getByTestId('notification-dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /the build is broken/);
  // The dialog takes the keyboard: its main button has the focus and Escape dismisses it.
  await eventually(async () => assert.equal(
    await page.evaluate(() => document.activeElement?.dataset?.testid), 'notification-open'));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await count(page, 'notifications-counter'), '2', 'dismissing is not reading');

  // A second one is dismissed with its button.
  await bobTellsAlice('@alice the build is green again', 'high');
  await dialog.waitFor();
  await page.getByTestId('notification-dismiss').click();
  await dialog.waitFor({ state: 'detached' });
  await eventually(async () => assert.equal(await count(page, 'notifications-counter'), '3'));

  // The toast goes away by itself.
  await toast.waitFor({ state: 'detached', timeout: 10_000 });

  await page.getByTestId('notifications-counter').click();
  const rows = page.getByTestId('notification');
  await eventually(async () => assert.equal(await rows.count(), 3));
  assert.equal(await rows.first().getAttribute('data-importance'), 'high', 'newest first');
  assert.equal(await rows.first().getAttribute('data-read'), 'false');

  // Opening Bob's conversation from one of them reads all three about it, high ones too.
  await rows.first().click();
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Bob Nguyen'));
  await eventually(async () => assert.equal(await count(page, 'notifications-counter'), '0'));
  // Opening it went back to the conversations; the center is a click away.
  await page.getByTestId('contact-search').waitFor();
  assert.equal(await page.getByTestId('notification-center').count(), 0);
  // The server agrees.
  await page.reload();
  await waitOnline(page);
  assert.equal(await count(page, 'notifications-counter'), '0');
  await page.getByTestId('notifications-counter').click();
  await eventually(async () => assert.equal(await rows.count(), 3));
  assert.equal(await page.locator('[data-testid="notification"][data-read="false"]').count(), 0);

  // Live while the center is open: on top.
  await bobTellsAlice('@alice one more thing');
  await eventually(async () => assert.equal(await rows.count(), 4));
  assert.match(await rows.first().textContent(), /one more thing/);
  assert.equal(await count(page, 'notifications-counter'), '1');

  await page.getByTestId('mark-all-read').click();
  await eventually(async () => assert.equal(await count(page, 'notifications-counter'), '0'));
  assert.equal(await page.locator('[data-testid="notification"][data-read="false"]').count(), 0);
  // The server agrees.
  await page.reload();
  await waitOnline(page);
  assert.equal(await count(page, 'notifications-counter'), '0');
});

test('contacts: search as you type, collapse departments', async () => {
  const page = alice.page;
  const contacts = page.getByTestId('contact');
  const search = page.getByTestId('contact-search');
  await contacts.first().waitFor();
  assert.equal(await contacts.count(), 6, 'everyone but me');

  await search.pressSequentially('NGU');
  await eventually(async () => assert.equal(await contacts.count(), 1));
  assert.equal(await contacts.first().getAttribute('data-username'), 'bob');
  assert.match(await contacts.first().textContent(), /Head office \/ Sales/);
  await search.fill('nobody-like-this');
  await page.getByTestId('contact-search-empty').waitFor();
  assert.equal(await contacts.count(), 0);
  await search.fill('');
  await eventually(async () => assert.equal(await contacts.count(), 6));

  const engineering = page.getByTestId('department').filter({ hasText: 'Engineering' });
  assert.equal(await page.locator('[data-testid="contact"][data-username="dave"]').count(), 1);
  await engineering.click();
  await eventually(async () => assert.equal(
    await page.locator('[data-testid="contact"][data-username="dave"]').count(), 0));
  assert.equal(await engineering.getAttribute('data-expanded'), 'false');
  assert.equal(await contacts.count(), 5, 'other departments stay open');
  const head = page.getByTestId('department').filter({ hasText: 'Head office' });
  await head.click();
  await eventually(async () => assert.equal(await contacts.count(), 0));
  await head.click();
  await engineering.click();
  await eventually(async () => assert.equal(await contacts.count(), 6));

  // Clicking a person still opens the conversation.
  await page.locator('[data-testid="contact"][data-username="carol"]').click();
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Carol Kowalski'));
});

test('contacts and lists: arrow keys move between rows, Enter opens', async () => {
  const page = alice.page;
  const search = page.getByTestId('contact-search');
  await search.fill('');
  await page.getByTestId('contact').first().waitFor();
  // One row of the tree is in the Tab order; ArrowDown from the search box reaches it.
  assert.equal(await page.locator('.mw-tree [tabindex="0"]').count(), 1);
  await search.focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'department: ›Head office6');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'department: ›Engineering1');
  // Left folds an open department, then goes up to the one holding it.
  await page.keyboard.press('ArrowLeft');
  const engineering = page.getByTestId('department').filter({ hasText: 'Engineering' });
  await eventually(async () => assert.equal(await engineering.getAttribute('data-expanded'), 'false'));
  assert.equal(await page.locator('[data-testid="contact"][data-username="dave"]').count(), 0);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(page), 'department: ›Head office6');
  // Right opens a folded one, then goes into it.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await eventually(async () => assert.equal(await engineering.getAttribute('data-expanded'), 'true'));
  assert.match(await focused(page), /^department: ›Engineering/);
  await page.keyboard.press('ArrowRight');
  assert.match(await focused(page), /^contact: DIDave Ivanov/);
  await page.keyboard.press('ArrowLeft');
  assert.match(await focused(page), /^department: ›Engineering/);
  await page.keyboard.press('End');
  assert.match(await focused(page), /^contact: EPErin Petit/);
  await page.keyboard.press('ArrowUp');
  assert.match(await focused(page), /^contact: CKCarol Kowalski/);
  // The row reached is the one Tab comes back to.
  await page.keyboard.press('Shift+Tab');
  assert.match(await focused(page), /^contact-search/);
  await page.keyboard.press('Tab');
  assert.match(await focused(page), /^contact: CKCarol Kowalski/);
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Dave Ivanov'));

  // The conversation list: the same keys.
  const conversations = page.getByTestId('conversation');
  const second = await conversations.nth(1).getAttribute('data-conversation-id');
  await conversations.first().focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.conversationId), second);
  const title = (await conversations.nth(1).locator('.mw-conv-title').textContent()).trim();
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), title));
});

test('at 420×700 the settings panel fills the column and scrolls to its last control', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'dave');
  try {
    await page.setViewportSize({ width: 420, height: 700 });
    // A long name stays on one line, cut short.
    await asUser(page, `await cmd({ type: 'create_channel', title: arg });`,
      'Quarterly planning of the customer support and engineering teams, all offices');
    await page.getByTestId('channels-counter').click();
    const title = page.getByTestId('channel-title').filter({ hasText: 'Quarterly' });
    await title.waitFor();
    const line = await title.evaluate((e) => ({
      height: e.getBoundingClientRect().height,
      lineHeight: parseFloat(getComputedStyle(e).lineHeight),
      cut: e.scrollWidth > e.clientWidth,
    }));
    assert.ok(line.height < line.lineHeight * 1.5, `one line: ${JSON.stringify(line)}`);
    assert.ok(line.cut, 'ellipsized');

    await page.getByTestId('settings-button').click();
    const panel = page.getByTestId('settings-panel');
    await panel.waitFor();
    const body = panel.locator('.mw-navpanel-body');
    const controls = panel.locator('select, input');
    const last = controls.last();
    assert.equal(await last.getAttribute('data-testid'), 'settings-zoom', 'the text size comes last');
    // The panel reaches the bottom of its column (no fixed cap; at this width the rail is a
    // bar under the column), its body is what scrolls.
    const panelBox = await panel.boundingBox();
    const column = await page.locator('.mw-list').boundingBox();
    assert.ok(panelBox.y + panelBox.height >= column.y + column.height - 1,
      `panel ends at ${panelBox.y + panelBox.height}, its column at ${column.y + column.height}`);
    await body.evaluate((e) => { e.scrollTop = e.scrollHeight; });
    const bodyBox = await body.boundingBox();
    for (let i = 0; i < await controls.count(); i++) {
      const c = controls.nth(i);
      if (!(await c.isVisible())) continue;
      await c.scrollIntoViewIfNeeded();
      const box = await c.boundingBox();
      const id = await c.getAttribute('data-testid');
      assert.ok(box.y >= bodyBox.y - 0.5 && box.y + box.height <= bodyBox.y + bodyBox.height + 0.5,
        `${id} ${JSON.stringify(box)} inside the scroll area ${JSON.stringify(bodyBox)}`);
      assert.ok(box.x >= bodyBox.x - 0.5 && box.x + box.width <= bodyBox.x + bodyBox.width + 0.5,
        `${id} ${JSON.stringify(box)} not cut on the side ${JSON.stringify(bodyBox)}`);
    }
    // The header stayed in place above it.
    const back = await page.getByTestId('panel-back').boundingBox();
    assert.ok(back.y >= panelBox.y && back.y + back.height <= bodyBox.y + 0.5, 'the header stays');
    assert.equal(await page.evaluate(() => document.scrollingElement.scrollTop), 0, 'the page did not scroll');

    // The text size is picked here (kept on this device, not sent to the server).
    await last.selectOption('125');
    assert.equal(await last.getAttribute('data-value'), '125');
    assert.equal(await last.inputValue(), '125');
  } finally {
    await context.close();
  }
});

test('settings: the send key is kept by the server across a reload', async () => {
  const page = alice.page;
  await page.getByTestId('settings-button').click();
  const select = page.getByTestId('settings-send-key');
  assert.equal(await select.inputValue(), 'enter');
  await select.selectOption('ctrl_enter');
  await eventually(async () => assert.equal(await select.getAttribute('data-value'), 'ctrl_enter'));

  await page.reload();
  await waitOnline(page);
  await page.getByTestId('settings-button').click();
  await eventually(async () => assert.equal(
    await page.getByTestId('settings-send-key').getAttribute('data-value'), 'ctrl_enter'));
  assert.equal(await page.getByTestId('settings-send-key').inputValue(), 'ctrl_enter');

  // Another setting round-trips too, and the panel closes with its back button.
  await page.getByTestId('settings-email-mode').selectOption('digest');
  const minutes = page.getByTestId('settings-digest-minutes');
  await minutes.waitFor();
  assert.equal(await minutes.inputValue(), '60');
  await page.getByTestId('panel-back').click();
  await page.getByTestId('contact-search').waitFor();

  // The compose box follows the setting: Enter adds a line, Ctrl+Enter sends.
  await openChatWith(page, 'carol');
  const input = page.getByTestId('compose-input');
  assert.match(await page.getByTestId('compose-hint').textContent(), /^Ctrl\+Enter to send/);
  await input.pressSequentially('first line');
  await input.press('Enter');
  await input.pressSequentially('second line');
  assert.equal(await input.inputValue(), 'first line\nsecond line', 'Enter added a line');
  assert.equal(await page.getByTestId('message').filter({ hasText: 'first line' }).count(), 0);
  await input.press('Control+Enter');
  await page.getByTestId('message').filter({ hasText: 'second line' }).waitFor();
  assert.equal(await input.inputValue(), '');
});
