// `cargo xtask bench`: how fast the widget is, measured in headless Chromium against the
// reference server with long seeded histories. Not a test (it is not named *.test.mjs): it
// prints figures next to the goals the project set, and never fails for a missed goal.
//
// BENCH_QUICK=1 runs smaller numbers for a smoke run; BENCH_JSON names the file the figures
// are also written to.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, launchBrowser, startServer, tempDir } from './harness.mjs';
import {
  benchSignIn, draftLatency, idleFrames, ingest, loadHistory, memory, scrollDown, scrollThrough, timedOpen,
} from './bench/measure.mjs';
import { probeServerRate } from './bench/probe.mjs';
import {
  FRAME_MS, frameLine, frameSummary, mb, median, mib, ms, quantile, verdict,
} from './bench/stats.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const P = QUICK
  ? { small: 1_000, large: 5_000, samples: 2, drafts: 20, ingestMs: 5_000, scrollCapMs: 60_000, pageCapMs: 30_000, drainCapMs: 15_000 }
  : { small: 10_000, large: 100_000, samples: 5, drafts: 100, ingestMs: 30_000, scrollCapMs: 300_000, pageCapMs: 180_000, drainCapMs: 30_000 };
const RATE = 1_000;
const SCROLL_STEP = 200;
// Goals of the issue.
const GOAL_ROWS = 50;
const GOAL_FRAME_MS = 16.7;
// rAF times land on vsync: a frame that made its vsync measures 16.7 ms give or take timer
// jitter, so "≤ 16.7 ms" is read as "no vsync missed" (under 1.5 frames).
const FRAME_ON_TIME_MS = 1.5 * FRAME_MS;
// Read strictly: 25,000,000 bytes (25 MiB would be 26,214,400).
const GOAL_MEMORY = 25_000_000;
const GOAL_LAG_MS = 1_000;

const fmt = (n) => n.toLocaleString('en-US');
const log = (line) => console.log(`bench: ${line}`);
const seconds = (msValue) => `${(msValue / 1000).toFixed(1)} s`;

/** Starts a server on a fresh database seeded with `history` messages; times the start. */
async function seededServer(history) {
  const db = join(tempDir(`mw-bench-${history}`), 'messenger.sqlite3');
  const t0 = performance.now();
  const args = history > 0 ? ['--demo-history', String(history)] : [];
  const server = await startServer({ port: await freePort(), db, args });
  return { server, startMs: performance.now() - t0 };
}

