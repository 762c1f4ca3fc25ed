/**
 * Aggregate before join (docs/cases.md, case 1). A GROUP BY over `dim JOIN fact` whose aggregates read only the
 * fact side builds one join row per fact row and then throws them away into groups; aggregating the fact
 * side by its join key first, then joining the (few) groups to the dimension, does the same work on far
 * fewer rows, and lets `ORDER BY <aggregate> LIMIT n` stop at n groups before any join.
 *
 * The family of forms it handles (docs/rewrite-families.md lists them with examples; the family test
 * test/unit/advice/rewrite/aggregateFamily.test.ts generates them and runs each on data sets with NULLs, ties,
 * empty groups, duplicates and dimension rows without fact rows):
 * - the join: `JOIN`, `LEFT JOIN` with the fact on the nullable side (`RIGHT JOIN` mirrored), or the comma
 *   form `FROM dim, fact WHERE dim.key = fact.fk`; the key equalities in ON (or in WHERE for the comma form);
 * - conditions on the fact side in ON (a LEFT JOIN stays outer: they filter the fact rows before the join) or in
 *   WHERE (a null-rejecting one makes a LEFT JOIN inner, which the rewrite says as a finding); conditions on the
 *   dimension side in WHERE (repeated in the subquery as `key IN (SELECT key FROM dim WHERE …)` when plain), or
 *   in the ON of a LEFT JOIN (kept in the ON of the rewrite: such rows stay, without fact values);
 * - aggregates of the fact side: count(*), count(col), count(DISTINCT col), sum, min, max, avg, bool_and/or;
 *   an outer join's empty groups get what the original gave them (count 0, or 1 for count(*); NULL else);
 * - HAVING on those aggregates (kept with the groups when inner; applied after the join when outer, where the
 *   empty groups are judged on their empty values);
 * - ORDER BY aggregates, output aliases or the dimension key, ASC/DESC, NULLS FIRST/LAST, with the tie-breaker
 *   the join makes equal to a grouped key (`u.id` sorts as `o.user_id` in the subquery), the fact key itself
 *   only when the join is inner (in a LEFT JOIN it is NULL where the dimension key is not);
 * - LIMIT and OFFSET as constants or parameters; parameters anywhere else;
 * - the statement as written, or wrapped: `SELECT … FROM (<grouped join>) t ORDER BY … LIMIT …` and
 *   `WITH t AS (<grouped join>) SELECT … FROM t ORDER BY … LIMIT …` (the ORDER BY and LIMIT taken inside);
 * - schema-qualified and quoted table and column names;
 * - lookups joined to the dimension by their unique key (joinTree.ts), joined again with it, and
 *   details joined to the fact (`order_items` of `orders`), aggregated with it inside the subquery.
 *
 * A true LEFT JOIN with ORDER BY … LIMIT keeps dimension rows without fact rows, which a LIMIT pushed into the
 * fact subquery would lose. There the rewrite is a top-N of the aggregate (the first LIMIT + OFFSET groups,
 * joined) united with the first LIMIT + OFFSET unmatched dimension rows in the same order, computed only when
 * they can reach the page (fewer than LIMIT + OFFSET groups, or the last group ties with the empty value an
 * unmatched row sorts by), then ordered and cut again. That needs every sort key to be an aggregate or the
 * dimension key and to be an output column, one join key, and the dimension conditions plain (no function
 * calls); otherwise the outer join is kept and the LIMIT stays after it.
 *
 * Declined, with the reason (`pg-tuner rewrite` names it when no rule applies): FULL joins, more than two
 * tables other than lookups, aggregates over both sides or the preserved side, a GROUP BY without the dimension key or with
 * other fact columns, a dimension key not unique in the catalog, non-equality join conditions across the sides,
 * subqueries in the select list, WHERE, HAVING or ORDER BY, DISTINCT, window functions, and aggregates that do
 * not ignore NULLs (array_agg, json_agg) over an outer join.
 */
import type { JoinExpr, Node, SelectStmt, SortBy } from '@pgsql/types';
import {
  clone,
  columnPath,
  columnRef,
  columnsIn,
  conjunctsOf,
  containsKind,
  exprToSql,
  funcName,
  InlineConditions,
  keysKeptBy,
  intConst,
  intValue,
  isAggregateCall,
  nodeAs,
  nullIgnoringAggregates,
  opExpr,
  andOf,
  parseExpr,
  qualifiedName,
  rangeVar,
  rangeVarItem,
  sortItemsOf,
  sortSuffix,
  replaceNodes,
  resTarget,
  selectToSql,
  selectWithSubqueries,
  walkNodes,
  wrap,
  type FromItem,
} from '../../sql/ast';
import {
  matched,
  noMatch,
  type MatchResult,
  type NoMatch,
  type RewriteDraft,
  type RewriteInput,
  type RewriteRule,
} from './rewriteDraft';
import { isNotNull, isUniqueKey, shapeOf, type TableShape } from '../../db/tableShapes';
import { readJoinTree, type JoinedTable } from './joinTree';

interface AggregateSlot {
  node: Node;
  /** What the subquery computes: the node itself, or count(*) where that counts the same rows. */
  inner: Node;
  text: string;
  name: string;
  fn: string;
}

interface KeyPair {
  dimColumn: string;
  factColumn: string;
}

/** The query around the grouped join in the subquery and CTE spellings: its select list, order and alias. */
interface Wrapper {
  outer: SelectStmt;
  alias: string;
  /** `SELECT *` (or `t.*`): the grouped join's own columns, so the rewrite needs no query around it. */
  star: boolean;
}

/** What match() found: the two sides, how they join, the conditions of each side and the aggregates. */
interface AggregateMatch {
  stmt: SelectStmt;
  wrapper?: Wrapper;
  dim: FromItem;
  fact: FromItem;
  dimShape: TableShape | undefined;
  factShape: TableShape | undefined;
  keyPairs: KeyPair[];
  dimKeyColumns: string[];
  /** Conditions on the fact side: in WHERE, or in ON (of an inner join, or of an outer join that stays outer). */
  factWhere: Node[];
  /** Conditions on the dimension side in WHERE (and in ON of an inner join). */
  dimWhere: Node[];
  /** Conditions on the dimension side in the ON of an outer join: such rows stay, without fact values. */
  dimOn: Node[];
  /** The join stays inner (or a WHERE condition made the outer join inner: madeInner). */
  inner: boolean;
  madeInner: boolean;
  nullifyingConditions: string[];
  slots: AggregateSlot[];
  sAlias: string;
  /** Tables joined to the dimension by their unique key (joinTree.ts): joined again with it. */
  lookups: JoinedTable[];
  /** Tables joined to the fact (its details): aggregated with it, joined as the original did. */
  details: JoinedTable[];
}

/** `base` with `tables` joined to it in order, as the original joined them. */
function joinedWith(base: Node, tables: JoinedTable[]): Node {
  let from = clone(base);
  for (const t of tables)
    from = wrap('JoinExpr', { jointype: t.jointype, larg: from, rarg: clone(t.item.node), quals: clone(t.quals) });
  return from;
}

/** The fact as the rewrite aggregates it: with its details. */
function factFrom(m: AggregateMatch): Node {
  return joinedWith(m.fact.node, m.details);
}

