// A fault-injecting TCP proxy for the end-to-end tests: it sits on 127.0.0.1 between Chromium
// and the reference server and carries everything (the page, /api/login, /files, the
// WebSocket), so the browser only ever knows the proxy's address. Playwright's setOffline()
// does not cut open WebSockets; cutting the TCP connections here does, the way a flaky Wi-Fi
// or a dying NAT entry would.
//
// Faults:
// - dropAll(): every open connection is reset at once on both sides (RST, no close frame,
//   no FIN), so neither end gets a goodbye;
// - startChaos(): dropAll() at random intervals, from a seeded generator so a failing run can
//   be replayed with the same seed;
// - setDown(true): new connections are reset as soon as they are accepted (the server looks
//   unreachable) until setDown(false);
// - injectFrame()/injectText(): one server→client WebSocket frame is written between two
//   whole frames of every open WebSocket (the proxy parses the server's frames for that).
import { connect, createServer } from 'node:net';

/** A small seeded PRNG (mulberry32): `rng()` is uniform in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed, or the one in `FAULT_SEED` to replay a run. */
export function pickSeed() {
  const fromEnv = Number.parseInt(process.env.FAULT_SEED ?? '', 10);
  return Number.isFinite(fromEnv) ? fromEnv >>> 0 : Math.floor(Math.random() * 2 ** 32);
}

/** One unmasked (server → client) WebSocket frame. */
export function wsFrame(payload, { opcode = 0x1, fin = true } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload), 'utf8');
  let head;
  if (body.length < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, body.length]);
  } else if (body.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 126;
    head.writeUInt16BE(body.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(body.length), 2);
  }
  return Buffer.concat([head, body]);
}

/**
 * The length of the whole frame at the start of `buf` (header, mask key and payload), or 0
 * when `buf` does not hold a whole header yet.
 */
