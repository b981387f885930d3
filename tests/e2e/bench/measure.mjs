// The benchmark's measurements, each driving a real widget in Chromium against a real
// reference server. They return numbers; bench.mjs prints them.
import { openChatWith, signIn } from '../harness.mjs';
import { INJECTED_TEXT_RE, startProxy } from './proxy.mjs';
import { installProbes } from './probes.mjs';

export const newestText = (n) => `History message ${n} of ${n} from Alice.`;

const evalIn = (page, name, arg) => page.evaluate(([fn, a]) => window.__bench[fn](a), [name, arg]);

/** Alice signed in with the probes installed; `signInMs` from the click to drawn conversations. */
export async function benchSignIn(browser, url) {
  const { context, page } = await signIn(browser, url, 'alice', 'demo', { initScript: installProbes });
  await page.waitForFunction(() => window.__bench.marks.signIn !== undefined, null, { timeout: 30_000 });
  const signInMs = await page.evaluate(() => window.__bench.marks.signIn);
  const conversations = await page.getByTestId('conversation').count();
  return { context, page, signInMs, conversations };
}

/** Opens the chat with Bob; ms from the click until the newest message is wholly in view. */
export async function timedOpen(page, history) {
  await page.evaluate((text) => {
    window.__bench.expectNewest = text;
  }, newestText(history));
  await openChatWith(page, 'bob');
  await page.waitForFunction(() => window.__bench.marks.open !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => window.__bench.marks.open);
}

/**
 * JS heap after a forced garbage collection (CDP), DOM node count, and the wasm linear
 * memory (which only ever grows: it is the high-water mark of the Rust heap).
 */
export async function memory(context, page) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name) => metrics.find((m) => m.name === name)?.value ?? null;
    const wasm = await page.evaluate(() => window.__bench.wasm?.memory?.buffer?.byteLength ?? null);
    return {
      jsHeapUsed: heap.usedSize,
      jsHeapTotal: heap.totalSize,
      wasmMemory: wasm,
      total: wasm === null ? null : heap.usedSize + wasm,
      domNodes: metric('Nodes'),
    };
  } finally {
    await cdp.detach();
  }
}

/** Frames while the page sits idle with the chat open: the floor headless Chromium gives. */
export async function idleFrames(page, ms) {
  await evalIn(page, 'startFrames');
  await page.waitForTimeout(ms);
  return evalIn(page, 'stopFrames');
}

/** Scrolls up through the whole history in `step` px per frame, paging back on the way. */
export async function scrollThrough(page, { step, capMs }) {
  await evalIn(page, 'startFrames');
  const run = await evalIn(page, 'scrollUp', { step, capMs });
  const frames = await evalIn(page, 'stopFrames');
  const state = await evalIn(page, 'timelineState');
  return { ...run, frames, rows: state.rows };
}

/** Scrolls back down through what is loaded: windowing alone, no paging. */
export async function scrollDown(page, { step, maxFrames }) {
  await evalIn(page, 'startFrames');
  const run = await evalIn(page, 'scrollDown', { step, maxFrames });
  const frames = await evalIn(page, 'stopFrames');
  return { ...run, frames };
}

/** Pages back as fast as the widget allows, for at most `capMs`; how many messages it holds. */
export async function loadHistory(page, { history, capMs }) {
  const run = await evalIn(page, 'pageBack', { capMs });
  const oldest = await evalIn(page, 'oldestHistoryIndex');
  const state = await evalIn(page, 'timelineState');
  return { ...run, rows: state.rows, messages: oldest === null ? null : history - oldest + 1 };
}

/**
 * Draft-save latency: one keystroke at a time in the compose box, each timed from its keydown
 * until the whole text so far is in IndexedDB under "{user_id}:{conversation_id}".
 */
export async function draftLatency(page, url, samples) {
  const res = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'demo' }),
  });
  const { user_id: userId } = await res.json();
  const conversationId = await page.locator('[data-testid="conversation"].mw-active').getAttribute('data-conversation-id');
  const key = `${userId}:${conversationId}`;
  const input = page.getByTestId('compose-input');
  await input.click();
  const letters = 'thequickbrownfoxjumpsoverthelazydog';
  let text = '';
  const lags = [];
  let missed = 0;
  for (let i = 0; i < samples; i += 1) {
    const ch = letters[i % letters.length];
    text += ch;
    await page.keyboard.press(ch);
    const lag = await page.evaluate(([k, t]) => window.__bench.waitDraft(k, t, 5_000), [key, text]);
    if (lag === null) missed += 1;
    else lags.push(lag);
  }
  return { key, lags, missed };
}

/**
 * Ingest: Alice's widget, loaded through the injecting proxy with the chat with Bob open,
 * receives `rate` messages a second from Bob for `durationMs`. Afterwards waits up to
 * `drainCapMs` for the last one to show.
 */
export async function ingest(browser, serverUrl, history, { rate, durationMs, drainCapMs }) {
  const proxy = await startProxy(serverUrl);
  const { context, page } = await benchSignIn(browser, proxy.url);
  try {
    await timedOpen(page, history);
    const bridge = proxy.connection();
    if (!bridge) throw new Error('the widget did not connect through the bench proxy');
    await evalIn(page, 'startFrames');
    await page.evaluate((re) => window.__bench.startIngest(re), INJECTED_TEXT_RE.source);
    const sent = await bridge.inject({ from: 'bob', rate, durationMs });
    const last = sent.sent - 1;
    // The page may be too busy to answer for a while: ask with a deadline.
    const drainDeadline = sent.end + drainCapMs;
    let shownLast = false;
    while (Date.now() < drainDeadline) {
      const newest = await Promise.race([
        evalIn(page, 'ingestNewest'),
        new Promise((r) => setTimeout(() => r(null), Math.max(0, drainDeadline - Date.now()))),
      ]);
      if (newest === last) {
        shownLast = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const watched = await evalIn(page, 'stopIngest');
    const frames = await evalIn(page, 'stopFrames');
    const rows = await evalIn(page, 'timelineState');
    // How long after it was sent the last message first showed as the newest row.
    const lastShown = watched.samples.find(([, i]) => i === last);
    return {
      ...sent,
      shownLast,
      lastMessageLagMs: lastShown ? lastShown[2] : null,
      samples: watched.samples,
      domLags: watched.domLags,
      frames,
      maxRows: Math.max(frames.maxRows, rows.domRows),
      injectedMarkReads: bridge.injectedMarkReads,
      maxBuffered: bridge.maxBuffered,
    };
  } finally {
    await context.close();
    await proxy.stop();
  }
}
