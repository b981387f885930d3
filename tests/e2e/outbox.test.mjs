// Never lose a message (issue 9), what a person notices: a reload with no server shows the
// last state and the pending messages; two tabs share one connection and hand it over when
// the leader closes; a message the server refuses is marked failed, not resent in a loop;
// without IndexedDB the widget still works and says so. The link tests (HTTP fallback,
// banner, offline recipients) are in outbox-link.test.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  directHistory, eventually, idbEntries, idbPut, openChatWith, openTab, protocolClient, signIn,
  typeAndSend, useServerAndBrowser, waitOnline,
} from './harness.mjs';
import { startProxy } from './fault-proxy.mjs';

const env = useServerAndBrowser('mw-e2e-outbox');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const app = (page) => page.locator('.mw-app').first();
const status = (page) => page.locator('[data-testid="connection-status"]').getAttribute('data-state');
const rows = (page, text) => page.getByTestId('message').filter({ hasText: text });
const count = (list, text) => list.filter((t) => t === text).length;

/** Waits until `page` no longer says it is online (the proxy cut it). */
async function waitNotOnline(page) {
  await eventually(async () => assert.notEqual(await status(page), 'online'), { timeout: 10_000 });
}

/** The outbox entries of this browser, parsed. */
async function outbox(page) {
  return (await idbEntries(page, 'outbox')).map(([key, value]) => ({ key, value: JSON.parse(value) }));
}

test('a reload with the server unreachable draws the local copy and the pending messages; both go out once when it is back', async () => {
  const proxy = await startProxy({ target: env.server.url });
  // Bob is online (no "Forward to the server?" question), straight to the server.
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page } = await signIn(env.browser, proxy.url, 'alice');
  try {
    await openChatWith(page, 'bob');
    await typeAndSend(page, 'one: said while online');
    await rows(page, 'one: said while online').and(page.locator('[data-message-id]')).waitFor();
    const conversations = await page.getByTestId('conversation').allTextContents();
    const contacts = await page.getByTestId('contact').count();
    assert.ok(conversations.length >= 2 && contacts >= 4, `${conversations.length} conversations, ${contacts} contacts`);

    // The API and the socket go away; the page's files still load (a CDN in front).
    proxy.setApiDown(true);
    await waitNotOnline(page);
    await typeAndSend(page, 'one: written before the reload');
    await eventually(async () => assert.equal(await rows(page, 'before the reload').getAttribute('data-state'), 'pending'));
    await eventually(async () => assert.equal((await outbox(page)).length, 1));

    await page.reload();
    await page.getByTestId('me').waitFor({ timeout: 10_000 });
    // Not an empty shell: the last conversation list and contacts, from the local copy.
    await eventually(async () => assert.deepEqual(await page.getByTestId('conversation').allTextContents(), conversations));
    assert.equal(await page.getByTestId('contact').count(), contacts);
    assert.notEqual(await status(page), 'online');
    if (await page.getByTestId('chat-title').count() === 0) {
      await page.getByTestId('conversation').filter({ hasText: 'Bob Nguyen' }).click();
    }
    await eventually(async () => assert.equal(await rows(page, 'said while online').count(), 1), { timeout: 5_000 });
    assert.equal(await rows(page, 'before the reload').getAttribute('data-state'), 'pending');
    await typeAndSend(page, 'one: written while down');
    await eventually(async () => assert.equal(await rows(page, 'written while down').getAttribute('data-state'), 'pending'));
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '2'));
    assert.equal(await proxy.open().websockets, 0);

    proxy.setApiDown(false);
    await waitOnline(page);
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));
    await eventually(async () => assert.deepEqual(await outbox(page), []));
    const history = await directHistory(env.server.url, 'alice', 'bob');
    assert.equal(count(history, 'one: written before the reload'), 1, JSON.stringify(history));
    assert.equal(count(history, 'one: written while down'), 1, JSON.stringify(history));
    assert.ok(history.indexOf('one: written before the reload') < history.indexOf('one: written while down'));
    for (const text of ['before the reload', 'written while down']) {
      assert.equal(await rows(page, text).count(), 1, `"${text}" shows once`);
      assert.notEqual(await rows(page, text).getAttribute('data-state'), 'pending');
    }
  } finally {
    bob.close();
    await context.close();
    await proxy.close();
  }
});

