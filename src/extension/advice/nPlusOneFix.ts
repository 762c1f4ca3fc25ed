/**
 * The N+1 loop as the editor offers it: one code action replacing the outer query with the combined json_agg
 * query and deleting the loop (one previewable edit, one undo step), and the round-trip figures in one line. Free
 * of `vscode`.
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

/**
 * "One query is 29× faster: 1 + 50 → 1 round trips, loop 120 ms vs single query 4.10 ms on prod-replica": the
 * verdict first, since a notification shows only its start until it is expanded.
 */
export function roundTripSummary(m: NPlusOneMeasurement): string {
  const loop = `loop ${shortMs(m.loopMs)} ms${m.extrapolated ? ' (scaled from a sample of parents)' : ''}`;
  return `One query is ${speedup(m.loopMs, m.singleMs)}: 1 + ${m.parents} → 1 round trips, ${loop} vs single query ${shortMs(m.singleMs)} ms on ${m.where}`;
}

/** The diagnostic's message for the loop. */
export function nPlusOneMessage(advice: NPlusOneAdvice): string {
  return `${advice.title} (1 + N round trips)`;
}

/** The advice whose loop holds a document offset. */
export function adviceAt(advices: readonly NPlusOneAdvice[], offset: number): NPlusOneAdvice | undefined {
  return advices.find((a) => a.finding.loopRange.start <= offset && offset <= a.finding.loopRange.end);
}

/**
 * The hover's text on the loop's query, as plain paragraphs (the caller escapes them): why it is slow, and what
 * the quick fix does. The diagnostic's own message already stands above it.
 */
export function nPlusOneHoverText(advice: NPlusOneAdvice): string[] {
  const c = advice.combined;
  return [
    advice.explanation,
    `Quick fix: replace the loop with one query (${c.parentTable} LEFT JOIN ${c.childTable}, json_agg … AS ${c.arrayColumn}, GROUP BY the key of ${c.parentTable}). ` +
      'With a server connection selected, the columns come from its catalog; the change shows in the refactor preview first and is one undo step.',
  ];
}

/**
 * The fix's edits as one edit over the text they span: the refactor preview gives each edit its own checkbox, and
 * applying only the loop's deletion (or only the new query) would break the code.
 */
export function asOneEdit(fix: CodeFix, documentText: string): CodeFix {
  const edits = [...(fix.edits ?? [])].sort((a, b) => a.range.start - b.range.start);
  if (edits.length < 2) return fix;
  let newText = '';
  for (const [i, e] of edits.entries()) {
    if (i > 0) newText += documentText.slice(edits[i - 1].range.end, e.range.start);
    newText += e.newText;
  }
  return { ...fix, edits: [{ range: { start: edits[0].range.start, end: edits[edits.length - 1].range.end }, newText }] };
}
