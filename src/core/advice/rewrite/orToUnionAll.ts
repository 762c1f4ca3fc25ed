/**
 * `WHERE a = $1 OR b = $2` on one table: one index cannot serve both columns, so PostgreSQL scans the table
 * or ORs two bitmaps. UNION ALL of one branch per column lets each use its own index. A row matching several
 * branches must come back once, as in the original: branch k adds `(d_j) IS NOT TRUE` for every earlier
 * branch j (IS NOT TRUE, not NOT, so a NULL in an earlier condition does not drop the row).
 *
 * With `ORDER BY k LIMIT n`: each branch keeps its own `ORDER BY k LIMIT n` (an index on (column, k) can stop
 * after n rows), and the union is ordered and cut again. The first n rows of the whole are among the first n of
 * the branch they come from, and the exclusion conditions keep a row in one branch only, so no row is counted
 * twice. The outer ORDER BY can name output columns only, so every sort key must be one.
 */
import type { Node, SelectStmt, SortBy } from '@pgsql/types';
import { andOf, clone, columnPath, columnRef, columnsIn, conjunctsOf, containsKind, isAggregateCall, nodeAs, replaceNodes, qualifiedName, selectToSql, singleTable, wrap } from './ast';
import { sortItemsOf } from './verifyRewrite';
import type { RewriteDraft, RewriteInput } from './rewriteDraft';
import { hasLeadingIndex, shapeOf } from './tableShapes';

export function orToUnionAll({ parsed, shapes }: RewriteInput): RewriteDraft[] {
  const stmt = parsed.stmt;
  const table = singleTable(stmt);
  if (!table || stmt.groupClause || stmt.havingClause || stmt.distinctClause || stmt.limitOffset || stmt.lockingClause || stmt.windowClause) return [];
  // ORDER BY goes with a LIMIT (a top-n per branch), and a LIMIT needs an ORDER BY to mean anything.
  if (!stmt.sortClause?.length !== !stmt.limitCount) return [];
  let outerSort: Node[] | undefined;
  if (stmt.sortClause?.length) {
    outerSort = outputSortKeys(stmt);
    if (!outerSort) return [];
  }
  // Aggregates or window functions over the union would need a wrapper query.
  let aggregated = false;
  replaceNodes(stmt.targetList, (node) => {
    if (isAggregateCall(node) || nodeAs(node, 'FuncCall')?.over) aggregated = true;
    return undefined;
  });
  if (aggregated) return [];
  const conjuncts = conjunctsOf(stmt.whereClause);
  const orIndex = conjuncts.findIndex((c) => nodeAs(c, 'BoolExpr')?.boolop === 'OR_EXPR');
  if (orIndex < 0) return [];
  const disjuncts = nodeAs(conjuncts[orIndex], 'BoolExpr')?.args ?? [];
  if (disjuncts.length < 2 || disjuncts.length > 4) return [];
  const columnOf = (d: Node): string | undefined => {
    if (containsKind(d, ['SubLink', 'BoolExpr'])) return undefined;
    const cols = columnsIn(d);
    return cols.length === 1 ? cols[0][cols[0].length - 1] : undefined;
  };
  const columns = disjuncts.map(columnOf);
  if (columns.some((c) => c === undefined) || new Set(columns).size !== columns.length) return [];
  const shape = shapeOf(shapes, qualifiedName(table));
  const caveats: string[] = [];
  if (shape) {
    if (!columns.every((c) => hasLeadingIndex(shape, c as string))) return [];
  } else {
    caveats.push(`Pays off only when an index leads with each of ${columns.join(', ')}; no catalog was available to check.`);
  }

  const rest = conjuncts.filter((_, i) => i !== orIndex);
  const branches: SelectStmt[] = disjuncts.map((d, k) => {
    const earlier = disjuncts.slice(0, k).map((e) => wrap('BooleanTest', { arg: clone(e), booltesttype: 'IS_NOT_TRUE' }));
    return {
      ...clone(stmt),
      whereClause: andOf([...rest.map(clone), clone(d), ...earlier]),
    };
  });
  let union: SelectStmt = branches[0];
  for (const b of branches.slice(1)) {
    union = { op: 'SETOP_UNION', all: true, larg: union, rarg: b, limitOption: 'LIMIT_OPTION_DEFAULT' };
  }
  if (outerSort && stmt.limitCount) {
    union = { ...union, sortClause: outerSort, limitCount: clone(stmt.limitCount), limitOption: stmt.limitOption ?? 'LIMIT_OPTION_COUNT' };
    const keys = sortItemsOf(stmt).map((s) => columnPath(s.node)?.pop() ?? '…');
    caveats.push(
      `Each branch returns its own first ${exprText(stmt.limitCount)} rows in ORDER BY order and the union is ordered and cut again; ` +
        `indexes on ${columns.map((c) => `(${[c, ...keys.filter((k) => k !== c)].join(', ')})`).join(' and ')} let each branch stop after those rows.`,
    );
  }
  return [
    {
      id: 'or-to-union-all',
      title: `OR across ${columns.join(', ')} → UNION ALL`,
      explanation:
        `One index cannot serve a condition on ${columns.join(' or ')}, so the OR makes PostgreSQL read the table (or combine bitmaps). ` +
        `Each UNION ALL branch filters on one column and can use that column's index; later branches exclude rows an earlier branch returned, so no row is duplicated.` +
        (outerSort ? ' The ORDER BY … LIMIT is applied in each branch (a top-n each) and again to the union.' : ''),
      rewrittenSql: selectToSql(union),
      caveats,
    },
  ];
}

function exprText(node: Node): string {
  const n = nodeAs(node, 'A_Const')?.ival?.ival;
  return n !== undefined ? String(n) : 'n';
}

/**
 * The ORDER BY of the union: the same keys, named as output columns (a set operation's ORDER BY sees only
 * those); undefined when a key is not an output column.
 */
function outputSortKeys(stmt: SelectStmt): Node[] | undefined {
  const targets = (stmt.targetList ?? []).map((t) => nodeAs(t, 'ResTarget')).filter((t) => t !== undefined);
  const star = targets.length === 1 && nodeAs(targets[0].val, 'ColumnRef')?.fields?.some((f) => nodeAs(f, 'A_Star') !== undefined) === true;
  const out: Node[] = [];
  for (const item of sortItemsOf(stmt)) {
    const path = columnPath(item.node);
    if (!path) return undefined;
    const name = path[path.length - 1];
    const match = targets.find((t) => {
      if (t.name) return t.name === name && path.length === 1;
      const tpath = columnPath(t.val);
      return tpath !== undefined && tpath[tpath.length - 1] === name && (path.length === 1 || tpath.length === 1 || tpath.join('.') === path.join('.'));
    });
    if (!match && !star) return undefined;
    const sort: SortBy = { ...clone(item), node: columnRef(name) };
    out.push(wrap('SortBy', sort));
  }
  return out;
}