test('two tabs: one connection, the follower sends through it, the other takes over within 2 s and resumes; reading in one tab clears the other', async () => {
  const proxy = await startProxy({ target: env.server.url });
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page: first } = await signIn(env.browser, proxy.url, 'carol');
  try {
    const second = await openTab(context, proxy.url, 'carol');
    const tabs = [first, second];
    const flags = async (pages) => Promise.all(pages.map((p) => app(p).getAttribute('data-leader')));
    await eventually(async () => assert.deepEqual((await flags(tabs)).sort(), ['false', 'true']));
    await sleep(500);
    assert.equal(proxy.open().websockets, 1, 'one WebSocket for the two tabs');

    const leader = tabs[(await flags(tabs)).indexOf('true')];
    const follower = tabs.find((t) => t !== leader);
    await openChatWith(follower, 'bob');
    await typeAndSend(follower, 'two: from the follower');
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'bob', 'carol'), 'two: from the follower'), 1));
    await eventually(async () => assert.ok(await rows(follower, 'from the follower').and(follower.locator('[data-message-id]')).count() === 1));
    await eventually(async () => assert.equal(await app(follower).getAttribute('data-outbox'), '0'));

    // The leader closes; Bob writes before anyone has taken over.
    const closed = Date.now();
    await leader.close();
    const carolId = bob.welcome.users.find((u) => u.username === 'carol').id;
    const { conversation } = await bob.cmd({ type: 'open_direct', user_id: carolId });
    await bob.cmd({ type: 'send_message', conversation_id: conversation.id, text: 'two: while no tab led' });
    await eventually(async () => assert.equal(await app(follower).getAttribute('data-leader'), 'true'), { timeout: 5_000, interval: 20 });
    const takeover = Date.now() - closed;
    console.log(`outbox: the other tab led ${takeover} ms after the leader closed`);
    assert.ok(takeover <= 2000, `took over after ${takeover} ms`);
    await waitOnline(follower);
    await eventually(async () => assert.equal(await rows(follower, 'while no tab led').count(), 1));
    assert.equal(proxy.open().websockets, 1);

    // Read state across tabs: both away from Bob's chat, Bob writes, both show it unread;
    // reading it in one clears the other.
    const third = await openTab(context, proxy.url, 'carol');
    await openChatWith(follower, 'dave');
    await openChatWith(third, 'dave');
    await bob.cmd({ type: 'send_message', conversation_id: conversation.id, text: 'two: unread until read' });
    const badge = (p) => p.getByTestId('conversation').filter({ hasText: 'Bob Nguyen' }).getByTestId('conversation-unread');
    for (const p of [follower, third]) await eventually(async () => assert.equal(await badge(p).count(), 1));
    await openChatWith(third, 'bob');
    await rows(third, 'unread until read').waitFor();
    await eventually(async () => assert.equal(await badge(third).count(), 0));
    await eventually(async () => assert.equal(await badge(follower).count(), 0), { timeout: 5_000 });
    await eventually(async () => assert.equal(
      await follower.getByTestId('unread-counter').textContent(), await third.getByTestId('unread-counter').textContent()));
    assert.deepEqual((await flags([follower, third])).sort(), ['false', 'true']);
  } finally {
    bob.close();
    await context.close();
    await proxy.close();
  }
});

/**
 * Signs `user` in through a proxy, opens the chat with `other`, and writes `text` with the API
 * down so it stays in the outbox; returns the stored record (the shape to copy).
 */
async function pendingRecord(user, other, text) {
  const proxy = await startProxy({ target: env.server.url });
  // The recipient is online, straight to the server: nothing waits for them.
  const recipient = await protocolClient(env.server.url, other);
  const { context, page } = await signIn(env.browser, proxy.url, user);
  await openChatWith(page, other);
  proxy.setApiDown(true);
  await waitNotOnline(page);
  await typeAndSend(page, text);
  const [record] = await eventually(async () => {
    const stored = await outbox(page);
    assert.equal(stored.length, 1);
    return stored;
  });
  return { proxy, context, page, record, recipient };
}

