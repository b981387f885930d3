// Can the reference server deliver 1,000 messages a second into one chat? A node client signs
// in as Bob and sends `send_message`s to his direct chat with Alice at that pace, speaking
// docs/protocol.md (POST /api/login, `hello`, commands); a second client, Alice, counts the
// `message_created` events that reach her.
import { WebSocket } from 'ws';

async function login(base, username) {
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo' }),
  });
  if (!res.ok) throw new Error(`login ${username}: HTTP ${res.status}`);
  return res.json();
}

/** A signed-in protocol client: `welcome` once the handshake is done, `on(type, fn)` for frames. */
async function connect(base, username) {
  const { token } = await login(base, username);
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`);
  const listeners = [];
  const welcome = await new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol_version: 1, token })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'welcome') resolve(frame);
      else if (frame.type === 'error' && !frame.id) reject(new Error(`${username}: ${frame.message}`));
      for (const fn of listeners) fn(frame);
    });
  });
  let n = 0;
  return {
    welcome,
    on(fn) { listeners.push(fn); },
    send(frame) { ws.send(JSON.stringify(frame)); },
    nextId() { n += 1; return `bench-${username}-${n}`; },
    close() { ws.close(); },
  };
}

/**
 * Bob sends `rate` messages a second for `durationMs` (the pace kept on a 5 ms timer); counts
 * Bob's acks and refusals and the events Alice receives, and waits up to 5 s after the last
 * send for stragglers.
 */
export async function probeServerRate(base, { rate = 1000, durationMs = 3000 } = {}) {
  const alice = await connect(base, 'alice');
  const bob = await connect(base, 'bob');
  const aliceId = alice.welcome.me.id;

  // Find or create their direct chat.
  const openId = bob.nextId();
  const conversationId = await new Promise((resolve, reject) => {
    bob.on((f) => {
      if (f.id !== openId) return;
      if (f.type === 'ack') resolve(f.result.conversation.id);
      else reject(new Error(`open_direct: ${f.code} ${f.message}`));
    });
    bob.send({ type: 'open_direct', id: openId, user_id: aliceId });
  });

  const counts = { acked: 0, rateLimited: 0, otherErrors: 0, received: 0 };
  let lastReceived = 0;
  bob.on((f) => {
    if (f.type === 'ack' && f.result?.kind === 'message_sent') counts.acked += 1;
    else if (f.type === 'error' && f.code === 'rate_limited') counts.rateLimited += 1;
    else if (f.type === 'error') counts.otherErrors += 1;
  });
  alice.on((f) => {
    if (f.type === 'event' && f.event.kind === 'message_created'
        && f.event.message.conversation_id === conversationId && f.event.message.sender_id !== aliceId) {
      counts.received += 1;
      lastReceived = Date.now();
    }
  });

  const total = Math.round((rate * durationMs) / 1000);
  const start = Date.now();
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000));
      while (sent < due) {
        bob.send({ type: 'send_message', id: bob.nextId(), conversation_id: conversationId, text: `probe ${sent}` });
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 5);
      else resolve();
    };
    tick();
  });
  const sendEnd = Date.now();
  const deadline = sendEnd + 5_000;
  while (counts.acked + counts.rateLimited + counts.otherErrors < sent && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  alice.close();
  bob.close();
  const span = Math.max(sendEnd, lastReceived) - start;
  return {
    attemptedRate: rate,
    sent,
    sendMs: sendEnd - start,
    ...counts,
    deliveredRate: counts.received / (span / 1000),
    limits: bob.welcome.limits,
  };
}
