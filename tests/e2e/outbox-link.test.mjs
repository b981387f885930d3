// Never lose a message (issue 9), the link as a person sees it: the HTTP fallback when no
// WebSocket gets through, the "Reconnecting in N s" banner with "Retry now" and presence
// "unknown", and messages to people who are offline (the "Forward to the server?" question,
// the Pending send list, and a server that does not forward at all).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  directHistory, eventually, freePort, openChatWith, protocolClient, signIn, startServer, tempDir,
  typeAndSend, useServerAndBrowser,
} from './harness.mjs';
import { startProxy } from './fault-proxy.mjs';

// The server tells clients on the HTTP fallback to poll every 5 s.
const POLL_MS = 5_000;
const env = useServerAndBrowser('mw-e2e-link', { args: ['--poll-interval-secs', String(POLL_MS / 1000)] });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const app = (page) => page.locator('.mw-app').first();
const statusEl = (page) => page.locator('[data-testid="connection-status"]');
const rows = (page, text) => page.getByTestId('message').filter({ hasText: text });
const count = (list, text) => list.filter((t) => t === text).length;

/** `client` (a protocolClient) sends `text` to `to` in their direct chat. */
async function say(client, to, text) {
  const id = client.welcome.users.find((u) => u.username === to).id;
  const { conversation } = await client.cmd({ type: 'open_direct', user_id: id });
  await client.cmd({ type: 'send_message', conversation_id: conversation.id, text });
}

/** How many `message_created` events with `text` the protocolClient `client` got. */
const pushed = (client, text) => client.frames
  .filter((f) => f.type === 'event' && f.event?.kind === 'message_created' && f.event.message?.text === text).length;

test('no WebSocket gets through: the widget polls over HTTP, messages go both ways once, "Check now" fetches at once, the socket takes over again', async () => {
  const proxy = await startProxy({ target: env.server.url });
  proxy.setBlockWebSockets(true);
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page } = await signIn(env.browser, proxy.url, 'alice', 'demo', { online: false });
  try {
    const t0 = Date.now();
    await page.locator('[data-testid="connection-status"][data-state="polling"]').waitFor({ timeout: 10_000 });
    console.log(`link: polling ${Date.now() - t0} ms after the sign-in`);
    assert.equal(proxy.open().websockets, 0);
    await openChatWith(page, 'bob');

    let t = Date.now();
    await say(bob, 'alice', 'four: from Bob');
    await rows(page, 'four: from Bob').waitFor({ timeout: 3 * POLL_MS + 1_000 });
    console.log(`link: Bob's message shown after ${Date.now() - t} ms (polls every ${POLL_MS} ms)`);

    await typeAndSend(page, 'four: from Alice');
    await eventually(async () => assert.equal(pushed(bob, 'four: from Alice'), 1), { timeout: 3 * POLL_MS });
    await sleep(POLL_MS + 500);
    assert.equal(pushed(bob, 'four: from Alice'), 1, 'Bob got it once');
    assert.equal(count(await directHistory(env.server.url, 'bob', 'alice'), 'four: from Alice'), 1);
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));

    // "Check now" right after a poll: the next one is 5 s away, the message comes at once.
    const retry = page.getByTestId('retry-now');
    assert.match(await retry.textContent(), /Check now/);
    const polls = [];
    page.on('request', (r) => { if (r.url().includes('/api/events')) polls.push(Date.now()); });
    let answered = 0;
    page.on('response', (r) => { if (r.url().includes('/api/events')) answered = Date.now(); });
    await eventually(() => assert.ok(answered > 0), { timeout: POLL_MS + 2_000, interval: 20 });
    const lastPoll = answered;
    await say(bob, 'alice', 'four: fetched by Check now');
    t = Date.now();
    await retry.click();
    await rows(page, 'fetched by Check now').waitFor({ timeout: POLL_MS });
    const shownAfter = Date.now() - t;
    console.log(`link: "Check now" showed the message ${shownAfter} ms after the click, ${t - lastPoll} ms after the last poll`);
    assert.ok(t - lastPoll < 1_000, 'clicked right after a poll');
    assert.ok(polls.some((p) => p >= t && p - t < 500), 'a poll went out right after the click');
    assert.ok(shownAfter < 1_500, `shown ${shownAfter} ms after the click, the next poll was due ${POLL_MS} ms after the last`);

    // The proxy passes WebSockets again: back on the socket.
    proxy.setBlockWebSockets(false);
    t = Date.now();
    await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor({ timeout: 35_000 });
    console.log(`link: back on the socket ${Date.now() - t} ms after unblocking`);
    assert.equal(proxy.open().websockets, 1);
    t = Date.now();
    await say(bob, 'alice', 'four: over the socket again');
    await rows(page, 'over the socket again').waitFor({ timeout: 2_000 });
  } finally {
    bob.close();
    await context.close();
    await proxy.close();
  }
});

