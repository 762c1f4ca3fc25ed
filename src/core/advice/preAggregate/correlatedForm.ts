/**
 * The ORM form of the family (issue 12 §2): one correlated subquery per column,
 *
 *   SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND <f>) AS order_count,
 *                (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND <f>) AS total_spent, …
 *   FROM users u WHERE <on users> ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100
 *
 * asks what the LEFT JOIN aggregate asks, when every subquery reads the same child table through the same key
 * equality with the same other conditions:
 *
 *   SELECT u.id, count(o.user_id) AS order_count, sum(o.total) AS total_spent, …
 *   FROM users u LEFT JOIN orders o ON o.user_id = u.id AND <f> WHERE <on users>
 *   GROUP BY u.id, <the other users columns shown or ordered by> ORDER BY … LIMIT 100
 *
 * Per parent row: a subquery over no rows gives count 0 and sum/min/max/avg NULL, as the join's NULL-extended row
 * does (count(*) becomes count of the child's key, which the equality makes non-NULL on every matched row); over
 * some rows both aggregate the same rows. Grouping by the parent's key, which the caller checks is unique, keeps one
 * row per parent row, as the correlated form has. The subqueries are found by the correlated-subquery-to-join
 * rule's own match (correlatedSubqueryToJoin.ts); the pre-aggregated forms are then built from this join form and
 * proven against the statement as written.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import {
  andOf,
  clone,
  columnRef,
  columnsIn,
  conjunctsOf,
  exprToSql,
  funcName,
  nodeAs,
  opExpr,
  rangeVarItem,
  resTarget,
  selectToSql,
  wrap,
  type ParsedSelect,
} from '../../sql/ast';
import { correlatedSubqueryToJoin, requalify } from '../rewrite/correlatedSubqueryToJoin';

/** `node` with the columns of qualifier `from` read from `to`; undefined when it has an unqualified column. */
function requalified<T>(node: T, from: string, to: string): T | undefined {
  if (columnsIn(node).some((p) => p.length !== 2)) return undefined;
  return requalify(node, from, to);
}

/**
 * The LEFT JOIN aggregate the correlated form asks the same as (as SQL), or undefined when the statement is not
 * one correlated subquery per aggregated column over one child with one filter.
 */
export function correlatedJoinForm(parsed: ParsedSelect): string | undefined {
  const stmt = parsed.stmt;
  if (stmt.havingClause || stmt.groupClause || stmt.withClause) return undefined;
  const result = correlatedSubqueryToJoin.match({ parsed });
  if (!result.matched) return undefined;
  const found = result.match;
  // Each subquery the whole column over the one child: one inside an expression (coalesce(…, 0)) or over a join
  // asks something else of the join form.
  if (found.some((d) => !d.bare || d.tables.length !== 1)) return undefined;
  const parent = rangeVarItem(stmt.fromClause?.[0]);
  if (!parent || stmt.fromClause?.length !== 1) return undefined;
  // Every scalar subquery of the select list is one of them.
  const scalar = (stmt.targetList ?? []).filter((t) => nodeAs(nodeAs(t, 'ResTarget')?.val, 'SubLink')).length;
  if (scalar !== found.length) return undefined;

  const first = found[0];
  const child = rangeVarItem(first.sub.fromClause?.[0]);
  if (!child) return undefined;
  const C = child.qualifier;
  const key = first.innerColumn[1];
  const outer = first.outerColumn;
  if (outer.length !== 2 || outer[0] !== parent.qualifier) return undefined;
  let filter: string[] | undefined;
  const filterNodes: Node[] = [];
  const targetList = (stmt.targetList ?? []).map((t) => clone(t));
  for (const d of found) {
    const inner = rangeVarItem(d.sub.fromClause?.[0]);
    if (!inner || inner.relname !== child.relname || inner.schemaname !== child.schemaname) return undefined;
    if (d.innerColumn[1] !== key || d.outerColumn.join('.') !== outer.join('.')) return undefined;
    const rest = d.rest.map((c) => requalified(c, inner.qualifier, C));
    if (rest.some((c) => c === undefined)) return undefined;
    const texts = (rest as Node[]).map((c) => exprToSql(c)).sort();
    if (!filter) {
      filter = texts;
      filterNodes.push(...(rest as Node[]));
    } else if (texts.join('\n') !== filter.join('\n')) return undefined;
    let aggregate = requalified(d.aggregate, inner.qualifier, C);
    const call = nodeAs(aggregate, 'FuncCall');
    if (!aggregate || !call) return undefined;
    // count(*) over no rows is 0; over the join's NULL-extended row count(*) would be 1, count(key) is 0.
    if (call.agg_star && funcName(aggregate) === 'count') {
      aggregate = wrap('FuncCall', { ...clone(call), agg_star: false, args: [columnRef(C, key)] });
    }
    targetList[d.target] = resTarget(aggregate, d.name);
  }

  const join = wrap('JoinExpr', {
    jointype: 'JOIN_LEFT',
    larg: clone(parent.node),
    rarg: clone(first.sub.fromClause?.[0] as Node),
    quals: andOf([opExpr('=', columnRef(C, key), columnRef(...outer)), ...filterNodes]),
  });
  // One group per parent row: its key, and the parent's columns shown or ordered by (bare names in ORDER BY are
  // output names).
  const groups = new Map<string, Node>([[outer.join('.'), columnRef(...outer)]]);
  for (const path of columnsIn([stmt.targetList, stmt.sortClause]))
    if (path.length === 2 && path[0] === parent.qualifier && !groups.has(path.join('.')))
      groups.set(path.join('.'), columnRef(...path));
  const out: SelectStmt = {
    ...clone(stmt),
    targetList,
    fromClause: [join],
    groupClause: [...groups.values()],
  };
  // Only the subqueries' own columns are outside the parent: anything else stays outside the family.
  if (columnsIn(conjunctsOf(stmt.whereClause)).some((p) => p.length !== 2 || p[0] !== parent.qualifier))
    return undefined;
  return selectToSql(out);
}
