/**
 * `SELECT …, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u` runs the subquery once per
 * outer row. Aggregating the inner table once by the correlation column and LEFT JOINing the result turns N
 * index probes (or N scans) into one grouped pass and a hash join. An empty group gives NULL from the join
 * where count() gave 0, hence COALESCE for counts.
 *
 * When the outer query keeps only some rows of its one table (`WHERE u.region = 'north'`), the aggregate is
 * limited to the groups those rows ask for (`WHERE o.user_id IN (SELECT u2.id FROM users u2 WHERE
 * u2.region = 'north')`): the other groups would find no row to join, so leaving them out changes nothing but
 * the work. Only plain conditions on that table are repeated (no subqueries, no function calls, whose
 * volatility the statement alone does not tell).
 *
 * The ORM writes one subquery per column (`(SELECT count(*) …) AS n, (SELECT sum(o.total) …) AS s`, each over
 * orders with the same correlation and conditions, whatever alias each gives orders): those are one grouped
 * subquery with one column per aggregate, so orders is read and grouped once, not once per column.
 */
import type { Node, SelectStmt, SubLink } from '@pgsql/types';
import {
  andOf,
  clone,
  columnPath,
  columnRef,
  conjunctsOf,
  containsKind,
  InlineConditions,
  keysKeptBy,
  columnsIn,
  exprToSql,
  funcCall,
  funcName,
  intConst,
  intValue,
  isAggregateCall,
  nodeAs,
  nullIgnoringAggregates,
  opExpr,
  qualifiedName,
  rangeVarItem,
  replaceNodes,
  resTarget,
  selectWithSubqueries,
  walkNodes,
  wrap,
  type FromItem,
} from '../../sql/ast';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { matched, noMatch, type KeyColumn, type RewriteRule } from './rewriteDraft';
import { isNotNull, shapeOf, type TableShapes } from '../../db/tableShapes';

interface Decorrelated {
  /** Where the subquery stands: a select-list item (`target` its index), a WHERE condition or an ORDER BY key. */
  place: 'select' | 'where' | 'order';
  target: number;
  /** The subquery in the target's expression: the whole of it, or inside it (`coalesce((SELECT …), 0)`). */
  link: SubLink;
  /** The subquery is the whole select-list item (not inside an expression). */
  bare: boolean;
  /** The output column's name as written; unnamed, an expression keeps the name PostgreSQL gives it. */
  outputName?: string;
  sub: SelectStmt;
  /** The subquery's tables (one, or joined: `order_items oi JOIN orders o ON …`). */
  tables: FromItem[];
  /** The table of the correlation column, when known (qualified, or the only table). */
  keyTable?: FromItem;
  /** The correlation column as written in the subquery (qualified, or bare over one table: then qualified). */
  innerColumn: string[];
  outerColumn: string[];
  rest: Node[];
  aggregate: Node;
  fn: string;
  name: string;
}

/** An expression holding one scalar subquery, where it stands, and its output name (select-list items only). */
interface Holder {
  place: Decorrelated['place'];
  target: number;
  val: Node | undefined;
  name?: string;
}

/** The expressions a scalar subquery may stand in: select-list items, WHERE conditions, ORDER BY keys. */
function holders(stmt: SelectStmt): Holder[] {
  const out: Holder[] = (stmt.targetList ?? []).map((t, i) => {
    const rt = nodeAs(t, 'ResTarget');
    return { place: 'select', target: i, val: rt?.val, name: rt?.name };
  });
  for (const c of conjunctsOf(stmt.whereClause)) out.push({ place: 'where', target: -1, val: c });
  for (const s of stmt.sortClause ?? []) out.push({ place: 'order', target: -1, val: nodeAs(s, 'SortBy')?.node });
  return out;
}

/**
 * `(SELECT o.created_at FROM orders o WHERE … ORDER BY o.created_at DESC LIMIT 1)`, the ORM's "latest": the
 * column's max (ASC: its min), where the NULLs sort last (NULLS LAST, ASC's default, or a NOT NULL column): a
 * NULL sorted first would be the answer where max() skips it. Undefined for any other ORDER BY … LIMIT.
 */
