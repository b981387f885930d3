// A pass-through proxy between the browser and the reference server that can add a stream of
// `message_created` events to the browser's WebSocket, for the ingest benchmark: the reference
// server accepts at most `commands_per_second` (20) sends per connection, so 1,000 messages a
// second cannot come from a real sender.
//
// Everything else is forwarded unchanged over real sockets: the page, the wasm, POST /api/login
// and every WebSocket frame both ways. Only the event numbering is rewritten on its way to the
// browser: after k injected events, the server's event `seq` s reaches the browser as s + k, so
// the browser sees one gap-free, increasing sequence (docs/protocol.md "Events and ordering").
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

/** Injected message ids start here, far above any id the server hands out in the bench. */
export const INJECTED_ID_BASE = 1_000_000_000;

/** Text of the i-th injected message; the page reads the send time back from it. */
export const injectedText = (i, sentAt) => `Ingest ${i} sent ${sentAt}`;
export const INJECTED_TEXT_RE = /Ingest (\d+) sent (\d+)/;

/**
 * Starts the proxy in front of `target` (the server's http://host:port). The widget loaded
 * from `proxy.url` connects to the page origin's /ws, so all its traffic goes through here.
 */
export async function startProxy(target) {
  const upstream = new URL(target);
  const bridges = new Set();

  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${err.message}`);
    });
    req.pipe(forward);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/ws')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (browser) => {
      const bridge = new Bridge(browser, `ws://${upstream.host}${req.url}`);
      bridges.add(bridge);
      browser.once('close', () => bridges.delete(bridge));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    /** The newest browser connection that has had its welcome. */
    connection() {
      return [...bridges].reverse().find((b) => b.welcome) ?? null;
    },
    async stop() {
      for (const b of bridges) b.close();
      wss.close();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

class Bridge {
  constructor(browser, upstreamUrl) {
    this.browser = browser;
    this.server = new WebSocket(upstreamUrl);
    this.pending = [];
    this.welcome = null;
    // Events injected so far: added to every server seq on its way to the browser.
    this.offset = 0;
    this.lastSeq = 0;
    // mark_read commands for injected messages, answered here (the server never saw them).
    this.injectedMarkReads = 0;
    this.maxBuffered = 0;

    this.server.on('open', () => {
      for (const frame of this.pending) this.server.send(frame);
      this.pending = [];
    });
    this.server.on('message', (data) => this.fromServer(data.toString()));
    this.server.on('close', () => this.browser.close());
    this.server.on('error', () => this.browser.close());
    browser.on('message', (data) => this.fromBrowser(data.toString()));
    browser.on('close', () => this.server.close());
    browser.on('error', () => this.server.close());
  }

  close() {
    this.browser.close();
    this.server.close();
  }

  fromBrowser(text) {
    let frame = null;
    try {
      frame = JSON.parse(text);
    } catch {
      // Not JSON: the server answers it as it would.
    }
    if (frame?.type === 'hello' && frame.resume) {
      // The browser's position counts injected events the server never sent; without it
      // the server answers with a fresh welcome and the numbering starts over.
      delete frame.resume;
      text = JSON.stringify(frame);
    }
    if (frame?.type === 'mark_read' && frame.message_id >= INJECTED_ID_BASE) {
      this.injectedMarkReads += 1;
      this.toBrowser(JSON.stringify({ type: 'ack', id: frame.id, result: { kind: 'done' } }));
      return;
    }
    if (this.server.readyState === WebSocket.OPEN) this.server.send(text);
    else this.pending.push(text);
  }

  fromServer(text) {
    // Only frames that carry a seq are rewritten; a cheap prefix test spares parsing the rest.
    if (text.startsWith('{"type":"event"') || text.startsWith('{"type":"welcome"')) {
      const frame = JSON.parse(text);
      if (frame.type === 'welcome') {
        this.welcome = frame;
        this.offset = 0;
        this.lastSeq = frame.seq;
      } else if (frame.type === 'event') {
        frame.seq += this.offset;
        this.lastSeq = frame.seq;
        text = JSON.stringify(frame);
      }
    }
    this.toBrowser(text);
  }

  toBrowser(text) {
    if (this.browser.readyState !== WebSocket.OPEN) return;
    this.browser.send(text);
    this.maxBuffered = Math.max(this.maxBuffered, this.browser.bufferedAmount);
  }

  /** The direct conversation between the signed-in user and `username`, and that user's id. */
  directWith(username) {
    const other = this.welcome.users.find((u) => u.username === username);
    const conv = other && this.welcome.conversations.find(
      (c) => c.kind === 'direct' && c.members.includes(other.id),
    );
    if (!conv) throw new Error(`no direct conversation with ${username} in the welcome`);
    return { conversationId: conv.id, senderId: other.id };
  }

  injectMessage(i, { conversationId, senderId }) {
    const now = Date.now();
    this.offset += 1;
    this.lastSeq += 1;
    this.toBrowser(JSON.stringify({
      type: 'event',
      seq: this.lastSeq,
      event: {
        kind: 'message_created',
        message: {
          id: INJECTED_ID_BASE + i,
          conversation_id: conversationId,
          sender_id: senderId,
          text: injectedText(i, now),
          importance: 'normal',
          created_at: now,
        },
      },
    }));
  }

  /**
   * Sends `rate` messages a second for `durationMs` from `from` into their direct chat,
   * on a 5 ms timer that catches up on the schedule (so a late tick sends a few at once).
   * Resolves with when it started and ended and how many it sent.
   */
  inject({ from, rate, durationMs }) {
    const target = this.directWith(from);
    return new Promise((resolve) => {
      const total = Math.round((rate * durationMs) / 1000);
      const start = Date.now();
      let sent = 0;
      const tick = () => {
        const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000));
        while (sent < due) {
          this.injectMessage(sent, target);
          sent += 1;
        }
        if (sent < total && this.browser.readyState === WebSocket.OPEN) {
          setTimeout(tick, 5);
        } else {
          resolve({ start, end: Date.now(), sent });
        }
      };
      tick();
    });
  }
}
