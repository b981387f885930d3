// Never lose a message (issue 9): the widget against a link that breaks. A fault-injecting
// TCP proxy (fault-proxy.mjs) sits between Chromium and the reference server and resets every
// connection at random; pages are reloaded and the server is restarted in the middle; the
// proxy also slips malformed frames into a live WebSocket.
//
// Replay a failing run with the seed it printed: FAULT_SEED=<seed>. FAULT_SEND_MS spreads
// each user's 500 messages over that many milliseconds (default 100 s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import WebSocket from 'ws';
import {
  eventually, openChatWith, openTab, protocolClient, signIn, startServer, useServerAndBrowser,
  waitOnline,
} from './harness.mjs';
import { mulberry32, pickSeed, startProxy, wsFrame } from './fault-proxy.mjs';

const env = useServerAndBrowser('mw-e2e-fault');

const PER_USER = 500;
const SEND_MS = Number(process.env.FAULT_SEND_MS ?? 100_000);
const MIN_GAP_MS = Math.min(150, SEND_MS / PER_USER);
const USERS = ['alice', 'bob'];
const label = (user, n) => `${user}-${String(n).padStart(4, '0')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const progress = (text) => console.log(`fault: [${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);

test('the fault proxy forwards whole frames, injects between them, resets and refuses', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const sizes = [5, 125, 126, 300, 65_535, 65_536, 200_000];
  wss.on('connection', (sock) => {
    sock.on('message', (data) => {
      if (String(data) !== 'go') return;
      for (const size of sizes) sock.send('s'.repeat(size));
    });
  });
  const proxy = await startProxy({ target: { host: '127.0.0.1', port: wss.address().port } });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
    const got = [];
    ws.on('message', (data, binary) => got.push(binary ? `binary:${data.length}` : String(data)));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    assert.deepEqual(proxy.open(), { connections: 1, websockets: 1 });
    assert.equal(proxy.injectText('first'), 1);
    ws.send('go');
    // While the server's frames are on their way: it lands between two of them, whole.
    await eventually(() => assert.ok(got.length >= 2));
    proxy.injectFrame(wsFrame(Buffer.from([1, 2, 3]), { opcode: 0x2 }));
    proxy.injectText('x'.repeat(70_000));
    await eventually(() => assert.equal(got.length, sizes.length + 3));
    assert.equal(got[0], 'first');
    const fromServer = got.filter((m) => m.startsWith('s')).map((m) => m.length);
    assert.deepEqual(fromServer, sizes, 'the server frames arrive whole and in order');
    assert.ok(got.includes('binary:3') && got.some((m) => m.length === 70_000 && m[0] === 'x'));
    assert.equal(proxy.stats().injected, 3);

    // A reset: the client sees an abnormal close (no close frame), at once.
    const closed = new Promise((r) => ws.once('close', (code) => r(code)));
    assert.equal(proxy.dropAll(), 1);
    assert.equal(await closed, 1006);

    // Down: new connections are reset, nothing reaches the server.
    proxy.setDown(true);
    const refused = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
    await new Promise((resolve) => refused.once('error', resolve));
    assert.equal(wss.clients.size, 0);
    proxy.setDown(false);
    const again = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
    await new Promise((resolve, reject) => { again.once('open', resolve); again.once('error', reject); });
    again.close();
    const s = proxy.stats();
    assert.equal(s.dropped, 1);
    assert.equal(s.refused, 1);
    assert.equal(s.accepted, 3);
  } finally {
    await proxy.close();
    await new Promise((r) => wss.close(r));
  }
});

