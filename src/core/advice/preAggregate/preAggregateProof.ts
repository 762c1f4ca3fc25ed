/**
 * What both pre-aggregated forms (the materialized view and the summary table kept by triggers) are proven and
 * timed with, inside the one rolled-back transaction that holds them: the comparison of verifyRewrite (EXCEPT ALL
 * both ways, row counts, the order when there is an ORDER BY), the batch of random writes to the child table that
 * the second comparison runs after, and EXPLAIN ANALYZE samples.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { sampleOf, type RunSample } from '../rewrite/verifyRewrite';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { columnsIn, exprToSql } from '../../sql/ast';
import { matchPreAggregate, tablesOf, type PreAggregateMatch } from './preAggregateForm';
import { isUniqueKey, readTableShapes, shapeOf } from '../../db/tableShapes';

/** How a pre-aggregated form is measured and proven (the view's and the summary table's alike). */
export interface PreAggregateOptions {
  params?: unknown[];
  runs?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /** Rows each random write touches; default 25. */
  writeRows?: number;
  seed?: number;
}

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

export interface ChildColumn {
  name: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
  /** smallint, integer or bigint: a copied row can take max + n when the column is unique without a default. */
  integer: boolean;
}

/** The child's columns as the random writes need them. */
export async function readChildColumns(session: DatabaseSession, table: string): Promise<ChildColumn[]> {
  const rows = await session.query<Record<string, unknown>>(columnQuery, [table]);
  return rows.map((c) => ({
    name: String(c.name),
    notNull: c.notNull === true,
    hasDefault: c.hasDefault === true,
    generated: c.generated === true,
    integer: c.integer === true,
  }));
}

