// Shared pieces of the end-to-end tests: a real reference server on a real SQLite file,
// and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

const SERVER_BIN = process.env.MESSENGER_SERVER_BIN;
const DIST = process.env.MESSENGER_DIST;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function requireBuild() {
  if (!SERVER_BIN || !DIST) {
    throw new Error('run through `cargo xtask test e2e`: MESSENGER_SERVER_BIN and MESSENGER_DIST are not set');
  }
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the reference server and resolves once it prints its listening line. */
export async function startServer({ port, db, args = [] }) {
  requireBuild();
  const child = spawn(SERVER_BIN, ['--addr', `127.0.0.1:${port}`, '--db', db, '--static-dir', DIST, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    lines.on('line', (line) => {
      const m = line.match(/^messenger-server listening on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {
    url,
    /** The server process, for its memory (/proc/<pid>/status). */
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (its own storage, like another person's browser), signed in.
 * `viewport` is the widget's size (the standalone page fills the window); `initScript` runs
 * in the page before the widget's own scripts (the benchmark's probes); `locale` is the
 * browser's language (`navigator.languages`).
 */
export async function signIn(browser, url, username, password = 'demo', {
  viewport = { width: 1200, height: 800 }, initScript, locale = 'en-US', alwaysForward = true,
  online = true, spellWarning = false,
} = {}) {
  // Most tests write to people who are not signed in: they run as someone who answered
  // "Yes, always" to "Forward to the server?" (the tests of that question pass false).
  // Their texts are not all dictionary words either: they run with the misspelling
  // warning off (the spell-check tests turn it on).
  await setSettings(url, username, password, {
    always_forward_offline: alwaysForward, warn_misspelled: spellWarning,
  });
  const context = await browser.newContext({ viewport, locale });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  // Uncaught errors (a panic in the widget shows as "unreachable"), for tests that assert none.
  const errors = [];
  page.on('pageerror', (err) => {
    errors.push(err.message);
    console.error(`[${username}] page error: ${err.message}`);
  });
  await page.goto(url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('me').waitFor();
  // `online: false`: a test whose link may be the HTTP fallback waits for what it expects.
  if (online) await waitOnline(page);
  return { context, page, errors };
}

/** Types `text` in the compose box and sends it with Enter. */
export async function typeAndSend(page, text) {
  const input = page.getByTestId('compose-input');
  await input.fill(text);
  await input.press('Enter');
}

/**
 * Another tab of a signed-in `context` (the same storage, BroadcastChannel and Web Locks as
 * its other tabs), opened at `url` and online.
 */
export async function openTab(context, url, username) {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${username}] page error: ${err.message}`));
  await page.goto(url);
  await page.getByTestId('me').waitFor();
  await waitOnline(page);
  return page;
}

/** Sets server-side settings of `username` from node. */
async function setSettings(url, username, password, settings) {
  let client;
  try {
    client = await protocolClient(url, username, password);
    await client.cmd({ type: 'update_settings', settings });
  } catch {
    // No socket through (a test blocking WebSockets): that test does not write to anyone
    // offline first.
  } finally {
    client?.close();
  }
}

export async function waitOnline(page) {
  await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor({ timeout: 15_000 });
}

export async function openChatWith(page, username) {
  const contact = page.locator(`[data-testid="contact"][data-username="${username}"]`);
  const name = (await contact.locator('.mw-contact-name').first().textContent()).trim();
  await contact.click();
  // The title of the chat open before may still show: wait for this person's.
  await page.getByTestId('chat-title').filter({ hasText: name }).waitFor();
}

/** Retries `check` until it stops throwing, so assertions wait for live updates. */
export async function eventually(check, { timeout = 10_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/**
 * For a test file: a reference server on a fresh SQLite file and one browser, started before
 * its tests and stopped after them. The returned object is filled in by then; a test that
 * restarts the server assigns the new one to `env.server`. `ready(env)` runs last, for a file's
 * own set-up: a second root `before` hook in the file was seen to start before this one ended.
 */
export function useServerAndBrowser(prefix, { args = [], ready } = {}) {
  const env = {};
  before(async () => {
    env.port = await freePort();
    env.db = join(tempDir(prefix), 'messenger.sqlite3');
    env.server = await startServer({ port: env.port, db: env.db, args });
    env.browser = await launchBrowser();
    await ready?.(env);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Runs `body` in `page` as its signed-in user, on a WebSocket of its own (not the widget's),
 * with `cmd(frame)` (sends a command, resolves with its ack result), `welcome` and `arg`:
 * how a test makes the other side act without driving a second UI.
 */
export async function asUser(page, body, arg = null) {
  // The client is sent as source text: the pages' CSP (script-src 'self') refuses
  // `new Function` inside the page, while the driver's own evaluation is not subject to it.
  return page.evaluate(`(${asUserClient(body)})(${JSON.stringify(arg)})`);
}

// Not called in node: its source is evaluated in the page by asUser, with `body` in place.
const asUserClient = (body) => `async (arg) => {
    const token = localStorage.getItem('messenger.token');
    const ws = new WebSocket(\`\${location.origin.replace(/^http/, 'ws')}/ws\`);
    const frames = [];
    const waiters = new Set();
    ws.onmessage = (e) => {
      frames.push(JSON.parse(e.data));
      for (const w of waiters) w();
    };
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const wait = (pred) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 10_000);
      const check = () => {
        const f = frames.find(pred);
        if (f) { clearTimeout(timer); waiters.delete(check); resolve(f); }
      };
      waiters.add(check);
      check();
    });
    ws.send(JSON.stringify({ type: 'hello', protocol_version: 1, token }));
    const welcome = await wait((f) => f.type === 'welcome');
    let n = 0;
    const cmd = async (frame) => {
      const id = \`e2e-\${Date.now()}-\${n++}\`;
      ws.send(JSON.stringify({ ...frame, id }));
      const answer = await wait((f) => f.id === id);
      if (answer.type !== 'ack') throw new Error(JSON.stringify(answer));
      return answer.result;
    };
    try {
      return await (async () => { ${body} })();
    } finally {
      ws.close();
    }
  }`;

/** `from` (a signed-in page) sends `text` to `to` (a username) in their direct chat. */
export async function sendDirect(from, to, text, importance = 'normal') {
  return asUser(from, `
    const other = welcome.users.find((u) => u.username === arg.to).id;
    const { conversation } = await cmd({ type: 'open_direct', user_id: other });
    await cmd({ type: 'send_message', conversation_id: conversation.id, text: arg.text, importance: arg.importance });
  `, { to, text, importance });
}

/** The element's box in the page, or null when it is not rendered. */
export async function box(locator) {
  if ((await locator.count()) === 0) return null;
  return locator.first().boundingBox();
}

/** Whether two boxes overlap by more than a pixel. */
export function overlaps(a, b) {
  if (!a || !b) return false;
  return a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1
    && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;
}

/**
 * The protocol from node, straight against a server (no browser, no proxy): signs `username`
 * in over /api/login, says `hello`, and offers `cmd(frame)` (resolves with the ack's result,
 * rejects on an error answer), `welcome`, `frames` (every frame received so far) and
 * `close()`. For checking what the server stored and what it pushed to this user.
 */
export async function protocolClient(baseUrl, username, password = 'demo') {
  const token = await passwordToken(baseUrl, username, password);
  const ws = new WebSocket(new URL('/ws', baseUrl.replace(/^http/, 'ws')));
  const waiting = new Map();
  let onWelcome;
  const welcomed = new Promise((resolve, reject) => {
    onWelcome = resolve;
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('closed before welcome')));
  });
  // A socket refused before it opens rejects this too, while the caller awaits `open`.
  welcomed.catch(() => {});
  const frames = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    if (frame.type === 'welcome') onWelcome(frame);
    const w = frame.id !== undefined && waiting.get(frame.id);
    if (!w) return;
    waiting.delete(frame.id);
    if (frame.type === 'ack') w.resolve(frame.result);
    else w.reject(new Error(`${frame.code}: ${frame.message}`));
  });
  ws.on('error', () => {}); // the 'close' that follows rejects what is waiting
  ws.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('connection closed'));
    waiting.clear();
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify({ type: 'hello', protocol_version: 1, token }));
  const welcome = await welcomed;
  let n = 0;
  return {
    welcome,
    frames,
    cmd(frame) {
      const id = `node-${process.pid}-${Date.now()}-${n++}`;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ ...frame, id }));
      });
    },
    close() {
      ws.close();
    },
  };
}

