/**
 * `WHERE a = $1 OR b = $2` on one table: one index cannot serve both columns, so PostgreSQL scans the table
 * or ORs two bitmaps. UNION ALL of one branch per column lets each use its own index. A row matching several
 * branches must come back once, as in the original: branch k adds `(d_j) IS NOT TRUE` for every earlier
 * branch j (IS NOT TRUE, not NOT, so a NULL in an earlier condition does not drop the row).
 */
import type { Node, SelectStmt } from '@pgsql/types';
import { andOf, clone, columnsIn, conjunctsOf, containsKind, isAggregateCall, nodeAs, replaceNodes, qualifiedName, selectToSql, singleTable, wrap } from './ast';
import type { RewriteDraft, RewriteInput } from './rewriteDraft';
import { hasLeadingIndex, shapeOf } from './tableShapes';

export function orToUnionAll({ parsed, shapes }: RewriteInput): RewriteDraft[] {
  const stmt = parsed.stmt;
  const table = singleTable(stmt);
  if (!table || stmt.groupClause || stmt.havingClause || stmt.distinctClause || stmt.sortClause || stmt.limitCount || stmt.limitOffset || stmt.lockingClause) return [];
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
  return [
    {
      id: 'or-to-union-all',
      title: `OR across ${columns.join(', ')} → UNION ALL`,
      explanation:
        `One index cannot serve a condition on ${columns.join(' or ')}, so the OR makes PostgreSQL read the table (or combine bitmaps). ` +
        `Each UNION ALL branch filters on one column and can use that column's index; later branches exclude rows an earlier branch returned, so no row is duplicated.`,
      rewrittenSql: selectToSql(union),
      caveats,
    },
  ];
}
