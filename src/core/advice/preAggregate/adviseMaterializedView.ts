/**
 * The materialized-view advice measured and proven, never kept: inside one transaction that is always rolled
 * back (DatabaseSession.inTransaction, the rules of README "How explaining is kept safe"), the view and its
 * unique index are created, REFRESH … CONCURRENTLY is timed on the current data, both forms are timed with
 * EXPLAIN (ANALYZE, BUFFERS), and the rewrite is compared with the original as verifyRewrite does (EXCEPT ALL
 * both ways, row counts, and the order when there is an ORDER BY) — on the current data, then again after a
 * batch of random writes to the child table (rows moved between groups, filtered and aggregated columns
 * changed, set NULL, the max/min rows of groups deleted, rows inserted for parents with and without rows) and a
 * refresh. ROLLBACK: the database is as it was.
 *
 * The other form, a summary table kept by triggers (always fresh, a cost on every write), is adviseSummaryTable.ts;
 * both are proven with preAggregateProof.ts.
 */
import { hasKeyIndex } from '../../db/keyIndex';
import type { DatabaseSession } from '../../db/session';
import type { RunFigures } from '../rewriteSuggestion';
import { figuresOf } from '../rewrite/verifyRewrite';
import { median } from '../../median';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { formatMs, formatRatio } from '../../text/formatNumbers';
import { buildPreAggregate, matchPreAggregate, type PreAggregateForm } from './preAggregateForm';
import type { SummaryTableAdvice } from './adviseSummaryTable';
import {
  compare,
  randomWrites,
  parentWrites,
  preAggregateTarget,
  readChildColumns,
  proofKeyIndex,
  timeBothForms,
  type PreAggregateCheck,
  type PreAggregateOptions,
} from './preAggregateProof';

export type { PreAggregateCheck } from './preAggregateProof';

/** A pre-aggregated form: the materialized view (refreshed) or the summary table kept by triggers (always fresh). */
export type PreAggregateAdvice = MaterializedViewAdvice | SummaryTableAdvice;

export interface MaterializedViewAdvice {
  kind: 'materialized-view';
  title: string;
  viewName: string;
  /** CREATE MATERIALIZED VIEW, CREATE UNIQUE INDEX: what a DBA would run, in that order. */
  ddl: string[];
  refreshSql: string;
  rollbackSql: string;
  rewrittenSql: string;
  /** The child conditions frozen into the view (its literals): the view answers only this filter. */
  filterSql: string;
  equivalent: boolean;
  checks: PreAggregateCheck[];
  /** The random writes of the second check, each with the rows it changed. */
  writes: string[];
  where: string;
  refreshMs: number;
  refreshSamplesMs: number[];
  before: RunFigures;
  after: RunFigures;
  /** The trade-off in one line. */
  summary: string;
  staleness: string;
  /** The ORM form (correlated subqueries): the LEFT JOIN aggregate it was read as (the proof ran it as written). */
  joinForm?: string;
  /** An index the proof made to run the statement as written in time (proofKeyIndex), and what it means. */
  proofIndex?: string;
}

/**
 * The materialized view that answers `sql` from per-key aggregates, measured and proven on the session, or
 * undefined when the statement is outside the family (or the session cannot run a rolled-back transaction).
 */
