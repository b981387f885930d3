// An unsent draft is kept per conversation in IndexedDB and comes back after a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  eventually, openChatWith, signIn, waitOnline, useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-drafts');

test('drafts survive a reload and stay with their own conversation', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  const input = page.getByTestId('compose-input');

  await openChatWith(page, 'bob');
  await input.pressSequentially('half-written note to Bob');
  await openChatWith(page, 'carol');
  assert.equal(await input.inputValue(), '', "Bob's draft does not leak into Carol's chat");
  await input.pressSequentially('for Carol');

  await openChatWith(page, 'bob');
  await eventually(async () => assert.equal(await input.inputValue(), 'half-written note to Bob'));

  // Reload right after typing: the draft is in IndexedDB, not only in memory.
  await input.pressSequentially(', continued');
  await page.waitForTimeout(400);
  await page.reload();
  await waitOnline(page);
  await openChatWith(page, 'bob');
  await eventually(async () => assert.equal(await input.inputValue(), 'half-written note to Bob, continued'));
  await openChatWith(page, 'carol');
  await eventually(async () => assert.equal(await input.inputValue(), 'for Carol'));

  // Sending clears the draft for good.
  await input.press('Enter');
  await page.getByTestId('message').filter({ hasText: 'for Carol' }).waitFor();
  await page.reload();
  await waitOnline(page);
  await openChatWith(page, 'carol');
  await page.getByTestId('message').filter({ hasText: 'for Carol' }).waitFor();
  assert.equal(await input.inputValue(), '');

  await context.close();
});