/** The qualified columns the GROUP BY names. */
function groupedColumns(stmt: SelectStmt): string[][] {
  return columnsIn(stmt.groupClause).filter((path) => path.length === 2);
}

/** The dimension as the rewrite joins it: with its lookups. */
function dimensionFrom(m: AggregateMatch): Node {
  return joinedWith(m.dim.node, m.lookups);
}

export const aggregateBeforeJoin: RewriteRule<AggregateMatch> = {
  id: 'aggregate-before-join',
  match: matchAggregate,
  build: buildAggregateFirst,
};

/** Conditions that are never true when their column is NULL: they drop an outer join's NULL-extended rows. */
function nullRejecting(conjunct: Node): boolean {
  if (containsKind(conjunct, ['CoalesceExpr', 'CaseExpr', 'BoolExpr', 'NullTest', 'SubLink'])) {
    const test = nodeAs(conjunct, 'NullTest');
    return test?.nulltesttype === 'IS_NOT_NULL' && !containsKind(test.arg, ['CoalesceExpr', 'CaseExpr']);
  }
  const expr = nodeAs(conjunct, 'A_Expr');
  return expr !== undefined && expr.kind !== 'AEXPR_DISTINCT' && expr.kind !== 'AEXPR_NOT_DISTINCT';
}

function qualifiersOf(node: unknown): Set<string> | undefined {
  const out = new Set<string>();
  for (const path of columnsIn(node)) {
    // Unqualified columns could belong to either side; the rewrite needs to know.
    if (path.length !== 2) return undefined;
    out.add(path[0]);
  }
  return out;
}

/**
 * count(fact.col) of a NOT NULL column counts the same rows as count(*) inside the subquery, where no
 * NULL-extended rows exist yet; count(*) needs no column, so an index without `col` can serve it index-only.
 */
function countedRows(node: Node, factQualifier: string, factShape: TableShape | undefined): Node {
  const f = nodeAs(node, 'FuncCall');
  if (
    !f ||
    funcName(node) !== 'count' ||
    f.agg_star ||
    f.agg_distinct ||
    f.agg_filter ||
    f.agg_order?.length ||
    f.args?.length !== 1
  )
    return node;
  const path = columnPath(f.args[0]);
  if (path?.length !== 2 || path[0] !== factQualifier || !isNotNull(factShape, path[1])) return node;
  const { args: _args, ...rest } = f;
  return wrap('FuncCall', { ...rest, agg_star: true });
}

