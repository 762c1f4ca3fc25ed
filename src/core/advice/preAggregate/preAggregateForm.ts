/**
 * Issue 12 §2: beyond the per-query floor. When the best query-time plan still reads every qualifying child row
 * (a dashboard of per-user order totals), the only faster answer is one computed before the query runs: a
 * materialized view of the child's per-key aggregate, read by a rewritten query joined to the parent.
 *
 * The family (anything else gets nothing, silently): `parent JOIN child` or `parent LEFT JOIN child`, one
 * equality of the parent's unique key with the child's foreign key in ON, conditions on the child alone in ON
 * (or, for an inner join, in WHERE) — they become the view's WHERE, literals included, so the view answers only
 * that filter —, conditions on the parent alone in WHERE, GROUP BY the parent's key (plus parent columns),
 * aggregates count(*), count/sum/min/max/avg of child expressions (no DISTINCT, FILTER or ORDER BY inside), in
 * the select list, HAVING and ORDER BY, optional LIMIT/OFFSET. No function calls besides those aggregates (a
 * volatile or time-dependent call would be frozen into the view), no subqueries, no window functions, no `$n`
 * outside LIMIT/OFFSET (a parameter cannot be part of a view).
 *
 * Each parent row meets exactly one view row (the view is grouped by the foreign key, the parent's key is
 * unique), so an aggregate over a parent's group equals the view's column: the rewrite drops the GROUP BY,
 * joins the view the way the child was joined, and replaces each aggregate by its column — except where an
 * outer join leaves a parent without child rows: count(x) is 0 there (COALESCE(v.c, 0)), count(*) is 1 (the
 * NULL-extended row counts), the others NULL, as in the original.
 */
import type { JoinExpr, Node } from '@pgsql/types';
import {
  andOf,
  clone,
  columnPath,
  columnsIn,
  conjunctsOf,
  exprToSql,
  funcName,
  intConst,
  intValue,
  isAggregateCall,
  nodeAs,
  parseExpr,
  parseSelect,
  qualifiedName,
  rangeVar,
  rangeVarItem,
  replaceNodes,
  selectToSql,
  sortSuffix,
  walkNodes,
} from '../../sql/ast';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { buildPageView } from './pageForm';
import type { PreAggregateMatch, ViewColumn } from './preAggregateMatch';

export type { PreAggregateMatch, ViewColumn } from './preAggregateMatch';
import { correlatedJoinForm } from './correlatedForm';

const supported = new Set(['count', 'sum', 'min', 'max', 'avg']);

/** The advice as SQL: the view, its unique index, the refresh, the rollback and the rewritten query. */
export interface PreAggregateForm {
  match: PreAggregateMatch;
  viewName: string;
  createViewSql: string;
  createIndexSql: string;
  /**
   * For an inner join with LIMIT ordered by aggregates: an index on the view in that order, so the rewrite
   * reads the first rows of the view and stops (an outer join's unmatched parents sort among them, so there
   * the view is read whole and no such index is offered).
   */
  orderIndexSql?: string;
  refreshSql: string;
  dropSql: string;
  rewrittenSql: string;
  /** The child conditions frozen into the view, as SQL ('' when none). */
  filterSql: string;
  /**
   * An OFFSET page: the view holds the whole answer, one row per qualifying parent numbered in the ORDER BY's order
   * (pageForm.ts), so it is stale for the parent's changes too.
   */
  page?: { positionColumn: string; parent: string };
}

function qualifiers(node: unknown): Set<string> | undefined {
  const out = new Set<string>();
  for (const path of columnsIn(node)) {
    if (path.length !== 2) return undefined;
    out.add(path[0]);
  }
  return out;
}

function only(node: unknown, qualifier: string): boolean {
  const q = qualifiers(node);
  return q !== undefined && q.size === 1 && q.has(qualifier);
}

/** Function calls other than the supported aggregates, subqueries, window calls, `$n`: outside the family. */
function hasForbidden(node: unknown, allowAggregates: boolean): boolean {
  let bad = false;
  walkNodes(node, (kind, payload) => {
    if (kind === 'SubLink' || kind === 'ParamRef' || kind === 'SQLValueFunction' || kind === 'RangeSubselect')
      bad = true;
    if (kind === 'FuncCall') {
      const wrapped = { FuncCall: payload } as unknown as Node;
      const name = funcName(wrapped);
      if (!allowAggregates || !isAggregateCall(wrapped) || !name || !supported.has(name) || payload.over) bad = true;
    }
    return !bad;
  });
  return bad;
}