/**
 * The texts of the direct conversation of `user` with `other` as the server stored them,
 * oldest first (the last 100), read over a protocol connection of its own.
 */
export async function directHistory(baseUrl, user, other) {
  const client = await protocolClient(baseUrl, user);
  try {
    const otherId = client.welcome.users.find((u) => u.username === other).id;
    const { conversation } = await client.cmd({ type: 'open_direct', user_id: otherId });
    const page = await client.cmd({ type: 'load_history', conversation_id: conversation.id, limit: 100 });
    return page.messages.map((m) => m.text);
  } finally {
    client.close();
  }
}

/**
 * Every entry `[key, value]` of the widget's IndexedDB store `store` (`outbox`, `copy`...),
 * read in `page`; a missing database or store reads as no entries.
 */
export async function idbEntries(page, store) {
  return page.evaluate(async (store) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'messenger-widget')) return [];
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('messenger-widget');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains(store)) return [];
      const os = db.transaction(store).objectStore(store);
      const get = (req) => new Promise((resolve, reject) => {
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const [keys, values] = await Promise.all([get(os.getAllKeys()), get(os.getAll())]);
      return keys.map((k, i) => [k, values[i]]);
    } finally {
      db.close();
    }
  }, store);
}

/** Writes `value` under `key` into the widget's IndexedDB store `store`, in `page`. */
export async function idbPut(page, store, key, value) {
  await page.evaluate(async ({ store, key, value }) => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('messenger-widget');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).put(value, key);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }, { store, key, value });
}

