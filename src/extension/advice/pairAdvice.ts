/**
 * The pair's fix (core/report/indexPair.ts: an index whose gain exists only with a rewrite, and its figures): one
 * fix that puts the rewrite in place and opens the indexes' DDL. Free of `vscode`.
 */
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import type { IndexDdlPayload } from '../commandTable';
import type { CodeFix } from '../fixes/codeFix';
import { pairFigure, pairFigures, pairTitle, type IndexPair } from '../../core/report/indexPair';
import { pairDdlDocument } from './indexFix';
import type { AdvisedStatement } from './rewriteFix';

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