/** A copy of `record` with its own client id, `created_at` a little earlier and `changes`. */
function forged(record, id, changes) {
  const value = { ...record.value, client_id: id, ...changes };
  if (typeof value.created_at === 'number') value.created_at -= 1000;
  const user = record.key.split(':')[0];
  return { key: `${user}:${id}`, value };
}

/** The server's reason for a text above its limit, as the widget shows it. */
const REASON = /16[,. ]?384|too (large|long)|limit/i;

/** Counts `send_message` frames per client id sent by `page`'s WebSockets from now on. */
function countSends(page) {
  const sends = new Map();
  const watch = (ws) => ws.on('framesent', ({ payload }) => {
    try {
      const f = JSON.parse(String(payload));
      if (f.type === 'send_message') sends.set(f.id, (sends.get(f.id) ?? 0) + 1);
    } catch { /* not JSON: not ours to count */ }
  });
  page.on('websocket', watch);
  return sends;
}

test('a message the server refuses shows failed with the reason, is not resent in a loop, and can be retried, edited or deleted; the queue goes on', async () => {
  const { proxy, context, page, record, recipient } = await pendingRecord('dave', 'erin', 'three: the normal one');
  try {
    const big = (tag) => `three: too large ${tag} ${'x'.repeat(20_000)}`;
    const a = forged(record, `e2e-big-a-${Date.now()}`, { text: big('A') });
    const b = forged(record, `e2e-big-b-${Date.now()}`, { text: big('B') });
    b.value.created_at += 500;
    for (const r of [a, b]) await idbPut(page, 'outbox', r.key, JSON.stringify(r.value));
    const sends = countSends(page);
    await page.reload();
    await page.getByTestId('me').waitFor();
    proxy.setApiDown(false);
    await waitOnline(page);
    if (await page.getByTestId('chat-title').count() === 0) await openChatWith(page, 'erin');

    // The normal one goes out despite the two refused ones before it.
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'dave', 'erin'), 'three: the normal one'), 1));
    // Both are listed as failed, with the server's reason (the timeline draws only the rows in
    // view, and a 20,000-character message fills it).
    await page.getByTestId('pending-open').click();
    await page.getByTestId('pending-tab-direct').click();
    for (const tag of ['A', 'B']) {
      const item = page.getByTestId('pending-item').filter({ hasText: `too large ${tag}` });
      await eventually(async () => assert.equal(await item.getAttribute('data-state'), 'failed'));
      assert.match(await item.locator('.mw-pending-state').textContent(), REASON, `${tag}: the reason`);
    }
    await page.getByTestId('panel-back').click();
    // B, the later one, is at the bottom of the chat.
    const rowB = rows(page, 'too large B');
    await eventually(async () => assert.equal(await rowB.getAttribute('data-state'), 'failed'));
    for (const act of ['retry', 'edit', 'delete']) assert.equal(await rowB.getByTestId(`unsent-${act}`).count(), 1, act);
    assert.match(await rowB.locator('.mw-msg-error').textContent(), REASON);
    await sleep(5_000);
    for (const r of [a, b]) assert.ok((sends.get(r.value.client_id) ?? 0) <= 1, `${r.value.client_id} sent ${sends.get(r.value.client_id)} times in 5 s`);
    const before = sends.get(b.value.client_id) ?? 0;
    assert.equal(await app(page).getAttribute('data-outbox'), '2');

    // Retry: one more try, failed again, and still not a loop.
    await rowB.getByTestId('unsent-retry').click();
    await sleep(3_000);
    assert.equal(await rowB.getAttribute('data-state'), 'failed');
    assert.ok((sends.get(b.value.client_id) ?? 0) <= before + 1, `sent ${sends.get(b.value.client_id)} times`);

    // Delete: gone from the page and from IndexedDB.
    await rowB.getByTestId('unsent-delete').click();
    await eventually(async () => assert.equal(await rowB.count(), 0));
    await eventually(async () => assert.ok(!(await outbox(page)).some((r) => r.key === b.key)));
    // Edit (A, now at the bottom): the text is back in the compose box.
    await rows(page, 'too large A').getByTestId('unsent-edit').click();
    await eventually(async () => assert.equal(await page.getByTestId('compose-input').inputValue(), a.value.text));
    await eventually(async () => assert.deepEqual(await outbox(page), []));
    assert.equal(await app(page).getAttribute('data-outbox'), '0');
    assert.equal(count(await directHistory(env.server.url, 'dave', 'erin'), 'three: the normal one'), 1);
  } finally {
    recipient.close();
    await context.close();
    await proxy.close();
  }
});