export async function adviseMaterializedView(
  session: DatabaseSession,
  sql: string,
  options: PreAggregateOptions = {},
): Promise<MaterializedViewAdvice | undefined> {
  const target = await preAggregateTarget(session, sql);
  if (!target) return undefined;
  const { inTransaction, match, names, uniqueColumns, parentUniqueColumns } = target;
  const form: PreAggregateForm = buildPreAggregate(match);
  const childColumns = await readChildColumns(session, names.child);
  const parentColumns = form.page ? await readChildColumns(session, names.parent) : [];
  const indexed = match.joinForm ? await hasKeyIndex(session, names.child, match.childKey) : true;
  const params = options.params ?? [];
  const runs = Math.max(1, options.runs ?? 3);
  const original = sql.trim().replace(/;\s*$/, '');
  const ordered = (match.stmt.sortClause?.length ?? 0) > 0;

  return inTransaction(
    async (tx) => {
      await tx.checkStatement(original);
      await tx.query(form.createViewSql);
      await tx.query(form.createIndexSql);
      if (form.orderIndexSql) await tx.query(form.orderIndexSql);
      const refreshSamplesMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await tx.query(form.refreshSql);
        refreshSamplesMs.push(performance.now() - start);
      }
      await tx.query(`ANALYZE ${quoteIdentifier(form.viewName)}`);
      const proofIndex = await proofKeyIndex(tx, match, indexed);
      const checks = [await compare(tx, 'current data', original, form.rewrittenSql, ordered, params)];
      const { a, b } = await timeBothForms(tx, original, form.rewrittenSql, params, runs);
      await tx.query(`SELECT setseed(${options.seed ?? 0.42})`);
      const writes = await randomWrites(tx, match, childColumns, uniqueColumns, options.writeRows ?? 25);
      // The whole answer holds the parent's columns too: their changes must follow after a refresh.
      if (form.page)
        writes.push(...(await parentWrites(tx, match, parentColumns, parentUniqueColumns, options.writeRows ?? 25)));
      await tx.query(form.refreshSql);
      checks.push(await compare(tx, 'after random writes', original, form.rewrittenSql, ordered, params));
      const before = figuresOf(a);
      const after = figuresOf(b);
      const refreshMs = median(refreshSamplesMs);
      const child = names.child;
      const title = form.page
        ? `Materialized view ${form.viewName}: the whole answer, one row per ${names.parent} row numbered in the page's ORDER BY (${form.page.positionColumn})`
        : `Materialized view ${form.viewName}: the per-${match.childKey} aggregates of ${child}`;
      const staleness = form.page
        ? `Answers are as of the last REFRESH: writes to ${child} and to ${names.parent} (rows added or removed, the columns the page shows, filters or orders on changed) after it are not seen until the next one, and the positions are numbered again by each refresh.`
        : `Answers are as of the last REFRESH: writes to ${child} after it are not seen until the next one.`;
      return {
        kind: 'materialized-view' as const,
        title,
        viewName: form.viewName,
        ddl: [form.createViewSql, form.createIndexSql, ...(form.orderIndexSql ? [form.orderIndexSql] : [])],
        refreshSql: form.refreshSql,
        rollbackSql: form.dropSql,
        rewrittenSql: form.rewrittenSql,
        filterSql: form.filterSql,
        equivalent: checks.every((c) => c.same),
        checks,
        writes,
        where: session.label,
        refreshMs,
        refreshSamplesMs,
        before,
        after,
        summary: `reads ${formatMs(after.timeMs)} instead of ${formatMs(before.timeMs)} (${formatRatio(before.timeMs, after.timeMs)}); refresh takes ${formatMs(refreshMs)}, answers up to one refresh old`,
        staleness,
        ...(match.joinForm ? { joinForm: match.joinForm } : {}),
        ...(proofIndex ? { proofIndex } : {}),
      };
    },
    { statementTimeoutMs: options.statementTimeoutMs, signal: options.signal },
  );
}

/**
 * The advice for `pg-tuner rewrite`: only for a statement of the family, only where building a view in a
 * rolled-back transaction is allowed (`allowed`: the embedded database, or a server with --allow-what-if), and
 * only when proven equivalent; otherwise `note` says why there is none.
 */
export async function offerPreAggregate(
  session: DatabaseSession,
  sql: string,
  allowed: boolean,
  options: PreAggregateOptions,
  note: (text: string) => void,
): Promise<MaterializedViewAdvice | undefined> {
  if (!matchPreAggregate(sql)) return undefined;
  if (!allowed) {
    note(
      'Pre-aggregate: a materialized view or a summary table kept by triggers could answer this statement; measuring them builds them in a rolled-back transaction: on a server, add --with-index --allow-what-if (never on production).',
    );
    return undefined;
  }
  let advice: MaterializedViewAdvice | undefined;
  try {
    advice = await adviseMaterializedView(session, sql, options);
  } catch (e) {
    // The rewrites above stand on their own: a view that cannot be built here (a name taken, no CREATE right,
    // a timeout) is said, not fatal. Everything was rolled back.
    if (options.signal?.aborted) throw e;
    note(`Pre-aggregate: not measured (${e instanceof Error ? e.message : String(e)}).`);
    return undefined;
  }
  if (advice && !advice.equivalent) {
    note(
      `Pre-aggregate: the materialized view was not proven equivalent, so it is not offered (${advice.checks.map((c) => `${c.when}: ${c.missing} missing, ${c.extra} extra`).join('; ')}).`,
    );
    return undefined;
  }
  return advice;
}