test('link down: "Reconnecting in N s" counts down, presence is unknown, "Retry now" reconnects before the countdown ends', async () => {
  const proxy = await startProxy({ target: env.server.url });
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page } = await signIn(env.browser, proxy.url, 'carol');
  try {
    await openChatWith(page, 'bob');
    const bobDot = page.locator('[data-testid="contact"][data-username="bob"]');
    const header = page.locator('.mw-chat-presence');
    await eventually(async () => assert.equal(await bobDot.getAttribute('data-presence'), 'online'));
    assert.equal(await header.getAttribute('data-presence'), 'online');
    const banner = page.getByTestId('offline-banner');
    assert.ok(await banner.isHidden(), 'no banner while online');

    proxy.setDown(true);
    proxy.dropAll();
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    const presences = await page.getByTestId('contact').evaluateAll((els) => els.map((e) => e.dataset.presence));
    assert.ok(presences.length >= 4 && presences.every((p) => p === 'unknown'), JSON.stringify(presences));
    assert.equal(await header.getAttribute('data-presence'), 'unknown');

    // The countdown: read it a few times a second until it has gone down by one and shows
    // at least 3 s left (the backoff grows with each failed try).
    const seen = [];
    let counted = false;
    const deadline = Date.now() + 40_000;
    for (;;) {
      const m = /Reconnecting in (\d+) s/.exec(await banner.textContent());
      const n = m ? Number(m[1]) : null;
      if (n !== null && seen.length && seen.at(-1) === n + 1) counted = true;
      if (n !== seen.at(-1)) seen.push(n);
      if (counted && n >= 3) break;
      assert.ok(Date.now() < deadline, `no countdown from 3 s or more: ${JSON.stringify(seen)}`);
      await sleep(200);
    }
    console.log(`link: banner countdown seen ${JSON.stringify(seen)}`);
    assert.notEqual(await statusEl(page).getAttribute('data-state'), 'online');

    proxy.setDown(false);
    const retry = page.getByTestId('retry-now');
    assert.match(await retry.textContent(), /Retry now/);
    const t = Date.now();
    await retry.click();
    await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor({ timeout: 3_000 });
    const back = Date.now() - t;
    console.log(`link: online ${back} ms after "Retry now"`);
    assert.ok(back < 1_000, `online after ${back} ms`);
    await banner.waitFor({ state: 'hidden', timeout: 2_000 });
    await eventually(async () => assert.equal(await bobDot.getAttribute('data-presence'), 'online'));
  } finally {
    bob.close();
    await context.close();
    await proxy.close();
  }
});

test('the browser coming back online reconnects at once, without waiting for the countdown', async () => {
  const proxy = await startProxy({ target: env.server.url });
  const { context, page } = await signIn(env.browser, proxy.url, 'dave');
  try {
    proxy.setDown(true);
    proxy.dropAll();
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    // Wait for a long enough pause (the backoff grows) that "at once" cannot be the timer.
    let n = 0;
    await eventually(async () => {
      n = Number(/Reconnecting in (\d+) s/.exec(await banner.textContent())?.[1] ?? 0);
      assert.ok(n >= 3, `countdown ${n}`);
    }, { timeout: 40_000, interval: 100 });
    proxy.setDown(false);
    await context.setOffline(true);
    await sleep(100);
    const t = Date.now();
    await context.setOffline(false);
    await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor({ timeout: 3_000 });
    const back = Date.now() - t;
    console.log(`link: online ${back} ms after the browser came back online (the countdown showed ${n} s)`);
    assert.ok(back < 1_000, `online after ${back} ms`);
  } finally {
    await context.close();
    await proxy.close();
  }
});

const dialog = (page) => page.getByTestId('forward-dialog');
const pendingItem = (page, text) => page.getByTestId('pending-item').filter({ hasText: text });

async function openPending(page) {
  await page.getByTestId('pending-open').click();
  await page.getByTestId('pending-list').waitFor();
  await page.getByTestId('pending-tab-direct').click();
}

async function waitPresence(page, username, presence) {
  const dot = page.locator(`[data-testid="contact"][data-username="${username}"]`);
  await eventually(async () => assert.equal(await dot.getAttribute('data-presence'), presence));
}