test('a message refused for a conversation the user cannot open is not resent in a loop and can still be seen and deleted', async () => {
  const { proxy, context, page, record, recipient } = await pendingRecord('erin', 'alice', 'three: after the stray one');
  try {
    const stray = forged(record, `e2e-stray-${Date.now()}`, { conversation_id: 999_999, text: 'three: to nowhere' });
    await idbPut(page, 'outbox', stray.key, JSON.stringify(stray.value));
    const sends = countSends(page);
    const answers = [];
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (String(payload).includes(stray.value.client_id)) answers.push(String(payload));
    }));
    await page.reload();
    await page.getByTestId('me').waitFor();
    proxy.setApiDown(false);
    await waitOnline(page);
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'erin', 'alice'), 'three: after the stray one'), 1));
    await sleep(5_000);
    assert.ok((sends.get(stray.value.client_id) ?? 0) <= 1, `sent ${sends.get(stray.value.client_id)} times in 5 s`);
    // Still counted as not sent, so the person must be able to find and drop it.
    const waiting = await app(page).getAttribute('data-outbox');
    if (waiting !== '0') {
      await page.getByTestId('pending-open').click();
      const item = page.getByTestId('pending-item').filter({ hasText: 'to nowhere' });
      await eventually(async () => assert.equal(await item.count(), 1, `data-outbox is ${waiting} but the Pending send list does not show the refused message (the server answered ${answers.join(' ')})`), { timeout: 3_000 });
      assert.equal(await item.getAttribute('data-state'), 'failed');
      await item.getByTestId('pending-delete').click();
      await eventually(async () => assert.deepEqual(await outbox(page), []));
    }
  } finally {
    recipient.close();
    await context.close();
    await proxy.close();
  }
});

test('a pending message to a group the user has left meanwhile shows failed in the Pending send list and can be deleted', async () => {
  const proxy = await startProxy({ target: env.server.url });
  // Bob on another device: he makes the group, and later leaves it there.
  const elsewhere = await protocolClient(env.server.url, 'bob');
  const carolId = elsewhere.welcome.users.find((u) => u.username === 'carol').id;
  const made = await elsewhere.cmd({ type: 'create_group', title: 'Left behind', members: [carolId] });
  const groupId = made.conversation?.id ?? made.conversation_id;
  const { context, page } = await signIn(env.browser, proxy.url, 'bob');
  try {
    await page.getByTestId('conversation').filter({ hasText: 'Left behind' }).click();
    await page.getByTestId('chat-title').waitFor();
    proxy.setApiDown(true);
    await waitNotOnline(page);
    await typeAndSend(page, 'three: to a group I left');
    await eventually(async () => assert.equal((await outbox(page)).length, 1));
    await elsewhere.cmd({ type: 'leave_conversation', conversation_id: groupId });
    const answers = [];
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      const text = String(payload);
      if (text.includes('"error"') || text.includes('left')) answers.push(text.slice(0, 200));
    }));
    proxy.setApiDown(false);
    await waitOnline(page);
    // Refused ("no such conversation") or dropped: either way no longer waiting to go out.
    await eventually(async () => assert.ok((await outbox(page)).every((r) => r.value.state?.Failed !== undefined)));
    await sleep(1_000);
    const waiting = await app(page).getAttribute('data-outbox');
    const stored = (await outbox(page)).map((r) => r.value);
    // Either it is gone (and said so) or it is listed as failed; never kept out of sight.
    assert.equal(waiting, String(stored.length));
    if (stored.length) {
      assert.equal(stored[0].conversation_id, groupId);
      await page.getByTestId('pending-open').click();
      await page.getByTestId('pending-tab-groups').click();
      const item = page.getByTestId('pending-item').filter({ hasText: 'to a group I left' });
      await eventually(async () => assert.equal(await item.count(), 1,
        `data-outbox is ${waiting}, IndexedDB holds ${JSON.stringify(stored)}, but the Pending send list (groups) does not show it; the server said ${answers.join(' ')}`),
      { timeout: 3_000 });
      assert.equal(await item.getAttribute('data-state'), 'failed');
      await item.getByTestId('pending-delete').click();
      await eventually(async () => assert.deepEqual(await outbox(page), []));
    }
  } finally {
    elsewhere.close();
    await context.close();
    await proxy.close();
  }
});

