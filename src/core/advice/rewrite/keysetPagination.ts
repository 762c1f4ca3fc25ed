/**
 * `ORDER BY k … LIMIT n OFFSET m` → `WHERE (k…) > (:last_k…) ORDER BY k … LIMIT n`. OFFSET reads and throws
 * away m rows on every page, so page 1 000 costs a thousand pages; a keyset continues from the last row seen,
 * through an index on the sort key, at the cost of page 1. Needs a total order: the sort columns must hold a
 * unique key (checked in the catalog) and be NOT NULL (row comparisons skip NULLs).
 */
import type { Node, SelectStmt } from '@pgsql/types';
import {
  andOf,
  clone,
  columnPath,
  conjunctsOf,
  exprToSql,
  intConst,
  intValue,
  maxParam,
  nameParameters,
  opExpr,
  paramRef,
  parseExpr,
  qualifiedName,
  resTarget,
  selectToSql,
  singleTable,
  wrap,
} from './ast';
import type { RewriteDraft, RewriteInput } from './rewriteDraft';
import { isNotNull, isUniqueKey, shapeOf } from './tableShapes';
import { sortItemsOf } from './verifyRewrite';

export function keysetPagination({ parsed, shapes }: RewriteInput): RewriteDraft[] {
  const stmt = parsed.stmt;
  const table = singleTable(stmt);
  if (!table || !stmt.limitOffset || !stmt.limitCount || stmt.groupClause || stmt.distinctClause || stmt.windowClause) return [];
  const offsetValue = intValue(stmt.limitOffset);
  if (offsetValue !== undefined && offsetValue <= 0) return [];
  const items = sortItemsOf(stmt);
  if (items.length === 0) return [];
  const columns: Array<{ path: string[]; name: string; descending: boolean }> = [];
  for (const item of items) {
    const path = columnPath(item.node);
    if (!path || path.length > 2 || (path.length === 2 && path[0] !== table.qualifier)) return [];
    if (item.sortby_nulls && item.sortby_nulls !== 'SORTBY_NULLS_DEFAULT') return [];
    columns.push({ path, name: path[path.length - 1], descending: item.sortby_dir === 'SORTBY_DESC' });
  }
  const shape = shapeOf(shapes, qualifiedName(table));
  const names = columns.map((c) => c.name);
  const caveats: string[] = [];
  if (shape) {
    if (!isUniqueKey(shape, names)) return [];
    if (!names.every((n) => isNotNull(shape, n))) return [];
  } else {
    caveats.push(`Assumes (${names.join(', ')}) is unique and NOT NULL in ${qualifiedName(table)}; no catalog was available to check. Without a unique ordering a keyset skips or repeats rows.`);
  }

  const first = maxParam(stmt) + 1;
  const paramNames = new Map<number, string>();
  columns.forEach((c, i) => paramNames.set(first + i, `last_${c.name}`));
  const colText = (c: { path: string[] }): string => exprToSql(clone(items[columns.findIndex((x) => x.path === c.path)].node as Node));
  let condition: Node;
  if (columns.every((c) => c.descending === columns[0].descending)) {
    const op = columns[0].descending ? '<' : '>';
    condition =
      columns.length === 1
        ? opExpr(op, parseExpr(colText(columns[0])), paramRef(first))
        : parseExpr(`(${columns.map(colText).join(', ')}) ${op} (${columns.map((_, i) => `$${first + i}`).join(', ')})`);
  } else {
    // Mixed directions: (a > $a) OR (a = $a AND b < $b) …, which a row comparison cannot say.
    const disjuncts = columns.map((c, i) => {
      const equal = columns.slice(0, i).map((p, j) => `${colText(p)} = $${first + j}`);
      return `(${[...equal, `${colText(c)} ${c.descending ? '<' : '>'} $${first + i}`].join(' AND ')})`;
    });
    condition = parseExpr(`(${disjuncts.join(' OR ')})`);
  }
  const out: SelectStmt = { ...clone(stmt), whereClause: andOf([...conjunctsOf(clone(stmt.whereClause)), condition]) };
  delete out.limitOffset;
  const executable = selectToSql(out);

  // The last row of the previous page: the row at position OFFSET (1-based) in the original order.
  const probe: SelectStmt = {
    ...clone(stmt),
    targetList: columns.map((c) => resTarget(parseExpr(colText(c)), `last_${c.name}`)),
    limitCount: intConst(1),
    limitOffset: offsetValue !== undefined ? intConst(offsetValue - 1) : opExpr('-', clone(stmt.limitOffset), intConst(1)),
  };
  const offsetText = exprToSql(stmt.limitOffset);
  return [
    {
      id: 'keyset-pagination',
      title: `Keyset pagination instead of OFFSET ${offsetText}`,
      explanation:
        `OFFSET ${offsetText} makes PostgreSQL produce and discard ${offsetText} rows in ORDER BY order before returning the page, on every request, so deep pages get slower and slower. ` +
        `Continuing from the last key seen (${names.join(', ')}) lets an index on the sort key start right there.`,
      rewrittenSql: nameParameters(executable, paramNames),
      executableSql: executable,
      caveats: [
        ...caveats,
        'The application passes the key of the last row it showed instead of a page number; pages can no longer be jumped to by number.',
        `An index on (${names.join(', ')}) in this order is what makes each page cheap.`,
      ],
      newParameters: columns.map((c) => ({
        name: `last_${c.name}`,
        description: `${c.name} of the last row of the previous page (for the first page, leave out the keyset condition).`,
      })),
      extraParamsQuery: exprToSql(wrap('SelectStmt', probe)),
    },
  ];
}
