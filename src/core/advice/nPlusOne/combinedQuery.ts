/**
 * The one query that replaces 1 + N: the parents LEFT JOINed to their children, grouped by the parent's key,
 * the children folded into a JSON array per parent (`[]` for none), in the inner query's order or the
 * child's primary key. With a catalog, `t.*` becomes the child's columns in json_build_object and the
 * parent's key is checked to be its primary key (needed for `p.*` with GROUP BY p.id).
 *
 * A child query with its own LIMIT (top N per parent: `… ORDER BY created_at DESC LIMIT 5`) cannot be a plain
 * join and json_agg, which would fold every child: each parent then gets `LEFT JOIN LATERAL` of the child query
 * itself (its ORDER BY, LIMIT and OFFSET, keyed by the parent), aggregated in that same order.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import {
  clone,
  columnPath,
  columnRef,
  conjunctsOf,
  exprToSql,
  maxParam,
  nodeAs,
  parseSelect,
  qualifiedName,
  replaceNodes,
  selectToSql,
  singleTable,
  wrap,
} from '../../sql/ast';
import { sortItemsOf } from '../../sql/ast';
import { hasLeadingIndex, shapeOf, type TableShapes } from '../../db/tableShapes';
import { quoteIdentifier as quoteIdent } from '../../sql/quoteIdentifier';

export interface CombinedQuery {
  sql: string;
  parentTable: string;
  childTable: string;
  /** The child column that points at the parent (`program_id`). */
  foreignKey: string;
  /** The JSON array column on each parent row (`tasks`). */
  arrayColumn: string;
  caveats: string[];
  /** When no index leads with the foreign key. */
  indexDdl?: { create: string; rollback: string };
}

function qualifyBare(node: unknown, qualifier: string): unknown {
  return replaceNodes(node, (n) => {
    const path = columnPath(n);
    return path?.length === 1 ? columnRef(qualifier, path[0]) : undefined;
  });
}

function stripTableQualifier(node: unknown, from: string, to: string): unknown {
  return replaceNodes(node, (n) => {
    const path = columnPath(n);
    return path?.length === 2 && path[0] === from ? columnRef(to, path[1]) : undefined;
  });
}