function frameLength(buf) {
  if (buf.length < 2) return 0;
  const masked = (buf[1] & 0x80) !== 0;
  const len7 = buf[1] & 0x7f;
  let header = 2;
  let payload = len7;
  if (len7 === 126) {
    if (buf.length < 4) return 0;
    header = 4;
    payload = buf.readUInt16BE(2);
  } else if (len7 === 127) {
    if (buf.length < 10) return 0;
    header = 10;
    payload = Number(buf.readBigUInt64BE(2));
  }
  return header + (masked ? 4 : 0) + payload;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const API_REQUEST = /^[A-Z]+ \/(api\/|ws\b)/;

/**
 * The server → client half of one connection. Until the first response head is complete it
 * holds bytes back; a `101 Switching Protocols` makes it a WebSocket whose frames are only
 * ever forwarded whole, so the client's stream is always at a frame boundary between two
 * writes and an injected frame can go in between. Anything else is passed through as is.
 */
class Downstream {
  constructor(client, onInject) {
    this.client = client;
    this.onInject = onInject;
    this.mode = 'head'; // 'head' | 'ws' | 'raw'
    this.buf = Buffer.alloc(0);
    // Inside a fragmented message a new text frame would be a protocol error, not the fault
    // we mean to inject: wait for its final fragment.
    this.inMessage = false;
    this.queue = [];
  }

  push(chunk) {
    if (this.mode === 'raw') {
      this.client.write(chunk);
      return;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.mode === 'head') {
      const end = this.buf.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.buf.subarray(0, end + HEAD_END.length);
      const rest = this.buf.subarray(end + HEAD_END.length);
      this.client.write(head);
      this.buf = Buffer.alloc(0);
      if (/^HTTP\/1\.[01] 101/.test(head.toString('latin1'))) {
        this.mode = 'ws';
        if (rest.length) this.push(rest);
        this.flushQueue();
      } else {
        // Plain HTTP (the page, /api/login, /files): nothing to inject there. A keep-alive
        // connection stays raw; Chromium opens every WebSocket on a fresh connection.
        this.mode = 'raw';
        if (rest.length) this.client.write(rest);
      }
      return;
    }
    for (;;) {
      const len = frameLength(this.buf);
      if (len === 0 || this.buf.length < len) break;
      const frame = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      const fin = (frame[0] & 0x80) !== 0;
      const opcode = frame[0] & 0x0f;
      if (opcode === 0x1 || opcode === 0x2) this.inMessage = !fin;
      else if (opcode === 0x0 && fin) this.inMessage = false;
      this.client.write(frame);
      this.flushQueue();
    }
  }

  get isWebSocket() {
    return this.mode === 'ws';
  }

  inject(frame) {
    this.queue.push(frame);
    this.flushQueue();
  }

  flushQueue() {
    if (this.mode !== 'ws' || this.inMessage) return;
    while (this.queue.length) {
      this.client.write(this.queue.shift());
      this.onInject();
    }
  }
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) to `target` ({host, port} or a URL string).
 * Resolves with its controls; see the file's head comment.
 */
export async function startProxy({ target, log = () => {} }) {
  const to = typeof target === 'string' ? new URL(target) : target;
  const host = to.hostname ?? to.host ?? '127.0.0.1';
  const port = Number(to.port);
  const links = new Set();
  const counts = { accepted: 0, dropped: 0, refused: 0, injected: 0 };
  const drops = []; // { t, connections } per dropAll()
  let down = false;
  // Like a proxy that does not pass WebSocket upgrades: plain HTTP goes through.
  let blockWebSockets = false;
  // Like a dead back end behind a CDN: the page's own files load, /api and /ws do not.
  let apiDown = false;
  // Added to everything the server sends (a far-away server): ms per round trip.
  let latencyMs = 0;
  let chaos = null;

  const server = createServer((client) => {
    counts.accepted += 1;
    if (down) {
      counts.refused += 1;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host, port });
    const link = { client, upstream, down: new Downstream(client, () => { counts.injected += 1; }), closed: false };
    links.add(link);
    const close = (hard) => {
      if (link.closed) return;
      link.closed = true;
      links.delete(link);
      if (hard) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      } else {
        client.end();
        upstream.end();
      }
    };
    link.close = close;
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let first = true;
    client.on('data', (chunk) => {
      if (first && blockWebSockets && /^upgrade:\s*websocket/im.test(chunk.toString('latin1'))) {
        counts.blocked = (counts.blocked ?? 0) + 1;
        close(true);
        return;
      }
      first = false;
      // Keep-alive connections carry one request after another: look at each request line.
      if (apiDown && !link.down.isWebSocket && API_REQUEST.test(chunk.toString('latin1', 0, 256))) {
        counts.apiRefused = (counts.apiRefused ?? 0) + 1;
        close(true);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      // Same delay for every chunk: timers of equal length fire in order, so bytes stay in order.
      if (latencyMs > 0) setTimeout(() => { if (!link.closed) link.down.push(chunk); }, latencyMs);
      else link.down.push(chunk);
    });
    // A clean end on one side is passed on as a clean end; an error (the server went away,
    // a refused connect) as a reset, which is what the other side would see without us.
    client.on('end', () => close(false));
    upstream.on('end', () => close(false));
    client.on('error', () => close(true));
    upstream.on('error', (err) => {
      if (err.code === 'ECONNREFUSED') counts.refused += 1;
      close(true);
    });
    client.on('close', () => close(true));
    upstream.on('close', () => close(true));
  });
  server.on('error', (err) => log(`proxy: ${err.message}`));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port: own } = server.address();

  function dropAll() {
    const open = [...links];
    for (const link of open) link.close(true);
    counts.dropped += open.length;
    drops.push({ t: Date.now(), connections: open.length });
    return open.length;
  }

  function stopChaos() {
    if (chaos) clearTimeout(chaos.timer);
    chaos = null;
  }

  return {
    port: own,
    url: `http://127.0.0.1:${own}`,
    dropAll,
    /**
     * Drops every connection after a random pause in [minMs, maxMs], again and again, until
     * stopChaos(). While paused (pauseChaos), a drop that falls due is skipped, not deferred.
     */
    startChaos({ minMs = 1000, maxMs = 10_000, rng = Math.random } = {}) {
      stopChaos();
      const state = { timer: null, paused: 0 };
      chaos = state;
      const next = () => {
        state.timer = setTimeout(() => {
          if (chaos !== state) return;
          if (state.paused === 0) {
            const n = dropAll();
            log(`proxy: dropped ${n} connection(s)`);
          }
          next();
        }, minMs + rng() * (maxMs - minMs));
      };
      next();
    },
    stopChaos,
    /** Holds the chaos drops back (nestable); returns the function that lets them go again. */
    pauseChaos() {
      const state = chaos;
      if (!state) return () => {};
      state.paused += 1;
      let released = false;
      return () => {
        if (!released) state.paused -= 1;
        released = true;
      };
    },
    /** While set, a request to upgrade to a WebSocket is reset; plain HTTP still passes. */
    setBlockWebSockets(value) {
      blockWebSockets = Boolean(value);
    },
    /** Delays every byte from the server by `ms` (0: none). */
    setLatency(ms) {
      latencyMs = Math.max(0, Number(ms) || 0);
    },
    /** While down, every new connection is reset as soon as it is accepted. */
    setDown(value) {
      down = Boolean(value);
    },
    /**
     * While set, a request for /api/… or /ws is reset (its connection with it) and open
     * WebSockets are cut; the page, its wasm and locales still load: a reload shows what the
     * widget draws with no server to talk to.
     */
    setApiDown(value) {
      apiDown = Boolean(value);
      if (apiDown) for (const l of [...links]) if (l.down.isWebSocket) l.close(true);
    },
    /** Queues `frame` (bytes, see wsFrame) on every open WebSocket; returns how many. */
    injectFrame(frame) {
      const sockets = [...links].filter((l) => l.down.isWebSocket);
      for (const l of sockets) l.down.inject(frame);
      return sockets.length;
    },
    injectText(text) {
      return this.injectFrame(wsFrame(text));
    },
    /** Open connections: all, and those that became WebSockets. */
    open() {
      const all = [...links];
      return { connections: all.length, websockets: all.filter((l) => l.down.isWebSocket).length };
    },
    stats() {
      return { ...counts, drops: drops.length };
    },
    /** Every dropAll() so far: when (ms since the epoch) and how many connections it cut. */
    drops() {
      return drops.slice();
    },
    async close() {
      stopChaos();
      for (const link of [...links]) link.close(true);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
