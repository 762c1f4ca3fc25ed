/**
 * The OFFSET page of the family (issue 12 §2: `… ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100 OFFSET
 * 50000`). A view of per-key aggregates does not answer it fast: the page ranks every qualifying parent, those
 * without child rows too (an outer join's unmatched parents sort among the groups), so the rewrite over it still
 * joins and sorts them all. What answers it is a view of the whole answer: the statement itself without its ORDER
 * BY, LIMIT and OFFSET (one row per qualifying parent, the unmatched ones included with their aggregates as the
 * statement gives them: count 0, sum/max NULL — the view runs the statement's own join, so nothing is re-derived),
 * plus the row's position in the statement's ORDER BY, `row_number() OVER (ORDER BY <the same keys, directions and
 * NULLS>)`. The page is then `WHERE position > OFFSET ORDER BY position LIMIT n`: LIMIT entries of one unique
 * index that INCLUDEs every other column (an index-only scan once the view is vacuumed), whatever the OFFSET.
 *
 * Only where the order is total — the ORDER BY holds the parent's unique key (the usual tie-breaker `u.id`), so each
 * row's position is the one the statement gives it; an order with ties leaves the statement's own order among
 * them unspecified, and the per-key view is kept there. Every output column needs its own name (a view's columns).
 */
import type { Node, ResTarget } from '@pgsql/types';
import { clone, columnPath, exprToSql, intValue, nodeAs, parseExpr, selectToSql, sortSuffix } from '../../sql/ast';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import type { PreAggregateMatch } from './preAggregateMatch';

export interface PageViewForm {
  viewName: string;
  positionColumn: string;
  /** The view's visible columns, the statement's output names in order. */
  columns: string[];
  createViewSql: string;
  /** The unique index on the position (REFRESH … CONCURRENTLY needs one), INCLUDE the other columns. */
  createIndexSql: string;
  refreshSql: string;
  dropSql: string;
  rewrittenSql: string;
}

/** The name PostgreSQL gives a select-list item in the output, when it is a usable column name. */
function outputName(rt: ResTarget): string | undefined {
  if (rt.name) return rt.name;
  const val = rt.val;
  const path = columnPath(val);
  if (path) return path[path.length - 1];
  const f = nodeAs(val, 'FuncCall');
  const last = f?.funcname?.[f.funcname.length - 1];
  return nodeAs(last, 'String')?.sval;
}

/** `$n` or a non-negative integer constant: what a page's LIMIT/OFFSET may be here. */
function pageBound(node: Node | undefined): string | undefined {
  const n = intValue(node);
  if (n !== undefined) return n >= 0 ? String(n) : undefined;
  const p = nodeAs(node, 'ParamRef');
  return p?.number ? `$${p.number}` : undefined;
}

/** Whether the statement is an OFFSET page the whole-answer view is built for (see the module comment). */
export function isOffsetPage(m: PreAggregateMatch): boolean {
  const s = m.stmt;
  if (!s.limitOffset || !s.limitCount || !s.sortClause?.length) return false;
  const n = intValue(s.limitOffset);
  return n === undefined || n > 0;
}

/** The whole-answer view of an OFFSET page, or undefined when the statement is not one it answers exactly. */
export function buildPageView(m: PreAggregateMatch): PageViewForm | undefined {
  if (!isOffsetPage(m)) return undefined;
  const s = m.stmt;
  const limit = pageBound(s.limitCount);
  const offset = pageBound(s.limitOffset);
  if (!limit || !offset) return undefined;
  const targets = (s.targetList ?? []).map((t) => nodeAs(t, 'ResTarget'));
  const columns: string[] = [];
  for (const t of targets) {
    const name = t && outputName(t);
    if (!name || columns.includes(name)) return undefined;
    columns.push(name);
  }
  // The ORDER BY's keys as expressions of the statement's rows (an output name or position is its item's value).
  let total = false;
  const keys: string[] = [];
  for (const item of s.sortClause ?? []) {
    const sort = nodeAs(item, 'SortBy');
    if (!sort?.node || sort.useOp?.length) return undefined;
    let node: Node = sort.node;
    const path = columnPath(node);
    const position = intValue(node);
    if (path?.length === 1 && columns.includes(path[0])) node = targets[columns.indexOf(path[0])]?.val ?? node;
    else if (position !== undefined) {
      const val = targets[position - 1]?.val;
      if (!val) return undefined;
      node = val;
    } else if (path?.length === 1) return undefined;
    const key = columnPath(node);
    if (key?.length === 2 && key[0] === m.parent.qualifier && key[1] === m.parentKey) total = true;
    keys.push(`${exprToSql(node)}${sortSuffix(sort)}`);
  }
  if (!total) return undefined;

  let positionColumn = 'page_position';
  while (columns.includes(positionColumn)) positionColumn = `${positionColumn}_`;
  const viewName = `${m.parent.relname}_${m.child.relname}_page`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const qView = quoteIdentifier(viewName);
  const qPosition = quoteIdentifier(positionColumn);
  const answer = clone(s);
  delete answer.sortClause;
  delete answer.limitCount;
  delete answer.limitOffset;
  answer.limitOption = 'LIMIT_OPTION_DEFAULT';
  const numbered = nodeAs(parseExpr(`row_number() OVER (ORDER BY ${keys.join(', ')})`), 'FuncCall');
  if (!numbered) return undefined;
  answer.targetList = [
    { ResTarget: { name: positionColumn, val: { FuncCall: numbered } } },
    ...(answer.targetList ?? []),
  ] as Node[];
  const createViewSql = `CREATE MATERIALIZED VIEW ${qView} AS\n${selectToSql(answer)};`;
  const quoted = columns.map(quoteIdentifier);
  const createIndexSql = `CREATE UNIQUE INDEX ${quoteIdentifier(`${viewName}_position`)} ON ${qView} (${qPosition}) INCLUDE (${quoted.join(', ')});`;
  // OFFSET NULL is OFFSET 0; a parameter's NULL too.
  const after = offset.startsWith('$') ? `COALESCE(${offset}::bigint, 0)` : offset;
  const rewrittenSql = `SELECT ${quoted.map((c) => `page.${c}`).join(', ')}\nFROM ${qView} AS page\nWHERE page.${qPosition} > ${after}\nORDER BY page.${qPosition}\nLIMIT ${limit}`;
  return {
    viewName,
    positionColumn,
    columns,
    createViewSql,
    createIndexSql,
    refreshSql: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${qView};`,
    dropSql: `DROP MATERIALIZED VIEW ${qView};`,
    rewrittenSql,
  };
}
