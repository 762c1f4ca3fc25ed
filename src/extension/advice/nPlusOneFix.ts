/**
 * The N+1 loop as the editor offers it: one code action replacing the outer query with the combined json_agg
 * query and the loop with what reproduces its effect (it applies when picked, as one undo step), and the
 * round-trip figures in one line. A loop whose effect the single query does not reproduce gets no edit: its
 * action opens the single query in a new document instead. Free of `vscode`.
 */
import type { NPlusOneAdvice, NPlusOneMeasurement } from '../../core/advice/nPlusOne/adviseNPlusOne';
import type { CodeFix } from '../fixes/codeFix';
import { shortMs, speedup } from '../../core/text/shortFigures';

export function nPlusOneFix(advice: NPlusOneAdvice): CodeFix {
  const c = advice.combined;
  if (advice.edits.length === 0) {
    return {
      title: `Open the single query (${c.parentTable} with json_agg of ${c.childTable}); no code change: the loop does more than the query reproduces`,
      newDocument: { language: 'sql', content: `-- ${advice.noEditReason ?? 'No code change.'}\n${c.sql};\n` },
    };
  }
  // No preview: a picked quick fix applies (a preview opened with the change unticked, and Apply did nothing).
  return {
    title: `Replace the loop with one query: ${c.parentTable} with json_agg of ${c.childTable} as ${c.arrayColumn} (1 + N → 1 round trips)`,
    isPreferred: true,
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
  if (advice.edits.length === 0) {
    return [
      advice.explanation,
      `${advice.noEditReason ?? 'No code change.'} The light bulb opens the single query (${c.parentTable} LEFT JOIN ${c.childTable}, json_agg … AS ${c.arrayColumn}) to adapt by hand.`,
    ];
  }
  return [
    advice.explanation,
    `Quick fix: replace the loop with one query (${c.parentTable} LEFT JOIN ${c.childTable}, json_agg … AS ${c.arrayColumn}). ` +
      'With a server connection selected, the columns come from its catalog; picking it applies the change as one undo step.',
  ];
}

/**
 * The fix's edits as one edit over the text they span: half of the change (only the loop's replacement, or only
 * the new query) would break the code, so nothing (a preview's checkboxes, say) may take one without the other.
 */
export function asOneEdit(fix: CodeFix, documentText: string): CodeFix {
  const edits = [...(fix.edits ?? [])].sort((a, b) => a.range.start - b.range.start);
  if (edits.length < 2) return fix;
  let newText = '';
  for (const [i, e] of edits.entries()) {
    if (i > 0) newText += documentText.slice(edits[i - 1].range.end, e.range.start);
    newText += e.newText;
  }
  return {
    ...fix,
    edits: [{ range: { start: edits[0].range.start, end: edits[edits.length - 1].range.end }, newText }],
  };
}