// Unexpected things a server (or something in between) might send. The text ones that are
// not a frame of the protocol must be logged; none may break the widget.
const NOISE = [
  { text: 'this is not JSON {', logged: true },
  { text: JSON.stringify({ type: 'surprise', detail: 'a frame type from a future server' }), logged: true },
  {
    text: JSON.stringify({ type: 'event', seq: 'seven', event: { kind: 'message_created', message: 'oops-wrong-type' } }),
    logged: true,
  },
  {
    text: JSON.stringify({ type: 'event', seq: 2, event: { kind: 'presence', user_id: 'dave', presence: 42 } }),
    logged: true,
  },
  { text: JSON.stringify({ type: 'huge', pad: 'h'.repeat(1024 * 1024) }), logged: true },
  // Well-formed but unexpected: an answer to a command nobody sent.
  { text: JSON.stringify({ type: 'ack', id: 'never-sent-1', result: { kind: 'done' } }), logged: false },
  // Not text at all: the protocol has no binary frames.
  { frame: wsFrame(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { opcode: 0x2 }), logged: false },
];

test('malformed or unexpected frames from the server are logged and skipped; the widget keeps working', async () => {
  const proxy = await startProxy({ target: env.server.url });
  const errors = [];
  const contexts = [];
  try {
    const carol = await signIn(env.browser, proxy.url, 'carol');
    const dave = await signIn(env.browser, proxy.url, 'dave');
    contexts.push(carol.context, dave.context);
    const pages = { carol: carol.page, dave: dave.page };
    const warnings = { carol: 0, dave: 0 };
    for (const [name, page] of Object.entries(pages)) {
      page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'warning' || msg.type() === 'error') warnings[name] += 1;
      });
    }
    await openChatWith(carol.page, 'dave');
    await openChatWith(dave.page, 'carol');
    const say = async (from, to, text) => {
      const input = pages[from].getByTestId('compose-input');
      await input.fill(text);
      await input.press('Enter');
      await pages[to].getByTestId('message').filter({ hasText: text }).waitFor({ timeout: 10_000 });
    };
    await say('carol', 'dave', 'before the noise');
    const rows = async (page) => page.getByTestId('message').count();
    const before = { carol: await rows(carol.page), dave: await rows(dave.page) };
    assert.equal(proxy.open().websockets, 2, 'one WebSocket per person');
    const logsBefore = { ...warnings };

    let injected = 0;
    for (const n of NOISE) injected += n.frame ? proxy.injectFrame(n.frame) : proxy.injectText(n.text);
    assert.equal(injected, NOISE.length * 2);
    await eventually(() => assert.equal(proxy.stats().injected, injected));
    await sleep(500);

    const mustLog = NOISE.filter((n) => n.logged).length;
    console.log(`fault: ${NOISE.length} odd frames into each of ${injected / NOISE.length} sockets; warnings logged: `
      + `carol ${warnings.carol - logsBefore.carol}, dave ${warnings.dave - logsBefore.dave}`);
    for (const name of Object.keys(pages)) {
      const logged = warnings[name] - logsBefore[name];
      assert.ok(logged >= mustLog, `${name}: ${logged} warnings logged for ${mustLog} malformed frames`);
      assert.equal(await pages[name].locator('[data-testid="connection-status"]').getAttribute('data-state'), 'online');
    }
    // Nothing of the noise shows, and the conversation still works both ways.
    await say('carol', 'dave', 'after the noise');
    await say('dave', 'carol', 'still here');
    assert.equal(await rows(carol.page), before.carol + 2);
    assert.equal(await rows(dave.page), before.dave + 2);
    for (const page of Object.values(pages)) {
      const body = await page.locator('body').textContent();
      assert.ok(!body.includes('oops-wrong-type') && !body.includes('hhhhhhhh') && !body.includes('not JSON'));
    }
    assert.equal(proxy.stats().dropped, 0, 'the proxy cut nothing here');
    assert.deepEqual(errors, [], 'no uncaught error in the pages');
  } finally {
    for (const c of contexts) await c.close();
    await proxy.close();
  }
});

