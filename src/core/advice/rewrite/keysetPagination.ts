/**
 * `ORDER BY k … LIMIT n OFFSET m` → `WHERE (k…) > (:last_k…) ORDER BY k … LIMIT n`. OFFSET reads and throws
 * away m rows on every page, so page 1 000 costs a thousand pages; a keyset continues from the last row seen,
 * through an index on the sort key, at the cost of page 1. Needs a total order: the sort columns must hold a
 * unique key (checked in the catalog) and be NOT NULL (row comparisons skip NULLs).
 *
 * Over a join the sort columns must all belong to one table (the ordered table) and every other table must be
 * reached many-to-one from it (inner joins, or LEFT JOINs with the ordered table on the preserved side, on
 * equalities that cover a unique key of the joined table): each ordered row then appears at most once, so its
 * unique key still orders the result totally. Checked in the catalog only; without one, no keyset over a join.
 */
import type { JoinExpr, Node, SelectStmt, SortBy } from '@pgsql/types';
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
  nodeAs,
  rangeVarItem,
  type FromItem,
  opExpr,
  paramRef,
  parseExpr,
  qualifiedName,
  resTarget,
  selectToSql,
  singleTable,
  walkNodes,
  wrap,
} from '../../sql/ast';
import { matched, noMatch, type RewriteRule } from './rewriteDraft';
import { isNotNull, isUniqueKey, shapeOf, type TableShapes } from '../../db/tableShapes';
import { sortItemsOf } from '../../sql/ast';

/**
 * `($n::bigint IS NULL OR TRUE)` for each `$n` of the original's LIMIT/OFFSET that `stmt` no longer references:
 * the server must still type every parameter it is given (with LIMIT $2 OFFSET $3 gone, $4 alone is an error).
 * Always true; only in the SQL we run, never in the SQL shown.
 */
function keepParamTypes(stmt: SelectStmt, original: SelectStmt): SelectStmt {
  const used = new Set<number>();
  walkNodes(stmt, (kind, payload) => {
    if (kind === 'ParamRef') used.add(Number(payload.number ?? 0));
  });
  const typed: Node[] = [];
  for (const node of [original.limitCount, original.limitOffset]) {
    const n = nodeAs(node, 'ParamRef')?.number;
    if (n !== undefined && !used.has(n)) {
      used.add(n);
      typed.push(parseExpr(`($${n}::bigint IS NULL OR TRUE)`));
    }
  }
  return typed.length === 0 ? stmt : { ...stmt, whereClause: andOf([...conjunctsOf(stmt.whereClause), ...typed]) };
}

interface JoinedFrom {
  tables: FromItem[];
  /** Equality conditions from ON clauses and WHERE, as column paths on both sides (or a value on the right). */
  equalities: Array<[string[], string[] | 'value']>;
  /** Qualifiers of the tables on the nullable side of a LEFT JOIN (RIGHT and FULL joins are refused). */
  nullable: Set<string>;
}

/** The plain tables of a FROM list of tables and joins; undefined for anything else (subqueries, USING, FULL). */
function joinedFrom(stmt: SelectStmt): JoinedFrom | undefined {
  const out: JoinedFrom = { tables: [], equalities: [], nullable: new Set() };
  const conditions: Node[] = [...conjunctsOf(stmt.whereClause)];
  const visit = (node: Node | undefined, nullable: boolean): boolean => {
    const table = rangeVarItem(node);
    if (table) {
      out.tables.push(table);
      if (nullable) out.nullable.add(table.qualifier);
      return true;
    }
    const join: JoinExpr | undefined = nodeAs(node, 'JoinExpr');
    if (!join || join.usingClause?.length || join.isNatural || join.alias) return false;
    if (join.jointype !== 'JOIN_INNER' && join.jointype !== 'JOIN_LEFT') return false;
    conditions.push(...conjunctsOf(join.quals));
    return visit(join.larg, nullable) && visit(join.rarg, nullable || join.jointype === 'JOIN_LEFT');
  };
  for (const item of stmt.fromClause ?? []) if (!visit(item, false)) return undefined;
  for (const c of conditions) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.kind === 'AEXPR_OP' && e.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    if (!e || op !== '=') continue;
    const left = columnPath(e.lexpr);
    const right = columnPath(e.rexpr);
    const isValue = (n: Node | undefined): boolean =>
      !!n && (nodeAs(n, 'A_Const') !== undefined || nodeAs(n, 'ParamRef') !== undefined);
    if (left && right) out.equalities.push([left, right], [right, left]);
    else if (left && isValue(e.rexpr)) out.equalities.push([left, 'value']);
    else if (right && isValue(e.lexpr)) out.equalities.push([right, 'value']);
  }
  return out;
}

