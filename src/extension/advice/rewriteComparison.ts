/**
 * The rewrite side of "Compare before/after": both forms of a proven rewrite explained again on the connection.
 * Free of `vscode` (AdviceService.compare wraps it in progress and opens the view); loaded on first use, as it
 * pulls in the explain pipeline.
 */
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import { explainAndOptimize } from '../../core/pipeline/explainAndOptimize';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { ComparisonLabels } from '../history/comparison';
import { rewriteComparisonLabels } from './adviceComparison';

export interface RewriteComparisonOptions {
  /** The connection's label, for the view's title. */
  where: string;
  /** The statement's own parameter values (a compared rewrite introduces none). */
  params?: unknown[];
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
  /** Before each form runs: the progress the user sees. */
  onStep?: (step: 'original' | 'rewrite') => void;
}

/**
 * The statement as it is, explained again with ANALYZE on `session` (read-only): the left side of comparing an index
 * that gains only with a rewrite, whose own plans are of the rewritten form.
 */
export async function statementAsItIs(
  session: DatabaseSession,
  sql: string,
  options: Omit<RewriteComparisonOptions, 'where' | 'onStep'>,
): Promise<TuningResult> {
  const { params, statementTimeoutMs, lockTimeoutMs, signal } = options;
  return explainAndOptimize(session, sql, { analyze: true, params, statementTimeoutMs, lockTimeoutMs, signal });
}

/**
 * What the compare view shows for a rewrite: both forms explained again with ANALYZE on `session` (read-only, as
 * every explain that runs a statement), so each side is a full result with its insights.
 */
export async function rewriteComparison(
  session: DatabaseSession,
  rewrite: Rewrite,
  options: RewriteComparisonOptions,
): Promise<{ before: TuningResult; after: TuningResult; labels: ComparisonLabels }> {
  const { params, statementTimeoutMs, lockTimeoutMs, signal } = options;
  const explainOptions = { analyze: true, params, statementTimeoutMs, lockTimeoutMs, signal };
  options.onStep?.('original');
  const before = await explainAndOptimize(session, rewrite.originalSql, explainOptions);
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
  options.onStep?.('rewrite');
  const after = await explainAndOptimize(session, rewrite.rewrittenSql, explainOptions);
  return { before, after, labels: rewriteComparisonLabels(rewrite, options.where) };
}
