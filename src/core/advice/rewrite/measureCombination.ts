/**
 * A rewrite and an index are often worth little apart and much together (the dashboard: aggregate first, then a
 * covering partial index the aggregate can stream over). To say which change gave what, the four arms (original,
 * rewrite, index, both) are measured in one transaction that is always rolled back: the index is built there,
 * without CONCURRENTLY, and never outlives the measurement. Only where the caller may build (never production).
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { isStatementTimeout, TunerError } from '../../errors';
import type { IndexSuggestion } from '../indexSuggestion';
import type { CombinationArm, Rewrite, RewriteCombination, RunFigures } from '../rewriteSuggestion';
import { parseSelect } from '../../sql/ast';
import { emptyPreviousPage, rewriteParameters } from './extraParameters';
import { boundFigures, figuresOf, sampleOf, type RunSample } from './verifyRewrite';

export interface CombinationInput {
  originalSql: string;
  /** The rewrite to run ($n only: the rewrite's executable form). */
  rewriteSql: string;
  /**
   * For a rewrite that adds parameters (keyset): the query whose one row gives their values, run with the
   * statement's parameters in the same transaction before anything is built (see Rewrite.extraParamsQuery).
   */
  extraParamsQuery?: string;
  /** `CREATE INDEX [CONCURRENTLY] …` statements; run without CONCURRENTLY inside the transaction. */
  indexSql: string[];
  /** How to undo each index on a real server (`DROP INDEX CONCURRENTLY …`), for the report. */
  rollbackSql: string[];
  /**
   * The original is known not to finish within this many ms (the rewrite's own measurement stopped it there): its
   * arm without the index is that bound, not run again.
   */
  originalPastMs?: number;
}

/** What to measure for `rewrite` together with the index advisor's `indexes` for it. */
export function combinationInput(rewrite: Rewrite, indexes: IndexSuggestion[]): CombinationInput {
  return {
    originalSql: rewrite.originalSql,
    rewriteSql: rewrite.executableSql ?? rewrite.rewrittenSql,
    extraParamsQuery: rewrite.extraParamsQuery,
    indexSql: indexes.map((s) => s.createSql),
    rollbackSql: indexes.map((s) => s.rollbackSql),
    ...(rewrite.measurement?.before.timedOut ? { originalPastMs: rewrite.measurement.before.timeMs } : {}),
  };
}

export interface CombinationOptions {
  params?: unknown[];
  /** Measured runs per arm after one unmeasured run; default 3. */
  runs?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The transaction's statement_timeout when none is given: index builds on a large table take minutes. */
const defaultTimeoutMs = 120_000;

function body(sql: string): string {
  return parseSelect(sql)?.text ?? sql.trim().replace(/;\s*$/, '');
}

/** CONCURRENTLY cannot run inside a transaction block; the plain form builds the same index. */
export function transactionalIndexSql(sql: string): string {
  return sql
    .replace(/\bCONCURRENTLY\s+/i, '')
    .trim()
    .replace(/;\s*$/, '');
}

/** Original, rewrite, original + index, rewrite + index: medians of `runs` alternating runs per pair of arms. */
export async function measureCombination(
  session: DatabaseSession,
  input: CombinationInput,
  options: CombinationOptions = {},
): Promise<RewriteCombination> {
  if (!session.inTransaction) {
    throw new TunerError(
      'bad-input',
      'This session cannot build an index inside a rolled-back transaction, so the rewrite was not measured with the index.',
    );
  }
  if (input.indexSql.length === 0) throw new TunerError('bad-input', 'No index to measure the rewrite with.');
  const runs = Math.max(1, options.runs ?? 3);
  const params = options.params ?? [];
  const original = body(input.originalSql);
  const rewrite = body(input.rewriteSql);
  const explain = async (tx: TransactionScope, sql: string, values: unknown[]): Promise<RunSample> => {
    return sampleOf(await tx.explainJson(sql, 'ANALYZE, BUFFERS', values.length > 0 ? values : undefined));
  };
  const boundMs = options.statementTimeoutMs ?? defaultTimeoutMs;
  /**
   * The statement as written may not finish within the statement_timeout (a correlated subquery over a key with
   * no index: hours): its first run is under a savepoint, and when the timeout stops it that arm's time is the
   * bound (a lower bound), not run again, while the rewrite is timed as usual.
   */
  const finishes = async (tx: TransactionScope, sql: string, values: unknown[]): Promise<boolean> => {
    await tx.query('SAVEPOINT combination_original');
    try {
      await explain(tx, sql, values);
      await tx.query('RELEASE SAVEPOINT combination_original');
      return true;
    } catch (err) {
      if (!isStatementTimeout(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT combination_original');
      return false;
    }
  };
  // Alternating the two forms spreads a busy machine's drift over both instead of one.
  const pair = async (
    tx: TransactionScope,
    rewriteParams: unknown[],
    knownPastMs?: number,
  ): Promise<[RunFigures, RunFigures]> => {
    const originalRuns = knownPastMs === undefined && (await finishes(tx, original, params));
    await explain(tx, rewrite, rewriteParams);
    const a: RunSample[] = [];
    const b: RunSample[] = [];
    for (let i = 0; i < runs; i++) {
      if (originalRuns) a.push(await explain(tx, original, params));
      b.push(await explain(tx, rewrite, rewriteParams));
    }
    return [originalRuns ? figuresOf(a) : boundFigures(knownPastMs ?? boundMs), figuresOf(b)];
  };
  return session.inTransaction(
    async (tx) => {
      // Found before the index exists, so all four arms continue from the same row whatever the plan.
      const rewriteParams = await rewriteParameters((q, p) => tx.query(q, p), input.extraParamsQuery, params);
      if (!rewriteParams) throw new TunerError('bad-input', emptyPreviousPage);
      const [plainOriginal, plainRewrite] = await pair(tx, rewriteParams, input.originalPastMs);
      for (const ddl of input.indexSql) await tx.query(transactionalIndexSql(ddl));
      // The planner's statistics for a fresh index come from the build itself; the table's are unchanged.
      const [indexedOriginal, indexedRewrite] = await pair(tx, rewriteParams);
      const arms: CombinationArm[] = [
        { label: 'original', rewrite: false, index: false, figures: plainOriginal },
        { label: 'rewrite alone', rewrite: true, index: false, figures: plainRewrite },
        { label: 'index alone', rewrite: false, index: true, figures: indexedOriginal },
        { label: 'rewrite + index', rewrite: true, index: true, figures: indexedRewrite },
      ];
      return { where: session.label, indexSql: input.indexSql, rollbackSql: input.rollbackSql, arms };
    },
    { statementTimeoutMs: boundMs, signal: options.signal },
  );
}
