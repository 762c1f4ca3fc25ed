/**
 * The N+1 loop as the editor offers it: one code action replacing the outer query with the combined json_agg
 * query and deleting the loop (one previewable edit), and the round-trip figures in one line. Free of `vscode`.
 */
import type { NPlusOneAdvice, NPlusOneMeasurement } from '../../core/advice/nPlusOne/adviseNPlusOne';
import type { CodeFix } from '../fixes/codeFix';
import { shortMs, speedup } from './figures';

export function nPlusOneFix(advice: NPlusOneAdvice): CodeFix {
  const c = advice.combined;
  return {
    title: `Replace the loop with one query: ${c.parentTable} with json_agg of ${c.childTable} as ${c.arrayColumn} (1 + N → 1 round trips)`,
    isPreferred: true,
    previewEdits: true,
    edits: advice.edits.map((e) => ({ range: e.range, newText: e.newText })),
  };
}

/** "1 + 50 → 1 round trips, loop 120 ms vs single query 4.10 ms (29× faster)". */
export function roundTripSummary(m: NPlusOneMeasurement): string {
  const loop = `loop ${shortMs(m.loopMs)} ms${m.extrapolated ? ' (scaled from a sample of parents)' : ''}`;
  return `1 + ${m.parents} → 1 round trips, ${loop} vs single query ${shortMs(m.singleMs)} ms (${speedup(m.loopMs, m.singleMs)}) on ${m.where}`;
}

/** The diagnostic's message for the loop. */
export function nPlusOneMessage(advice: NPlusOneAdvice): string {
  return `${advice.title} (1 + N round trips)`;
}

/** The advice whose loop holds a document offset. */
export function adviceAt(advices: readonly NPlusOneAdvice[], offset: number): NPlusOneAdvice | undefined {
  return advices.find((a) => a.finding.loopRange.start <= offset && offset <= a.finding.loopRange.end);
}