export function combinedQuery(
  outerSql: string,
  innerSql: string,
  keyParam: number,
  keyColumn: string,
  arrayColumn: string | undefined,
  shapes?: TableShapes,
): CombinedQuery | undefined {
  const outer = parseSelect(outerSql);
  const inner = parseSelect(innerSql);
  if (!outer || !inner) return undefined;
  const parent = singleTable(outer.stmt);
  const child = singleTable(inner.stmt);
  if (
    !parent ||
    !child ||
    outer.stmt.groupClause ||
    outer.stmt.distinctClause ||
    inner.stmt.groupClause ||
    inner.stmt.distinctClause
  )
    return undefined;
  if (maxParam(outer.stmt) > 0) return undefined;
  // Top N per parent: only a LIMIT/OFFSET of constants, after an ORDER BY (without one the N rows are arbitrary).
  const topN = inner.stmt.limitCount !== undefined || inner.stmt.limitOffset !== undefined;
  if (
    topN &&
    (!inner.stmt.sortClause?.length || maxParam(inner.stmt.limitCount) > 0 || maxParam(inner.stmt.limitOffset) > 0)
  )
    return undefined;
  const p = parent.relname[0] ?? 'p';
  const c = child.relname[0] === p ? `${child.relname[0]}2` : (child.relname[0] ?? 'c');

  // The inner WHERE: `fk = $key` becomes the join; the rest joins too (a WHERE would drop parents).
  let foreignKey: string | undefined;
  const on: string[] = [];
  for (const conjunct of conjunctsOf(inner.stmt.whereClause)) {
    const e = nodeAs(conjunct, 'A_Expr');
    const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    const isKey = (n: Node | undefined): boolean => nodeAs(n, 'ParamRef')?.number === keyParam;
    if (op === '=' && !foreignKey && ((l && isKey(e?.rexpr)) || (r && isKey(e?.lexpr)))) {
      foreignKey = (l ?? r ?? [])[(l ?? r ?? []).length - 1];
      continue;
    }
    if (maxParam(conjunct) > 0) return undefined;
    on.push(exprToSql(qualifyBare(stripTableQualifier(conjunct, child.qualifier, c), c) as Node));
  }
  if (!foreignKey) return undefined;

  const caveats: string[] = [];
  const parentShape = shapeOf(shapes, qualifiedName(parent));
  const childShape = shapeOf(shapes, qualifiedName(child));
  // The lateral form has no GROUP BY, so the parent's key need not be its primary key.
  if (topN) {
    /* no caveat */
  } else if (parentShape) {
    if (parentShape.primaryKey?.length !== 1 || parentShape.primaryKey[0] !== keyColumn) {
      caveats.push(
        `${parent.relname}.${keyColumn} is not the primary key, so the parent columns are listed in GROUP BY.`,
      );
    }
  } else
    caveats.push(
      `Assumes ${parent.relname}.${keyColumn} is the primary key (GROUP BY ${p}.${keyColumn} with ${p}.*); no catalog was available to check.`,
    );

  // The child object: the inner query's own columns, or the child's columns from the catalog.
  const innerTargets = inner.stmt.targetList ?? [];
  const star = innerTargets.some((t) => {
    const val = nodeAs(t, 'ResTarget')?.val;
    return nodeAs(val, 'ColumnRef') !== undefined && columnPath(val) === undefined;
  });
  let childObject: string;
  if (star && childShape) {
    childObject = `json_build_object(${childShape.columns.map((col) => `'${col.name}', ${c}.${quoteIdent(col.name)}`).join(', ')})`;
  } else if (star) {
    childObject = c;
    caveats.push(
      `Without a catalog the child rows are folded whole (json_agg(${c})); with one they are listed column by column.`,
    );
  } else {
    const pairs = innerTargets.map((t) => {
      const rt = nodeAs(t, 'ResTarget');
      const path = columnPath(rt?.val);
      const name = rt?.name ?? path?.[path.length - 1] ?? 'value';
      return `'${name}', ${exprToSql(qualifyBare(stripTableQualifier(rt?.val, child.qualifier, c), c) as Node)}`;
    });
    childObject = `json_build_object(${pairs.join(', ')})`;
  }
  let order = sortItemsOf(inner.stmt)
    .map((s) => exprToSql(qualifyBare(stripTableQualifier(wrap('SortBy', clone(s)), child.qualifier, c), c) as Node))
    .join(', ');
  if (!order && childShape?.primaryKey) order = childShape.primaryKey.map((k) => `${c}.${quoteIdent(k)}`).join(', ');
  const column = arrayColumn ?? child.relname;

  const outerStmt: SelectStmt = clone(outer.stmt);
  const outerTargets = (outerStmt.targetList ?? []).map((t) => {
    const val = nodeAs(t, 'ResTarget')?.val;
    const ref = nodeAs(val, 'ColumnRef');
    // `*` would now also take the child's columns.
    if (ref && columnPath(val) === undefined) return `${p}.*`;
    return exprToSql(qualifyBare(stripTableQualifier(t, parent.qualifier, p), p) as Node);
  });
  const where = outerStmt.whereClause
    ? exprToSql(qualifyBare(stripTableQualifier(outerStmt.whereClause, parent.qualifier, p), p) as Node)
    : undefined;
  const groupBy =
    parentShape && (parentShape.primaryKey?.length !== 1 || parentShape.primaryKey[0] !== keyColumn)
      ? parentShape.columns.map((col) => `${p}.${quoteIdent(col.name)}`).join(', ')
      : `${p}.${quoteIdent(keyColumn)}`;
  const orderBy = sortItemsOf(outerStmt)
    .map((s) => exprToSql(qualifyBare(stripTableQualifier(wrap('SortBy', s), parent.qualifier, p), p) as Node))
    .join(', ');
  const parentFrom = `${parent.schemaname ? `${quoteIdent(parent.schemaname)}.` : ''}${quoteIdent(parent.relname)} ${p}`;
  const childFrom = `${child.schemaname ? `${quoteIdent(child.schemaname)}.` : ''}${quoteIdent(child.relname)} ${c}`;
  const outerTail =
    (where ? ` WHERE ${where}` : '') +
    (orderBy ? ` ORDER BY ${orderBy}` : '') +
    (outerStmt.limitCount ? ` LIMIT ${exprToSql(outerStmt.limitCount)}` : '') +
    (outerStmt.limitOffset ? ` OFFSET ${exprToSql(outerStmt.limitOffset)}` : '');
  // The child query per parent as written (its order, limit and offset), its rows folded in that order.
  const lateral = `${c}_top`;
  const text = topN
    ? `SELECT ${outerTargets.join(', ')}, COALESCE(${lateral}.${quoteIdent(column)}, '[]') AS ${quoteIdent(column)} ` +
      `FROM ${parentFrom} LEFT JOIN LATERAL (SELECT json_agg(${childObject} ORDER BY ${order}) AS ${quoteIdent(column)} ` +
      `FROM (SELECT ${c}.* FROM ${childFrom} WHERE ${[`${c}.${quoteIdent(foreignKey)} = ${p}.${quoteIdent(keyColumn)}`, ...on].join(' AND ')} ORDER BY ${order}` +
      (inner.stmt.limitCount ? ` LIMIT ${exprToSql(inner.stmt.limitCount)}` : '') +
      (inner.stmt.limitOffset ? ` OFFSET ${exprToSql(inner.stmt.limitOffset)}` : '') +
      `) ${c}) ${lateral} ON true` +
      outerTail
    : `SELECT ${outerTargets.join(', ')}, COALESCE(json_agg(${childObject}${order ? ` ORDER BY ${order}` : ''}) ` +
      `FILTER (WHERE ${c}.${quoteIdent(foreignKey)} IS NOT NULL), '[]') AS ${quoteIdent(column)} ` +
      `FROM ${parentFrom} LEFT JOIN ${childFrom} ON ${[`${c}.${quoteIdent(foreignKey)} = ${p}.${quoteIdent(keyColumn)}`, ...on].join(' AND ')}` +
      (where ? ` WHERE ${where}` : '') +
      ` GROUP BY ${groupBy}` +
      (orderBy ? ` ORDER BY ${orderBy}` : '') +
      (outerStmt.limitCount ? ` LIMIT ${exprToSql(outerStmt.limitCount)}` : '') +
      (outerStmt.limitOffset ? ` OFFSET ${exprToSql(outerStmt.limitOffset)}` : '');
  const pretty = parseSelect(text);
  const result: CombinedQuery = {
    sql: pretty ? selectToSql(pretty.stmt) : text,
    parentTable: qualifiedName(parent),
    childTable: qualifiedName(child),
    foreignKey,
    arrayColumn: column,
    caveats,
  };
  if (childShape && !hasLeadingIndex(childShape, foreignKey)) {
    const name = `${child.relname}_${foreignKey}_idx`.slice(0, 63);
    const table = child.schemaname
      ? `${quoteIdent(child.schemaname)}.${quoteIdent(child.relname)}`
      : quoteIdent(child.relname);
    result.indexDdl = {
      create: `CREATE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${table} (${quoteIdent(foreignKey)});`,
      rollback: `DROP INDEX CONCURRENTLY ${child.schemaname ? `${quoteIdent(child.schemaname)}.` : ''}${quoteIdent(name)};`,
    };
  }
  return result;
}