function firstAsAggregate(sub: SelectStmt, tables: FromItem[], shapes: TableShapes | undefined): Node | undefined {
  const sort = nodeAs(sub.sortClause?.[0], 'SortBy');
  const value = nodeAs(sub.targetList?.[0], 'ResTarget')?.val;
  if (sub.sortClause?.length !== 1 || !sort?.node || !value || intValue(sub.limitCount) !== 1 || sub.limitOffset)
    return undefined;
  const path = columnPath(value);
  if (!path || exprToSql(sort.node) !== exprToSql(value) || sort.sortby_dir === 'SORTBY_USING') return undefined;
  const descending = sort.sortby_dir === 'SORTBY_DESC';
  const nullsLast =
    sort.sortby_nulls === 'SORTBY_NULLS_LAST' || (sort.sortby_nulls !== 'SORTBY_NULLS_FIRST' && !descending);
  const table =
    path.length === 2 ? tables.find((t) => t.qualifier === path[0]) : tables.length === 1 ? tables[0] : undefined;
  const notNull = table !== undefined && isNotNull(shapeOf(shapes, qualifiedName(table)), path[path.length - 1]);
  if (!nullsLast && !notNull) return undefined;
  return funcCall(descending ? 'max' : 'min', [clone(value)]);
}

function decorrelate(
  holder: Holder,
  outerQualifiers: Set<string>,
  shapes: TableShapes | undefined,
): Decorrelated | undefined {
  const link = onlySubLink(holder.val);
  const written = nodeAs(link?.subselect, 'SelectStmt');
  if (!holder.val || link?.subLinkType !== 'EXPR_SUBLINK' || !written || written.groupClause || written.havingClause)
    return undefined;
  const from = innerTables(written);
  if (!from || from.tables.some((t) => outerQualifiers.has(t.qualifier)) || written.targetList?.length !== 1)
    return undefined;
  const { tables } = from;
  // ORDER BY … LIMIT 1 of the selected column is its max or min; any other ORDER BY or LIMIT is declined.
  let sub = written;
  if (written.limitCount || written.sortClause || written.limitOffset) {
    const asAggregate = firstAsAggregate(written, tables, shapes);
    if (!asAggregate) return undefined;
    sub = {
      ...written,
      targetList: [resTarget(asAggregate)],
      sortClause: undefined,
      limitCount: undefined,
      limitOption: 'LIMIT_OPTION_DEFAULT',
    };
  }
  // A join's ON may not look outside: the subquery is then correlated there too.
  if (from.quals.some((q) => columnsIn(q).some((p) => p.length === 2 && outerQualifiers.has(p[0])))) return undefined;
  const innerQualifiers = new Set(tables.map((t) => t.qualifier));
  const aggregate = nodeAs(sub.targetList?.[0], 'ResTarget')?.val;
  const fn = funcName(aggregate);
  if (!aggregate || !isAggregateCall(aggregate) || !fn || !nullIgnoringAggregates.has(fn)) return undefined;
  if (containsKind([sub.whereClause, ...from.quals], ['SubLink'])) return undefined;
  let correlation: { innerColumn: string[]; outerColumn: string[]; keyTable?: FromItem } | undefined;
  const rest: Node[] = [];
  for (const c of conjunctsOf(sub.whereClause)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    const isOuter = (p: string[] | undefined): boolean => p?.length === 2 && outerQualifiers.has(p[0]);
    const isInner = (p: string[] | undefined): boolean =>
      p !== undefined && (p.length === 1 || (p.length === 2 && innerQualifiers.has(p[0])));
    if (op === '=' && l && r && isOuter(l) !== isOuter(r) && !correlation) {
      const [o, i] = isOuter(l) ? [l, r] : [r, l];
      if (!isInner(i)) return undefined;
      // A bare column over a join could be any table's: kept as written, its table unknown.
      const only = tables.length === 1 ? tables[0] : undefined;
      const innerColumn = i.length === 2 ? i : only ? [only.qualifier, i[0]] : i;
      const keyTable = innerColumn.length === 2 ? tables.find((t) => t.qualifier === innerColumn[0]) : undefined;
      correlation = { outerColumn: o, innerColumn, keyTable };
      continue;
    }
    // Any other reference to the outer query keeps it correlated.
    if (columnsIn(c).some((p) => p.length === 2 && outerQualifiers.has(p[0]))) return undefined;
    rest.push(c);
  }
  if (!correlation) return undefined;
  if (columnsIn(aggregate).some((p) => p.length === 2 && outerQualifiers.has(p[0]))) return undefined;
  const bare = holder.place === 'select' && nodeAs(holder.val, 'SubLink') === link;
  // A bare subquery's column is named after its aggregate (`count`), as PostgreSQL names it.
  const outputName = holder.name ?? (bare ? fn : undefined);
  return {
    place: holder.place,
    target: holder.target,
    link,
    bare,
    outputName,
    sub,
    tables,
    ...correlation,
    rest,
    aggregate,
    fn,
    name: holder.name ?? fn,
  };
}