/**
 * The one table whose unique key orders the result, and, over a join, why each other table adds at most one row
 * per ordered row ("customers c: c.id = o.customer_id"); undefined when that cannot be shown.
 */
function orderedTable(
  stmt: SelectStmt,
  qualifiers: Array<string | undefined>,
  shapes: TableShapes | undefined,
): { table: FromItem; manyToOne: string[] } | undefined {
  const single = singleTable(stmt);
  if (single)
    return qualifiers.every((q) => q === undefined || q === single.qualifier)
      ? { table: single, manyToOne: [] }
      : undefined;
  const from = joinedFrom(stmt);
  const qualifier = qualifiers[0];
  // Over a join, every sort column is qualified by the same table, which no outer join may null-extend.
  if (
    !from ||
    !shapes ||
    qualifier === undefined ||
    qualifiers.some((q) => q !== qualifier) ||
    from.nullable.has(qualifier)
  )
    return undefined;
  const table = from.tables.find((t) => t.qualifier === qualifier);
  if (!table || new Set(from.tables.map((t) => t.qualifier)).size !== from.tables.length) return undefined;
  const single1 = new Set([qualifier]);
  const manyToOne: string[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of from.tables) {
      if (single1.has(t.qualifier)) continue;
      // t's columns held equal to a value or to a column of a table already at most one row per ordered row.
      const bound = from.equalities.filter(
        ([l, r]) => l.length === 2 && l[0] === t.qualifier && (r === 'value' || (r.length === 2 && single1.has(r[0]))),
      );
      const columns = [...new Set(bound.map(([l]) => l[1]))];
      if (!isUniqueKey(shapeOf(shapes, qualifiedName(t)), columns)) continue;
      single1.add(t.qualifier);
      manyToOne.push(
        `${qualifiedName(t)} ${t.qualifier}: ${bound.map(([l, r]) => `${l.join('.')} = ${r === 'value' ? 'a value' : r.join('.')}`).join(' AND ')}`,
      );
      grew = true;
    }
  }
  return single1.size === from.tables.length ? { table, manyToOne } : undefined;
}

interface SortColumn {
  path: string[];
  name: string;
  descending: boolean;
}

/** A page by OFFSET over a total order: the sort columns, their table, and what the order rests on. */
interface KeysetMatch {
  stmt: SelectStmt;
  offsetValue: number | undefined;
  items: SortBy[];
  columns: SortColumn[];
  table: FromItem;
  caveats: string[];
}