/** A plain comparison of columns and constants: never true when its column is NULL. */
function nullRejecting(conjunct: Node): boolean {
  const e = nodeAs(conjunct, 'A_Expr');
  if (!e || e.kind === 'AEXPR_DISTINCT' || e.kind === 'AEXPR_NOT_DISTINCT') return false;
  let plain = true;
  walkNodes(conjunct, (kind) => {
    if (!['A_Expr', 'ColumnRef', 'A_Const', 'TypeCast', 'String', 'TypeName', 'Integer', 'List'].includes(kind))
      plain = false;
    return plain;
  });
  return plain;
}

/** The key equality `p.key = c.fk` (either order), as [parent column, child column]. */
function keyPair(node: Node, parent: string, child: string): [string, string] | undefined {
  const e = nodeAs(node, 'A_Expr');
  if (e?.kind !== 'AEXPR_OP' || e.name?.length !== 1 || nodeAs(e.name[0], 'String')?.sval !== '=') return undefined;
  const l = columnPath(e.lexpr);
  const r = columnPath(e.rexpr);
  if (l?.length !== 2 || r?.length !== 2) return undefined;
  if (l[0] === parent && r[0] === child) return [l[1], r[1]];
  if (l[0] === child && r[0] === parent) return [r[1], l[1]];
  return undefined;
}

