// What the benchmark installs in the page (`context.addInitScript`) before the widget starts:
// timers started by the user's own clicks and keystrokes, an animation-frame recorder, a
// long-task observer, the wasm instance (for its linear memory) and a reader of the drafts
// database. Everything lives on `window.__bench`.
//
// This function is serialised into the page: it must not use anything from this module.
export function installProbes() {
  const b = (window.__bench = { longTasks: [], wasm: null, marks: {}, lastKey: null });

  // trunk's loader announces the started application with the wasm exports (memory included).
  addEventListener('TrunkApplicationStarted', (e) => {
    b.wasm = e.detail && e.detail.wasm;
  });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    b.longTaskError = String(e);
  }

  // An input event's time; a trusted event's timeStamp is when the input happened.
  const eventTime = (ev) => {
    const now = performance.now();
    return ev.timeStamp > 0 && ev.timeStamp <= now ? ev.timeStamp : now;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const timeline = () => document.querySelector('[data-testid="timeline"]');
  // The same test as tests/e2e/timeline.test.mjs: the row is wholly inside the timeline's box.
  b.inView = (text) => {
    const el = timeline();
    if (!el) return false;
    const box = el.getBoundingClientRect();
    const rows = [...el.querySelectorAll('[data-testid="message"]')];
    const row = rows.reverse().find((r) => r.textContent.includes(text));
    if (!row) return false;
    const r = row.getBoundingClientRect();
    return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  };
  // From `since` to the first animation frame in which `done()` holds: that frame paints it.
  const watch = (name, since, done) => {
    const step = () => {
      if (done()) b.marks[name] = performance.now() - since;
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
  document.addEventListener('click', (ev) => {
    const t = ev.target instanceof Element ? ev.target : null;
    if (!t) return;
    if (t.closest('[data-testid="login-submit"]')) {
      watch('signIn', eventTime(ev), () => [...document.querySelectorAll('[data-testid="conversation"]')].some(visible));
    } else if (b.expectNewest && t.closest('[data-testid="contact"], [data-testid="conversation"]')) {
      const text = b.expectNewest;
      watch('open', eventTime(ev), () => b.inView(text));
    }
  }, true);
  document.addEventListener('keydown', (ev) => {
    const t = ev.target instanceof Element ? ev.target : null;
    if (t && t.closest('[data-testid="compose-input"]')) b.lastKey = eventTime(ev);
  }, true);

  // Frame recorder: the time between consecutive animation frames, and the most rows the
  // timeline had in the DOM at any frame.
  const rowsInDom = () => document.querySelectorAll('[data-testid="timeline"] li').length;
  b.startFrames = () => {
    const rec = { deltas: [], maxRows: rowsInDom(), from: performance.now(), last: null, stopped: false };
    b.rec = rec;
    const step = (t) => {
      if (rec.stopped) return;
      if (rec.last !== null) rec.deltas.push(t - rec.last);
      rec.last = t;
      rec.maxRows = Math.max(rec.maxRows, rowsInDom());
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
  b.stopFrames = () => {
    const rec = b.rec;
    rec.stopped = true;
    const long = b.longTasks.filter(([start]) => start >= rec.from);
    return {
      deltas: rec.deltas,
      maxRows: rec.maxRows,
      longTasks: long.length,
      longTaskMs: long.reduce((sum, [, d]) => sum + d, 0),
      worstLongTask: long.reduce((m, [, d]) => Math.max(m, d), 0),
      ms: performance.now() - rec.from,
    };
  };

  // Timeline paging state: rows the widget holds (messages and separators) and whether the
  // server has older ones.
  b.timelineState = () => {
    const el = timeline();
    const older = document.querySelector('[data-testid="load-older"]');
    return {
      rows: el ? Number(el.dataset.rows) : 0,
      more: !!older && !older.parentElement.hidden,
      scrollTop: el ? el.scrollTop : 0,
      domRows: rowsInDom(),
    };
  };
  const nextFrame = () => new Promise((r) => requestAnimationFrame(r));

  // Scrolls the timeline up by `step` px every animation frame; near the top the widget
  // loads older pages, and the loop waits for them the way a user holding a key would.
  // Also counts the steps the widget took back: by the next frame the position is lower
  // again although no rows were added above (adding rows above moves it down on purpose).
  b.scrollUp = async ({ step, capMs }) => {
    const el = timeline();
    const t0 = performance.now();
    const r = { steps: 0, px: 0, undoneSteps: 0, undonePx: 0 };
    for (;;) {
      const s = b.timelineState();
      if ((!s.more && el.scrollTop === 0) || performance.now() - t0 > capMs) break;
      const before = el.scrollTop;
      el.scrollTop -= step;
      const moved = before - el.scrollTop;
      r.steps += 1;
      r.px += moved;
      const after = el.scrollTop;
      await nextFrame();
      const back = el.scrollTop - after;
      if (moved > 0 && back > 1 && b.timelineState().rows === s.rows) {
        r.undoneSteps += 1;
        r.undonePx += Math.min(back, moved);
      }
    }
    return { ...r, ms: performance.now() - t0, complete: !b.timelineState().more };
  };
  // Scrolls down by `step` px every frame until the bottom (no paging on the way down).
  b.scrollDown = async ({ step, maxFrames }) => {
    const el = timeline();
    let px = 0;
    let bottom = false;
    for (let i = 0; i < maxFrames && !bottom; i += 1) {
      const before = el.scrollTop;
      el.scrollTop += step;
      px += el.scrollTop - before;
      bottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
      await nextFrame();
    }
    return { px, bottom };
  };
  // Pages back as fast as the widget allows: to the top, wait for the page, repeat. The top
  // is asked for again every frame, since the widget may put the view back where it was.
  b.pageBack = async ({ capMs }) => {
    const el = timeline();
    const t0 = performance.now();
    while (performance.now() - t0 < capMs) {
      const s = b.timelineState();
      if (!s.more) break;
      while (b.timelineState().rows === s.rows && b.timelineState().more && performance.now() - t0 < capMs) {
        el.scrollTop = 0;
        await nextFrame();
      }
    }
    return { ms: performance.now() - t0, complete: !b.timelineState().more };
  };

  // The oldest demo-history message loaded ("History message K of N"): jumps to the top,
  // where the oldest rows render, and reads the smallest K there.
  b.oldestHistoryIndex = async () => {
    const el = timeline();
    el.scrollTop = 0;
    await nextFrame();
    await nextFrame();
    let min = null;
    for (const row of el.querySelectorAll('[data-testid="message"]')) {
      const m = /History message (\d+) of/.exec(row.textContent);
      if (m) min = min === null ? Number(m[1]) : Math.min(min, Number(m[1]));
    }
    return min;
  };

  // Ingest watch: per frame, the newest message row in the DOM and how long ago it was sent
  // (the send time is in its text); per injected message, how long after sending its row
  // first entered the DOM (rows skipped because newer ones filled the window never do).
  b.startIngest = (pattern) => {
    const re = new RegExp(pattern);
    const el = timeline();
    const w = { samples: [], firstSeen: new Map(), stopped: false };
    b.ingest = w;
    w.observer = new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType !== 1) continue;
          const m = re.exec(n.textContent);
          if (m && !w.firstSeen.has(m[1])) w.firstSeen.set(m[1], now - Number(m[2]));
        }
      }
    });
    w.observer.observe(el, { childList: true, subtree: true });
    const step = () => {
      if (w.stopped) return;
      const rows = el.querySelectorAll('[data-testid="message"]');
      const m = rows.length ? re.exec(rows[rows.length - 1].textContent) : null;
      if (m) w.samples.push([Date.now(), Number(m[1]), Date.now() - Number(m[2])]);
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
  b.ingestNewest = () => {
    const s = b.ingest.samples;
    return s.length ? s[s.length - 1][1] : -1;
  };
  b.stopIngest = () => {
    const w = b.ingest;
    w.stopped = true;
    w.observer.disconnect();
    return { samples: w.samples, domLags: [...w.firstSeen.values()] };
  };

  // The drafts database, read the way the widget writes it (src/storage/drafts.rs): database
  // "messenger-widget", store "drafts", key "{user_id}:{conversation_id}", value the text (or,
  // should the storage change, an object with a `text` field). Opened only once the widget
  // has created it, never creating or upgrading it.
  const openDrafts = async () => {
    if (b.draftDb) return b.draftDb;
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'messenger-widget' && d.version >= 1)) return null;
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('messenger-widget');
      req.onupgradeneeded = () => req.transaction.abort();
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => {
          db.close();
          b.draftDb = null;
        };
        b.draftDb = db;
        resolve(db);
      };
    });
  };
  const readDraft = async (key) => {
    const db = await openDrafts();
    if (!db || !db.objectStoreNames.contains('drafts')) return undefined;
    const value = await new Promise((resolve, reject) => {
      const req = db.transaction('drafts', 'readonly').objectStore('drafts').get(key);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    if (typeof value === 'string') return value;
    return value && typeof value.text === 'string' ? value.text : undefined;
  };
  // Time from the last keystroke in the compose box until `expected` is stored under `key`.
  b.waitDraft = async (key, expected, timeoutMs) => {
    const since = b.lastKey;
    if (since === null) return null;
    for (;;) {
      if ((await readDraft(key)) === expected) return performance.now() - since;
      if (performance.now() - since > timeoutMs) return null;
    }
  };
}
