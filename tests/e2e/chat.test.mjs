// Two people, two browsers, one reference server: the first conversation end to end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  eventually, openChatWith, signIn, startServer, waitOnline, useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-chat');

const counter = (page) => page.getByTestId('unread-counter');
const messages = (page) => page.getByTestId('message');

async function lastMessageText(page) {
  return (await messages(page).last().getByTestId('message-text').textContent()) ?? '';
}

test('Alice and Bob chat live, and the history survives a server restart', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const bob = await signIn(env.browser, env.server.url, 'bob');
  assert.equal(await counter(bob.page).textContent(), '0');
  // The demo data leaves Alice one unread line in the Engineering group.
  const aliceBaseline = await counter(alice.page).textContent();
  assert.equal(aliceBaseline, '1');

  await openChatWith(alice.page, 'bob');
  const input = alice.page.getByTestId('compose-input');
  await input.fill('hello Bob');
  await input.press('Enter');
  await eventually(async () => assert.equal(await lastMessageText(alice.page), 'hello Bob'));
  assert.equal(await input.inputValue(), '', 'the box is emptied after sending');

  // Bob's counter goes up without a reload.
  await eventually(async () => assert.equal(await counter(bob.page).textContent(), '1'));

  await openChatWith(bob.page, 'alice');
  const received = messages(bob.page).filter({ hasText: 'hello Bob' });
  await received.waitFor();
  assert.equal(await received.getByTestId('message-sender').textContent(), 'Alice Martin');
  const time = received.getByTestId('message-time');
  const iso = await time.getAttribute('datetime');
  assert.ok(Math.abs(Date.parse(iso) - Date.now()) < 5 * 60_000, `message time ${iso} is now`);
  assert.match(await time.textContent(), /^\d{1,2}:\d{2}/);
  await eventually(async () => assert.equal(await counter(bob.page).textContent(), '0'));

  // Alice sees that Bob read it.
  await eventually(async () => assert.equal(
    await messages(alice.page).filter({ hasText: 'hello Bob' }).getAttribute('data-state'), 'read'));

  const reply = bob.page.getByTestId('compose-input');
  await reply.fill('hi Alice');
  await reply.press('Enter');
  await eventually(async () => assert.equal(await lastMessageText(alice.page), 'hi Alice'));
  // Alice has the chat open and visible, so the reply counts as read at once.
  await alice.page.waitForTimeout(300);
  assert.equal(await counter(alice.page).textContent(), aliceBaseline);
  const bobRow = alice.page.locator('[data-testid="conversation"]').filter({ hasText: 'Bob Nguyen' });
  assert.equal(await bobRow.getByTestId('conversation-unread').count(), 0);

  // Restart the server on the same SQLite file: nothing is lost.
  await env.server.stop();
  env.server = await startServer({ port: env.port, db: env.db });
  await bob.page.reload();
  await waitOnline(bob.page);
  await openChatWith(bob.page, 'alice');
  await eventually(async () => {
    const texts = await messages(bob.page).getByTestId('message-text').allTextContents();
    assert.deepEqual(texts.slice(-2), ['hello Bob', 'hi Alice']);
  });
  // Alice's open page reconnects by itself and keeps working.
  await waitOnline(alice.page);
  await input.fill('still there?');
  await input.press('Enter');
  await eventually(async () => assert.equal(await lastMessageText(bob.page), 'still there?'));

  await alice.context.close();
  await bob.context.close();
});

test('markup in a message is shown as text and never runs; real addresses become safe links', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const bob = await signIn(env.browser, env.server.url, 'bob');
  let dialogs = 0;
  for (const p of [alice.page, bob.page]) p.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });

  const payload = '<img src=x onerror=alert(1)> [click](javascript:alert(1))';
  await openChatWith(alice.page, 'bob');
  await alice.page.getByTestId('compose-input').fill(payload);
  await alice.page.getByTestId('compose-input').press('Enter');

  await openChatWith(bob.page, 'alice');
  const shown = messages(bob.page).filter({ hasText: 'onerror' }).getByTestId('message-text');
  await eventually(async () => assert.equal(await shown.textContent(), payload));
  assert.equal(await shown.locator('img').count(), 0);
  assert.equal(await bob.page.locator('a[href^="javascript:"]').count(), 0);
  assert.equal(dialogs, 0);

  // A real address becomes a link that shows exactly where it goes and opens safely.
  await alice.page.getByTestId('compose-input').fill('docs: https://example.com/a?b=1. call +33 1 23 45 67 89');
  await alice.page.getByTestId('compose-input').press('Enter');
  const web = bob.page.locator('a[data-testid="message-link"][href="https://example.com/a?b=1"]');
  await web.waitFor();
  assert.equal(await web.textContent(), 'https://example.com/a?b=1');
  assert.equal(await web.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await web.getAttribute('target'), '_blank');
  const tel = bob.page.locator('a[data-testid="message-link"][href="tel:+33123456789"]');
  assert.equal(await tel.textContent(), '+33 1 23 45 67 89');

  await alice.context.close();
  await bob.context.close();
});
