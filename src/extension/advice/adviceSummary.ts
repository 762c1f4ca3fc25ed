/** The one-line message after the advisors ran: what was found, with the method behind each figure. */
import { indexFigure } from './indexFix';
import { msRange } from './figures';
import { isRewriteFix } from './rewriteFix';
import type { StatementAdvice } from './statementAdvice';

export function adviceSummary(advice: StatementAdvice): { found: boolean; text: string } {
  const indexes = advice.indexes?.suggestions ?? [];
  const fixes = advice.rewrites.filter((r) => isRewriteFix(r, advice.statement));
  const others = advice.rewrites.length - fixes.length;
  const parts: string[] = [];
  if (indexes.length > 0)
    parts.push(
      `${indexes.length} index suggestion${indexes.length > 1 ? 's' : ''} (best: ${indexes[0].candidate.name}, ${indexFigure(indexes[0])})`,
    );
  if (fixes.length > 0) {
    const m = fixes[0].measurement;
    parts.push(
      `${fixes.length} verified rewrite${fixes.length > 1 ? 's' : ''}${m ? ` (${msRange(m.before.timeMs, m.after.timeMs)})` : ''}`,
    );
  }
  if (others > 0)
    parts.push(`${others} unverified or not faster rewrite${others > 1 ? 's' : ''} (hover the statement)`);
  const best = advice.indexes?.best;
  if (best && best.appliesTo.kind === 'rewrite' && best.timeBeforeMs !== undefined && best.timeAfterMs !== undefined) {
    parts.push(`together with the rewrite: ${msRange(best.timeBeforeMs, best.timeAfterMs)} measured`);
  }
  if (indexes.length === 0 && fixes.length === 0) {
    const why = advice.indexes?.notes.find((n) => n.kind !== 'hypopg-unavailable')?.message;
    const tail = others > 0 ? ` ${parts.join('; ')}.` : '';
    return {
      found: false,
      text: `No index or rewrite to offer on ${advice.connection}${why ? `: ${why}` : '.'}${tail}`,
    };
  }
  return { found: true, text: `On ${advice.connection}: ${parts.join('; ')}. Quick fixes (Ctrl+.) on the statement.` };
}
