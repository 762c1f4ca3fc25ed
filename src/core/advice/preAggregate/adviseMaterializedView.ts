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
 * The trigger-maintained summary table (always fresh) is not offered: min/max need a recomputation of the
 * group on every delete or update of its extreme row, and proving that trigger code for every form is work
 * left for later; the view is recomputed whole, so every aggregate of the family is exact after a refresh.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { readTableShapes, isUniqueKey, shapeOf } from '../../db/tableShapes';
import type { RunFigures } from '../rewriteSuggestion';
import { figuresOf, sampleOf, type RunSample } from '../rewrite/verifyRewrite';
import { median } from '../../median';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { columnsIn } from '../../sql/ast';
import { formatMs, formatRatio } from '../../text/formatNumbers';
import {
  buildPreAggregate,
  matchPreAggregate,
  tablesOf,
  type PreAggregateForm,
  type PreAggregateMatch,
} from './preAggregateForm';

/** One comparison of the two forms. */
export interface PreAggregateCheck {
  when: 'current data' | 'after random writes';
  originalRows: number;
  rewrittenRows: number;
  /** Rows of the original missing from the rewrite, and the other way round (EXCEPT ALL). */
  missing: number;
  extra: number;
  /** Compared in order (the statement has an ORDER BY) and the order was the same. */
  ordered?: boolean;
  same: boolean;
}

export interface PreAggregateAdvice {
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
}

export interface PreAggregateOptions {
  params?: unknown[];
  runs?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /** Rows each random write touches; default 25. */
  writeRows?: number;
  seed?: number;
}

