/** Short figures for fix titles: "412 → 96 ms", "285k → 8k". Titles must stay on one line of a menu. */

/** A time with as many decimals as its size needs: 412, 96.1, 8.22, 0.079. */
export function shortMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function msRange(before: number, after: number): string {
  return `${shortMs(before)} → ${shortMs(after)} ms`;
}

/** A measured time that may be a bound: the run stopped at the statement_timeout, whose value timeMs then holds. */
export interface TimedFigure {
  timeMs: number;
  timedOut?: boolean;
}

/** "≥ " before a time that is a bound, nothing before a measured one. */
export function atLeast(f: TimedFigure): string {
  return f.timedOut ? '≥ ' : '';
}

/** "412 → 96 ms", or "≥ 30000 → 96 ms" when the first run did not finish. */
export function figureRange(before: TimedFigure, after: TimedFigure): string {
  return `${atLeast(before)}${shortMs(before.timeMs)} → ${atLeast(after)}${shortMs(after.timeMs)} ms`;
}

/**
 * "5.2× faster"; "at least 312× faster" when the first run did not finish (its bound is a lower bound), "at most"
 * when the second did not; neither finished: no ratio can be said.
 */
export function figureSpeedup(before: TimedFigure, after: TimedFigure): string {
  if (before.timedOut && after.timedOut) return 'neither finished within the statement_timeout';
  const bound = before.timedOut ? 'at least ' : after.timedOut ? 'at most ' : '';
  return `${bound}${speedup(before.timeMs, after.timeMs)}`;
}

/** A ratio in formatRatio's words with the same bounds: "at least 72.8× lower". */
export function ratioBound(before: TimedFigure, after: TimedFigure, ratio: string): string {
  if (before.timedOut && after.timedOut) return '–';
  return `${before.timedOut ? 'at least ' : after.timedOut ? 'at most ' : ''}${ratio}`;
}

/** Planner cost units rounded as people say them: 285k, 1.2M, 37. */
export function shortCost(cost: number): string {
  if (!Number.isFinite(cost)) return '–';
  if (cost >= 1e6) return `${(cost / 1e6).toFixed(cost >= 1e7 ? 0 : 1)}M`;
  if (cost >= 1e3) return `${(cost / 1e3).toFixed(cost >= 1e4 ? 0 : 1)}k`;
  return cost >= 10 ? cost.toFixed(0) : cost.toFixed(1);
}

/** before / after as "5.2× faster" (or "1.3× slower"). */
export function speedup(before: number, after: number): string {
  if (after <= 0) return 'faster';
  const r = before / after;
  return r >= 1 ? `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}× faster` : `${(1 / r).toFixed(1)}× slower`;
}
