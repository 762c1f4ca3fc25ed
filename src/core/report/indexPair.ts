/**
 * Indexes whose gain exists only with a rewrite (the index advisor judged them on the rewritten statement) are
 * presented as the pair: one finding, one set of figures, in the editor and in the CLI alike. Figures of a rewrite
 * and an index measured together (`Rewrite.combination`: original, rewrite, index, both in one run) compare with
 * one time of the statement as written, the same in every line.
 */
import { rewriteOf, type IndexSuggestion } from '../advice/indexSuggestion';
import type { CombinationArm, Rewrite, RewriteCombination } from '../advice/rewriteSuggestion';
import { runsPerArm } from '../advice/rewriteSuggestion';
import { atLeast, figureRange, figureSpeedup, msRange, shortCost, shortMs } from '../text/shortFigures';

/** A titled list of reasons or figures (a hover's section, a DDL comment's block, lines of the CLI). */
export interface ReasoningSection {
  heading: string;
  items: string[];
}

export interface IndexPair {
  rewrite: Rewrite;
  indexes: IndexSuggestion[];
}

/** The suggestions that apply to a rewrite, with it; undefined when they are for the statement as written. */
export function indexPair(
  suggestions: readonly IndexSuggestion[],
  rewrites: readonly Rewrite[],
): IndexPair | undefined {
  const first = suggestions.find((s) => s.appliesTo.kind === 'rewrite');
  const rewrite = first ? rewriteOf(first.appliesTo, rewrites) : undefined;
  if (!first || !rewrite) return undefined;
  const indexes = suggestions.filter((s) => rewriteOf(s.appliesTo, rewrites) === rewrite);
  return { rewrite, indexes };
}

/** The suggestions offered alone: those for the statement as written (or whose rewrite is not among the advice). */
export function plainIndexes(suggestions: readonly IndexSuggestion[], rewrites: readonly Rewrite[]): IndexSuggestion[] {
  return suggestions.filter((s) => rewriteOf(s.appliesTo, rewrites) === undefined);
}

const armNames: Record<string, string> = {
  original: 'As written',
  'rewrite alone': 'Rewrite alone',
  'index alone': 'Index alone',
  'rewrite + index': 'Rewrite + index',
};

function arm(c: RewriteCombination, rewrite: boolean, index: boolean): CombinationArm | undefined {
  return c.arms.find((a) => a.rewrite === rewrite && a.index === index);
}

/** The four arms against the one as-written time of the same run. */
export function jointFigures(c: RewriteCombination): ReasoningSection | undefined {
  const base = arm(c, false, false);
  if (!base) return undefined;
  const runs = runsPerArm(c);
  const items = c.arms.map((a) => {
    const name = armNames[a.label] ?? a.label;
    const time = `${atLeast(a.figures)}${shortMs(a.figures.timeMs)} ms`;
    if (a === base) return `${name}: ${time} (the baseline${a.figures.timedOut ? ': the statement_timeout' : ''})`;
    return `${name}: ${time} (${figureSpeedup(base.figures, a.figures)})`;
  });
  return { heading: `Measured together on ${c.where} (one run, median of ${runs} each)`, items };
}

/** The pair's figures: measured together when they were, else the indexes' own figures on the rewritten form. */
export function pairFigures(pair: IndexPair): ReasoningSection {
  const joint = pair.rewrite.combination ? jointFigures(pair.rewrite.combination) : undefined;
  if (joint) return joint;
  const items: string[] = [];
  for (const s of pair.indexes) {
    const m = s.measurement;
    if (m)
      items.push(
        `${s.candidate.name} on the rewritten statement: ${msRange(m.timeBeforeMs, m.timeAfterMs)} (measured)`,
      );
    else if (s.estimate)
      items.push(
        `${s.candidate.name} on the rewritten statement: est. cost ${shortCost(s.estimate.costBefore)} → ${shortCost(s.estimate.costAfter)}`,
      );
  }
  const m = pair.rewrite.measurement;
  if (m) items.push(`The rewrite alone: ${figureSpeedup(m.before, m.after)} than as written (measured)`);
  return { heading: 'Figures (not measured together)', items };
}

/** "measured together 185 → 12.0 ms, 15× faster", or the best figure there is, for a title. */
export function pairFigure(pair: IndexPair): string {
  const c = pair.rewrite.combination;
  const base = c ? arm(c, false, false) : undefined;
  const both = c ? arm(c, true, true) : undefined;
  if (base && both)
    return `measured together ${figureRange(base.figures, both.figures)}, ${figureSpeedup(base.figures, both.figures)}`;
  const s = pair.indexes[0];
  if (s?.measurement) return `rewritten form ${msRange(s.measurement.timeBeforeMs, s.measurement.timeAfterMs)}`;
  if (s?.estimate) return `est. cost ${shortCost(s.estimate.costBefore)} → ${shortCost(s.estimate.costAfter)}`;
  return 'estimated only';
}

export function pairTitle(pair: IndexPair): string {
  return `Rewrite + index: ${pair.rewrite.title} with ${pair.indexes.map((s) => s.candidate.name).join(' + ')} — ${pairFigure(pair)}`;
}
