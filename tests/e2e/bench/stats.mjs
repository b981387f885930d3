// Summaries of the benchmark's samples and the goals they are held against. Goals are printed
// as PASS/FAIL text only: a missed goal is a figure to act on, not a failed command.

/** The q-th quantile (0..1) of `values`, nearest-rank; null when there is none. */
export function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return quantile(values, 0.5);
}

/** One 60 Hz frame. */
export const FRAME_MS = 1000 / 60;

/**
 * Frame times (deltas between animation frames) summarised: p50/p95/worst, how many took
 * longer than one and than two frames, and the vsyncs missed (a 50 ms gap misses two).
 * Animation frames start on vsync, so a delta is a multiple of 16.7 ms give or take timer
 * jitter (16.6–16.8 ms on an idle page): "longer than 16.7 ms" is counted as longer than 1.5
 * frames (it took 33.3 ms or more) and "longer than 33 ms" as longer than 2.5 frames.
 */
export function frameSummary(deltas) {
  const over = (frames) => deltas.filter((d) => d > frames * FRAME_MS).length;
  const missed = deltas.reduce((n, d) => n + Math.max(0, Math.round(d / FRAME_MS) - 1), 0);
  return {
    frames: deltas.length,
    p50: quantile(deltas, 0.5),
    p95: quantile(deltas, 0.95),
    worst: deltas.length ? Math.max(...deltas) : null,
    over16_7: over(1.5),
    over33: over(2.5),
    missed,
  };
}

export function ms(v, digits = 1) {
  return v === null || v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(digits)} ms`;
}

/** Megabytes of 1,000,000 bytes (the strict reading of a goal in MB). */
export function mb(bytes) {
  return bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function mib(bytes) {
  return bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** `PASS`/`FAIL`, or `n/a` when the figure could not be measured. */
export function verdict(ok) {
  if (ok === null || ok === undefined) return 'n/a';
  return ok ? 'PASS' : 'FAIL';
}

export function frameLine(label, f) {
  return `${label}: ${f.frames} frames, p50 ${ms(f.p50)}, p95 ${ms(f.p95)}, worst ${ms(f.worst)}; `
    + `${f.over16_7} over 16.7 ms, ${f.over33} over 33 ms, ${f.missed} vsyncs missed`;
}