const results = {
  mode: QUICK ? 'quick' : 'full', rate: RATE, histories: [P.small, P.large], cpus: cpus().length, loadBefore: loadavg()[0],
};
const began = performance.now();
const browser = await launchBrowser();
const servers = [];
try {
  // Can the reference server itself deliver 1,000 messages a second into one chat?
  log('probing the reference server: one client as Bob sending 1,000 messages/s to Alice');
  const empty = await seededServer(0);
  servers.push(empty.server);
  results.emptyStartMs = empty.startMs;
  results.serverProbe = await probeServerRate(empty.server.url, { rate: RATE, durationMs: 3_000 });
  await empty.server.stop();

  results.byHistory = {};
  for (const history of [P.small, P.large]) {
    log(`seeding ${fmt(history)} messages`);
    const { server, startMs } = await seededServer(history);
    servers.push(server);
    const r = { seedMs: startMs, signInMs: [], openMs: [], conversations: null };
    results.byHistory[history] = r;

    log(`${fmt(history)}: ${P.samples} × sign in, open the chat with Bob`);
    for (let i = 0; i < P.samples; i += 1) {
      const s = await benchSignIn(browser, server.url);
      r.signInMs.push(s.signInMs);
      r.conversations = s.conversations;
      r.openMs.push(await timedOpen(s.page, history));
      if (i === 0) {
        r.memoryAfterOpen = await memory(s.context, s.page);
        r.domRowsAfterOpen = await s.page.evaluate(() => window.__bench.timelineState().domRows);
      }
      await s.context.close();
    }

    const s = await benchSignIn(browser, server.url);
    await timedOpen(s.page, history);
    if (history === P.small) {
      r.idle = await idleFrames(s.page, 2_000);
      log(`${fmt(history)}: draft-save latency, ${P.drafts} keystrokes`);
      r.drafts = await draftLatency(s.page, server.url, P.drafts);
      log(`${fmt(history)}: scrolling up through the whole history, ${SCROLL_STEP} px per frame`);
      r.scroll = await scrollThrough(s.page, { step: SCROLL_STEP, capMs: P.scrollCapMs });
      if (!r.scroll.complete) {
        log(`${fmt(history)}: the scroll stopped at its time limit; paging back the rest`);
      }
      r.loaded = await loadHistory(s.page, { history, capMs: P.pageCapMs });
      r.memoryLoaded = await memory(s.context, s.page);
      log(`${fmt(history)}: scrolling back down through what is loaded`);
      r.scrollDown = await scrollDown(s.page, { step: SCROLL_STEP, maxFrames: 1_500 });
      await s.context.close();

      log(`${fmt(history)}: ingest of ${fmt(RATE)} messages/s for ${seconds(P.ingestMs)} through the bench proxy`);
      r.ingest = await ingest(browser, server.url, history, { rate: RATE, durationMs: P.ingestMs, drainCapMs: P.drainCapMs });
    } else {
      log(`${fmt(history)}: paging back for at most ${seconds(P.pageCapMs)}`);
      r.loaded = await loadHistory(s.page, { history, capMs: P.pageCapMs });
      r.memoryLoaded = await memory(s.context, s.page);
      await s.context.close();
    }
    await server.stop();
  }
} finally {
  await browser.close();
  for (const s of servers) await s.stop();
}
results.totalMs = performance.now() - began;
results.loadAfter = loadavg()[0];
report(results);
if (process.env.BENCH_JSON) {
  mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true });
  writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(summarise(results), null, 2)}\n`);
}

/** Everything but the raw sample arrays, with the summaries computed from them. */
function summarise(res) {
  const out = structuredClone(res);
  for (const r of Object.values(out.byHistory)) {
    if (r.idle) r.idle = { ...frameSummary(r.idle.deltas), maxRows: r.idle.maxRows };
    if (r.scroll) r.scroll.frames = frameFigures(r.scroll.frames);
    if (r.scrollDown) r.scrollDown.frames = frameFigures(r.scrollDown.frames);
    if (r.drafts) r.drafts = { key: r.drafts.key, missed: r.drafts.missed, ...spread(r.drafts.lags) };
    if (r.ingest) r.ingest = ingestFigures(r.ingest);
  }
  return out;
}

function frameFigures(f) {
  return {
    ...frameSummary(f.deltas), maxRows: f.maxRows, longTasks: f.longTasks, longTaskMs: f.longTaskMs, worstLongTask: f.worstLongTask,
  };
}

function spread(values) {
  return { samples: values.length, p50: median(values), p95: quantile(values, 0.95), max: values.length ? Math.max(...values) : null };
}

function ingestFigures(i) {
  const lags = i.samples.map(([, , lag]) => lag);
  // Messages sent by the time of each sample, minus the newest one shown.
  const behind = i.samples.map(([t, idx]) => Math.max(0, Math.floor(((t - i.start) * RATE) / 1000) - idx));
  return {
    sent: i.sent,
    sendMs: i.end - i.start,
    shownLast: i.shownLast,
    lastMessageLagMs: i.lastMessageLagMs,
    newestRowLag: spread(lags),
    behindMessages: spread(behind),
    rowsThatReachedTheDom: i.domLags.length,
    domLag: spread(i.domLags),
    frames: frameFigures(i.frames),
    maxRows: i.maxRows,
    markReadsForInjected: i.injectedMarkReads,
    proxyMaxBufferedBytes: i.maxBuffered,
  };
}

function report(res) {
  const s = summarise(res);
  const [small, large] = [s.byHistory[P.small], s.byHistory[P.large]];
  const out = [];
  const line = (text = '') => out.push(text);
  line();
  line(`== messenger-widget benchmark (${s.mode}; ${fmt(P.small)} and ${fmt(P.large)} messages; took ${seconds(s.totalMs)}) ==`);
  // Frame figures depend on what else the machine is doing: say how busy it was.
  line(`machine: ${s.cpus} CPUs, 1-minute load average ${s.loadBefore.toFixed(1)} at the start, ${s.loadAfter.toFixed(1)} at the end`);

  const p = s.serverProbe;
  line();
  line('Reference server, one node client as Bob sending to Alice (docs/protocol.md):');
  line(`  asked ${fmt(p.attemptedRate)}/s for ${seconds(p.sendMs)}: ${fmt(p.sent)} sent, ${fmt(p.acked)} accepted, `
    + `${fmt(p.rateLimited)} refused rate_limited, ${fmt(p.otherErrors)} other errors`);
  line(`  delivered to Alice: ${fmt(p.received)} = ${p.deliveredRate.toFixed(0)} messages/s, the burst of ${p.limits.command_burst} `
    + `and then ${p.limits.commands_per_second}/s: the server's limit per connection (welcome.limits)`);
  line(`  ${p.deliveredRate >= 0.95 * RATE ? 'the server delivers' : 'the server cannot deliver'} ${fmt(RATE)}/s from one sender; `
    + 'the ingest figures below come from the bench proxy injecting message_created events');

  line();
  line('Seeding (server start on a fresh database, seeding included):');
  line(`  empty: ${ms(s.emptyStartMs, 0)}; ${fmt(P.small)} messages: ${ms(small.seedMs, 0)}; ${fmt(P.large)} messages: ${ms(large.seedMs, 0)}`);

  line();
  line(`1. Sign-in: click on the submit button → first [data-testid=conversation] row drawn (median of ${P.samples})`);
  for (const [n, r] of [[P.small, small], [P.large, large]]) {
    line(`   ${fmt(n)}-message history: ${ms(median(r.signInMs), 0)} (samples ${r.signInMs.map((v) => v.toFixed(0)).join(', ')} ms; ${r.conversations} conversations)`);
  }
  line(`2. Open the chat with Bob: click → newest message wholly in the timeline's view (median of ${P.samples})`);
  for (const [n, r] of [[P.small, small], [P.large, large]]) {
    line(`   ${fmt(n)}-message chat: ${ms(median(r.openMs), 0)} (samples ${r.openMs.map((v) => v.toFixed(0)).join(', ')} ms; ${r.domRowsAfterOpen} rows in the DOM)`);
  }

  line(`3. Scrolling up through the ${fmt(P.small)}-message chat: scrollTop -= ${SCROLL_STEP} px every animation frame, `);
  line('   waiting at the top while the widget loads the next older page, until no older page is left');
  const sc = small.scroll;
  line(`   ${sc.complete ? 'reached the oldest message' : 'stopped at the time limit'} after ${seconds(sc.ms)}: ${fmt(sc.steps)} steps moved the view `
    + `${fmt(Math.round(sc.px))} px; ${fmt(sc.rows)} rows held at the end`);
  line(`   steps the widget took back (by the next frame the view was lower again, no rows added above): `
    + `${fmt(sc.undoneSteps)} of ${fmt(sc.steps)}, ${fmt(Math.round(sc.undonePx))} px`);
  line(`   ${frameLine('frames', sc.frames)}`);
  line(`   long tasks (PerformanceObserver 'longtask', > 50 ms): ${sc.frames.longTasks}, ${ms(sc.frames.longTaskMs, 0)} in all, worst ${ms(sc.frames.worstLongTask, 0)}`);
  line(`   most rows in the timeline's DOM at any frame: ${sc.frames.maxRows}`);
  const sd = small.scrollDown;
  line(`   scrolling back down ${fmt(Math.round(sd.px))} px (${sd.bottom ? 'to the bottom' : 'frame limit'}) through the loaded history, no paging:`);
  line(`   ${frameLine('frames', sd.frames)}; ${sd.frames.longTasks} long tasks; at most ${sd.frames.maxRows} DOM rows`);
  line(`   for reference, the idle chat: ${frameLine('frames', small.idle)}`);

  const ig = small.ingest;
  line(`4. Ingest into the open ${fmt(P.small)}-message chat: ${fmt(ig.sent)} message_created events from Bob in ${seconds(ig.sendMs)} `
    + `(${(ig.sent / (ig.sendMs / 1000)).toFixed(0)}/s), injected by the bench proxy`);
  line(`   newest row shown, its age (now − send time) per frame: p50 ${ms(ig.newestRowLag.p50, 0)}, p95 ${ms(ig.newestRowLag.p95, 0)}, worst ${ms(ig.newestRowLag.max, 0)}`);
  line(`   messages sent but not yet shown as the newest row: p50 ${ig.behindMessages.p50}, p95 ${ig.behindMessages.p95}, worst ${ig.behindMessages.max}`);
  line(`   the last message ${ig.shownLast ? `showed ${ms(ig.lastMessageLagMs, 0)} after it was sent` : `had not shown ${seconds(P.drainCapMs)} after the end`}`);
  line(`   rows that entered the DOM: ${fmt(ig.rowsThatReachedTheDom)} of ${fmt(ig.sent)} (the others were scrolled past inside one render); `
    + `their delay: p50 ${ms(ig.domLag.p50, 0)}, p95 ${ms(ig.domLag.p95, 0)}, worst ${ms(ig.domLag.max, 0)}`);
  line(`   ${frameLine('frames', ig.frames)}; ${ig.frames.longTasks} long tasks (${ms(ig.frames.longTaskMs, 0)})`);
  line(`   at most ${ig.maxRows} DOM rows; the widget sent ${fmt(ig.markReadsForInjected)} mark_read commands for them; `
    + `proxy→browser socket buffered at most ${fmt(ig.proxyMaxBufferedBytes)} bytes`);

  line('5. Memory after a forced GC: JS heap used (CDP Runtime.getHeapUsage) + wasm linear memory (never shrinks); MB = 1,000,000 bytes');
  const memLine = (label, m) => `   ${label}: JS ${mb(m.jsHeapUsed)} + wasm ${mb(m.wasmMemory)} = ${mb(m.total)}; ${fmt(m.domNodes)} DOM nodes`;
  line(memLine(`${fmt(P.small)} chat opened (newest page)`, small.memoryAfterOpen));
  line(memLine(`${fmt(P.small)} chat, ${fmt(small.loaded.messages ?? 0)} messages loaded`, small.memoryLoaded));
  line(memLine(`${fmt(P.large)} chat opened (newest page)`, large.memoryAfterOpen));
  line(memLine(`${fmt(P.large)} chat, ${fmt(large.loaded.messages ?? 0)} messages loaded after ${seconds(large.loaded.ms)} of paging`
    + `${large.loaded.complete ? '' : ' (time limit)'}`, large.memoryLoaded));

  const d = small.drafts;
  line(`6. Draft save: keydown in the compose box → text in IndexedDB "messenger-widget"/"drafts"/"${d.key}" (${d.samples} keystrokes, ${d.missed} not saved within 5 s)`);
  line(`   p50 ${ms(d.p50, 0)}, p95 ${ms(d.p95, 0)}, worst ${ms(d.max, 0)}`);

  line();
  line('Goals:');
  const maxRows = Math.max(small.domRowsAfterOpen, large.domRowsAfterOpen, sc.frames.maxRows, sd.frames.maxRows, ig.maxRows);
  line(`  at most ${GOAL_ROWS} DOM rows in the timeline at any length: most seen ${maxRows} → ${verdict(maxRows <= GOAL_ROWS)}`);
  line(`  p95 frame ≤ ${GOAL_FRAME_MS} ms (no vsync missed): scrolling up ${ms(sc.frames.p95)} → ${verdict(sc.frames.p95 <= FRAME_ON_TIME_MS)}; `
    + `scrolling down ${ms(sd.frames.p95)} → ${verdict(sd.frames.p95 <= FRAME_ON_TIME_MS)}; ingest ${ms(ig.frames.p95)} → ${verdict(ig.frames.p95 <= FRAME_ON_TIME_MS)}`);
  const kept = ig.shownLast && ig.lastMessageLagMs <= GOAL_LAG_MS && ig.newestRowLag.max <= GOAL_LAG_MS;
  line(`  ingest never falls behind (newest row never older than ${ms(GOAL_LAG_MS, 0)}, last message shown within it): `
    + `worst ${ms(ig.newestRowLag.max, 0)}, last ${ig.shownLast ? ms(ig.lastMessageLagMs, 0) : 'never shown'} → ${verdict(kept)}`);
  const m10 = small.memoryLoaded.total;
  line(`  memory ≤ ${mb(GOAL_MEMORY)} with ${fmt(P.small)} messages loaded (JS heap + wasm): ${mb(m10)} = ${mib(m10)} `
    + `→ ${verdict(m10 === null ? null : m10 <= GOAL_MEMORY)}`);
  console.log(out.join('\n'));
}
