/**
 * The one-line message after the advisors ran: what was found, with the method behind each figure. Every time in
 * it compares with one time of the statement as written: when a rewrite and the indexes were measured together
 * (original, rewrite, index, both in one run), their four arms; otherwise the one measurement that has times, the
 * others as ratios or estimates. Never three "before" times of one query from different runs.
 */
import type { RewriteCombination } from '../../core/advice/rewriteSuggestion';
import { fourArms, runsPerArm } from '../../core/advice/rewriteSuggestion';
import { indexFigure } from './indexFix';
import { atLeast, figureRange, figureSpeedup, shortMs } from '../../core/text/shortFigures';
import { indexPair, pairTitle, plainIndexes } from '../../core/report/indexPair';
import { combinationVerdict } from '../../core/report/rewriteReport';
import { isRewriteFix } from './rewriteFix';
import type { StatementAdvice } from './statementAdvice';
import { offeredPreAggregates } from '../../core/pipeline/preAggregateStep';
import { preAggregateFixTitle } from './preAggregateFix';

/** "as written 185 ms → rewrite 53.2 ms, index 150 ms, both 12.0 ms (measured together, median of 3)". */
export function jointSummary(c: RewriteCombination): string | undefined {
  const arms = fourArms(c);
  if (!arms) return undefined;
  const [base, rewrite, index, both] = [arms.original, arms.rewrite, arms.index, arms.both].map((a) => a.figures);
  return (
    `as written ${atLeast(base)}${shortMs(base.timeMs)} ms → rewrite ${atLeast(rewrite)}${shortMs(rewrite.timeMs)} ms, ` +
    `index ${atLeast(index)}${shortMs(index.timeMs)} ms, both ${atLeast(both)}${shortMs(both.timeMs)} ms ` +
    `(measured together, median of ${runsPerArm(c)})`
  );
}

export function adviceSummary(advice: StatementAdvice): { found: boolean; text: string } {
  const suggestions = advice.indexes?.suggestions ?? [];
  const indexes = plainIndexes(suggestions, advice.rewrites);
  const pair = indexPair(suggestions, advice.rewrites);
  const fixes = advice.rewrites.filter((r) => isRewriteFix(r, advice.statement));
  // The pair's rewrite is said with its index, not again among the rewrites that are no fix on their own.
  const others = advice.rewrites.filter((r) => !fixes.includes(r) && r !== pair?.rewrite).length;
  const joint = advice.rewrites.find((r) => r.combination)?.combination;
  const together = joint ? jointSummary(joint) : undefined;
  // With the arms measured together, the other figures are left out: they come from other runs.
  const timed = together === undefined;
  const parts: string[] = [];
  if (indexes.length > 0) {
    const best = indexes[0];
    const figure = timed ? `, ${indexFigure(best)}` : '';
    parts.push(
      `${indexes.length} index suggestion${indexes.length > 1 ? 's' : ''} (best: ${best.candidate.name}${figure})`,
    );
  }
  if (pair)
    parts.push(
      timed
        ? pairTitle(pair)
        : `${pair.rewrite.title} with the index ${pair.indexes.map((s) => s.candidate.name).join(' + ')}`,
    );
  if (fixes.length > 0) {
    const m = fixes[0].measurement;
    // A second time of the statement as written only when no index figure already gave one.
    const indexTimed = indexes.some((s) => s.measurement) || pair !== undefined;
    const figure =
      !m || !timed
        ? ''
        : indexTimed
          ? ` (${figureSpeedup(m.before, m.after)})`
          : ` (${figureRange(m.before, m.after)})`;
    parts.push(`${fixes.length} verified rewrite${fixes.length > 1 ? 's' : ''}${figure}`);
  }
  if (others > 0)
    parts.push(`${others} unverified or not faster rewrite${others > 1 ? 's' : ''} (hover the statement)`);
  // A summary beside the tables: its own ratio and cost (it is measured in its own run, as a ratio only).
  const preAggregates = offeredPreAggregates(advice.preAggregate);
  for (const a of preAggregates) parts.push(preAggregateFixTitle(a, advice.preAggregate?.embedded));
  if (indexes.length === 0 && fixes.length === 0 && !pair && preAggregates.length === 0) {
    const why = advice.indexes?.notes.find((n) => n.kind !== 'hypopg-unavailable')?.message;
    const tail = others > 0 ? ` ${parts.join('; ')}.` : '';
    return {
      found: false,
      text: `No index or rewrite to offer on ${advice.connection}${why ? `: ${why}` : '.'}${tail}`,
    };
  }
  const verdict = joint ? combinationVerdict(joint) : undefined;
  const figures = together ? ` ${together[0].toUpperCase()}${together.slice(1)}.${verdict ? ` ${verdict}` : ''}` : '';
  return {
    found: true,
    text: `On ${advice.connection}: ${parts.join('; ')}.${figures} Quick fixes (Ctrl+.) on the statement.`,
  };
}
