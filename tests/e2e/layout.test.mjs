// The widget at the sizes a portal gives it (360×640, 420×700, 1280×800), tried as a new user
// would: one column below 640 px, nothing squeezed or cut off, pop-ups clear of the compose
// box, and navigation that never traps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  box, eventually, openChatWith, overlaps, sendDirect, signIn, startServer, waitOnline,
  useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-layout');

const SIZES = [
  { width: 360, height: 640 },
  { width: 420, height: 700 },
  { width: 1280, height: 800 },
];

/** The rail buttons shown as the current view. */
async function activeRail(page) {
  return page.locator('.mw-sidebar [aria-current="page"]').evaluateAll(
    (els) => els.map((e) => e.dataset.testid),
  );
}

/** Names and titles that wrapped onto more than one line. */
async function wrappedNames(page) {
  return page.evaluate(() => [...document.querySelectorAll(
    '.mw-conv-title, .mw-conv-preview, .mw-contact-name, .mw-me, .mw-chat-title',
  )]
    .filter((e) => e.getClientRects().length > 0)
    .map((e) => {
      const lh = parseFloat(getComputedStyle(e).lineHeight) || 20;
      return { text: e.textContent, height: e.getBoundingClientRect().height, lh };
    })
    .filter((l) => l.height > l.lh * 1.5));
}