export const keysetPagination: RewriteRule<KeysetMatch> = {
  id: 'keyset-pagination',
  match({ parsed, shapes }) {
    const stmt = parsed.stmt;
    if (!stmt.fromClause?.length || !stmt.limitOffset || !stmt.limitCount)
      return noMatch(0, 'no ORDER BY … LIMIT … OFFSET page');
    if (stmt.groupClause || stmt.distinctClause || stmt.windowClause)
      return noMatch(1, 'the page is of groups, distinct rows or window results: no row key to continue from');
    const offsetValue = intValue(stmt.limitOffset);
    if (offsetValue !== undefined && offsetValue <= 0) return noMatch(1, 'the OFFSET skips no rows');
    const items = sortItemsOf(stmt);
    if (items.length === 0) return noMatch(1, 'there is no ORDER BY, so no key to continue from');
    const columns: SortColumn[] = [];
    for (const item of items) {
      const path = columnPath(item.node);
      if (!path || path.length > 2)
        return noMatch(2, `the sort key ${exprToSql(item.node as Node)} is not a column a keyset can compare`);
      if (item.sortby_nulls && item.sortby_nulls !== 'SORTBY_NULLS_DEFAULT')
        return noMatch(2, `the sort key ${path.join('.')} has NULLS FIRST/LAST, which a row comparison cannot follow`);
      columns.push({ path, name: path[path.length - 1], descending: item.sortby_dir === 'SORTBY_DESC' });
    }
    const ordered = orderedTable(
      stmt,
      columns.map((c) => (c.path.length === 2 ? c.path[0] : undefined)),
      shapes,
    );
    if (!ordered)
      return noMatch(
        3,
        'the sort columns do not all belong to one table reached many-to-one by every other table of the FROM list',
      );
    const table = ordered.table;
    const shape = shapeOf(shapes, qualifiedName(table));
    const names = columns.map((c) => c.name);
    const caveats: string[] = [];
    if (ordered.manyToOne.length > 0) {
      caveats.push(
        `Over the join, each ${qualifiedName(table)} row appears at most once (${ordered.manyToOne.join('; ')}: a unique key of the joined table), so (${columns.map((c) => c.path.join('.')).join(', ')}) still orders the result totally.`,
      );
    }
    if (shape) {
      if (!isUniqueKey(shape, names))
        return noMatch(
          4,
          `(${names.join(', ')}) is not a unique key of ${qualifiedName(table)}: the order is not total`,
        );
      if (!names.every((n) => isNotNull(shape, n)))
        return noMatch(4, `(${names.join(', ')}) can be NULL in ${qualifiedName(table)}, which a row comparison skips`);
    } else {
      caveats.push(
        `Assumes (${names.join(', ')}) is unique and NOT NULL in ${qualifiedName(table)}; no catalog was available to check. Without a unique ordering a keyset skips or repeats rows.`,
      );
    }
    return matched({ stmt, offsetValue, items, columns, table, caveats });
  },
  build({ stmt, offsetValue, items, columns, table, caveats }) {
    const names = columns.map((c) => c.name);
    const limitOffset = stmt.limitOffset as Node;
    const first = maxParam(stmt) + 1;
    const paramNames = new Map<number, string>();
    columns.forEach((c, i) => paramNames.set(first + i, `last_${c.name}`));
    const colText = (c: { path: string[] }): string =>
      exprToSql(clone(items[columns.findIndex((x) => x.path === c.path)].node as Node));
    let condition: Node;
    if (columns.every((c) => c.descending === columns[0].descending)) {
      const op = columns[0].descending ? '<' : '>';
      condition =
        columns.length === 1
          ? opExpr(op, parseExpr(colText(columns[0])), paramRef(first))
          : parseExpr(
              `(${columns.map(colText).join(', ')}) ${op} (${columns.map((_, i) => `$${first + i}`).join(', ')})`,
            );
    } else {
      // Mixed directions: (a > $a) OR (a = $a AND b < $b) …, which a row comparison cannot say.
      const disjuncts = columns.map((c, i) => {
        const equal = columns.slice(0, i).map((p, j) => `${colText(p)} = $${first + j}`);
        return `(${[...equal, `${colText(c)} ${c.descending ? '<' : '>'} $${first + i}`].join(' AND ')})`;
      });
      condition = parseExpr(`(${disjuncts.join(' OR ')})`);
    }
    const out: SelectStmt = {
      ...clone(stmt),
      whereClause: andOf([...conjunctsOf(clone(stmt.whereClause)), condition]),
    };
    delete out.limitOffset;
    const shown = selectToSql(out);
    const executable = selectToSql(keepParamTypes(out, stmt));

    // The last row of the previous page: the row at position OFFSET (1-based) in the original order. As text, so
    // the value goes back to the server exactly (a timestamp through a JS Date would lose its microseconds).
    const probe: SelectStmt = {
      ...clone(stmt),
      targetList: columns.map((c) => resTarget(parseExpr(`(${colText(c)})::text`), `last_${c.name}`)),
      limitCount: intConst(1),
      limitOffset: offsetValue !== undefined ? intConst(offsetValue - 1) : opExpr('-', clone(limitOffset), intConst(1)),
    };
    const typedProbe = keepParamTypes(probe, stmt);
    const offsetText = exprToSql(limitOffset);
    return [
      {
        id: 'keyset-pagination',
        title: `Keyset pagination instead of OFFSET ${offsetText}`,
        explanation:
          `OFFSET ${offsetText} makes PostgreSQL produce and discard ${offsetText} rows in ORDER BY order before returning the page, on every request, so deep pages get slower and slower. ` +
          `Continuing from the last key seen (${names.join(', ')}) lets an index on the sort key start right there.`,
        rewrittenSql: nameParameters(shown, paramNames),
        executableSql: executable,
        caveats: [
          ...caveats,
          'The application passes the key of the last row it showed instead of a page number; pages can no longer be jumped to by number.',
          `An index on ${qualifiedName(table)} (${names.join(', ')}) in this order is what makes each page cheap.`,
        ],
        newParameters: columns.map((c) => ({
          name: `last_${c.name}`,
          description: `${c.name} of the last row of the previous page (for the first page, leave out the keyset condition).`,
        })),
        extraParamsQuery: exprToSql(wrap('SelectStmt', typedProbe)),
      },
    ];
  },
};