function viewColumnName(f: NonNullable<ReturnType<typeof nodeAs<'FuncCall'>>>, fn: string, taken: Set<string>): string {
  const path = columnPath(f.args?.[0]);
  let base = f.agg_star ? 'row_count' : path ? `${fn}_${path[path.length - 1]}` : fn;
  base = base.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/**
 * The statement's pre-aggregation match, or undefined when it is outside the family. The parent key's
 * uniqueness is the caller's to check in the catalog (adviseMaterializedView does).
 */
export function matchPreAggregate(sql: string): PreAggregateMatch | undefined {
  let parsed;
  try {
    parsed = parseSelect(sql);
  } catch {
    return undefined;
  }
  const stmt = parsed?.stmt;
  if (parsed && stmt && !stmt.groupClause) {
    const joinForm = correlatedJoinForm(parsed);
    const m = joinForm ? matchPreAggregate(joinForm) : undefined;
    return m && { ...m, joinForm };
  }
  if (!stmt || stmt.withClause || stmt.distinctClause || stmt.windowClause || stmt.lockingClause) return undefined;
  if (stmt.fromClause?.length !== 1 || !stmt.groupClause?.length) return undefined;
  const join = nodeAs(stmt.fromClause[0], 'JoinExpr') as JoinExpr | undefined;
  if (!join || (join.jointype !== 'JOIN_INNER' && join.jointype !== 'JOIN_LEFT') || join.usingClause) return undefined;
  const parent = rangeVarItem(join.larg);
  const child = rangeVarItem(join.rarg);
  if (!parent || !child || parent.qualifier === child.qualifier) return undefined;
  const P = parent.qualifier;
  const C = child.qualifier;

  // No forbidden calls anywhere but the aggregates; LIMIT/OFFSET may hold `$n`.
  const checked = [stmt.targetList, stmt.sortClause, stmt.havingClause];
  if (checked.some((n) => hasForbidden(n, true))) return undefined;
  if ([join.quals, stmt.whereClause, stmt.groupClause].some((n) => hasForbidden(n, false))) return undefined;

  const outerJoin = join.jointype === 'JOIN_LEFT';
  let key: [string, string] | undefined;
  const childFilter: Node[] = [];
  const parentWhere: Node[] = [];
  for (const c of conjunctsOf(join.quals)) {
    const pair = keyPair(c, P, C);
    if (pair && !key) key = pair;
    else if (only(c, C)) childFilter.push(c);
    else if (!outerJoin && only(c, P)) parentWhere.push(c);
    else return undefined;
  }
  let outer = outerJoin;
  const whereChild: Node[] = [];
  for (const c of conjunctsOf(stmt.whereClause)) {
    if (only(c, P)) parentWhere.push(c);
    else if (only(c, C)) whereChild.push(c);
    else return undefined;
  }
  // A null-rejecting child condition in WHERE makes an outer join inner (`LEFT JOIN … WHERE o.x >= …`); any
  // other child condition there would keep some NULL-extended rows, which the view cannot say.
  if (whereChild.length > 0 && outer) {
    if (!whereChild.some(nullRejecting)) return undefined;
    outer = false;
  }
  childFilter.push(...whereChild);
  if (!key) return undefined;

  const groups = (stmt.groupClause ?? []).map((g) => columnPath(g));
  if (groups.some((g) => g?.length !== 2 || g[0] !== P)) return undefined;
  if (!groups.some((g) => g?.[1] === key[0])) return undefined;

  // Aggregates read the child alone; everything else in the output reads the parent alone.
  const columns: ViewColumn[] = [];
  const taken = new Set<string>([key[1]]);
  let ok = true;
  const collect = (value: unknown): void =>
    void replaceNodes(value, (node) => {
      if (!ok) return node;
      const f = nodeAs(node, 'FuncCall');
      if (f && isAggregateCall(node)) {
        const fn = funcName(node) ?? '';
        if (f.agg_distinct || f.agg_filter || f.agg_order?.length || f.agg_within_group) ok = false;
        else if (!f.agg_star && (f.args?.length !== 1 || !only(f.args, C))) ok = false;
        else if (f.agg_star && fn !== 'count') ok = false;
        const text = exprToSql(node);
        if (ok && !columns.some((c) => c.text === text)) {
          const arg = columnPath(f.args?.[0]);
          columns.push({
            text,
            name: viewColumnName(f, fn, taken),
            fn,
            star: f.agg_star === true,
            ...(arg?.length === 2 ? { argColumn: arg[1] } : {}),
          });
        }
        return node;
      }
      const path = columnPath(node);
      if (path && (path.length !== 2 || path[0] !== P)) {
        // A bare name may be an output alias in ORDER BY; a child column outside an aggregate is not allowed.
        if (path.length !== 1) ok = false;
      }
      return undefined;
    });
  collect(stmt.targetList);
  collect(stmt.havingClause);
  collect(stmt.sortClause);
  if (!ok || columns.length === 0) return undefined;
  // A bare column in the select list could be either table's: outside the family.
  for (const t of stmt.targetList ?? []) {
    const val = nodeAs(t, 'ResTarget')?.val;
    if (
      !val ||
      columnsIn(val).some((p) => p.length !== 2) ||
      nodeAs(val, 'ColumnRef')?.fields?.some((f) => nodeAs(f, 'A_Star'))
    )
      return undefined;
  }
  return { stmt, parent, child, parentKey: key[0], childKey: key[1], outer, childFilter, parentWhere, columns };
}

/** The name a select-list item has in the output. */
function outputName(target: Node): string | undefined {
  const rt = nodeAs(target, 'ResTarget');
  if (!rt?.val) return undefined;
  if (rt.name) return rt.name;
  const path = columnPath(rt.val);
  return path ? path[path.length - 1] : undefined;
}

/**
 * A LEFT JOIN page ordered by an aggregate whose empty value (NULL: sum, min, max, avg) sorts last: the parents
 * without rows can reach the page only when fewer than LIMIT + OFFSET matched rows exist or a matched row's key
 * is NULL too. Then the rewrite is the top LIMIT + OFFSET of the view joined inner, united with the unmatched
 * parents read only in that case, ordered and cut again; the ORDER BY keys by their output names. Constant
 * LIMIT/OFFSET, no HAVING. The first key's output name, and the page size, when it applies.
 */
function outerTopN(m: PreAggregateMatch): { first: string; keys: string[]; k: number } | undefined {
  const limit = intValue(m.stmt.limitCount);
  const offset = m.stmt.limitOffset ? intValue(m.stmt.limitOffset) : 0;
  if (!m.outer || limit === undefined || offset === undefined || m.stmt.havingClause) return undefined;
  const targets = m.stmt.targetList ?? [];
  const keys: string[] = [];
  let first: string | undefined;
  for (const [i, item] of (m.stmt.sortClause ?? []).entries()) {
    const sort = nodeAs(item, 'SortBy');
    const path = columnPath(sort?.node);
    if (!sort || !path) return undefined;
    const target = targets.find((t) =>
      path.length === 1
        ? outputName(t) === path[0]
        : columnPath(nodeAs(t, 'ResTarget')?.val)?.join('.') === path.join('.'),
    );
    const name = target ? outputName(target) : undefined;
    if (!target || !name) return undefined;
    if (i === 0) {
      const val = nodeAs(target, 'ResTarget')?.val;
      const col = val && isAggregateCall(val) ? m.columns.find((c) => c.text === exprToSql(val)) : undefined;
      const desc = sort.sortby_dir === 'SORTBY_DESC';
      const nullsLast =
        sort.sortby_nulls === 'SORTBY_NULLS_LAST' || (!desc && sort.sortby_nulls !== 'SORTBY_NULLS_FIRST');
      if (!col || col.fn === 'count' || !nullsLast) return undefined;
      first = name;
    }
    keys.push(`${quoteIdentifier(name)}${sortSuffix(sort)}`);
  }
  return first ? { first, keys, k: limit + offset } : undefined;
}

/** The view's columns in the statement's ORDER BY, leading keys only (see PreAggregateForm.orderIndexSql). */
function orderIndex(m: PreAggregateMatch, viewName: string): string | undefined {
  if ((m.outer && !outerTopN(m)) || !m.stmt.limitCount) return undefined;
  const keys: string[] = [];
  for (const item of m.stmt.sortClause ?? []) {
    const sort = nodeAs(item, 'SortBy');
    if (!sort?.node) break;
    let node: Node | undefined = sort.node;
    const path = columnPath(node);
    if (path?.length === 1)
      node = (m.stmt.targetList ?? []).map((t) => nodeAs(t, 'ResTarget')).find((t) => t?.name === path[0])?.val;
    const text = node && isAggregateCall(node) ? exprToSql(node) : undefined;
    const col = m.columns.find((c) => c.text === text);
    if (col) keys.push(`${quoteIdentifier(col.name)}${sortSuffix(sort)}`);
    else {
      // The parent key as a tie-breaker equals the view's key in an inner join.
      const p = columnPath(sort.node);
      if (keys.length > 0 && p?.length === 2 && p[0] === m.parent.qualifier && p[1] === m.parentKey)
        keys.push(`${quoteIdentifier(m.childKey)}${sortSuffix(sort)}`);
      break;
    }
  }
  if (keys.length === 0) return undefined;
  return `CREATE INDEX ${quoteIdentifier(`${viewName}_order`)} ON ${quoteIdentifier(viewName)} (${keys.join(', ')});`;
}

/**
 * The view, its index and the rewritten statement for a match. `relationName`: read another relation of the same
 * rows and columns instead (the summary table kept by triggers, summaryTableForm.ts).
 */
export function buildPreAggregate(m: PreAggregateMatch, relationName?: string): PreAggregateForm {
  const page = relationName ? undefined : buildPageView(m);
  if (page)
    return {
      match: m,
      viewName: page.viewName,
      createViewSql: page.createViewSql,
      createIndexSql: page.createIndexSql,
      refreshSql: page.refreshSql,
      dropSql: page.dropSql,
      rewrittenSql: page.rewrittenSql,
      filterSql: m.childFilter.map((c) => exprToSql(c)).join(' AND '),
      page: { positionColumn: page.positionColumn, parent: qualifiedName(m.parent) },
    };
  const C = m.child.qualifier;
  const viewName = relationName ?? `${m.child.relname}_by_${m.childKey}_agg`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const qView = quoteIdentifier(viewName);
  const qChild = quoteIdentifier(C);
  const qKey = quoteIdentifier(m.childKey);
  const childTable = m.child.schemaname
    ? `${quoteIdentifier(m.child.schemaname)}.${quoteIdentifier(m.child.relname)}`
    : quoteIdentifier(m.child.relname);
  const filterSql = m.childFilter.map((c) => exprToSql(c)).join(' AND ');
  // NULL keys never meet a parent; leaving them out keeps the unique index to one row per key.
  const where = [`${qChild}.${qKey} IS NOT NULL`, ...m.childFilter.map((c) => exprToSql(c))].join('\n  AND ');
  const select = [`${qChild}.${qKey}`, ...m.columns.map((c) => `${c.text} AS ${quoteIdentifier(c.name)}`)];
  const createViewSql = `CREATE MATERIALIZED VIEW ${qView} AS\nSELECT ${select.join(',\n       ')}\nFROM ${childTable}${m.child.relname === C ? '' : ` ${qChild}`}\nWHERE ${where}\nGROUP BY ${qChild}.${qKey};`;
  const createIndexSql = `CREATE UNIQUE INDEX ${quoteIdentifier(`${viewName}_key`)} ON ${qView} (${qKey});`;
  const orderIndexSql = orderIndex(m, viewName);
  const refreshSql = `REFRESH MATERIALIZED VIEW CONCURRENTLY ${qView};`;
  const dropSql = `DROP MATERIALIZED VIEW ${qView};`;

  let alias = `${C}_agg`;
  while (alias === m.parent.qualifier) alias = `${alias}_`;
  const stmt = clone(m.stmt);
  const join = nodeAs(stmt.fromClause?.[0], 'JoinExpr') as JoinExpr;
  join.rarg = rangeVar(viewName, alias);
  // A LEFT JOIN made inner by a WHERE on the child reads the view inner: the condition is inside the view now.
  join.jointype = m.outer ? 'JOIN_LEFT' : 'JOIN_INNER';
  join.quals = parseExpr(
    `${quoteIdentifier(alias)}.${qKey} = ${quoteIdentifier(m.parent.qualifier)}.${quoteIdentifier(m.parentKey)}`,
  );
  const replacement = (node: Node): Node | undefined => {
    if (!isAggregateCall(node)) return undefined;
    const col = m.columns.find((c) => c.text === exprToSql(node));
    if (!col) return undefined;
    const ref = `${quoteIdentifier(alias)}.${quoteIdentifier(col.name)}`;
    if (m.outer && col.fn === 'count') return parseExpr(`COALESCE(${ref}, ${col.star ? 1 : 0})`);
    return parseExpr(ref);
  };
  const having = m.stmt.havingClause ? [replaceNodes(clone(m.stmt.havingClause), replacement)] : [];
  stmt.whereClause = andOf([...m.parentWhere.map((c) => clone(c)), ...having]);
  if (!stmt.whereClause) delete stmt.whereClause;
  delete stmt.groupClause;
  delete stmt.havingClause;
  stmt.targetList = replaceNodes(stmt.targetList, replacement);
  if (stmt.sortClause) stmt.sortClause = replaceNodes(stmt.sortClause, replacement);
  let rewrittenSql = selectToSql(stmt);
  const topN = outerTopN(m);
  if (topN) {
    const matched = clone(stmt);
    (nodeAs(matched.fromClause?.[0], 'JoinExpr') as JoinExpr).jointype = 'JOIN_INNER';
    matched.limitCount = intConst(topN.k);
    delete matched.limitOffset;
    const qAlias = quoteIdentifier(alias);
    // The parents without rows: each aggregate as the original gives it over no rows.
    const empty = (node: Node): Node | undefined => {
      if (!isAggregateCall(node)) return undefined;
      const col = m.columns.find((c) => c.text === exprToSql(node));
      if (!col) return undefined;
      // A NULL of the view column's type (a bare NULL would be text in its own branch and not unite).
      const typed = `(SELECT ${qAlias}.${quoteIdentifier(col.name)} FROM ${qView} AS ${qAlias} LIMIT 0)`;
      return parseExpr(col.fn !== 'count' ? typed : col.star ? '1::bigint' : '0::bigint');
    };
    const qParentKey = `${quoteIdentifier(m.parent.qualifier)}.${quoteIdentifier(m.parentKey)}`;
    const reach = `((SELECT count(*) FROM top_groups) < ${topN.k} OR EXISTS (SELECT 1 FROM top_groups WHERE ${quoteIdentifier(topN.first)} IS NULL))`;
    const unmatched = clone(m.stmt);
    unmatched.fromClause = [clone(join.larg as Node)];
    unmatched.whereClause = andOf([
      ...m.parentWhere.map((c) => clone(c)),
      parseExpr(`NOT EXISTS (SELECT 1 FROM ${qView} AS ${qAlias} WHERE ${qAlias}.${qKey} = ${qParentKey})`),
      parseExpr(reach),
    ]);
    delete unmatched.groupClause;
    unmatched.targetList = replaceNodes(unmatched.targetList, empty);
    if (unmatched.sortClause) unmatched.sortClause = replaceNodes(unmatched.sortClause, empty);
    unmatched.limitCount = intConst(topN.k);
    delete unmatched.limitOffset;
    const offset = m.stmt.limitOffset ? `\nOFFSET ${intValue(m.stmt.limitOffset) ?? 0}` : '';
    const indent = (sql: string): string => sql.split('\n').join('\n  ');
    rewrittenSql = `WITH top_groups AS MATERIALIZED (\n  ${indent(selectToSql(matched))}\n)\nSELECT * FROM (\n  SELECT * FROM top_groups\n  UNION ALL\n  (${indent(selectToSql(unmatched))})\n) AS page\nORDER BY ${topN.keys.join(', ')}\nLIMIT ${intValue(m.stmt.limitCount) ?? 0}${offset}`;
  }
  return {
    match: m,
    viewName,
    createViewSql,
    createIndexSql,
    ...(orderIndexSql ? { orderIndexSql } : {}),
    refreshSql,
    dropSql,
    rewrittenSql,
    filterSql,
  };
}

/** The parent and child tables as the catalog should be asked about them. */
export function tablesOf(m: PreAggregateMatch): { parent: string; child: string } {
  return { parent: qualifiedName(m.parent), child: qualifiedName(m.child) };
}
