// The mailbox view (issue 12): the same messages as folders, with the bold counts, the
// "Not delivered" column following the recipients' reading, the reading pane's places, the
// keyboard, drafts sent from Drafts, and a host page starting the widget in the mailbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asUser, box, directHistory, eventually, intranetArgs, intranetWithFixtures, openChatWith,
  passwordToken, protocolClient, signIn, useServerAndBrowser,
} from './harness.mjs';

const dir = intranetWithFixtures('mw-e2e-mailbox');
const env = useServerAndBrowser('mw-e2e-mailbox', { args: intranetArgs(dir) });

/** Picks the mailbox in the settings and goes back to it. */
async function useMailbox(page) {
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-view').selectOption('mailbox');
  await page.getByTestId('panel-back').click();
  await page.getByTestId('mailbox').waitFor();
}

/** `from` writes `text` to `to` in their direct conversation (from node). */
async function sendFrom(from, to, text) {
  const client = await protocolClient(env.server.url, from);
  try {
    const other = client.welcome.users.find((u) => u.username === to).id;
    const { conversation } = await client.cmd({ type: 'open_direct', user_id: other });
    await client.cmd({ type: 'send_message', conversation_id: conversation.id, text, importance: 'normal' });
  } finally {
    client.close();
  }
}

const row = (page, text) => page.getByTestId('mail-row').filter({ hasText: text });
/** Whether a row (or folder) is drawn bold. */
const bold = async (locator) => /\bmw-mail-bold\b/.test(await locator.getAttribute('class'));

test('the inbox is bold with its count and a sent message stays bold until everyone read it', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const { page } = alice;
  await useMailbox(page);

  // Dave's greeting waits unread: the Inbox is bold with the count the rail shows.
  const inbox = page.getByTestId('mail-folder-inbox');
  const greeting = row(page, 'Welcome to the Engineering chat');
  await eventually(async () => {
    const rail = await page.getByTestId('unread-counter').getAttribute('data-count');
    assert.ok(Number(rail) >= 1, rail);
    assert.equal(await inbox.getAttribute('data-count'), rail);
    assert.equal(await bold(inbox), true);
    assert.equal(await bold(greeting), true);
  });
  assert.equal((await greeting.getByTestId('mail-who').textContent()).trim(), 'Dave Ivanov');
  // The server removes unread messages after 7 days: the row says when.
  assert.match(await greeting.getByTestId('mail-expires').textContent(), /^Expires \S/);

  // Alice writes to a group of Bob and Carol; neither has read it.
  await asUser(page, `
    const ids = ['bob', 'carol'].map((u) => welcome.users.find((x) => x.username === u).id);
    const { conversation } = await cmd({ type: 'create_group', title: 'Launch plans', members: ids });
    await cmd({ type: 'send_message', conversation_id: conversation.id, text: 'Agenda for Monday', importance: 'high' });
  `);
  await page.getByTestId('mail-folder-sent').click();
  const sent = row(page, 'Agenda for Monday');
  const notDelivered = sent.getByTestId('mail-not-delivered');
  await eventually(async () => {
    assert.equal(await bold(sent), true);
    assert.match(await notDelivered.textContent(), /Bob Nguyen, Carol Kowalski/);
  });
  assert.equal((await sent.getByTestId('mail-who').textContent()).trim(), 'Bob Nguyen, Carol Kowalski');
  assert.ok(await sent.getByTestId('mail-important').isVisible(), 'the importance marker shows');

  // Each recipient opens it in their own browser: the column shrinks, then the row un-bolds.
  for (const [reader, left] of [['bob', 'Carol Kowalski'], ['carol', null]]) {
    const other = await signIn(env.browser, env.server.url, reader);
    await other.page.getByTestId('conversation').filter({ hasText: 'Launch plans' }).click();
    await other.page.getByTestId('message').filter({ hasText: 'Agenda for Monday' }).waitFor();
    await eventually(async () => {
      if (left) {
        const names = await notDelivered.textContent();
        assert.ok(names.includes(left) && !names.includes('Bob'), names);
        assert.equal(await bold(sent), true);
      } else {
        assert.equal(await notDelivered.isVisible(), false);
        assert.equal(await bold(sent), false);
      }
    });
    await other.context.close();
  }
  await alice.context.close();
});