// --- Issue 10: the loader on portal pages, portal identity ---------------------------------

/** The secret the e2e server shares with the "portal" (the tests sign tokens with it). */
export const PORTAL_SECRET = 'e2e-portal-secret-do-not-use-elsewhere';

/**
 * A portal token (HS256 JWT) for `claims.sub`, signed with node's crypto as a portal backend
 * would: `iat` now, `exp` in 120 s, a fresh `jti`; `claims` overrides any of them.
 */
export function portalToken(claims, secret = PORTAL_SECRET) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iat: now, exp: now + 120, jti: randomUUID(), ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/**
 * A copy of demo/intranet with the test pages of tests/e2e/fixtures/ beside it, for the
 * server's `--demo-intranet`: the tests' pages are served like a portal's, with its headers.
 */
export function intranetWithFixtures(prefix) {
  const dir = join(tempDir(prefix), 'intranet');
  const here = dirname(fileURLToPath(import.meta.url));
  cpSync(join(here, '../../demo/intranet'), dir, { recursive: true });
  cpSync(join(here, 'fixtures'), dir, { recursive: true });
  return dir;
}

/** The server arguments of a demo intranet in `dir` with the tests' portal secret. */
export function intranetArgs(dir) {
  return ['--demo-intranet', dir, '--portal-secret', PORTAL_SECRET];
}

/** A session token for `username` from the password login. */
export async function passwordToken(baseUrl, username, password = 'demo') {
  const r = await fetch(new URL('/api/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!r.ok) throw new Error(`login of ${username}: HTTP ${r.status}`);
  return (await r.json()).token;
}

/** The loader's launcher button (in its open shadow root, which playwright's CSS pierces). */
export function launcher(page) {
  return page.getByRole('button', { name: 'Open messenger' });
}

/** Requests for the widget's own files (its js glue and wasm), as the page made them. */
export function widgetRequests(page) {
  const seen = [];
  page.on('request', (r) => {
    if (/\/messenger-widget-[0-9a-f]{16}(_bg\.wasm|\.js)$/.test(new URL(r.url()).pathname)) seen.push(r.url());
  });
  return seen;
}

/** A contact's message posted as an SMS provider would: signed with the server's inbound secret. */
export async function postInbound(baseUrl, secret, message) {
  const body = JSON.stringify({ channel: 'sms', mode: 'session', ...message });
  const ts = Math.floor(Date.now() / 1000).toString();
  const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  const res = await fetch(`${baseUrl}/api/inbound`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-messenger-timestamp': ts,
      'x-messenger-signature': `sha256=${sig}`,
    },
    body,
  });
  if (res.status !== 200) throw new Error(`inbound refused: ${res.status} ${await res.text()}`);
  return res.json();
}