// Reports every change of the connection status to node, with the page's clock (the same
// machine's clock as the proxy's drop times).
const STATUS_PROBE = `(() => {
  let last = null;
  const report = () => {
    if (typeof window.__faultStatus !== 'function') return;
    const el = document.querySelector('[data-testid="connection-status"]');
    const state = el && el.getAttribute('data-state');
    if (state && state !== last) {
      last = state;
      window.__faultStatus(state, Date.now());
    }
  };
  new MutationObserver(report).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'],
  });
})();`;

/**
 * Per drop and per tab that was online when it came: the time until that tab was online
 * again. A tab that did not go off-line before the next drop was not cut by this one.
 */
function reconnectTimes(drops, logs) {
  const times = [];
  let never = 0;
  drops.forEach((drop, i) => {
    const next = drops[i + 1]?.t ?? Infinity;
    for (const log of logs) {
      if (log.filter((e) => e.t <= drop.t).at(-1)?.state !== 'online') continue;
      const lost = log.find((e) => e.t >= drop.t && e.state !== 'online');
      if (!lost || lost.t >= next) continue;
      const back = log.find((e) => e.t > lost.t && e.state === 'online');
      if (back) times.push(back.t - drop.t);
      else never += 1;
    }
  });
  return { times, never };
}

/** Counts `alice-NNNN`/`bob-NNNN` in `texts` (in timeline order) against what was sent. */
function tally(texts, sent) {
  const counts = new Map();
  const order = Object.fromEntries(USERS.map((u) => [u, []]));
  for (const text of texts) {
    const m = /^(alice|bob)-(\d{4})$/.exec(text);
    if (!m) continue;
    counts.set(text, (counts.get(text) ?? 0) + 1);
    order[m[1]].push(Number(m[2]));
  }
  let received = 0;
  let duplicates = 0;
  const lost = [];
  for (const user of USERS) {
    for (let n = 1; n <= sent[user]; n += 1) {
      const c = counts.get(label(user, n)) ?? 0;
      if (c > 0) received += 1;
      else lost.push(label(user, n));
      duplicates += Math.max(0, c - 1);
    }
  }
  // A step back in a sender's sequence (a duplicate counts too).
  let outOfOrder = 0;
  const steps = [];
  for (const [user, seq] of Object.entries(order)) {
    for (let k = 1; k < seq.length; k += 1) {
      if (seq[k] > seq[k - 1]) continue;
      outOfOrder += 1;
      if (steps.length < 8) steps.push(`${label(user, seq[k])} after ${label(user, seq[k - 1])}`);
    }
  }
  return { received, duplicates, lost, outOfOrder, steps };
}

/** Every message of the direct conversation of `client` with `other`, oldest first. */
async function serverHistory(client, other) {
  const otherId = client.welcome.users.find((u) => u.username === other).id;
  const { conversation } = await client.cmd({ type: 'open_direct', user_id: otherId });
  const all = [];
  let before;
  for (;;) {
    const page = await client.cmd({
      type: 'load_history', conversation_id: conversation.id, limit: 100, ...(before ? { before } : {}),
    });
    all.unshift(...page.messages);
    if (!page.has_more || page.messages.length === 0) break;
    before = page.messages[0].id;
    // The server allows 20 commands a second per connection.
    await sleep(60);
  }
  return all;
}

/**
 * The texts of the open chat's timeline, top to bottom, as the page shows them: pages back
 * to the first message, then scrolls down through the windowed rows reading each row once
 * (keyed by its message id; a row without one is a local, unconfirmed echo). Returns the
 * texts, the unconfirmed and failed ones, and whether the first message was reached.
 */
