/**
 * The family with a parameter in the child's condition (issue 12 §2: `… AND o.created_at >= $1 … LIMIT $2`, as a
 * driver sends it). A materialized view or a summary table holds the aggregates of the rows of one value of the
 * condition; `$1` changes per call, so neither can hold the answer. The form that would stay exact for every
 * value is a per-bucket summary: the aggregates per key and time bucket (month, year) of the compared column,
 * the buckets wholly inside the range read from it and the edge bucket from the child. It is worth having only
 * when it is much smaller than the rows it stands for; per key and bucket it holds one row for every key that has
 * rows in that bucket, and with few rows per key and bucket it is about as large as the child, while the edge is
 * read from the child as well. So it is measured on the data (rows per key and month, per key and year, against the
 * child's rows) and said, not offered: no data set of the dashboard's shape makes it 100× (ten orders per user
 * over four years: 0.9 summary rows per order by month, 0.4 by year with up to a year of edge rows).
 */
import type { Node } from '@pgsql/types';
import { clone, columnPath, exprToSql, nodeAs, parseSelect, replaceNodes, selectToSql, walkNodes } from '../../sql/ast';
import type { DatabaseSession } from '../../db/session';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { matchPreAggregate, type PreAggregateMatch } from './preAggregateForm';
import { tableSql } from './preAggregateProof';

/** Why the family's pre-aggregated forms are not offered for this statement (the rewrite rules' closest-rule shape). */
export interface PreAggregateBlocked {
  id: 'pre-aggregate';
  reason: string;
  /** The data's counts behind the reason, when measured. */
  buckets?: BucketCounts;
}

/** The child's rows in the summary's reach and the rows a per-key summary by month and by year would hold. */
export interface BucketCounts {
  column: string;
  rows: number;
  perMonth: number;
  perYear: number;
}

function hasParam(node: unknown): boolean {
  let found = false;
  walkNodes(node, (kind) => {
    if (kind === 'ParamRef') found = true;
    return !found;
  });
  return found;
}

const rangeOps = new Set(['<', '<=', '>', '>=']);

/**
 * The statement with its parameters (outside LIMIT/OFFSET) read as constants is of the family: its match and the
 * conditions that hold a parameter. Undefined otherwise (or when it has none).
 */
function matchWithoutParams(sql: string): { m: PreAggregateMatch; conditions: Node[] } | undefined {
  let parsed;
  try {
    parsed = parseSelect(sql);
  } catch {
    return undefined;
  }
  const stmt = parsed?.stmt;
  if (!stmt) return undefined;
  const { limitCount, limitOffset } = stmt;
  const rest = clone(stmt);
  delete rest.limitCount;
  delete rest.limitOffset;
  if (!hasParam(rest)) return undefined;
  const conditions: Node[] = [];
  walkNodes([stmt.fromClause, stmt.whereClause], (kind, payload) => {
    if (kind === 'A_Expr' && hasParam({ A_Expr: payload })) conditions.push({ A_Expr: payload } as Node);
    return kind !== 'A_Expr';
  });
  const constant = replaceNodes(rest, (n) => (nodeAs(n, 'ParamRef') ? { A_Const: { sval: { sval: '' } } } : undefined));
  const m = matchPreAggregate(
    selectToSql({
      ...constant,
      ...(limitCount ? { limitCount } : {}),
      ...(limitOffset ? { limitOffset } : {}),
    }),
  );
  if (!m || conditions.length === 0) return undefined;
  return { m, conditions };
}

/** The child's column a range condition with a parameter compares (`o.created_at >= $1`), if that is its shape. */
function rangeColumn(m: PreAggregateMatch, conditions: Node[]): string | undefined {
  if (conditions.length !== 1) return undefined;
  const e = nodeAs(conditions[0], 'A_Expr');
  const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
  if (e?.kind !== 'AEXPR_OP' || !op || !rangeOps.has(op)) return undefined;
  const path = columnPath(e.lexpr) ?? columnPath(e.rexpr);
  return path?.length === 2 && path[0] === m.child.qualifier ? path[1] : undefined;
}

const timeTypes = new Set(['timestamp without time zone', 'timestamp with time zone', 'date']);

/** Rows per key and month / year of `column` over the child's rows with a key (what a per-bucket summary holds). */
async function bucketCounts(
  session: DatabaseSession,
  m: PreAggregateMatch,
  column: string,
): Promise<BucketCounts | undefined> {
  const child = tableSql(m.child);
  const type = await session.query<{ type: string }>(
    `SELECT pg_catalog.format_type(a.atttypid, NULL) AS type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [child, column],
  );
  if (!timeTypes.has(type[0]?.type ?? '')) return undefined;
  const k = quoteIdentifier(m.childKey);
  const c = quoteIdentifier(column);
  const rows = await session.query<Record<string, string>>(
    `SELECT count(*)::text AS rows,
       count(DISTINCT (${k}, date_trunc('month', ${c})))::text AS month,
       count(DISTINCT (${k}, date_trunc('year', ${c})))::text AS year
     FROM ${child} WHERE ${k} IS NOT NULL AND ${c} IS NOT NULL`,
  );
  const r = rows[0];
  return r ? { column, rows: Number(r.rows), perMonth: Number(r.month), perYear: Number(r.year) } : undefined;
}

function share(n: number, of: number): string {
  return of > 0 ? (n / of).toFixed(2) : '—';
}

/**
 * Why the statement gets no pre-aggregated form when only its parameters keep it out of the family; undefined when
 * something else does (or nothing). `session` (when measuring is allowed there): the per-bucket counts are read on
 * its data and said.
 */
export async function preAggregateBlocked(
  sql: string,
  session?: DatabaseSession,
): Promise<PreAggregateBlocked | undefined> {
  const found = matchWithoutParams(sql);
  if (!found) return undefined;
  const { m, conditions } = found;
  const texts = conditions.map((c) => `\`${exprToSql(c)}\``).join(', ');
  const child = m.child.relname;
  const base = `${texts} compare${conditions.length === 1 ? 's' : ''} ${child} with a parameter: a materialized view or a summary table holds the aggregates of one value of it, and a parameter changes per call`;
  const column = rangeColumn(m, conditions);
  if (!column)
    return { id: 'pre-aggregate', reason: `${base}; write the value into the statement to get one for that value` };
  let buckets: BucketCounts | undefined;
  try {
    buckets = session ? await bucketCounts(session, m, column) : undefined;
  } catch {
    buckets = undefined;
  }
  const bucketForm = `a summary per ${m.childKey} and month of ${column} (the months inside the range read from it, the edge month from ${child}) would stay exact for every value`;
  if (!buckets)
    return {
      id: 'pre-aggregate',
      reason: `${base}. ${bucketForm}, but it holds one row per ${m.childKey} and month with rows, about as many as ${child} has when a ${m.childKey} has few rows a month, so it is not offered`,
    };
  const n = (x: number): string => x.toLocaleString('en-US');
  return {
    id: 'pre-aggregate',
    reason: `${base}. ${bucketForm}, but on this data it would hold ${n(buckets.perMonth)} rows for ${n(buckets.rows)} ${child} rows (${share(buckets.perMonth, buckets.rows)} per row; by year ${n(buckets.perYear)}, ${share(buckets.perYear, buckets.rows)} per row, with up to a year of ${child} rows read for the edge): reading it is not much less than reading ${child}, so it is not offered`,
    buckets,
  };
}
