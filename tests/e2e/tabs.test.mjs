// Two tabs of one user share one connection; what one tab does with a draft shows in the
// other (issue 9: "Drafts, outbox, read state and counters stay consistent across tabs").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, openChatWith, openTab, signIn, useServerAndBrowser } from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-tabs');

test('a draft typed in one tab shows in the other tab of the same chat, and sending clears it in both', async () => {
  const { context, page: first } = await signIn(env.browser, env.server.url, 'alice');
  try {
    const second = await openTab(context, env.server.url, 'alice');
    await openChatWith(first, 'bob');
    await openChatWith(second, 'bob');
    // The user types in the first tab (it has the focus); the second is in the background.
    await first.bringToFront();
    await first.getByTestId('compose-input').pressSequentially('half a thought');
    await eventually(async () => assert.equal(await second.getByTestId('compose-input').inputValue(), 'half a thought'));
    await first.getByTestId('compose-input').press('Enter');
    await eventually(async () => assert.equal(await second.getByTestId('compose-input').inputValue(), ''));
    // The sent message shows once in both tabs.
    for (const page of [first, second]) {
      await eventually(async () => assert.equal(
        await page.getByTestId('message').filter({ hasText: 'half a thought' }).count(), 1));
    }
  } finally {
    await context.close();
  }
});
