/**
 * The pair's fix (core/report/indexPair.ts: an index whose gain exists only with a rewrite, and its figures): one
 * fix that puts the rewrite in place and opens the indexes' DDL. When the two were measured together, the fixes
 * follow what that run says to apply (core/advice/rewrite/combinationChoice.ts): never an index the run found
 * adding nothing, never a rewrite it found adding nothing. Free of `vscode`.
 */
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import { fourArms } from '../../core/advice/rewriteSuggestion';
import { combinationChoice } from '../../core/advice/rewrite/combinationChoice';
import type { IndexDdlPayload } from '../commandTable';
import type { CodeFix } from '../fixes/codeFix';
import { pairFigure, pairFigures, pairTitle, type IndexPair } from '../../core/report/indexPair';
import { figureRange } from '../../core/text/shortFigures';
import { pairDdlDocument, type PairRewriteNote } from './indexFix';
import { isRewriteFix, rewriteFix, type AdvisedStatement } from './rewriteFix';

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

function payloadOf(pair: IndexPair, note: PairRewriteNote): IndexDdlPayload {
  const figures = pairFigures(pair);
  return {
    indexName: pair.indexes[0].candidate.name,
    title: pairTitle(pair),
    untitled: pairDdlDocument(pair.rewrite, pair.indexes, figures, 'untitled', note),
    migration: pairDdlDocument(pair.rewrite, pair.indexes, figures, 'migration', note),
  };
}

/** One fix for the pair: the rewrite replaces the statement (when it can) and the indexes' DDL opens. */
export function pairFix(pair: IndexPair, statement: AdvisedStatement, isPreferred: boolean): CodeFix {
  const placed = canPlaceRewrite(pair.rewrite, statement);
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
    command: { id: 'pgTuner.applyIndexSuggestion', arguments: [payloadOf(pair, placed ? 'applied' : 'by-hand')] },
  };
}

/**
 * The pair's fixes as its joint measurement decides: both together (or no joint run) the pair's fix; the rewrite
 * alone its own fix, when it is one; the index alone its DDL with the statement left as written; neither, none.
 */
export function pairFixes(pair: IndexPair, statement: AdvisedStatement, isPreferred: boolean): CodeFix[] {
  const c = pair.rewrite.combination;
  const choice = c ? combinationChoice(c) : undefined;
  switch (choice?.apply) {
    case undefined:
    case 'both':
      return [pairFix(pair, statement, isPreferred)];
    case 'rewrite':
      return isRewriteFix(pair.rewrite, statement) ? [rewriteFix(pair.rewrite, statement, isPreferred)] : [];
    case 'neither':
      return [];
    case 'index': {
      const arms = c ? fourArms(c) : undefined;
      const figure = arms
        ? `measured together ${figureRange(arms.original.figures, arms.index.figures)} on the statement as written`
        : pairFigure(pair);
      return [
        {
          title: `Add index: ${pair.indexes.map((s) => s.candidate.name).join(' + ')} — ${figure}; the rewrite adds nothing once it exists`,
          isPreferred,
          command: { id: 'pgTuner.applyIndexSuggestion', arguments: [payloadOf(pair, 'not-needed')] },
        },
      ];
    }
  }
}