test('a group left on another device leaves the conversation list, live and after a reload', async () => {
  const elsewhere = await protocolClient(env.server.url, 'bob');
  const carolId = elsewhere.welcome.users.find((u) => u.username === 'carol').id;
  const made = await elsewhere.cmd({ type: 'create_group', title: 'Left from my phone', members: [carolId] });
  const { context, page } = await signIn(env.browser, env.server.url, 'bob');
  try {
    const row = page.getByTestId('conversation').filter({ hasText: 'Left from my phone' });
    await row.waitFor();
    await elsewhere.cmd({ type: 'leave_conversation', conversation_id: made.conversation.id });
    await eventually(async () => assert.equal(await row.count(), 0, 'still listed after conversation_removed'), { timeout: 5_000 });
    await page.reload();
    await waitOnline(page);
    await page.getByTestId('conversation').first().waitFor();
    await sleep(1_000);
    assert.equal(await row.count(), 0, 'listed again after a reload (from the local copy)');
  } finally {
    elsewhere.close();
    await context.close();
  }
});

// IndexedDB refused outright, as in some private modes.
const NO_INDEXED_DB = `(() => {
  const denied = () => { throw new DOMException('denied by the test', 'SecurityError'); };
  IDBFactory.prototype.open = denied;
  IDBFactory.prototype.deleteDatabase = denied;
})();`;

test('without IndexedDB the widget warns and still sends and receives', async () => {
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page } = await signIn(env.browser, env.server.url, 'alice', 'demo', { initScript: NO_INDEXED_DB });
  try {
    assert.equal(await page.evaluate(() => { try { indexedDB.open('x'); return 'opened'; } catch (e) { return e.name; } }), 'SecurityError');
    await page.getByTestId('storage-warning').waitFor({ state: 'visible', timeout: 5_000 });
    await openChatWith(page, 'bob');
    await typeAndSend(page, 'seven: sent from memory');
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'alice', 'bob'), 'seven: sent from memory'), 1));
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));
    const aliceId = bob.welcome.users.find((u) => u.username === 'alice').id;
    const { conversation } = await bob.cmd({ type: 'open_direct', user_id: aliceId });
    await bob.cmd({ type: 'send_message', conversation_id: conversation.id, text: 'seven: received anyway' });
    await rows(page, 'received anyway').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('storage-warning').isVisible());
  } finally {
    bob.close();
    await context.close();
  }
});

// IndexedDB opens, but every write to the outbox is refused (the transaction aborts, as on a
// full disk).
const OUTBOX_WRITES_REFUSED = `(() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    const req = put.apply(this, args);
    if (this.name === 'outbox') this.transaction.abort();
    return req;
  };
})();`;

test('when IndexedDB refuses to store the outbox the widget warns, and the message being sent is not lost', async () => {
  const bob = await protocolClient(env.server.url, 'bob');
  const { context, page } = await signIn(env.browser, env.server.url, 'dave', 'demo', { initScript: OUTBOX_WRITES_REFUSED });
  try {
    await openChatWith(page, 'bob');
    await typeAndSend(page, 'seven: the write was refused');
    await page.getByTestId('storage-warning').waitFor({ state: 'visible', timeout: 5_000 });
    await eventually(async () => assert.equal(count(await directHistory(env.server.url, 'dave', 'bob'), 'seven: the write was refused'), 1));
    await eventually(async () => assert.equal(await rows(page, 'the write was refused').and(page.locator('[data-message-id]')).count(), 1));
    await eventually(async () => assert.equal(await app(page).getAttribute('data-outbox'), '0'));
  } finally {
    bob.close();
    await context.close();
  }
});