test('the reading pane sits below, beside or nowhere, and the keyboard walks the list', async () => {
  for (const [from, text] of [['bob', 'first note'], ['carol', 'second note'], ['bob', 'third note']]) {
    await sendFrom(from, 'dave', text);
  }
  const { context, page } = await signIn(env.browser, env.server.url, 'dave');
  await useMailbox(page);
  const list = page.getByTestId('mail-list');
  const rows = list.getByTestId('mail-row');
  await row(page, 'first note').waitFor();
  assert.deepEqual(
    (await rows.getByTestId('mail-preview').allTextContents()).map((t) => t.trim()),
    ['third note', 'second note', 'first note'],
    'newest first',
  );
  const pane = page.getByTestId('mail-pane');

  // Opening a message shows it with the chat's rendering and reads it.
  const third = row(page, 'third note');
  assert.equal(await bold(third), true);
  await third.click();
  await pane.getByTestId('message-text').filter({ hasText: 'third note' }).waitFor();
  await eventually(async () => assert.equal(await bold(third), false));
  assert.equal(await page.getByTestId('mailbox').getAttribute('data-pane'), 'bottom');
  let l = await box(list);
  let p = await box(pane);
  assert.ok(p.y >= l.y + l.height - 1 && Math.abs(p.x - l.x) < 2, `below: ${JSON.stringify({ l, p })}`);

  // One Tab stop; the arrows, End and Home move the selection and the pane follows.
  assert.equal(await rows.and(page.locator('[tabindex="0"]')).count(), 1);
  await page.keyboard.press('ArrowDown');
  await eventually(async () => {
    assert.equal(await row(page, 'second note').getAttribute('aria-selected'), 'true');
    assert.equal(await third.getAttribute('aria-selected'), 'false');
  });
  await pane.getByTestId('message-text').filter({ hasText: 'second note' }).waitFor();
  assert.equal(await row(page, 'second note').evaluate((el) => el.getRootNode().activeElement === el), true);
  await page.keyboard.press('End');
  await eventually(async () => assert.equal(await row(page, 'first note').getAttribute('aria-selected'), 'true'));
  await page.keyboard.press('Home');
  await eventually(async () => assert.equal(await third.getAttribute('aria-selected'), 'true'));

  // Enter with the pane on: the reply box takes the keyboard, and the reply goes out as from
  // the chat view, importance included.
  await page.keyboard.press('Enter');
  const reply = pane.getByTestId('compose-input');
  await eventually(async () => assert.equal(await reply.evaluate((el) => el.getRootNode().activeElement === el), true));
  await pane.getByTestId('compose-importance').click();
  await reply.fill('On my way');
  await reply.press('Enter');
  await eventually(async () => {
    const client = await protocolClient(env.server.url, 'dave');
    try {
      const bob = client.welcome.users.find((u) => u.username === 'bob').id;
      const { conversation } = await client.cmd({ type: 'open_direct', user_id: bob });
      const { messages } = await client.cmd({ type: 'load_history', conversation_id: conversation.id, limit: 10 });
      const sent = messages.find((m) => m.text === 'On my way');
      assert.equal(sent?.importance, 'high');
    } finally {
      client.close();
    }
  });

  // The pane on the right, then off.
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-reading-pane').selectOption('right');
  await page.getByTestId('panel-back').click();
  await eventually(async () => {
    assert.equal(await page.getByTestId('mailbox').getAttribute('data-pane'), 'right');
    l = await box(list);
    p = await box(pane);
    assert.ok(p.x >= l.x + l.width - 1 && p.y <= l.y + 40, `beside: ${JSON.stringify({ l, p })}`);
  });
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-reading-pane').selectOption('off');
  await page.getByTestId('panel-back').click();
  await eventually(async () => assert.equal(await pane.count(), 0));

  // Without a pane, Enter opens the selected message's conversation in the chat view.
  await row(page, 'second note').click();
  await page.keyboard.press('Enter');
  await page.getByTestId('chat-title').filter({ hasText: 'Carol Kowalski' }).waitFor();
  await page.getByTestId('message').filter({ hasText: 'second note' }).waitFor();
  // The conversations button of the rail comes back to the mailbox.
  await page.getByTestId('unread-counter').click();
  await page.getByTestId('mailbox').waitFor();

  // The choices are kept on this device.
  await page.reload();
  await page.getByTestId('mailbox').waitFor();
  assert.equal(await page.getByTestId('mailbox').getAttribute('data-pane'), 'off');
  await context.close();
});

test('a draft opens from Drafts and is sent from there', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'erin');
  await openChatWith(page, 'bob');
  await page.getByTestId('compose-input').pressSequentially('Draft about the budget');
  await page.waitForTimeout(400); // written to IndexedDB
  await useMailbox(page);
  await page.getByTestId('mail-folder-drafts').click();
  const draft = row(page, 'Draft about the budget');
  await draft.waitFor();
  assert.equal((await draft.getByTestId('mail-who').textContent()).trim(), 'Bob Nguyen');
  await draft.click();
  const input = page.getByTestId('mail-pane').getByTestId('compose-input');
  await eventually(async () => assert.equal(await input.inputValue(), 'Draft about the budget'));
  await input.press('End');
  await input.pressSequentially(', final');
  await input.press('Enter');

  // Gone from Drafts, in Sent, and on the server.
  await eventually(async () => assert.equal(await draft.count(), 0));
  await page.getByTestId('mail-folder-sent').click();
  await row(page, 'Draft about the budget, final').waitFor();
  await eventually(async () => {
    const texts = await directHistory(env.server.url, 'erin', 'bob');
    assert.ok(texts.includes('Draft about the budget, final'), JSON.stringify(texts));
  });
  await context.close();
});

test('a host page starts the widget in the mailbox with view: "mailbox"', async () => {
  const token = await passwordToken(env.server.url, 'carol');
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[host] page error: ${err.message}`));
  await page.goto(`${env.server.url}/intranet/page.html?${new URLSearchParams({
    token, preload: 'now', mode: 'inline', view: 'mailbox',
  })}`);
  await page.getByTestId('mailbox').waitFor({ timeout: 20_000 });
  await page.getByTestId('mail-folder-inbox').waitFor();
  await context.close();
});
