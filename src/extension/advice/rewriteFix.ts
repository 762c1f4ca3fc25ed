/**
 * Which rewrites become quick fixes, and the fix itself: only a rewrite proven equivalent and measured faster
 * (`quickFix`) replaces the statement, in one edit (one undo step). Everything else is information.
 */
import type { Rewrite, RunFigures } from '../../core/advice/rewriteSuggestion';
import type { CodeFix } from '../fixes/codeFix';
import { figureRange, figureSpeedup } from '../../core/text/shortFigures';

/** The statement as the advisors saw it and where it sits in the document. */
export interface AdvisedStatement {
  /** As written in the document (named parameters kept). */
  text: string;
  start: number;
  end: number;
  /** As sent to the advisors (`$n` for named parameters); equal to `text` when there were none. */
  sql: string;
}

/**
 * A rewrite replaces the statement only when the advisor offers it as a quick fix, and when its text can go back
 * into the document as is: the advised SQL is the statement as written (a statement with named parameters was
 * advised in its `$n` form, and a replacement would silently change the user's parameter style) and the
 * rewrite brings no new parameter the caller must supply (keyset pagination's `$last_…`).
 */
export function isRewriteFix(rewrite: Rewrite, statement: AdvisedStatement): boolean {
  return rewrite.quickFix === true && statement.sql === statement.text && (rewrite.newParameters?.length ?? 0) === 0;
}

/**
 * The rewrite's times as the editor shows them: from the run that measured it with the index (as written and
 * rewrite alone, `together`) when there was one, so that every figure of the statement compares with that run's
 * one time as written; else from its own measurement.
 */
export function rewriteTimes(
  rewrite: Rewrite,
): { where: string; before: RunFigures; after: RunFigures; together: boolean } | undefined {
  const c = rewrite.combination;
  const base = c?.arms.find((a) => !a.rewrite && !a.index);
  const alone = c?.arms.find((a) => a.rewrite && !a.index);
  if (c && base && alone) return { where: c.where, before: base.figures, after: alone.figures, together: true };
  const m = rewrite.measurement;
  return m ? { where: m.where, before: m.before, after: m.after, together: false } : undefined;
}

export function rewriteFixTitle(rewrite: Rewrite): string {
  const m = rewriteTimes(rewrite);
  const figure = m ? `measured ${figureRange(m.before, m.after)}, ${figureSpeedup(m.before, m.after)}` : 'not measured';
  // Proven over ties at a page boundary: the same rows SQL allows, which of the tied ones may change (its caveat).
  const rows =
    rewrite.equivalence?.order === 'boundary-ties' ? 'same rows up to ties at the page boundary' : 'same rows';
  return `Rewrite: ${rewrite.title} — ${rows}, ${figure}`;
}

/** Why a rewrite is shown but not offered as a fix, in one sentence for the hover. */
export function whyNotAFix(rewrite: Rewrite, statement: AdvisedStatement): string {
  if (rewrite.verification === 'not-equivalent')
    return `Not offered as a fix: it does not return the same rows (${rewrite.verificationReason})`;
  if (rewrite.verification === 'unverified')
    return `Unverified, so not offered as a fix: ${rewrite.verificationReason}`;
  if (rewrite.verification === 'not-tested-on-data')
    return `Not tested on data, so not offered as a fix: ${rewrite.verificationReason}`;
  if (rewrite.measurement && !rewrite.measurement.faster) {
    return `Same rows, but not faster beyond noise (${figureRange(rewrite.measurement.before, rewrite.measurement.after)}), so not offered as a fix.`;
  }
  if (rewrite.quickFix && statement.sql !== statement.text)
    return 'Verified and faster, but the statement uses named parameters: apply it by hand (the rewrite is written with $n).';
  if (rewrite.newParameters?.length)
    return `It needs new parameters (${rewrite.newParameters.map((p) => p.name).join(', ')}) that your code must supply: apply it by hand.`;
  return 'Not offered as a fix.';
}

/**
 * The fix: one edit over the rewritten span that applies when picked (one undo step). Not sent through the
 * refactor preview: it opened with the change unticked, so Apply as shown changed nothing.
 */
export function rewriteFix(rewrite: Rewrite, statement: AdvisedStatement, isPreferred: boolean): CodeFix {
  return {
    title: rewriteFixTitle(rewrite),
    isPreferred,
    edits: [
      {
        range: { start: statement.start + rewrite.sqlRange.start, end: statement.start + rewrite.sqlRange.end },
        newText: rewrite.rewrittenSql,
      },
    ],
  };
}