test('to an offline person: "Forward?" → No keeps the messages in Pending send; "when online" goes out by itself, "after my confirmation" waits for Send now, across a reload', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'erin', 'demo', { alwaysForward: false });
  let dave;
  try {
    await waitPresence(page, 'dave', 'offline');
    await openChatWith(page, 'dave');
    await typeAndSend(page, 'six-a: when online');
    await dialog(page).waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await rows(page, 'six-a: when online').getAttribute('data-state'), 'held');
    await page.getByTestId('forward-no').click();
    await dialog(page).waitFor({ state: 'hidden' });
    await typeAndSend(page, 'six-a: after confirmation');
    // The question is for the first message; answer No again if it comes back.
    await sleep(1_000);
    if (await dialog(page).isVisible()) await page.getByTestId('forward-no').click();
    await eventually(async () => assert.equal(await rows(page, 'six-a: after confirmation').getAttribute('data-state'), 'held'));
    await eventually(async () => assert.match(await page.getByTestId('pending-strip').textContent(), /Not sent yet: 2/));

    await openPending(page);
    for (const text of ['when online', 'after confirmation']) {
      assert.equal(await pendingItem(page, text).getAttribute('data-state'), 'held');
      assert.equal(await pendingItem(page, text).getByTestId('pending-mode').inputValue(), 'online');
    }
    await pendingItem(page, 'after confirmation').getByTestId('pending-mode').selectOption('confirm');
    await page.getByTestId('pending-tab-groups').click();
    await page.getByTestId('pending-empty').waitFor({ state: 'visible' });
    await sleep(500);

    await page.reload();
    await page.getByTestId('me').waitFor();
    await openPending(page);
    await eventually(async () => assert.equal(await page.getByTestId('pending-item').count(), 2));
    assert.equal(await pendingItem(page, 'when online').getByTestId('pending-mode').inputValue(), 'online');
    assert.equal(await pendingItem(page, 'after confirmation').getByTestId('pending-mode').inputValue(), 'confirm');
    assert.deepEqual(await directHistory(env.server.url, 'erin', 'dave'), [], 'nothing went to the server');

    // Dave comes online: the first goes by itself, the second waits.
    dave = await protocolClient(env.server.url, 'dave');
    await eventually(async () => assert.deepEqual(await directHistory(env.server.url, 'erin', 'dave'), ['six-a: when online']));
    await sleep(2_000);
    assert.deepEqual(await directHistory(env.server.url, 'erin', 'dave'), ['six-a: when online']);
    await eventually(async () => assert.equal(await page.getByTestId('pending-item').count(), 1));
    assert.equal(await pendingItem(page, 'after confirmation').getAttribute('data-state'), 'held');
    await pendingItem(page, 'after confirmation').getByTestId('pending-send-now').click();
    await eventually(async () => assert.deepEqual(
      await directHistory(env.server.url, 'erin', 'dave'), ['six-a: when online', 'six-a: after confirmation']));
    await page.getByTestId('pending-empty').waitFor({ state: 'visible' });
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));
    assert.equal(pushed(dave, 'six-a: when online'), 1);
  } finally {
    dave?.close();
    await context.close();
  }
});

test('"Yes, always" forwards, turns the setting on, and the next offline person is not asked', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'carol', 'demo', { alwaysForward: false });
  try {
    await waitPresence(page, 'dave', 'offline');
    await openChatWith(page, 'dave');
    await typeAndSend(page, 'six-b: forwarded');
    await dialog(page).waitFor({ state: 'visible', timeout: 5_000 });
    await page.getByTestId('forward-always').click();
    await dialog(page).waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'carol', 'dave'), 'six-b: forwarded'), 1));

    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-panel').waitFor();
    await eventually(async () => assert.ok(await page.getByTestId('settings-forward-offline').isChecked()));
    await page.getByTestId('panel-back').click();

    await waitPresence(page, 'erin', 'offline');
    await openChatWith(page, 'erin');
    await typeAndSend(page, 'six-b: not asked');
    await sleep(1_500);
    assert.ok(await dialog(page).isHidden(), 'no question the second time');
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'carol', 'erin'), 'six-b: not asked'), 1));
  } finally {
    await context.close();
  }
});

test('a server that does not forward: no question, the message is held and goes out when the person comes online', async () => {
  const port = await freePort();
  const server = await startServer({ port, db: join(tempDir('mw-e2e-nofwd'), 'messenger.sqlite3'), args: ['--no-forwarding'] });
  const { context, page } = await signIn(env.browser, server.url, 'alice', 'demo', { alwaysForward: false });
  let bob;
  try {
    await waitPresence(page, 'bob', 'offline');
    await openChatWith(page, 'bob');
    await typeAndSend(page, 'six-c: held');
    await eventually(async () => assert.equal(await rows(page, 'six-c: held').getAttribute('data-state'), 'held'));
    await sleep(1_000);
    assert.ok(await dialog(page).isHidden(), 'no question when the server does not forward');
    await openPending(page);
    assert.equal(await pendingItem(page, 'six-c: held').getAttribute('data-state'), 'held');
    assert.deepEqual(await directHistory(server.url, 'alice', 'bob'), []);

    bob = await protocolClient(server.url, 'bob');
    await eventually(async () => assert.deepEqual(await directHistory(server.url, 'alice', 'bob'), ['six-c: held']));
    await page.getByTestId('pending-empty').waitFor({ state: 'visible' });
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));
    await sleep(1_000);
    assert.equal(pushed(bob, 'six-c: held'), 1);
  } finally {
    bob?.close();
    await context.close();
    await server.stop();
  }
});