for (const viewport of SIZES) {
  const narrow = viewport.width < 640;
  const size = `${viewport.width}×${viewport.height}`;

  test(`${size}: ${narrow ? 'one column' : 'three columns'}, full-height panels, a real compose box, toasts clear of it`, async () => {
    const alice = await signIn(env.browser, env.server.url, 'alice', 'demo', { viewport });
    const bob = await signIn(env.browser, env.server.url, 'bob');
    const { page } = alice;
    try {
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0, 'nothing sticks out sideways');

      // The list: people and conversations, the rail beside it (wide) or under it (narrow).
      await page.getByTestId('contact-search').waitFor();
      const rail = await box(page.locator('.mw-sidebar'));
      const list = await box(page.locator('.mw-list'));
      if (narrow) {
        assert.ok(Math.abs(rail.y + rail.height - viewport.height) <= 1, 'rail is a bar at the bottom');
        assert.ok(rail.width >= viewport.width - 1, 'the bar spans the widget');
        assert.ok(list.width >= viewport.width - 1, 'the list takes the whole width');
        assert.equal(await page.getByTestId('no-chat').isVisible(), false, 'no empty chat pane beside it');
      } else {
        assert.ok(rail.height >= viewport.height - 1 && rail.x === 0, 'rail is a strip on the left');
        assert.ok(await page.getByTestId('no-chat').isVisible(), 'the chat pane shows beside the list');
      }
      assert.deepEqual(await wrappedNames(page), [], 'names stay on one line');
      assert.deepEqual(await activeRail(page), ['unread-counter']);

      // Settings use the column's full height; the last control can be reached.
      await page.getByTestId('settings-button').click();
      const panel = page.getByTestId('settings-panel');
      await panel.waitFor();
      assert.deepEqual(await activeRail(page), ['settings-button']);
      const column = await box(page.locator('.mw-list'));
      const shown = await box(panel);
      assert.ok(shown.y + shown.height >= column.y + column.height - 2,
        `settings reach the bottom of the column (${shown.y + shown.height} vs ${column.y + column.height})`);
      const last = panel.locator('select, input').last();
      await last.scrollIntoViewIfNeeded();
      await eventually(async () => {
        const l = await box(last);
        const p = await box(panel);
        assert.ok(l.y >= p.y - 1 && l.y + l.height <= p.y + p.height + 1, 'the last setting scrolls into view');
      });
      // The rail's chat button leaves the panel for the conversations, and opens the chat
      // with unread messages when there is one.
      const unread = Number(await page.getByTestId('unread-counter').getAttribute('data-count'));
      await page.getByTestId('unread-counter').click();
      await panel.waitFor({ state: 'detached' });
      if (unread > 0) {
        await page.getByTestId('chat-title').waitFor();
        if (narrow) await page.getByTestId('chat-back').click();
      }
      await page.getByTestId('contact-search').waitFor();
      assert.deepEqual(await activeRail(page), ['unread-counter']);

      // The chat: alone on a narrow widget, with a way back.
      await openChatWith(page, 'bob');
      const input = page.getByTestId('compose-input');
      const send = page.getByTestId('compose-send');
      await input.waitFor();
      if (narrow) {
        assert.equal(await page.locator('.mw-list').isVisible(), false, 'the list gives way to the chat');
        assert.equal(await page.locator('.mw-sidebar').isVisible(), false);
        assert.ok(await page.getByTestId('chat-back').isVisible(), 'a back button');
      } else {
        assert.equal(await page.getByTestId('chat-back').isVisible(), false);
        assert.ok(await page.locator('.mw-list').isVisible());
      }
      const inputBox = await box(input);
      const sendBox = await box(send);
      assert.ok(inputBox.width >= 200, `the message box keeps a real width (${inputBox.width}px)`);
      assert.ok(sendBox.x + sendBox.width <= viewport.width && sendBox.y + sendBox.height <= viewport.height,
        'Send is inside the widget');
      assert.deepEqual(await wrappedNames(page), [], 'names stay on one line in the chat too');

      // A toast (normal importance) never covers the compose box or Send.
      await sendDirect(bob.page, 'alice', `@alice a question for you at ${size}`);
      const toast = page.getByTestId('notification-toast');
      await toast.first().waitFor();
      const toastBox = await box(toast);
      const form = await box(page.locator('form.mw-compose'));
      assert.ok(!overlaps(toastBox, form), `toast ${JSON.stringify(toastBox)} is clear of the compose box ${JSON.stringify(form)}`);
      assert.ok(!overlaps(toastBox, await box(send)), 'toast is clear of Send');
      assert.ok(toastBox.x + toastBox.width <= viewport.width && toastBox.y >= 0, 'toast is inside the widget');

      // A phone number inside a long sentence never breaks across lines.
      await sendDirect(bob.page, 'alice',
        'Please call the front desk tomorrow morning at +33 1 23 45 67 89 and ask for the onboarding team.');
      const phone = page.locator('[data-testid="message-link"][data-kind="phone"]').last();
      await phone.waitFor();
      assert.equal(await phone.evaluate((a) => a.getClientRects().length), 1, 'the number is on one line');

      if (narrow) {
        await page.getByTestId('chat-back').click();
        await page.getByTestId('contact-search').waitFor();
        assert.ok(await page.locator('.mw-sidebar').isVisible(), 'the rail is back with the list');
        assert.equal(await page.locator('.mw-chat').isVisible(), false);
      }
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });
}

test('navigation never traps: the chat button always goes back to the conversations', async () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 640 }]) {
    // Bob has nothing unread: the chat button must still do something.
    const bob = await signIn(env.browser, env.server.url, 'bob', 'demo', { viewport });
    const { page } = bob;
    try {
      assert.equal(await page.getByTestId('unread-counter').getAttribute('data-count'), '0');
      for (const panel of ['channels-counter', 'notifications-counter', 'settings-button']) {
        await page.getByTestId(panel).click();
        assert.deepEqual(await activeRail(page), [panel], `only ${panel} is highlighted`);
        assert.equal(await page.getByTestId('contact-search').isVisible(), false);
        await page.getByTestId('unread-counter').click();
        await page.getByTestId('contact-search').waitFor();
        assert.deepEqual(await activeRail(page), ['unread-counter'], 'back home, one highlight');
      }
      // A panel button shown twice goes back home too.
      await page.getByTestId('settings-button').click();
      await page.getByTestId('settings-button').click();
      await page.getByTestId('contact-search').waitFor();
      // Zero counters are quiet: no "0" badge shows.
      for (const id of ['unread-counter', 'channels-counter', 'notifications-counter']) {
        assert.equal(await page.getByTestId(id).locator('.mw-nav-count').isVisible(), false, `${id} shows no 0`);
        assert.match(await page.getByTestId(id).getAttribute('aria-label'), /^[A-Z]/);
      }
    } finally {
      await bob.context.close();
    }
  }
});

