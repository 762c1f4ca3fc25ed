/**
 * Indexes whose gain exists only with a rewrite (the index advisor judged them on the rewritten statement) are
 * offered as the pair: one finding, one fix that puts the rewrite in place and opens the indexes' DDL, one set of
 * figures. Figures of a rewrite and an index measured together (`Rewrite.combination`: original, rewrite, index,
 * both in one run) compare with one time of the statement as written, the same in every line. Free of `vscode`.
 */
import { rewriteOf, type IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { CombinationArm, Rewrite, RewriteCombination } from '../../core/advice/rewriteSuggestion';
import type { IndexDdlPayload } from '../commandTable';
import type { CodeFix } from '../fixes/codeFix';
import { msRange, shortCost, shortMs, speedup } from './figures';
import { pairDdlDocument, type ReasoningSection } from './indexFix';
import type { AdvisedStatement } from './rewriteFix';

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
  const runs = base.figures.samplesMs.length;
  const items = c.arms.map((a) => {
    const name = armNames[a.label] ?? a.label;
    if (a === base) return `${name}: ${shortMs(a.figures.timeMs)} ms (the baseline)`;
    return `${name}: ${shortMs(a.figures.timeMs)} ms (${speedup(base.figures.timeMs, a.figures.timeMs)})`;
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
  if (m) items.push(`The rewrite alone: ${speedup(m.before.timeMs, m.after.timeMs)} than as written (measured)`);
  return { heading: 'Figures (not measured together)', items };
}

/** "measured together 185 → 12.0 ms, 15× faster", or the best figure there is, for a title. */
export function pairFigure(pair: IndexPair): string {
  const c = pair.rewrite.combination;
  const base = c ? arm(c, false, false) : undefined;
  const both = c ? arm(c, true, true) : undefined;
  if (base && both)
    return `measured together ${msRange(base.figures.timeMs, both.figures.timeMs)}, ${speedup(base.figures.timeMs, both.figures.timeMs)}`;
  const s = pair.indexes[0];
  if (s?.measurement) return `rewritten form ${msRange(s.measurement.timeBeforeMs, s.measurement.timeAfterMs)}`;
  if (s?.estimate) return `est. cost ${shortCost(s.estimate.costBefore)} → ${shortCost(s.estimate.costAfter)}`;
  return 'estimated only';
}

export function pairTitle(pair: IndexPair): string {
  return `Rewrite + index: ${pair.rewrite.title} with ${pair.indexes.map((s) => s.candidate.name).join(' + ')} — ${pairFigure(pair)}`;
}

/**
 * Whether the fix can put the rewrite in place: it returns the same rows, the statement as written is what was
 * advised (no named parameters), and it brings no parameter the caller must supply.
 */
export function canPlaceRewrite(rewrite: Rewrite, statement: AdvisedStatement): boolean {
  return (
    rewrite.verification === 'equivalent' &&
    statement.sql === statement.text &&
    (rewrite.newParameters?.length ?? 0) === 0
  );
}

/** One fix for the pair: the rewrite replaces the statement (when it can) and the indexes' DDL opens. */
export function pairFix(pair: IndexPair, statement: AdvisedStatement, isPreferred: boolean): CodeFix {
  const placed = canPlaceRewrite(pair.rewrite, statement);
  const figures = pairFigures(pair);
  const payload: IndexDdlPayload = {
    indexName: pair.indexes[0].candidate.name,
    title: pairTitle(pair),
    untitled: pairDdlDocument(pair.rewrite, pair.indexes, figures, 'untitled', placed),
    migration: pairDdlDocument(pair.rewrite, pair.indexes, figures, 'migration', placed),
  };
  const r = pair.rewrite;
  return {
    title: `${placed ? 'Rewrite and add index' : 'Add index (rewrite by hand)'}: ${r.title} + ${pair.indexes.map((s) => s.candidate.name).join(' + ')} — ${pairFigure(pair)}`,
    isPreferred,
    edits: placed
      ? [
          {
            range: { start: statement.start + r.sqlRange.start, end: statement.start + r.sqlRange.end },
            newText: r.rewrittenSql,
          },
        ]
      : undefined,
    command: { id: 'pgTuner.applyIndexSuggestion', arguments: [payload] },
  };
}