/**
 * The subquery's plain tables, from one table or joins of tables (inner or left; no USING, NATURAL or alias on the
 * join), with the joins' conditions; undefined for anything else (a subquery, a function, LATERAL).
 */
function innerTables(sub: SelectStmt): { tables: FromItem[]; quals: Node[] } | undefined {
  const out: { tables: FromItem[]; quals: Node[] } = { tables: [], quals: [] };
  const visit = (node: Node | undefined): boolean => {
    const table = rangeVarItem(node);
    if (table) {
      out.tables.push(table);
      return true;
    }
    const join = nodeAs(node, 'JoinExpr');
    if (!join || join.usingClause?.length || join.isNatural || join.alias) return false;
    if (join.jointype !== 'JOIN_INNER' && join.jointype !== 'JOIN_LEFT') return false;
    if (join.quals) out.quals.push(join.quals);
    return visit(join.larg) && visit(join.rarg);
  };
  if (!sub.fromClause?.length || !sub.fromClause.every(visit)) return undefined;
  return out;
}

/** The one subquery of a select-list expression (the expression itself or inside it); none when there are more. */
function onlySubLink(value: Node | undefined): SubLink | undefined {
  const links: SubLink[] = [];
  walkNodes({ value }, (kind, payload) => {
    if (kind !== 'SubLink') return true;
    links.push(payload as SubLink);
    return false;
  });
  return links.length === 1 ? links[0] : undefined;
}

/** An expression that holds one scalar subquery, whole or inside. */
function holdsScalarSubquery(value: Node | undefined): boolean {
  return onlySubLink(value)?.subLinkType === 'EXPR_SUBLINK';
}

/** `node` with the inner table's columns qualified by `to` instead of `from` (another alias of the same table). */
export function requalify<T>(node: T, from: string, to: string): T {
  if (from === to) return clone(node);
  return replaceNodes(node, (n) => {
    const path = columnPath(n);
    return path?.length === 2 && path[0] === from ? columnRef(to, path[1]) : undefined;
  });
}

/**
 * The subqueries that read the same table with the same correlation and the same other conditions, in the order
 * of their first member: each group is one grouped subquery. The key spells the conditions with one alias for
 * the inner table, so `orders o` and `orders o2` written alike fall together.
 */