function uniqueName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}_${i}`;
  taken.add(name);
  return name;
}

/** The name a select-list item gets in the output: its alias, its column's name, or its function's. */
function outputName(target: Node): string | undefined {
  const rt = nodeAs(target, 'ResTarget');
  if (!rt?.val) return undefined;
  if (rt.name) return rt.name;
  const path = columnPath(rt.val);
  if (path) return path[path.length - 1];
  return funcName(rt.val);
}

function isStar(target: Node, alias: string): boolean {
  const ref = nodeAs(nodeAs(target, 'ResTarget')?.val, 'ColumnRef');
  const fields = ref?.fields ?? [];
  const last = fields[fields.length - 1];
  if (!last || nodeAs(last, 'A_Star') === undefined) return false;
  return fields.length === 1 || (fields.length === 2 && nodeAs(fields[0], 'String')?.sval === alias);
}

/**
 * The subquery and CTE spellings: `SELECT … FROM (<grouped join>) t ORDER BY … LIMIT …` or `WITH t AS (<grouped
 * join>) SELECT … FROM t …`. The ORDER BY / LIMIT / OFFSET of the query around are taken inside (its sort keys
 * are the grouped join's output columns); undefined when the statement has neither spelling, a NoMatch when it
 * has one the rule cannot take apart.
 */
function unwrap(stmt: SelectStmt): { stmt: SelectStmt; wrapper: Wrapper } | NoMatch | undefined {
  if (stmt.groupClause?.length || stmt.fromClause?.length !== 1) return undefined;
  const from = stmt.fromClause[0];
  const subselect = nodeAs(from, 'RangeSubselect');
  let inner: SelectStmt | undefined;
  let alias: string | undefined;
  if (subselect && !subselect.lateral) {
    inner = nodeAs(subselect.subquery, 'SelectStmt');
    alias = subselect.alias?.aliasname;
  } else {
    const rv = nodeAs(from, 'RangeVar');
    const ctes = stmt.withClause?.ctes ?? [];
    const cte = nodeAs(ctes[0], 'CommonTableExpr');
    if (!rv || rv.schemaname || ctes.length !== 1 || stmt.withClause?.recursive || cte?.ctename !== rv.relname)
      return undefined;
    inner = nodeAs(cte?.ctequery, 'SelectStmt');
    alias = rv.alias?.aliasname ?? rv.relname;
  }
  if (!inner?.groupClause?.length || !alias) return undefined;
  if (stmt.whereClause || stmt.havingClause || stmt.distinctClause || stmt.windowClause || stmt.lockingClause)
    return noMatch(1, 'the query around the grouped join filters or groups its rows again');
  if (inner.sortClause?.length || inner.limitCount || inner.limitOffset)
    return noMatch(1, 'the grouped join inside the subquery or CTE has its own ORDER BY or LIMIT');
  const names = (inner.targetList ?? []).map(outputName);
  const star = (stmt.targetList ?? []).length === 1 && isStar((stmt.targetList ?? [])[0], alias);
  for (const t of stmt.targetList ?? []) {
    if (isStar(t, alias)) continue;
    const path = columnPath(nodeAs(t, 'ResTarget')?.val);
    const name = path?.[path.length - 1];
    if (!path || path.length > 2 || (path.length === 2 && path[0] !== alias) || !name || !names.includes(name))
      return noMatch(1, 'the query around the grouped join computes expressions of its own');
  }
  if (names.some((n, i) => n === undefined || names.indexOf(n) !== i))
    return noMatch(1, 'the grouped join inside the subquery or CTE has unnamed or repeated output columns');
  // Sort keys by the inner query's output columns: the inner expression (an aggregate, a column).
  const sortClause: Node[] = [];
  for (const s of stmt.sortClause ?? []) {
    const item = nodeAs(s, 'SortBy');
    const path = columnPath(item?.node);
    const name = path?.[path.length - 1];
    const index = name !== undefined && (path?.length === 1 || path?.[0] === alias) ? names.indexOf(name) : -1;
    const val = nodeAs((inner.targetList ?? [])[index], 'ResTarget')?.val;
    if (!item || !val) return noMatch(1, 'the query around the grouped join sorts by an expression of its own');
    sortClause.push(wrap('SortBy', { ...clone(item), node: clone(val) }));
  }
  const merged: SelectStmt = {
    ...clone(inner),
    sortClause: sortClause.length > 0 ? sortClause : undefined,
    limitCount: stmt.limitCount ? clone(stmt.limitCount) : undefined,
    limitOffset: stmt.limitOffset ? clone(stmt.limitOffset) : undefined,
    limitOption: stmt.limitOption ?? 'LIMIT_OPTION_DEFAULT',
  };
  return { stmt: merged, wrapper: { outer: stmt, alias, star } };
}

/** The FROM clause as one two-table join: a JoinExpr, or the comma form with its equalities taken from WHERE. */
function asJoin(stmt: SelectStmt): { join: JoinExpr; where: Node[] } | undefined {
  const from = stmt.fromClause ?? [];
  if (from.length === 1) {
    const join = nodeAs(from[0], 'JoinExpr');
    return join ? { join, where: conjunctsOf(stmt.whereClause) } : undefined;
  }
  if (from.length !== 2) return undefined;
  const left = rangeVarItem(from[0]);
  const right = rangeVarItem(from[1]);
  if (!left || !right) return undefined;
  const quals: Node[] = [];
  const where: Node[] = [];
  for (const c of conjunctsOf(stmt.whereClause)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    const sides = new Set([l?.[0], r?.[0]]);
    if (op === '=' && l?.length === 2 && r?.length === 2 && sides.has(left.qualifier) && sides.has(right.qualifier))
      quals.push(c);
    else where.push(c);
  }
  if (quals.length === 0) return undefined;
  return {
    join: { jointype: 'JOIN_INNER', larg: from[0], rarg: from[1], quals: andOf(quals) },
    where,
  };
}

/** Whether a window call (`f(…) OVER …`) stands in these clauses, outside subqueries. */
function hasWindowFunction(clauses: unknown[]): boolean {
  let found = false;
  walkNodes(clauses, (kind, payload) => {
    if (kind === 'SubLink') return false;
    if (kind === 'FuncCall' && payload.over) found = true;
  });
  return found;
}

function matchAggregate({ parsed, shapes }: RewriteInput): MatchResult<AggregateMatch> {
  let stmt = parsed.stmt;
  let wrapper: Wrapper | undefined;
  const unwrapped = unwrap(stmt);
  if (unwrapped && 'matched' in unwrapped) return unwrapped;
  if (unwrapped) ({ stmt, wrapper } = unwrapped);
  if (!stmt.groupClause?.length) return noMatch(0, 'no GROUP BY');
  if (stmt.withClause || stmt.distinctClause || stmt.lockingClause || stmt.windowClause)
    return noMatch(1, 'WITH, DISTINCT, FOR UPDATE or WINDOW around the grouped join');
  // The deparser prints FETCH … WITH TIES as a plain LIMIT, and a LIMIT cut early would drop the tied rows.
  if (stmt.limitOption === 'LIMIT_OPTION_WITH_TIES') return noMatch(1, 'FETCH … WITH TIES');
  // A window function runs over every group (`count(*) OVER ()`, the total for a pager): moved below a pushed-down
  // LIMIT it would count only the page's groups.
  if (hasWindowFunction([stmt.targetList, stmt.sortClause, stmt.havingClause]))
    return noMatch(1, 'a window function (… OVER …) over the groups, which a LIMIT moved into the subquery would cut');
  const joined = asJoin(stmt);
  if (!joined) return noMatch(1, 'the GROUP BY is not over one join of two tables');
  // Aggregates and their side.
  const aggregates: Node[] = [];
  const collect = (value: unknown): void => {
    replaceNodes(value, (node) => {
      if (isAggregateCall(node)) {
        aggregates.push(node);
        return node;
      }
      return undefined;
    });
  };
  collect(stmt.targetList);
  collect(stmt.havingClause);
  collect(stmt.sortClause);
  // Lookups of the dimension (columns, not rows) and details of the fact (its rows, as aggregated): read apart.
  const aggregated = new Set(aggregates.flatMap((a) => columnsIn(a).flatMap((p) => (p.length === 2 ? [p[0]] : []))));
  const tree = readJoinTree(joined.join, shapes, aggregated, groupedColumns(stmt));
  if (tree && 'matched' in tree) return tree;
  const join = tree?.join ?? joined.join;
  const lookups = tree?.lookups ?? [];
  const details = tree?.details ?? [];
  const detailQualifiers = new Set(details.map((d) => d.item.qualifier));
  if (join.isNatural || join.usingClause || join.alias || !join.quals)
    return noMatch(1, 'the join has no ON condition (NATURAL, USING or an aliased join)');
  const left = rangeVarItem(join.larg);
  const right = rangeVarItem(join.rarg);
  if (!left || !right || left.qualifier === right.qualifier)
    return noMatch(1, 'the join is not between two plain tables with different names');
  if (join.jointype !== 'JOIN_INNER' && join.jointype !== 'JOIN_LEFT' && join.jointype !== 'JOIN_RIGHT')
    return noMatch(1, 'a FULL join keeps unmatched rows of both sides');
  if (containsKind([stmt.targetList, stmt.whereClause, stmt.havingClause, stmt.sortClause], ['SubLink']))
    return noMatch(1, 'subqueries in the select list, WHERE, HAVING or ORDER BY');

  if (aggregates.length === 0) return noMatch(1, 'no aggregate');
  const aggregateSides = new Set<string>();
  for (const a of aggregates) {
    const q = qualifiersOf(a);
    if (!q) return noMatch(2, `${exprToSql(a)} reads an unqualified column: qualify it with its table`);
    for (const s of q) if (!detailQualifiers.has(s)) aggregateSides.add(s);
  }
  if (aggregateSides.size === 0 && tree) aggregateSides.add(tree.fact);
  if (aggregateSides.size === 0) {
    // Only count(*): the counted side is the one the GROUP BY does not name.
    const groupSides = qualifiersOf(stmt.groupClause);
    for (const l of lookups) groupSides?.delete(l.item.qualifier);
    if (groupSides?.size !== 1)
      return noMatch(2, 'count(*) only, and the GROUP BY does not tell which side is counted');
    aggregateSides.add(groupSides.has(left.qualifier) ? right.qualifier : left.qualifier);
  }
  if (aggregateSides.size !== 1) return noMatch(2, 'the aggregates read both sides of the join');
  const factQualifier = [...aggregateSides][0];
  if (factQualifier !== left.qualifier && factQualifier !== right.qualifier)
    return noMatch(2, 'the aggregates read a table outside the join');
  const fact: FromItem = factQualifier === left.qualifier ? left : right;
  const dim: FromItem = fact === left ? right : left;
  // The fact side must be the nullable one of an outer join (aggregating the preserved side is another query).
  const outer = join.jointype !== 'JOIN_INNER';
  if ((join.jointype === 'JOIN_LEFT' && fact !== right) || (join.jointype === 'JOIN_RIGHT' && fact !== left))
    return noMatch(2, 'the aggregates read the preserved side of the outer join');
  const lookupQualifiers = new Set(lookups.map((l) => l.item.qualifier));

  // ON: dim.key = fact.fk pairs; conditions on one side (on the fact side they filter it before the join).
  const keyPairs: KeyPair[] = [];
  const factWhere: Node[] = [];
  const dimWhere: Node[] = [];
  const dimOn: Node[] = [];
  for (const c of conjunctsOf(join.quals)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    if (e?.kind === 'AEXPR_OP' && op === '=' && l?.length === 2 && r?.length === 2 && l[0] !== r[0]) {
      if (l[0] === dim.qualifier && r[0] === fact.qualifier) keyPairs.push({ dimColumn: l[1], factColumn: r[1] });
      else if (r[0] === dim.qualifier && l[0] === fact.qualifier) keyPairs.push({ dimColumn: r[1], factColumn: l[1] });
      else return noMatch(3, `the ON condition ${exprToSql(c)} reads a table outside the join`);
      continue;
    }
    const q = qualifiersOf(c);
    if (!q || q.size !== 1)
      return noMatch(3, `the ON condition ${exprToSql(c)} is not an equality of the two sides nor about one side`);
    if (q.has(fact.qualifier)) factWhere.push(c);
    else if (q.has(dim.qualifier)) (outer ? dimOn : dimWhere).push(c);
    else return noMatch(3, `the ON condition ${exprToSql(c)} reads a table outside the join`);
  }
  if (keyPairs.length === 0) return noMatch(3, 'no equality between the two sides in ON');

  // WHERE: each condition reads one side.
  let madeInner = false;
  const nullifyingConditions: string[] = [];
  for (const c of joined.where) {
    const q = qualifiersOf(c);
    // A condition on the dimension and its lookups is the dimension's.
    if (q && q.size > 1 && [...q].every((x) => x === dim.qualifier || lookupQualifiers.has(x))) {
      dimWhere.push(c);
      continue;
    }
    // A condition on the fact and its details is the fact's.
    const factSide =
      q !== undefined && q.size > 0 && [...q].every((x) => x === fact.qualifier || detailQualifiers.has(x));
    if (!factSide && (!q || q.size > 1))
      return noMatch(4, `the WHERE condition ${exprToSql(c)} reads both sides (or an unqualified column)`);
    if (factSide) {
      if (outer) {
        if (!nullRejecting(c))
          return noMatch(
            4,
            `the WHERE condition ${exprToSql(c)} on the aggregated side of the outer join keeps its NULL-extended rows`,
          );
        madeInner = true;
        nullifyingConditions.push(exprToSql(c));
      }
      factWhere.push(c);
    } else dimWhere.push(c);
  }
  const inner = !outer || madeInner;
  if (inner) dimWhere.push(...dimOn.splice(0));

  // GROUP BY: the dimension key (or, inner, the fact's join column), otherwise dimension columns only.
  const grouped = new Set<string>();
  for (const g of stmt.groupClause) {
    const path = columnPath(g);
    if (path?.length !== 2) return noMatch(5, 'a GROUP BY item is not a qualified column');
    if (path[0] === dim.qualifier) grouped.add(path[1]);
    else if (lookupQualifiers.has(path[0]))
      continue; // one row per dimension row: depends on its key
    else if (path[0] === fact.qualifier) {
      const pair = keyPairs.find((p) => p.factColumn === path[1]);
      if (!pair) return noMatch(5, `the GROUP BY holds ${path.join('.')}, a column of the aggregated side`);
      if (!inner)
        return noMatch(
          5,
          `the GROUP BY holds ${path.join('.')}, which the LEFT JOIN makes NULL for every unmatched ${dim.qualifier} row (one group for all of them)`,
        );
      grouped.add(pair.dimColumn);
    } else return noMatch(5, `the GROUP BY holds ${path.join('.')}, a column of neither side`);
  }
  if (!keyPairs.every((p) => grouped.has(p.dimColumn)))
    return noMatch(
      5,
      `the GROUP BY does not hold the join key ${keyPairs.map((p) => `${dim.qualifier}.${p.dimColumn}`).join(', ')}`,
    );
  const dimShape = shapeOf(shapes, qualifiedName(dim));
  const factShape = shapeOf(shapes, qualifiedName(fact));
  const dimKeyColumns = keyPairs.map((p) => p.dimColumn);
  if (shapes && dimShape && !isUniqueKey(dimShape, dimKeyColumns))
    return noMatch(
      5,
      `(${dimKeyColumns.join(', ')}) is not a unique key of ${qualifiedName(dim)}: a group could join several rows`,
    );
  // Rows whose key is NULL join nothing but still form groups of their own over an outer join, several NULL keys
  // with equal grouped columns one group: the rewrite would keep them apart.
  if (!inner && dimShape && !dimKeyColumns.every((c) => isNotNull(dimShape, c)))
    return noMatch(
      5,
      `${qualifiedName(dim)}.${dimKeyColumns.join(', ')} can be NULL: the LEFT JOIN would group such rows together`,
    );

  // Non-aggregate references outside aggregates: dimension columns, or (inner) the fact's join columns.
  const outside = replaceNodes([stmt.targetList, stmt.sortClause], (node) =>
    isAggregateCall(node) ? wrap('A_Const', { isnull: true }) : undefined,
  );
  for (const path of columnsIn(outside)) {
    if (path.length === 1) continue; // an output alias in ORDER BY
    if (path[0] === fact.qualifier) {
      if (!keyPairs.some((p) => p.factColumn === path[1]))
        return noMatch(6, `${path.join('.')} is read outside an aggregate`);
      if (!inner)
        return noMatch(
          6,
          `${path.join('.')} is NULL for the unmatched rows of the LEFT JOIN, so it cannot stand for ${dim.qualifier}.${keyPairs.find((p) => p.factColumn === path[1])?.dimColumn}`,
        );
    } else if (path[0] !== dim.qualifier && !lookupQualifiers.has(path[0]))
      return noMatch(6, `${path.join('.')} belongs to neither side`);
  }

  // HAVING: aggregates only (kept with the groups when inner; applied after the join when outer).
  for (const h of conjunctsOf(stmt.havingClause)) {
    const bare = replaceNodes(h, (node) => (isAggregateCall(node) ? wrap('A_Const', { isnull: true }) : undefined));
    if (columnsIn(bare).length > 0) return noMatch(7, 'HAVING reads a column outside an aggregate');
  }

  // Name the subquery's columns.
  const taken = new Set<string>(keyPairs.map((p) => p.factColumn));
  const sAlias = [dim.qualifier, fact.qualifier, ...lookupQualifiers, ...detailQualifiers].includes('s') ? 'agg' : 's';
  const slots: AggregateSlot[] = [];
  const targetAlias = new Map<string, string>();
  for (const t of stmt.targetList ?? []) {
    const rt = nodeAs(t, 'ResTarget');
    if (rt?.name && rt.val && isAggregateCall(rt.val)) targetAlias.set(exprToSql(rt.val), rt.name);
  }
  for (const a of aggregates) {
    const text = exprToSql(a);
    if (slots.some((s) => s.text === text)) continue;
    const fn = funcName(a) ?? 'agg';
    if (!inner && !nullIgnoringAggregates.has(fn))
      return noMatch(7, `${fn}() over the outer join's empty groups has no value the rewrite can give them`);
    slots.push({
      node: a,
      inner: countedRows(a, fact.qualifier, factShape),
      text,
      fn,
      name: uniqueName(targetAlias.get(text) ?? `${fn}_${fact.relname}`, taken),
    });
  }
  return matched({
    stmt,
    wrapper,
    dim,
    fact,
    dimShape,
    factShape,
    keyPairs,
    dimKeyColumns,
    factWhere,
    dimWhere,
    dimOn,
    inner,
    madeInner,
    nullifyingConditions,
    slots,
    sAlias,
    lookups,
    details,
  });
}