interface ChildColumn {
  name: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

const columnQuery = `SELECT a.attname AS name, a.attnotnull AS "notNull",
  (a.atthasdef OR a.attidentity <> '') AS "hasDefault", a.attgenerated <> '' AS generated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

function tableSql(item: { relname: string; schemaname?: string }): string {
  return item.schemaname
    ? `${quoteIdentifier(item.schemaname)}.${quoteIdentifier(item.relname)}`
    : quoteIdentifier(item.relname);
}

/** Most rows fetched for the ordered comparison, as verifyRewrite's default. */
const orderedRowLimit = 10_000;

/** The comparison of verifyRewrite, inside the transaction that holds the view. */
async function compare(
  tx: TransactionScope,
  when: PreAggregateCheck['when'],
  original: string,
  rewritten: string,
  ordered: boolean,
  params: unknown[],
): Promise<PreAggregateCheck> {
  const p = params.length > 0 ? params : undefined;
  const count = async (sql: string): Promise<number> =>
    Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) t`, p))[0].n);
  const except = async (a: string, b: string): Promise<number> =>
    Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((${a}) EXCEPT ALL (${b})) d`, p))[0].n);
  const check: PreAggregateCheck = {
    when,
    originalRows: await count(original),
    rewrittenRows: await count(rewritten),
    missing: await except(original, rewritten),
    extra: await except(rewritten, original),
    same: false,
  };
  check.same = check.originalRows === check.rewrittenRows && check.missing === 0 && check.extra === 0;
  if (ordered && check.same) {
    // A long result is compared in order on its first rows (a subquery's rows come in its ORDER BY's order).
    const capped = (sql: string): string =>
      check.originalRows > orderedRowLimit ? `SELECT * FROM (${sql}) t LIMIT ${orderedRowLimit}` : sql;
    const rows = async (sql: string): Promise<string[]> =>
      (await tx.query<Record<string, unknown>>(capped(sql), p)).map((r) =>
        JSON.stringify(Object.values(r), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    const a = await rows(original);
    const b = await rows(rewritten);
    check.ordered = a.length === b.length && a.every((r, i) => r === b[i]);
    check.same = check.ordered;
  }
  return check;
}

/** Runs `sql` under a savepoint: a write the data refuses (a constraint) is undone and reported, not fatal. */
async function write(tx: TransactionScope, label: string, sql: string): Promise<string> {
  await tx.checkStatement(sql);
  await tx.query('SAVEPOINT pg_tuner_pre_aggregate');
  try {
    const n = Number(
      (await tx.query<{ n: number }>(`WITH w AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM w`))[0].n,
    );
    await tx.query('RELEASE SAVEPOINT pg_tuner_pre_aggregate');
    return `${label}: ${n} row${n === 1 ? '' : 's'}`;
  } catch (e) {
    await tx.query('ROLLBACK TO SAVEPOINT pg_tuner_pre_aggregate');
    return `${label}: refused by the data (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** The random writes: every way a row can enter, leave or move between the view's groups. */
async function randomWrites(
  tx: TransactionScope,
  m: PreAggregateMatch,
  columns: ChildColumn[],
  uniqueColumns: Set<string>,
  k: number,
): Promise<string[]> {
  const child = tableSql(m.child);
  const parent = tableSql(m.parent);
  const fk = quoteIdentifier(m.childKey);
  const pk = quoteIdentifier(m.parentKey);
  const someRows = `ctid IN (SELECT ctid FROM ${child} ORDER BY random() LIMIT ${k})`;
  const someParent = `(SELECT ${pk} FROM ${parent} ORDER BY random() LIMIT 1)`;
  const childless = `(SELECT p.${pk} FROM ${parent} p WHERE NOT EXISTS (SELECT 1 FROM ${child} c WHERE c.${fk} = p.${pk}) ORDER BY random() LIMIT 1)`;
  const out: string[] = [];
  for (let i = 0; i < 3; i++)
    out.push(
      await write(tx, 'move rows to another group', `UPDATE ${child} SET ${fk} = ${someParent} WHERE ${someRows}`),
    );
  out.push(
    await write(tx, 'move rows to a parent without rows', `UPDATE ${child} SET ${fk} = ${childless} WHERE ${someRows}`),
  );
  // The columns the filter and the aggregates read: swapped with another row's value, or set NULL.
  const read = new Set<string>();
  for (const path of columnsIn(m.childFilter)) if (path.length === 2) read.add(path[1]);
  const used = new Set<string>();
  for (const c of m.columns) if (c.argColumn) used.add(c.argColumn);
  for (const name of new Set([...read, ...used])) {
    const col = columns.find((c) => c.name === name);
    // A key column keeps its values (a copy would collide); count(id) still moves with its row.
    if (!col || col.generated || name === m.childKey || uniqueColumns.has(name)) continue;
    const q = quoteIdentifier(name);
    out.push(
      await write(
        tx,
        `change ${name}`,
        `UPDATE ${child} SET ${q} = (SELECT x.${q} FROM ${child} x ORDER BY random() LIMIT 1) WHERE ${someRows}`,
      ),
    );
    if (!col.notNull)
      out.push(await write(tx, `set ${name} NULL`, `UPDATE ${child} SET ${q} = NULL WHERE ${someRows}`));
  }
  // The rows a min/max stands on, then any rows.
  for (const name of used) {
    if (!columns.some((c) => c.name === name)) continue;
    const q = quoteIdentifier(name);
    out.push(
      await write(
        tx,
        `delete the max ${name} row of groups`,
        `DELETE FROM ${child} WHERE ctid IN (SELECT DISTINCT ON (${fk}) ctid FROM ${child} WHERE ${q} IS NOT NULL ORDER BY ${fk}, ${q} DESC LIMIT ${k})`,
      ),
    );
  }
  out.push(await write(tx, 'delete rows', `DELETE FROM ${child} WHERE ${someRows}`));
  // Copies of random rows (the key and the defaulted columns left to their defaults) into other groups.
  const copied = columns.filter((c) => !c.generated && !c.hasDefault && c.name !== m.childKey);
  const list = [fk, ...copied.map((c) => quoteIdentifier(c.name))].join(', ');
  const values = (target: string): string =>
    `INSERT INTO ${child} (${list}) SELECT ${[target, ...copied.map((c) => quoteIdentifier(c.name))].join(', ')} FROM ${child} WHERE ${someRows}`;
  out.push(await write(tx, 'insert rows', values(someParent)));
  out.push(await write(tx, 'insert rows for a parent without rows', values(childless)));
  return out;
}

async function explainSample(tx: TransactionScope, sql: string, params: unknown[]): Promise<RunSample> {
  return sampleOf(await tx.explainJson(sql, 'ANALYZE, BUFFERS', params.length > 0 ? params : undefined));
}

/**
 * The materialized view that answers `sql` from per-key aggregates, measured and proven on the session, or
 * undefined when the statement is outside the family (or the session cannot run a rolled-back transaction).
 */
export async function adviseMaterializedView(
  session: DatabaseSession,
  sql: string,
  options: PreAggregateOptions = {},
): Promise<PreAggregateAdvice | undefined> {
  const match = matchPreAggregate(sql);
  if (!match || !session.inTransaction) return undefined;
  const names = tablesOf(match);
  const shapes = await readTableShapes(session, [names.parent, names.child]);
  if (!isUniqueKey(shapeOf(shapes, names.parent), [match.parentKey])) return undefined;
  const childShape = shapeOf(shapes, names.child);
  if (!childShape) return undefined;
  const uniqueColumns = new Set(childShape.uniqueKeys.flat());
  const form: PreAggregateForm = buildPreAggregate(match);
  const columns = await session.query<Record<string, unknown>>(columnQuery, [names.child]);
  const childColumns: ChildColumn[] = columns.map((c) => ({
    name: String(c.name),
    notNull: c.notNull === true,
    hasDefault: c.hasDefault === true,
    generated: c.generated === true,
  }));
  const params = options.params ?? [];
  const runs = Math.max(1, options.runs ?? 3);
  const original = sql.trim().replace(/;\s*$/, '');
  const ordered = (match.stmt.sortClause?.length ?? 0) > 0;

  return session.inTransaction(
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
      const checks = [await compare(tx, 'current data', original, form.rewrittenSql, ordered, params)];
      // One unmeasured run of each, then alternating runs.
      await explainSample(tx, original, params);
      await explainSample(tx, form.rewrittenSql, params);
      const a: RunSample[] = [];
      const b: RunSample[] = [];
      for (let i = 0; i < runs; i++) {
        a.push(await explainSample(tx, original, params));
        b.push(await explainSample(tx, form.rewrittenSql, params));
      }
      await tx.query(`SELECT setseed(${options.seed ?? 0.42})`);
      const writes = await randomWrites(tx, match, childColumns, uniqueColumns, options.writeRows ?? 25);
      await tx.query(form.refreshSql);
      checks.push(await compare(tx, 'after random writes', original, form.rewrittenSql, ordered, params));
      const before = figuresOf(a);
      const after = figuresOf(b);
      const refreshMs = median(refreshSamplesMs);
      const child = names.child;
      return {
        kind: 'materialized-view' as const,
        title: `Materialized view ${form.viewName}: the per-${match.childKey} aggregates of ${child}`,
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
        staleness: `Answers are as of the last REFRESH: writes to ${child} after it are not seen until the next one.`,
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
): Promise<PreAggregateAdvice | undefined> {
  if (!matchPreAggregate(sql)) return undefined;
  if (!allowed) {
    note(
      'Pre-aggregate: a materialized view could answer this statement; measuring it builds one in a rolled-back transaction: on a server, add --with-index --allow-what-if (never on production).',
    );
    return undefined;
  }
  let advice: PreAggregateAdvice | undefined;
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