async function timelineRows(page) {
  // The tab in front, as for a person reading it.
  await page.bringToFront();
  return page.evaluate(async () => {
    const frames = (n) => new Promise((done) => {
      const step = () => (--n <= 0 ? done() : requestAnimationFrame(step));
      requestAnimationFrame(step);
    });
    const el = document.querySelector('[data-testid="timeline"]');
    const start = performance.now();
    let last = Number(el.dataset.rows);
    let still = performance.now();
    let top = false;
    while (performance.now() - start < 90_000 && performance.now() - still < 8_000) {
      el.scrollTop = 0;
      await frames(1);
      if (document.querySelector('[data-testid="load-older"]')?.closest('[hidden]')) {
        top = true;
        break;
      }
      const rows = Number(el.dataset.rows);
      if (rows !== last) {
        last = rows;
        still = performance.now();
      }
    }
    // The last page to arrive moves the view to keep what was on screen in place: back to
    // the very top once that has settled.
    for (let i = 0; i < 50; i += 1) {
      el.scrollTop = 0;
      await frames(3);
      if (el.scrollTop === 0) break;
    }
    const seen = new Set();
    const rows = [];
    let scanned = false;
    let steps = 0;
    const scanStart = performance.now();
    while (performance.now() - scanStart < 60_000) {
      let unseen = 0;
      for (const row of el.querySelectorAll('[data-testid="message"]')) {
        const text = row.querySelector('[data-testid="message-text"]')?.textContent ?? '';
        const key = row.dataset.messageId ? `id:${row.dataset.messageId}` : `local:${text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        unseen += 1;
        rows.push({ text, confirmed: Boolean(row.dataset.messageId), state: row.dataset.state });
      }
      const bottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
      if (bottom && unseen === 0) {
        scanned = true;
        break;
      }
      el.scrollTop += Math.max(100, Math.floor(el.clientHeight * 0.85));
      await frames(2);
      steps += 1;
    }
    const frameMs = Math.round((performance.now() - scanStart) / Math.max(1, steps * 2));
    return { rows, top, scanned, frameMs, ms: Math.round(performance.now() - start) };
  });
}

/**
 * Unconfirmed messages in the widget's IndexedDB outbox (all users of this browser): their
 * number, or why there is none to count; with `dump`, the first few records instead.
 */
async function storedOutbox(page, { dump = false } = {}) {
  return page.evaluate(async (dump) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'messenger-widget')) return 'no messenger-widget database';
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('messenger-widget');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('outbox')) return 'no outbox store';
      const store = db.transaction('outbox').objectStore('outbox');
      return await new Promise((resolve, reject) => {
        const req = dump ? store.getAll(null, 3) : store.count();
        req.onsuccess = () => resolve(dump ? JSON.stringify(req.result).slice(0, 600) : req.result);
        req.onerror = () => reject(req.error);
      });
    } finally {
      db.close();
    }
  }, dump);
}

const appAttr = (page, name) => page.locator('.mw-app').first().getAttribute(name, { timeout: 5_000 }).catch(() => null);

test('two users, two tabs each, 500 messages each through random drops, leader reloads and a server restart: each once, in order, outboxes empty', { timeout: 360_000 }, async () => {
  const seed = pickSeed();
  console.log(`fault: seed ${seed} (replay with FAULT_SEED=${seed})`);
  const rng = mulberry32(seed);
  const proxy = await startProxy({ target: env.server.url });
  const people = {};
  const pageErrors = [];
  let restart;
  const typed = new Map(); // label → when Enter was pressed, in which tab
  try {
    // Set-up on a calm link: each person is one browser (context) with two tabs on the chat.
    for (const [user, other] of [['alice', 'bob'], ['bob', 'alice']]) {
      const first = await signIn(env.browser, proxy.url, user, 'demo', { initScript: STATUS_PROBE });
      const logs = new Map();
      await first.context.exposeBinding('__faultStatus', ({ page }, state, t) => {
        if (!logs.has(page)) logs.set(page, []);
        logs.get(page).push({ t, state });
      });
      const second = await openTab(first.context, proxy.url, user);
      const tabs = [first.page, second];
      for (const page of tabs) {
        page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
        await openChatWith(page, other);
      }
      people[user] = { user, other, context: first.context, tabs, logs, sent: 0, reload: null };
    }
    progress('two people, two tabs each, on their direct chat');

    // Which tab holds the connection (the widget marks it); the first one if none says so.
    const leaderOf = async (person) => {
      const flags = await Promise.all(person.tabs.map((p) => appAttr(p, 'data-leader')));
      const i = flags.indexOf('true');
      return i >= 0 ? i : 0;
    };

    const reloadLeader = async (person) => {
      const i = await leaderOf(person);
      const page = person.tabs[i];
      // No drop while the page and its wasm are downloaded: a bundle cut in half is a page
      // that failed to load, not the widget losing messages. The socket it opens afterwards
      // gets the chaos like every other.
      const release = proxy.pauseChaos();
      const t = Date.now();
      try {
        await page.reload({ waitUntil: 'load' });
        await page.locator('.mw-app').waitFor();
      } finally {
        release();
      }
      await page.locator(`[data-testid="contact"][data-username="${person.other}"]`).click({ timeout: 60_000 });
      await page.getByTestId('chat-title').waitFor();
      person.reload = { tab: i, t };
      progress(`${person.user}: reloaded tab ${i + 1} (the leader)`);
    };

    const restartServer = async () => {
      const t = Date.now();
      await env.server.stop();
      env.server = await startServer({ port: env.port, db: env.db });
      progress(`server restarted (down ${Date.now() - t} ms)`);
      return { t, downMs: Date.now() - t };
    };

    // Type and press Enter, alternating tabs, at a steady pace; never wait for an answer.
    const sendAll = async (person, { reloadAt, restartAt }) => {
      const t0 = Date.now();
      const every = SEND_MS / PER_USER;
      let last = 0;
      for (let n = 1; n <= PER_USER; n += 1) {
        if (n === reloadAt) await reloadLeader(person);
        if (n === restartAt) restart = restartServer();
        // Behind the pace (after a reload), catch up, but no faster than a person switching
        // tabs could: a message typed 30 ms after one in the other tab is not a person's order.
        const due = Math.max(t0 + (n - 1) * every, last + MIN_GAP_MS);
        if (due > Date.now()) await sleep(due - Date.now());
        last = Date.now();
        const input = person.tabs[n % 2].getByTestId('compose-input');
        await input.fill(label(person.user, n), { timeout: 60_000 });
        await input.press('Enter');
        person.sent = n;
        typed.set(label(person.user, n), { t: Date.now(), tab: n % 2 });
        if (n % 100 === 0) progress(`${person.user}: ${n} sent; ${proxy.stats().drops} drops so far`);
      }
    };

    const sendStart = Date.now();
    proxy.startChaos({ minMs: 1000, maxMs: 10_000, rng });
    await Promise.all([
      sendAll(people.alice, { reloadAt: 200, restartAt: 300 }),
      sendAll(people.bob, { reloadAt: 240 }),
    ]);
    proxy.stopChaos();
    const restarted = await restart;
    const sendMs = Date.now() - sendStart;
    const sent = { alice: people.alice.sent, bob: people.bob.sent };

    // Settle on a calm link: until the server has everything and every outbox is empty, or
    // nothing has moved for 20 s.
    const checker = await eventually(() => protocolClient(env.server.url, 'alice'), { timeout: 20_000 });
    const outboxes = async () => {
      const hooks = [];
      for (const p of Object.values(people)) for (const page of p.tabs) hooks.push(await appAttr(page, 'data-outbox'));
      const stored = [];
      for (const p of Object.values(people)) stored.push(await storedOutbox(p.tabs[0]).catch((e) => String(e)));
      return { hooks, stored };
    };
    let history = [];
    let boxes;
    progress('sending done; settling');
    const settleStart = Date.now();
    let lastChange = Date.now();
    let lastKey = '';
    for (;;) {
      history = await serverHistory(checker, 'bob');
      boxes = await outboxes();
      const t = tally(history.map((m) => m.text), sent);
      const done = t.received === PER_USER * 2
        && boxes.hooks.every((h) => h === '0') && boxes.stored.every((s) => s === 0);
      const key = JSON.stringify([history.length, boxes]);
      if (key !== lastKey) {
        lastKey = key;
        lastChange = Date.now();
      }
      if (done || Date.now() - lastChange > 20_000 || Date.now() - settleStart > 90_000) break;
      await sleep(1000);
    }
    checker.close();
    const settleMs = Date.now() - settleStart;

    // What each person sees: the timeline of the tab that was reloaded.
    progress(`settled after ${settleMs} ms; reading the timelines`);
    const views = {};
    for (const p of Object.values(people)) {
      views[p.user] = await timelineRows(p.tabs[p.reload?.tab ?? 0]);
    }

    const server = tally(history.map((m) => m.text), sent);
    const allDrops = proxy.drops();
    const { times, never } = reconnectTimes(allDrops, Object.values(people).flatMap((p) => [...p.logs.values()]));
    const backAfterRestart = Object.values(people).flatMap((p) => [...p.logs.values()])
      .map((log) => log.find((e) => e.t > restarted.t && e.state === 'online'))
      .map((e) => (e ? e.t - restarted.t : null));
    const reloads = Object.values(people).map((p) => {
      const log = p.logs.get(p.tabs[p.reload.tab]) ?? [];
      const back = log.find((e) => e.t > p.reload.t && e.state === 'online');
      return `${p.user} ${back ? `${back.t - p.reload.t} ms` : 'never online'}`;
    });
    const restartMs = backAfterRestart.every((x) => x !== null) ? Math.max(...backAfterRestart) : null;
    const longest = Math.max(0, ...times, restartMs ?? 0);
    const stats = proxy.stats();
    const total = sent.alice + sent.bob;
    console.log(`fault: sent ${total}, received ${server.received} (server), duplicates ${server.duplicates}, `
      + `lost ${server.lost.length}, out of order ${server.outOfOrder}, longest reconnect ${longest} ms `
      + `(${allDrops.length} drops cutting ${stats.dropped} connections; ${times.length} reconnects, `
      + `median ${times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? '-'} ms, ${never} never; `
      + `server restart: down ${restarted.downMs} ms, all tabs back after ${restartMs ?? 'never'} ms; `
      + `reload to online: ${reloads.join(', ')}), seed ${seed}`);
    console.log(`fault: sending took ${sendMs} ms, settling ${settleMs} ms; proxy accepted ${stats.accepted}, refused ${stats.refused}`);
    for (const [user, view] of Object.entries(views)) {
      const t = tally(view.rows.map((r) => r.text), sent);
      const unconfirmed = view.rows.filter((r) => /^(alice|bob)-\d{4}$/.test(r.text) && !r.confirmed).length;
      const failed = view.rows.filter((r) => r.state === 'failed').length;
      view.tally = { ...t, unconfirmed, failed };
      console.log(`fault: ${user}'s timeline: ${t.received} of ${total}, duplicates ${t.duplicates}, lost ${t.lost.length}, `
        + `out of order ${t.outOfOrder}, unconfirmed ${unconfirmed}, failed ${failed}, first message reached ${view.top} (${view.ms} ms, ${view.frameMs} ms a frame)`);
    }
    console.log(`fault: outbox hooks (data-outbox per tab) ${JSON.stringify(boxes.hooks)}, IndexedDB outbox ${JSON.stringify(boxes.stored)}`);
    for (const [i, p] of Object.values(people).entries()) {
      if (boxes.stored[i] !== 0) console.log(`fault: ${p.user}'s IndexedDB outbox holds: ${await storedOutbox(p.tabs[0], { dump: true }).catch((e) => String(e))}`);
    }
    if (server.lost.length) console.log(`fault: lost on the server, first ones: ${server.lost.slice(0, 12).join(' ')}`);
    if (server.steps.length) console.log(`fault: out of order on the server: ${server.steps.join(', ')}`);
    // When each pair was typed, in which tab, and what the link did around it.
    const events = [...allDrops.map((d) => ({ t: d.t, what: `drop of ${d.connections}` })),
      { t: restarted.t, what: 'server restart' },
      ...Object.values(people).map((p) => ({ t: p.reload.t, what: `${p.user}'s reload` }))];
    for (const step of server.steps) {
      const [later, earlier] = step.split(' after ').map((l) => ({ l, ...typed.get(l) }));
      const near = events.filter((e) => e.t > later.t - 3_000 && e.t < earlier.t + 3_000)
        .map((e) => `${e.what} at ${e.t - later.t} ms`);
      console.log(`fault:   ${later.l} typed in tab ${later.tab + 1}, ${earlier.l} in tab ${earlier.tab + 1} `
        + `${earlier.t - later.t} ms later; around them: ${near.join(', ') || 'nothing'}`);
    }
    for (const [user, view] of Object.entries(views)) {
      if (view.tally.lost.length) console.log(`fault: lost in ${user}'s timeline, first ones: ${view.tally.lost.slice(0, 12).join(' ')}`);
      if (view.tally.steps.length) console.log(`fault: out of order in ${user}'s timeline: ${view.tally.steps.join(', ')}`);
    }

    // Every problem at once, so one run tells the whole story.
    const problems = [];
    if (total !== PER_USER * 2) problems.push(`only ${total} of ${PER_USER * 2} were typed`);
    if (server.received !== total || server.duplicates || server.outOfOrder) {
      problems.push(`server: ${server.received} of ${total}, ${server.duplicates} duplicates, ${server.outOfOrder} out of order`);
    }
    for (const [user, view] of Object.entries(views)) {
      const t = view.tally;
      if (!view.top) problems.push(`${user}'s timeline did not page back to its first message`);
      if (!view.scanned) problems.push(`${user}'s timeline: scrolling down did not reach the bottom within 60 s`);
      if (t.received !== total || t.duplicates || t.outOfOrder || t.unconfirmed || t.failed) {
        problems.push(`${user}'s timeline: ${t.received} of ${total}, ${t.duplicates} duplicates, `
          + `${t.outOfOrder} out of order, ${t.unconfirmed} unconfirmed, ${t.failed} failed`);
      }
    }
    if (!boxes.hooks.every((h) => h === '0')) problems.push(`outbox hooks: ${JSON.stringify(boxes.hooks)} (want "0" on every tab)`);
    if (!boxes.stored.every((s) => s === 0)) problems.push(`IndexedDB outbox: ${JSON.stringify(boxes.stored)} (want 0)`);
    for (const p of Object.values(people)) {
      const flags = await Promise.all(p.tabs.map((page) => appAttr(page, 'data-leader')));
      if (flags.filter((f) => f === 'true').length !== 1 || flags.filter((f) => f === 'false').length !== 1) {
        problems.push(`${p.user}: data-leader on the tabs is ${JSON.stringify(flags)} (want one "true", one "false")`);
      }
      for (const page of p.tabs) {
        const state = await page.locator('[data-testid="connection-status"]').getAttribute('data-state');
        if (state !== 'online') problems.push(`${p.user}: a tab is ${state} at the end`);
      }
    }
    if (never) problems.push(`${never} tab(s) never came back online after a drop`);
    if (restartMs === null) problems.push('a tab never came back online after the server restart');
    if (pageErrors.length) problems.push(`uncaught page errors: ${pageErrors.slice(0, 3).join(' | ')}`);
    assert.deepEqual(problems, []);
  } finally {
    proxy.stopChaos();
    // A restart still under way when something failed: let it finish, so the file's `after`
    // stops the server it started.
    await restart?.catch(() => {});
    for (const p of Object.values(people)) await p.context.close();
    await proxy.close();
  }
});