/** NULLs sort after every value: NULLS LAST, or the default of an ascending sort. */
function nullsLast(s: SortBy): boolean {
  return (
    s.sortby_nulls === 'SORTBY_NULLS_LAST' ||
    ((s.sortby_nulls === undefined || s.sortby_nulls === 'SORTBY_NULLS_DEFAULT') && s.sortby_dir !== 'SORTBY_DESC')
  );
}

function indented(sql: string): string {
  return sql
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** `LIMIT n OFFSET m` as one bound for the branches: n + m rows (constants folded, parameters cast). */
function rowsWanted(stmt: SelectStmt): string | undefined {
  const count = stmt.limitCount;
  const offset = stmt.limitOffset;
  const isValue = (n: Node | undefined): boolean =>
    n !== undefined && (intValue(n) !== undefined || nodeAs(n, 'ParamRef') !== undefined);
  if (!isValue(count) || (offset && !isValue(offset))) return undefined;
  const c = intValue(count);
  const o = offset ? intValue(offset) : 0;
  if (c !== undefined && o !== undefined) return String(c + o);
  if (!offset) return exprToSql(count as Node);
  const asBigint = (n: Node): string => (intValue(n) !== undefined ? exprToSql(n) : `${exprToSql(n)}::bigint`);
  return `(${asBigint(count as Node)} + ${asBigint(offset)})`;
}

/**
 * build(): the parts every form is made of (buildParts), then the top-N form of a true LEFT JOIN with ORDER BY …
 * LIMIT, else the joined form; in the query around for the subquery and CTE spellings; described (describe).
 * Where that form cuts the LIMIT before the join through the dimension's conditions repeated as `key IN (SELECT
 * …)`, a second form groups every fact row and joins after (wholeGroups): the semi-join makes the planner join
 * every fact row before grouping, which costs more than the groups it saves when the conditions keep most
 * dimension rows (the dashboard's 90 % active users); the measurement picks between them.
 */
function buildAggregateFirst(m: AggregateMatch): RewriteDraft[] {
  const parts = buildParts(m);
  const sortItems = sortItemsOf(m.stmt);
  const topN = !m.inner && m.stmt.limitCount ? topNForm(m, sortItems, parts) : undefined;
  const joined = topN?.sql ? undefined : joinedForm(m, sortItems, parts);
  const inWrapper = (sql: string): string => (m.wrapper && !m.wrapper.star ? wrapped(m.wrapper, sql) : sql);
  const drafts: RewriteDraft[] = [
    {
      id: 'aggregate-before-join',
      ...describe(m, topN, joined),
      rewrittenSql: inWrapper(topN?.sql ?? joined?.sql ?? ''),
    },
  ];
  const semiJoined =
    (m.dimWhere.length > 0 && (topN?.sql !== undefined || joined?.keptKeys === true)) || joined?.orphanGuard === true;
  if (semiJoined) {
    const whole = joinedForm(m, sortItems, parts, true);
    drafts.push({
      id: 'aggregate-before-join',
      ...describe(m, undefined, whole, true),
      rewrittenSql: inWrapper(whole.sql),
    });
  }
  return drafts;
}

/** The pieces of the rewritten SQL: the aggregates' stand-ins, the sort keys inside, the grouped subquery. */
function buildParts(m: AggregateMatch): BuildParts {
  const { stmt, dim, fact, factShape, keyPairs, factWhere, inner, slots, sAlias } = m;
  const slotFor = (node: Node): AggregateSlot | undefined =>
    isAggregateCall(node) ? slots.find((s) => s.text === exprToSql(node)) : undefined;

  /** The outer query's stand-in for an aggregate: s.name, with what an empty group would have given when outer. */
  const outerRef = (slot: AggregateSlot, joinIsInner: boolean): Node => {
    const ref = columnRef(sAlias, slot.name);
    if (joinIsInner || slot.fn !== 'count') return ref;
    const f = nodeAs(slot.node, 'FuncCall');
    // count(*) over the NULL-extended row of an unmatched group is 1; count(column) is 0.
    return wrap('CoalesceExpr', { args: [ref, intConst(f?.agg_star ? 1 : 0)] });
  };
  const mapWith =
    (joinIsInner: boolean) =>
    (value: unknown): unknown =>
      replaceNodes(value, (node) => {
        const slot = slotFor(node);
        if (slot) return outerRef(slot, joinIsInner);
        const path = columnPath(node);
        if (path?.length === 2 && path[0] === fact.qualifier) {
          const pair = keyPairs.find((p) => p.factColumn === path[1]);
          if (pair) return columnRef(dim.qualifier, pair.dimColumn);
        }
        return undefined;
      });
  const aliasToSlot = (node: Node | undefined): AggregateSlot | undefined => {
    const path = columnPath(node);
    if (path?.length !== 1) return undefined;
    for (const t of stmt.targetList ?? []) {
      const rt = nodeAs(t, 'ResTarget');
      if (rt?.name === path[0] && rt.val) return slotFor(rt.val);
    }
    return undefined;
  };
  /** A sort key as the fact subquery sorts by it: the aggregate it computes, or the fact's join column. */
  const subqueryKey = (s: SortBy): Node | undefined => {
    if (!s.node || (s.sortby_dir === 'SORTBY_USING' && s.useOp?.length)) return undefined;
    const slot = slotFor(s.node) ?? aliasToSlot(s.node);
    const path = columnPath(s.node);
    if (slot) return clone(slot.inner);
    if (inner && path?.length === 2 && path[0] === fact.qualifier && keyPairs.some((p) => p.factColumn === path[1]))
      return columnRef(...path);
    if (path?.length === 2 && path[0] === dim.qualifier) {
      const pair = keyPairs.find((p) => p.dimColumn === path[1]);
      if (pair) return columnRef(fact.qualifier, pair.factColumn);
    }
    return undefined;
  };
  /** The fact side grouped by its join columns, with the HAVING of an inner join. */
  const grouped = (restrict: Node[], joinIsInner: boolean): SelectStmt => {
    const where = [...factWhere.map(clone), ...restrict];
    if (joinIsInner) {
      // The inner join drops NULL keys; a NULL group must not take one of the LIMIT's places.
      for (const p of keyPairs) {
        if (!isNotNull(factShape, p.factColumn))
          where.push(wrap('NullTest', { arg: columnRef(fact.qualifier, p.factColumn), nulltesttype: 'IS_NOT_NULL' }));
      }
    }
    return {
      targetList: [
        ...keyPairs.map((p) => resTarget(columnRef(fact.qualifier, p.factColumn))),
        ...slots.map((s) => resTarget(clone(s.inner), s.name)),
      ],
      fromClause: [factFrom(m)],
      whereClause: andOf(where),
      groupClause: keyPairs.map((p) => columnRef(fact.qualifier, p.factColumn)),
      havingClause: joinIsInner
        ? replaceNodes(clone(stmt.havingClause), (node) => (slotFor(node) ? clone(slotFor(node)?.inner) : undefined))
        : undefined,
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    };
  };
  const keyOn = (sRef: string): Node[] =>
    keyPairs.map((p) => opExpr('=', columnRef(dim.qualifier, p.dimColumn), columnRef(sRef, p.factColumn)));

  /** Output columns keep their names: a bare aggregate without an alias was named after its function. */
  const targetsWith = (map: (value: unknown) => unknown): Node[] =>
    (stmt.targetList ?? []).map((t) => {
      const rt = nodeAs(t, 'ResTarget');
      if (!rt?.val) return clone(t);
      const name = rt.name ?? (isAggregateCall(rt.val) ? funcName(rt.val) : undefined);
      const val = map(rt.val) as Node;
      const path = columnPath(val);
      // `s.total_spent AS total_spent` says nothing the column name does not.
      return resTarget(val, path && path[path.length - 1] === name ? undefined : name);
    });

  return {
    slotFor,
    mapWith,
    subqueryKey,
    slotOfSort: (s) => (s.node ? (slotFor(s.node) ?? aliasToSlot(s.node)) : undefined),
    grouped,
    keyOn,
    targetsWith,
  };
}

/**
 * The aggregated fact side joined to the dimension (kept outer for a true LEFT JOIN), the LIMIT inside when it can
 * be; `wholeGroups`: every group, the dimension's conditions and the LIMIT after the join.
 */
function joinedForm(m: AggregateMatch, sortItems: SortBy[], parts: BuildParts, wholeGroups = false): JoinedForm {
  const { stmt, dim, fact, keyPairs, dimWhere, dimOn, inner, sAlias } = m;
  const { subqueryKey, grouped, keyOn, targetsWith, mapWith } = parts;
  const mapOuter = mapWith(inner);
  // ORDER BY … LIMIT pushed into the subquery when every sort key is a fact-side aggregate (or the key).
  const subquerySort: Node[] = [];
  for (const s of sortItems) {
    const key = subqueryKey(s);
    if (!key) break;
    subquerySort.push(wrap('SortBy', { ...clone(s), node: key }));
  }
  const sortable = sortItems.length > 0 && subquerySort.length === sortItems.length;

  // Conditions on the dimension side, repeated in the subquery as the keys they keep: only groups that can
  // join are aggregated, each then joins the one dimension row that passed, and a LIMIT can be cut before the
  // join as without such conditions.
  const inline = new InlineConditions();
  const keptKeys =
    !wholeGroups && dimWhere.length > 0 && keyPairs.length === 1
      ? keysKeptBy(columnRef(fact.qualifier, keyPairs[0].factColumn), dim, keyPairs[0].dimColumn, dimWhere)
      : undefined;
  // No condition on the dimension and no foreign key: the keys with a dimension row are kept the same way, so an
  // orphan key's group never takes one of the LIMIT's places (the inner join would drop it after the cut).
  const wantsLimit = !wholeGroups && inner && stmt.limitCount !== undefined && sortable;
  const orphanGuard =
    wantsLimit && dimWhere.length === 0 && !hasForeignKey(m) && keyPairs.length === 1
      ? keysWithDimensionRow(m)
      : undefined;
  const pushLimit = wantsLimit && (dimWhere.length === 0 ? hasForeignKey(m) || !!orphanGuard : !!keptKeys);

  const restrict = keptKeys && inner ? keptKeys : orphanGuard;
  const sub = grouped(restrict ? [inline.hold(restrict)] : [], inner);
  if (pushLimit) {
    sub.sortClause = subquerySort;
    sub.limitCount = clone(stmt.limitCount);
    if (stmt.limitOffset) sub.limitOffset = clone(stmt.limitOffset);
  }
  const subselect = wrap('RangeSubselect', { subquery: wrap('SelectStmt', sub), alias: { aliasname: sAlias } });
  const newJoin = inner
    ? wrap('JoinExpr', {
        jointype: 'JOIN_INNER',
        larg: subselect,
        rarg: dimensionFrom(m),
        quals: andOf(keyOn(sAlias)),
      })
    : wrap('JoinExpr', {
        jointype: 'JOIN_LEFT',
        larg: dimensionFrom(m),
        rarg: subselect,
        quals: andOf([...keyOn(sAlias), ...dimOn.map(clone)]),
      });
  // An outer join's HAVING judges every group, the empty ones on their empty values: after the join.
  const having = inner ? [] : conjunctsOf(stmt.havingClause).map((h) => mapOuter(clone(h)) as Node);
  const out: SelectStmt = {
    targetList: targetsWith(mapOuter),
    fromClause: [newJoin],
    whereClause: andOf([...dimWhere.map((c) => mapOuter(clone(c)) as Node), ...having]),
    sortClause: stmt.sortClause ? (mapOuter(clone(stmt.sortClause)) as Node[]) : undefined,
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  if (!pushLimit) {
    if (stmt.limitCount) out.limitCount = clone(stmt.limitCount);
    if (stmt.limitOffset) out.limitOffset = clone(stmt.limitOffset);
  }
  return {
    sql: inline.restore(selectWithSubqueries(out)),
    pushLimit,
    keptKeys: keptKeys !== undefined && inner,
    orphanGuard: orphanGuard !== undefined,
  };
}

/** The title, the explanation, the caveats and the findings of the rewrite that was built. */
function describe(
  m: AggregateMatch,
  topN: TopN | undefined,
  joined: JoinedForm | undefined,
  wholeGroups = false,
): Pick<RewriteDraft, 'title' | 'explanation' | 'caveats' | 'findings'> {
  const { stmt, dim, fact, dimShape, keyPairs, dimKeyColumns, inner, slots, madeInner } = m;
  const { nullifyingConditions } = m;
  const pushLimit = joined?.pushLimit ?? false;
  const keptKeys = joined?.keptKeys ?? false;
  const caveats: string[] = [];
  const findings: string[] = [];
  const dimName = qualifiedName(dim);
  const factName = qualifiedName(fact);
  if (madeInner) {
    findings.push(
      `WHERE ${nullifyingConditions.join(' AND ')} is never true for the NULL-extended rows of the LEFT JOIN, so the query is in fact an inner join: ` +
        `${dimName} rows without a matching ${factName} row are not returned. The rewrite says so with an inner join; ` +
        `if those rows were meant to stay, move the condition into the ON clause instead.`,
    );
  }
  if (!dimShape)
    caveats.push(
      `Assumes ${dim.qualifier}.${dimKeyColumns.join(', ')} is unique in ${dimName} (a primary key); no catalog was available to check it.`,
    );
  if (wholeGroups) {
    caveats.push(
      m.dimWhere.length > 0
        ? `The other form cuts the LIMIT before the join, with the conditions on ${dimName} repeated in its subquery; ` +
            `this one aggregates every group and applies them after the join. Which is faster depends on how many ${dimName} rows they keep: offered only where measured faster.`
        : `The other form cuts the LIMIT before the join, keeping only the keys found in ${dimName} (no foreign key says every ${factName} row has one); ` +
            `this one aggregates every group and joins after. Which is faster depends on the data and the indexes: offered only where measured faster.`,
    );
  } else if (!inner && !topN?.sql) {
    caveats.push(
      `The LEFT JOIN keeps ${dimName} rows with no ${factName} row, so every group is still needed and the LIMIT cannot be pushed down` +
        (topN?.why ? ` (no top-N form: ${topN.why})` : '') +
        ': aggregating first can be slower than the original here (measured 3× slower on the dashboard data) even when the planner costs it lower. Offer it only if the measurement says faster.',
    );
  }
  if (m.wrapper) {
    caveats.push(
      `The ORDER BY / LIMIT of the query around the ${m.wrapper.outer.withClause ? 'CTE' : 'subquery'} ${m.wrapper.alias} is taken into the grouped join, which is what lets it be cut early.`,
    );
  }

  const counted = slots.filter((s) => s.inner !== s.node);
  const limitText = stmt.limitCount ? exprToSql(stmt.limitCount) : '';
  const explanation =
    `The original joins every ${factName} row to ${dimName} and only then groups them. ` +
    (topN?.sql
      ? `The rewrite groups ${factName} by ${keyPairs[0].factColumn} first and keeps only the first ${topN.rows} groups in ORDER BY order before joining them to ${dimName}. ` +
        `The LEFT JOIN also returns ${dimName} rows without ${factName} rows (their aggregates empty): the first ${topN.rows} of those, in the same order, are added ` +
        `${topN.guarded ? 'only when they can reach the page (fewer groups than that, or the last group sorting level with an empty one)' : 'to the candidates'}, and the union is ordered and cut again.`
      : `The rewrite groups ${factName} by ${keyPairs.map((p) => p.factColumn).join(', ')} first` +
        (pushLimit ? `, keeps only the ${limitText} groups the ORDER BY … LIMIT wants, ` : ', ') +
        `and joins those groups to ${dimName}, so the join and the sort handle ${pushLimit ? 'a handful of' : 'one row per group instead of one per'} ${factName} row${pushLimit ? 's' : ''}.` +
        (keptKeys && inner
          ? ` The conditions on ${dimName} are repeated in the subquery as the keys they keep (${keyPairs[0].factColumn} IN (SELECT …)), so only groups that can join are aggregated${pushLimit ? ' and the LIMIT can be cut before the join' : ''}.`
          : '') +
        (joined?.orphanGuard
          ? ` No foreign key says every ${factName}.${keyPairs[0].factColumn} has a ${dimName} row, so the subquery keeps only the keys found in ${dimName} (${keyPairs[0].factColumn} IN (SELECT …)): a group the join would drop never takes one of the LIMIT's places.`
          : '') +
        (wholeGroups
          ? ` The conditions on ${dimName} stay after the join: in the subquery they would make the planner join every ${factName} row before grouping, where here the groups stream out of an index in ${keyPairs[0].factColumn} order and only they are joined.`
          : '')) +
    (counted.length > 0
      ? ` ${counted.map((s) => s.text).join(', ')} ${counted.length > 1 ? 'count NOT NULL columns' : 'counts a NOT NULL column'}, so the subquery counts rows with count(*): the same number, and an index need not hold the column.`
      : '') +
    (m.details.length > 0
      ? ` ${m.details.map((d) => qualifiedName(d.item)).join(', ')} ${m.details.length > 1 ? 'are' : 'is'} joined to ${factName} inside the subquery as in the original, so the aggregates read the same rows.`
      : '') +
    (m.lookups.length > 0
      ? ` ${m.lookups.map((l) => qualifiedName(l.item)).join(', ')} ${m.lookups.length > 1 ? 'are' : 'is'} joined to ${dimName} by a unique key (${m.lookups.some((l) => l.jointype === 'JOIN_INNER') ? 'inner joins on a NOT NULL foreign key: exactly one row each' : 'at most one row each'}): columns, not rows, so the rewrite joins ${m.lookups.length > 1 ? 'them' : 'it'} with ${dimName} as the original did.`
      : '');

  return {
    title:
      pushLimit || topN?.sql
        ? `Aggregate ${factName} first and push ORDER BY … LIMIT into it`
        : wholeGroups
          ? `Aggregate all of ${factName} first, then join ${dimName} and cut the LIMIT`
          : `Aggregate ${factName} before joining ${dimName}`,
    explanation,
    caveats,
    findings,
  };
}

/** The subquery and CTE spellings that select some columns: the rewrite in their place, sorted as they sort. */
function wrapped(wrapper: Wrapper, rewrittenSql: string): string {
  const placeholder = 'pgtuner_grouped_join';
  const outer: SelectStmt = {
    ...clone(wrapper.outer),
    fromClause: [rangeVar(placeholder, wrapper.alias)],
    limitOption: 'LIMIT_OPTION_DEFAULT',
  };
  delete outer.withClause;
  delete outer.limitCount;
  delete outer.limitOffset;
  return selectToSql(outer).replace(placeholder, () => `(\n${indented(rewrittenSql)}\n)`);
}

/** What the forms are built from (buildParts). */
interface BuildParts {
  slotFor: (node: Node) => AggregateSlot | undefined;
  /** A sort key as the fact subquery sorts by it; undefined when it cannot. */
  subqueryKey: (s: SortBy) => Node | undefined;
  slotOfSort: (s: SortBy) => AggregateSlot | undefined;
  /** The fact side grouped by its join key, restricted by `restrict`, with the HAVING when inner. */
  grouped: (restrict: Node[], joinIsInner: boolean) => SelectStmt;
  keyOn: (sRef: string) => Node[];
  targetsWith: (map: (value: unknown) => unknown) => Node[];
  /** Aggregates to the subquery's columns (with an empty group's values when outer), fact keys to dim keys. */
  mapWith: (joinIsInner: boolean) => (value: unknown) => unknown;
}

/** The joined form's SQL, and whether its LIMIT went into the subquery and the dimension conditions too. */
interface JoinedForm {
  sql: string;
  pushLimit: boolean;
  keptKeys: boolean;
  /** The subquery keeps only keys with a dimension row (no foreign key says every key has one). */
  orphanGuard: boolean;
}

/** A foreign key from the fact's join columns to the dimension's: every key the fact holds has a dimension row. */
function hasForeignKey(m: AggregateMatch): boolean {
  return (
    m.factShape?.foreignKeys.some(
      (f) =>
        f.refTable === m.dim.relname &&
        m.keyPairs.every((p) => f.columns[f.refColumns.indexOf(p.dimColumn)] === p.factColumn),
    ) ?? false
  );
}

/**
 * `fact.key IN (SELECT key FROM dim)`: without a foreign key a fact row may hold a key with no dimension row (an
 * orphan), which the inner join drops; a LIMIT cut before the join must not count its group. One key column.
 */
function keysWithDimensionRow(m: AggregateMatch): Node {
  const { dim, fact } = m;
  const pair = m.keyPairs[0];
  const all: SelectStmt = {
    targetList: [resTarget(columnRef(`${dim.qualifier}_wanted`, pair.dimColumn))],
    fromClause: [
      wrap('RangeVar', { ...clone(nodeAs(dim.node, 'RangeVar')), alias: { aliasname: `${dim.qualifier}_wanted` } }),
    ],
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  return wrap('SubLink', {
    subLinkType: 'ANY_SUBLINK',
    testexpr: columnRef(fact.qualifier, pair.factColumn),
    subselect: wrap('SelectStmt', all),
  });
}

interface TopN {
  sql?: string;
  /** Why there is no top-N form. */
  why?: string;
  /** LIMIT + OFFSET, as SQL. */
  rows?: string;
  /** The unmatched rows are read only when they can reach the page. */
  guarded?: boolean;
}

/**
 * A true LEFT JOIN with ORDER BY … LIMIT: the first n + m groups (the aggregate's top-N, cut before the join)
 * united with the first n + m unmatched dimension rows in the same order, then sorted and cut again. `why` when
 * this form cannot be built.
 */
function topNForm(m: AggregateMatch, sortItems: SortBy[], parts: BuildParts): TopN {
  const { subqueryKey, slotOfSort, grouped, keyOn, targetsWith, mapWith } = parts;
  const { stmt, dim, fact, keyPairs, dimWhere, dimOn, sAlias } = m;
  if (keyPairs.length !== 1) return { why: 'the join has more than one key column' };
  if (dimOn.length > 0)
    return { why: `a condition on ${qualifiedName(dim)} in the ON clause keeps rows that fail it, without values` };
  const rows = rowsWanted(stmt);
  if (!rows) return { why: 'LIMIT / OFFSET are not constants or parameters' };
  if (sortItems.length === 0) return { why: 'no ORDER BY' };
  const pair = keyPairs[0];
  // Each sort key: sorted by in the fact subquery, and an output column to sort the union by.
  const targets = stmt.targetList ?? [];
  const names = targets.map(outputName);
  const subquerySort: Node[] = [];
  const unionSort: string[] = [];
  const unionRefs: string[] = [];
  const fillSort: Node[] = [];
  for (const s of sortItems) {
    const key = subqueryKey(s);
    if (!key) return { why: `${exprToSql(s.node as Node)} is neither an aggregate nor the join key` };
    subquerySort.push(wrap('SortBy', { ...clone(s), node: key }));
    const path = columnPath(s.node);
    let index = path?.length === 1 ? names.indexOf(path[0]) : -1;
    if (index < 0) {
      const text = exprToSql(s.node as Node);
      index = targets.findIndex((t) => {
        const val = nodeAs(t, 'ResTarget')?.val;
        return val !== undefined && exprToSql(val) === text;
      });
    }
    if (index < 0) return { why: `${exprToSql(s.node as Node)} is not an output column` };
    const name = names[index];
    const byName = name !== undefined && names.indexOf(name) === names.lastIndexOf(name);
    unionRefs.push(byName ? exprToSql(columnRef(name)) : String(index + 1));
    unionSort.push(`${unionRefs[unionRefs.length - 1]}${sortSuffix(s)}`);
    // An unmatched row's aggregates are constants: only the dimension key orders them.
    if (columnPath(key)?.[0] === fact.qualifier && !isAggregateCall(key))
      fillSort.push(wrap('SortBy', { ...clone(s), node: columnRef(dim.qualifier, pair.dimColumn) }));
  }
  // Only groups with a dimension row that passes the conditions: the LIMIT must not count any other.
  const keyColumn = columnRef(fact.qualifier, pair.factColumn);
  let restrict: Node | undefined;
  if (dimWhere.length > 0) {
    restrict = keysKeptBy(keyColumn, dim, pair.dimColumn, dimWhere);
    if (!restrict)
      return {
        why: `a condition on ${qualifiedName(dim)} calls a function or holds a subquery, so it is not repeated`,
      };
  } else if (!hasForeignKey(m)) {
    restrict = keysWithDimensionRow(m);
  }
  const inline = new InlineConditions();
  const sub = grouped(restrict ? [inline.hold(restrict)] : [], true);
  sub.sortClause = subquerySort;
  const taken = new Set([dim.qualifier, fact.qualifier, dim.relname, fact.relname, sAlias]);
  for (const t of [...m.lookups, ...m.details]) taken.add(t.item.qualifier).add(t.item.relname);
  const topName = uniqueName('top_rows', taken);
  const groupsSql = `${selectToSql(sub)}\nLIMIT ${rows}`;
  const top: SelectStmt = {
    targetList: targetsWith(mapWith(true)),
    fromClause: [
      wrap('JoinExpr', {
        jointype: 'JOIN_INNER',
        larg: rangeVar(sAlias),
        rarg: dimensionFrom(m),
        quals: andOf(keyOn(sAlias)),
      }),
    ],
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  // The unmatched rows: their aggregates are the empty group's, from the same columns joined to nothing.
  const matchedRow: SelectStmt = {
    targetList: [resTarget(intConst(1))],
    fromClause: [factFrom(m)],
    whereClause: andOf([
      opExpr('=', columnRef(fact.qualifier, pair.factColumn), columnRef(dim.qualifier, pair.dimColumn)),
      ...m.factWhere.map(clone),
    ]),
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  const mapOuter = mapWith(false);
  const fillWhere: Node[] = [
    ...dimWhere.map((c) => mapOuter(clone(c)) as Node),
    inline.hold(
      wrap('BoolExpr', {
        boolop: 'NOT_EXPR',
        args: [wrap('SubLink', { subLinkType: 'EXISTS_SUBLINK', subselect: wrap('SelectStmt', matchedRow) })],
      }),
    ),
    ...conjunctsOf(stmt.havingClause).map((h) => mapOuter(clone(h)) as Node),
  ];
  // Skip the unmatched rows when they cannot reach the page: n + m groups, the last sorting before any empty one.
  const first = sortItems[0];
  const firstSlot = slotOfSort(first);
  let guard: string | undefined;
  if (firstSlot && !/^\d+$/.test(unionRefs[0])) {
    const f = nodeAs(firstSlot.node, 'FuncCall');
    if (firstSlot.fn === 'count' && first.sortby_dir === 'SORTBY_DESC')
      guard = `${unionRefs[0]} <= ${f?.agg_star ? 1 : 0}`;
    else if (firstSlot.fn !== 'count' && nullsLast(first)) guard = `${unionRefs[0]} IS NULL`;
  }
  // Held as a placeholder: an OR, which the text must keep in parentheses inside the AND.
  const guardSql = guard
    ? `(SELECT count(*) FROM ${topName}) < ${rows} OR EXISTS (SELECT 1 FROM ${topName} WHERE ${guard})`
    : undefined;
  if (guardSql) fillWhere.push(columnRef('pgtuner_fill_guard'));
  const fill: SelectStmt = {
    targetList: targetsWith(mapOuter),
    fromClause: [
      wrap('JoinExpr', {
        jointype: 'JOIN_LEFT',
        larg: dimensionFrom(m),
        rarg: rangeVar(sAlias),
        quals: parseExpr('false'),
      }),
    ],
    whereClause: andOf(fillWhere),
    sortClause: fillSort.length > 0 ? fillSort : undefined,
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  const fillSql = `${selectToSql(fill)}\nLIMIT ${rows}`;
  const offset = stmt.limitOffset ? `\nOFFSET ${exprToSql(stmt.limitOffset)}` : '';
  const sql =
    `WITH ${exprToSql(columnRef(sAlias))} AS (\n${indented(groupsSql)}\n), ${topName} AS (\n${indented(selectToSql(top))}\n)\n` +
    `SELECT * FROM ${topName}\nUNION ALL\n(\n${indented(fillSql)}\n)\n` +
    `ORDER BY ${unionSort.join(', ')}\nLIMIT ${exprToSql(stmt.limitCount as Node)}${offset}`;
  const restored = inline.restore(sql).replace(/\bpgtuner_fill_guard\b/, () => `(${guardSql ?? 'true'})`);
  return { sql: restored, rows, guarded: guard !== undefined };
}