test('a new chat says how to start; replying removes the "New messages" divider', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const carol = await signIn(env.browser, env.server.url, 'carol');
  const { page } = alice;
  try {
    await openChatWith(page, 'erin');
    const hint = page.getByTestId('chat-empty-hint');
    await hint.waitFor();
    assert.match(await hint.textContent(), /No messages yet/);
    const input = page.getByTestId('compose-input');
    await input.fill('Hello Erin, welcome aboard!');
    await input.press('Enter');
    await hint.waitFor({ state: 'hidden' });

    // Carol writes twice while Alice looks at another chat.
    await sendDirect(carol.page, 'alice', 'Carol here: one');
    await sendDirect(carol.page, 'alice', 'Carol here: two');
    const row = page.locator('[data-testid="conversation"]').filter({ hasText: 'Carol Kowalski' });
    await row.getByTestId('conversation-unread').waitFor();
    await row.click();
    const divider = page.getByTestId('new-messages-divider');
    await divider.waitFor();
    await input.fill('Thanks Carol, on it.');
    await input.press('Enter');
    await page.getByTestId('message').filter({ hasText: 'Thanks Carol' }).waitFor();
    await divider.waitFor({ state: 'detached' });
  } finally {
    await alice.context.close();
    await carol.context.close();
  }
});

test('being offline shows at a glance, and goes away once reconnected', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const { page } = alice;
  const banner = page.getByTestId('offline-banner');
  try {
    assert.equal(await banner.isVisible(), false, 'quiet while connected');
    await env.server.stop();
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.textContent(), /offline|Reconnecting/i);
    assert.match(await banner.textContent(), /kept and sent/);
    env.server = await startServer({ port: env.port, db: env.db });
    await waitOnline(page);
    await banner.waitFor({ state: 'hidden' });
  } finally {
    await alice.context.close();
  }
});

test('the widget remembers: the open chat after a reload, drafts marked in the list, the text size', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const { page } = alice;
  try {
    // A draft left in Engineering is marked in the list once Alice is elsewhere.
    const engineering = page.locator('[data-testid="conversation"]').filter({ hasText: 'Engineering' });
    await engineering.click();
    await page.getByTestId('compose-input').fill('half-written thought');
    const mark = engineering.getByTestId('conversation-draft');
    assert.equal(await mark.isVisible(), false, 'not on the open conversation: its box shows it');
    await openChatWith(page, 'dave');
    await mark.waitFor({ state: 'visible' });

    // A reload reopens the conversation that was open, and the mark is still there.
    await page.reload();
    await waitOnline(page);
    await eventually(async () => assert.equal(await page.getByTestId('chat-title').textContent(), 'Dave Ivanov'));
    await mark.waitFor({ state: 'visible' });

    // Sending the draft clears the mark.
    await engineering.click();
    await eventually(async () => assert.equal(await page.getByTestId('compose-input').inputValue(), 'half-written thought'));
    await page.getByTestId('compose-input').press('Enter');
    await page.getByTestId('message').filter({ hasText: 'half-written thought' }).waitFor();
    await openChatWith(page, 'dave');
    await eventually(async () => assert.equal(await mark.isVisible(), false));

    // Text size: bigger text at once, kept on this device across a reload.
    const size = () => page.getByTestId('chat-title').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    const before = await size();
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-zoom').selectOption('150');
    await eventually(async () => assert.ok(Math.abs(await size() - before * 1.5) < 0.6, `${await size()} vs ${before}`));
    await page.reload();
    await waitOnline(page);
    await eventually(async () => assert.ok(Math.abs(await size() - before * 1.5) < 0.6, 'kept after a reload'));
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-zoom').selectOption('100');
    await eventually(async () => assert.ok(Math.abs(await size() - before) < 0.6));
  } finally {
    await alice.context.close();
  }
});