function groupsOf(found: Decorrelated[]): Decorrelated[][] {
  const groups = new Map<string, Decorrelated[]>();
  for (const d of found) {
    // One table: its alias made alike. Joined tables: grouped only when written alike, aliases and all.
    const [only] = d.tables.length === 1 ? d.tables : [];
    const spell = (c: Node): string => exprToSql(only ? requalify(c, only.qualifier, 'pgtuner_inner') : c);
    const conditions = d.rest.map(spell).sort();
    const source = only ? qualifiedName(only) : (d.sub.fromClause ?? []).map(exprToSql).join(', ');
    const column = only ? d.innerColumn[d.innerColumn.length - 1] : d.innerColumn.join('.');
    const key = JSON.stringify([source, column, d.outerColumn, conditions]);
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  return [...groups.values()];
}

/** "the select list", "WHERE", "the select list and ORDER BY": where the decorrelated subqueries stood. */
function placesOf(found: Decorrelated[]): string {
  const names = { select: 'the select list', where: 'WHERE', order: 'ORDER BY' };
  const places = (['select', 'where', 'order'] as const).filter((p) => found.some((d) => d.place === p));
  return places.map((p) => names[p]).join(places.length > 2 ? ', ' : ' and ');
}

export const correlatedSubqueryToJoin: RewriteRule<Decorrelated[]> = {
  id: 'correlated-subquery-to-join',
  match({ parsed, shapes }) {
    const stmt = parsed.stmt;
    const scalar = holders(stmt).some((h) => holdsScalarSubquery(h.val));
    if (!scalar)
      return containsKind([stmt.targetList, stmt.whereClause, stmt.sortClause], ['SubLink'])
        ? noMatch(
            0,
            'no select-list item, WHERE condition or ORDER BY key holds exactly one scalar subquery (each is decorrelated on its own)',
          )
        : noMatch(0, 'no scalar subquery in the select list, WHERE or ORDER BY');
    if (stmt.fromClause?.length !== 1 || stmt.groupClause || stmt.distinctClause)
      return noMatch(1, 'the outer query has GROUP BY, DISTINCT or more than one FROM item');
    const outerQualifiers = new Set<string>();
    const addQualifiers = (node: Node | undefined): void => {
      const rv = nodeAs(node, 'RangeVar');
      if (rv?.relname) outerQualifiers.add(rv.alias?.aliasname ?? rv.relname);
      const j = nodeAs(node, 'JoinExpr');
      if (j) {
        addQualifiers(j.larg);
        addQualifiers(j.rarg);
      }
    };
    addQualifiers(stmt.fromClause[0]);
    const found: Decorrelated[] = [];
    for (const h of holders(stmt)) {
      const d = decorrelate(h, outerQualifiers, shapes);
      if (d) found.push(d);
    }
    if (found.length === 0)
      return noMatch(
        2,
        'the scalar subquery is not one aggregate (count, sum, min, max…, or its column ORDER BY … LIMIT 1 with the NULLs last) over tables or joins of tables, correlated by a single equality in its WHERE',
      );
    return matched(found);
  },
  build(found, { parsed }) {
    const stmt = parsed.stmt;
    const from = (stmt.fromClause ?? [])[0];
    // An outer query over one table that keeps only some of its rows asks for only their groups.
    const outerTable = rangeVarItem(from);
    const inline = new InlineConditions();
    let limited = false;
    const keepWanted = (d: Decorrelated): Node[] => {
      if (!outerTable || d.outerColumn[0] !== outerTable.qualifier) return [];
      const condition = keysKeptBy(
        columnRef(...d.innerColumn),
        outerTable,
        d.outerColumn[1],
        // The conditions that hold a subquery (one decorrelated here, maybe) are left out: the others still
        // name a superset of the groups the outer rows ask for.
        conjunctsOf(stmt.whereClause).filter((c) => !containsKind(c, ['SubLink'])),
      );
      if (!condition) return [];
      limited = true;
      return [inline.hold(condition)];
    };
    let joined: Node = clone(from);
    const targetList = (stmt.targetList ?? []).map((t) => clone(t));
    const groups = groupsOf(found);
    const standIns = new Map<SubLink, Node>();
    groups.forEach((group, n) => {
      const [first] = group;
      const alias = `${first.innerColumn[0]}_agg${groups.length > 1 ? n + 1 : ''}`;
      const key = first.innerColumn[first.innerColumn.length - 1];
      const taken = new Set([key]);
      const values = group.map((d) => {
        // One column per aggregate, each named for its output column; a repeated name gets a number.
        let valueName = d.name === key ? `${d.name}_value` : d.name;
        for (let k = 2; taken.has(valueName); k++) valueName = `${d.name}_${k}`;
        taken.add(valueName);
        return { d, valueName };
      });
      const grouped: SelectStmt = {
        targetList: [
          resTarget(columnRef(...first.innerColumn)),
          ...values.map(({ d, valueName }) =>
            resTarget(
              d.tables.length === 1
                ? requalify(d.aggregate, d.tables[0].qualifier, first.tables[0].qualifier)
                : clone(d.aggregate),
              valueName,
            ),
          ),
        ],
        fromClause: clone(first.sub.fromClause),
        whereClause: andOf([...first.rest.map(clone), ...keepWanted(first)]),
        groupClause: [columnRef(...first.innerColumn)],
        limitOption: 'LIMIT_OPTION_DEFAULT',
        op: 'SETOP_NONE',
      };
      joined = wrap('JoinExpr', {
        jointype: 'JOIN_LEFT',
        larg: joined,
        rarg: wrap('RangeSubselect', { subquery: wrap('SelectStmt', grouped), alias: { aliasname: alias } }),
        quals: opExpr('=', columnRef(alias, key), columnRef(...first.outerColumn)),
      });
      for (const { d, valueName } of values) {
        const ref = columnRef(alias, valueName);
        // An outer row with no inner rows: count() said 0, the join says NULL.
        const val = d.fn === 'count' ? wrap('CoalesceExpr', { args: [ref, intConst(0)] }) : ref;
        standIns.set(d.link, val);
        if (d.place !== 'select') continue;
        const written = nodeAs(stmt.targetList?.[d.target], 'ResTarget')?.val;
        const expression = replaceNodes(written, (node) => (nodeAs(node, 'SubLink') === d.link ? val : undefined));
        targetList[d.target] = resTarget(expression ?? val, d.outputName);
      }
    });
    // In WHERE and ORDER BY, each subquery (found by identity in the statement as parsed) becomes its stand-in.
    const swap = <T>(value: T): T =>
      replaceNodes(value, (node) => {
        const link = nodeAs(node, 'SubLink');
        return link ? standIns.get(link) : undefined;
      });
    const out: SelectStmt = {
      ...clone(stmt),
      targetList,
      fromClause: [joined],
      whereClause: swap(stmt.whereClause),
      sortClause: swap(stmt.sortClause),
    };
    return [
      {
        id: 'correlated-subquery-to-join',
        title: `Correlated subquery in ${placesOf(found)} → join with an aggregate`,
        explanation:
          'The scalar subquery runs once per outer row (a SubPlan with as many loops as rows). Aggregating the inner table once, grouped by the correlation column, ' +
          'and joining the groups gives each outer row its value from one hash join' +
          (groups.length < found.length
            ? '; the subqueries over the same table with the same conditions are one aggregate, so that table is read once.'
            : '.'),
        rewrittenSql: inline.restore(selectWithSubqueries(out)),
        keyColumns: groups.flatMap(([d]): KeyColumn[] =>
          d.keyTable
            ? [
                {
                  table: d.keyTable.schemaname
                    ? `${quoteIdentifier(d.keyTable.schemaname)}.${quoteIdentifier(d.keyTable.relname)}`
                    : quoteIdentifier(d.keyTable.relname),
                  column: d.innerColumn[d.innerColumn.length - 1],
                },
              ]
            : [],
        ),
        caveats: [
          limited
            ? "It aggregates the groups the outer query's conditions ask for, in one pass: when it returns only a few rows, the original (with an index on the correlation column) can be faster; the measurement decides."
            : 'It aggregates every group of the inner table, also those no outer row asks for: when the outer query returns only a few rows, the original (with an index on the correlation column) can be faster; the measurement decides.',
        ],
      },
    ];
  },
};