const columnQuery = `SELECT a.attname AS name, a.attnotnull AS "notNull",
  (a.atthasdef OR a.attidentity <> '') AS "hasDefault", a.attgenerated <> '' AS generated,
  a.atttypid IN (20, 21, 23) AS integer
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

export function tableSql(item: { relname: string; schemaname?: string }): string {
  return item.schemaname
    ? `${quoteIdentifier(item.schemaname)}.${quoteIdentifier(item.relname)}`
    : quoteIdentifier(item.relname);
}

/** Most rows fetched for the ordered comparison, as verifyRewrite's default. */
export const orderedRowLimit = 10_000;

/** The comparison of verifyRewrite, inside the transaction that holds the view. */
export async function compare(
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
export async function write(tx: TransactionScope, label: string, sql: string): Promise<string> {
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
export async function randomWrites(
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
  // The rows a min/max stands on (among the filtered rows, where a summary kept by triggers must recompute the
  // group): lowered or set NULL, then deleted; then any rows.
  const C = quoteIdentifier(m.child.qualifier);
  const filter = m.childFilter.map((c) => ` AND (${exprToSql(c)})`).join('');
  const extremes = (q: string, dir: 'ASC' | 'DESC'): string =>
    `ctid IN (SELECT DISTINCT ON (${C}.${fk}) ${C}.ctid FROM ${child} AS ${C} WHERE ${C}.${q} IS NOT NULL${filter} ORDER BY ${C}.${fk}, ${C}.${q} ${dir} LIMIT ${k})`;
  const extremeOf = new Map<string, Set<'min' | 'max'>>();
  for (const c of m.columns)
    if (c.argColumn && (c.fn === 'min' || c.fn === 'max' || c.fn === 'sum' || c.fn === 'avg' || c.fn === 'count')) {
      const set = extremeOf.get(c.argColumn) ?? new Set<'min' | 'max'>();
      set.add(c.fn === 'min' ? 'min' : 'max');
      extremeOf.set(c.argColumn, set);
    }
  for (const [name, fns] of extremeOf) {
    const col = columns.find((c) => c.name === name);
    if (!col) continue;
    const q = quoteIdentifier(name);
    const editable = !col.generated && name !== m.childKey && !uniqueColumns.has(name);
    if (editable && fns.has('max'))
      out.push(
        await write(
          tx,
          `lower the max ${name} row of groups`,
          `UPDATE ${child} SET ${q} = (SELECT min(x.${q}) FROM ${child} x) WHERE ${extremes(q, 'DESC')}`,
        ),
      );
    if (editable && !col.notNull && fns.has('min'))
      out.push(
        await write(
          tx,
          `set the min ${name} row of groups NULL`,
          `UPDATE ${child} SET ${q} = NULL WHERE ${extremes(q, 'ASC')}`,
        ),
      );
    for (const fn of fns)
      out.push(
        await write(
          tx,
          `delete the ${fn} ${name} row of groups`,
          `DELETE FROM ${child} WHERE ${extremes(q, fn === 'max' ? 'DESC' : 'ASC')}`,
        ),
      );
  }
  const keyColumn = columns.find((c) => c.name === m.childKey);
  if (keyColumn && !keyColumn.notNull)
    out.push(
      await write(
        tx,
        `set ${m.childKey} NULL (rows leave every group)`,
        `UPDATE ${child} SET ${fk} = NULL WHERE ${someRows}`,
      ),
    );
  out.push(await write(tx, 'delete rows', `DELETE FROM ${child} WHERE ${someRows}`));
  // Copies of random rows (the key and the defaulted columns left to their defaults) into other groups.
  // A unique integer key without a default (`id bigint PRIMARY KEY`) takes values past its maximum.
  const copied = columns.filter((c) => !c.generated && !c.hasDefault && c.name !== m.childKey);
  const list = [fk, ...copied.map((c) => quoteIdentifier(c.name))].join(', ');
  const value = (c: ChildColumn): string => {
    const q = quoteIdentifier(c.name);
    return uniqueColumns.has(c.name) && c.integer
      ? `(SELECT coalesce(max(x.${q}), 0) FROM ${child} x) + row_number() OVER ()`
      : q;
  };
  const values = (target: string): string =>
    `INSERT INTO ${child} (${list}) SELECT ${[target, ...copied.map(value)].join(', ')} FROM ${child} WHERE ${someRows}`;
  out.push(await write(tx, 'insert rows', values(someParent)));
  out.push(await write(tx, 'insert rows for a parent without rows', values(childless)));
  return out;
}

/**
 * Writes to the parent for a view that holds the parent's columns too (the OFFSET page's whole answer): the
 * columns the statement shows or filters on, swapped with another row's value or set NULL (unique and generated
 * columns and the key keep theirs). A parent's change must show after a refresh as a child's does.
 */
export async function parentWrites(
  tx: TransactionScope,
  m: PreAggregateMatch,
  columns: ChildColumn[],
  uniqueColumns: Set<string>,
  k: number,
): Promise<string[]> {
  const parent = tableSql(m.parent);
  const P = m.parent.qualifier;
  const someRows = `ctid IN (SELECT ctid FROM ${parent} ORDER BY random() LIMIT ${k})`;
  const read = new Set<string>();
  for (const path of columnsIn([m.parentWhere, m.stmt.targetList, m.stmt.sortClause]))
    if (path.length === 2 && path[0] === P) read.add(path[1]);
  const out: string[] = [];
  for (const name of read) {
    const col = columns.find((c) => c.name === name);
    if (!col || col.generated || name === m.parentKey || uniqueColumns.has(name)) continue;
    const q = quoteIdentifier(name);
    out.push(
      await write(
        tx,
        `change ${m.parent.relname}.${name}`,
        `UPDATE ${parent} SET ${q} = (SELECT x.${q} FROM ${parent} x ORDER BY random() LIMIT 1) WHERE ${someRows}`,
      ),
    );
    if (!col.notNull)
      out.push(
        await write(tx, `set ${m.parent.relname}.${name} NULL`, `UPDATE ${parent} SET ${q} = NULL WHERE ${someRows}`),
      );
  }
  return out;
}

export async function explainSample(tx: TransactionScope, sql: string, params: unknown[]): Promise<RunSample> {
  return sampleOf(await tx.explainJson(sql, 'ANALYZE, BUFFERS', params.length > 0 ? params : undefined));
}

/** Both forms timed in the transaction: one unmeasured run of each, then `runs` alternating runs. */
export async function timeBothForms(
  tx: TransactionScope,
  original: string,
  rewritten: string,
  params: unknown[],
  runs: number,
): Promise<{ a: RunSample[]; b: RunSample[] }> {
  await explainSample(tx, original, params);
  await explainSample(tx, rewritten, params);
  const a: RunSample[] = [];
  const b: RunSample[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await explainSample(tx, original, params));
    b.push(await explainSample(tx, rewritten, params));
  }
  return { a, b };
}

/**
 * The correlated form as written runs its subqueries once per parent row; without an index on the child's key each
 * run reads the whole child, and the proof, which runs it several times, would not end on a large table. An index
 * on the key, made in the proof's transaction (rolled back with it), changes how fast it runs, never its rows.
 * Both forms are timed with it there, so the original's time, and the ratio, are lower bounds. The note that
 * says so, or undefined when none is needed.
 */
export async function proofKeyIndex(
  tx: TransactionScope,
  m: PreAggregateMatch,
  indexed: boolean,
): Promise<string | undefined> {
  if (!m.joinForm || indexed) return undefined;
  const name = quoteIdentifier(`${m.child.relname}_${m.childKey}_for_proof`.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
  await tx.query(`CREATE INDEX ${name} ON ${tableSql(m.child)} (${quoteIdentifier(m.childKey)})`);
  await tx.query(`ANALYZE ${tableSql(m.child)}`);
  return `${m.child.relname} has no index on ${m.childKey}, so the statement as written reads all of ${m.child.relname} once per ${m.parent.relname} row; the proof ran it with one (made and rolled back with the proof, not part of the advice): its time here, and the ratio, are lower bounds`;
}

/** A statement of the family on tables whose shapes allow the summary: its match, tables and the child's unique columns. */
export interface PreAggregateTarget {
  /** The session's rolled-back transaction (DatabaseSession.inTransaction, bound to it). */
  inTransaction: NonNullable<DatabaseSession['inTransaction']>;
  match: PreAggregateMatch;
  names: ReturnType<typeof tablesOf>;
  uniqueColumns: Set<string>;
  /** The parent's columns in a unique key. */
  parentUniqueColumns: Set<string>;
}

/**
 * The statement's pre-aggregation target, or undefined when it is outside the family, the session cannot run a
 * rolled-back transaction, the parent key is not unique or the child table is not found.
 */
export async function preAggregateTarget(
  session: DatabaseSession,
  sql: string,
): Promise<PreAggregateTarget | undefined> {
  const match = matchPreAggregate(sql);
  if (!match || !session.inTransaction) return undefined;
  const names = tablesOf(match);
  const shapes = await readTableShapes(session, [names.parent, names.child]);
  const parentShape = shapeOf(shapes, names.parent);
  if (!parentShape || !isUniqueKey(parentShape, [match.parentKey])) return undefined;
  const childShape = shapeOf(shapes, names.child);
  if (!childShape) return undefined;
  return {
    inTransaction: session.inTransaction.bind(session),
    match,
    names,
    uniqueColumns: new Set(childShape.uniqueKeys.flat()),
    parentUniqueColumns: new Set(parentShape.uniqueKeys.flat()),
  };
}
