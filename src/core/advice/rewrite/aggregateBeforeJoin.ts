/**
 * Aggregate before join (docs/cases.md, case 1). A GROUP BY over `dim JOIN fact` whose aggregates read only the
 * fact side builds one join row per fact row and then throws them away into groups; aggregating the fact
 * side by its join key first, then joining the (few) groups to the dimension, does the same work on far
 * fewer rows, and lets `ORDER BY <aggregate> LIMIT n` stop at n groups before any join.
 *
 * Legal when: the dimension key is unique (one row per group), the GROUP BY holds the dimension key (and
 * otherwise only dimension columns), WHERE conditions each read one side, and for a LEFT JOIN either a WHERE
 * condition on the nullable side already makes it inner, or the join is kept outer (then no LIMIT push).
 * Conditions on the dimension side (plain ones: no function calls, no subqueries) are repeated in the subquery
 * as `key IN (SELECT key FROM dim WHERE …)`, so the LIMIT can still be cut there.
 */
import type { Node, SelectStmt, SortBy } from '@pgsql/types';
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
  isAggregateCall,
  nodeAs,
  nullIgnoringAggregates,
  opExpr,
  andOf,
  qualifiedName,
  rangeVarItem,
  replaceNodes,
  resTarget,
  selectWithSubqueries,
  wrap,
  type FromItem,
} from '../../sql/ast';
import {
  matched,
  noMatch,
  type MatchResult,
  type RewriteDraft,
  type RewriteInput,
  type RewriteRule,
} from './rewriteDraft';
import { isNotNull, isUniqueKey, shapeOf, type TableShape } from '../../db/tableShapes';

interface AggregateSlot {
  node: Node;
  /** What the subquery computes: the node itself, or count(*) where that counts the same rows. */
  inner: Node;
  text: string;
  name: string;
  fn: string;
}

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

/** What match() found: the two sides, how they join, the conditions of each side and the aggregates. */
interface AggregateMatch {
  stmt: SelectStmt;
  dim: FromItem;
  fact: FromItem;
  dimShape: TableShape | undefined;
  factShape: TableShape | undefined;
  keyPairs: Array<{ dimColumn: string; factColumn: string }>;
  dimKeyColumns: string[];
  factWhere: Node[];
  dimWhere: Node[];
  /** The join stays inner (or a WHERE condition made the outer join inner: madeInner). */
  inner: boolean;
  madeInner: boolean;
  nullifyingConditions: string[];
  slots: AggregateSlot[];
  sAlias: string;
}

export const aggregateBeforeJoin: RewriteRule<AggregateMatch> = {
  id: 'aggregate-before-join',
  match: matchAggregate,
  build: buildAggregateFirst,
};

function matchAggregate({ parsed, shapes }: RewriteInput): MatchResult<AggregateMatch> {
  const stmt = parsed.stmt;
  if (!stmt.groupClause?.length || stmt.withClause || stmt.distinctClause || stmt.lockingClause || stmt.windowClause)
    return noMatch(0, 'no GROUP BY, or WITH, DISTINCT, FOR UPDATE or WINDOW around it');
  if (stmt.fromClause?.length !== 1) return noMatch(1, 'the GROUP BY is not over one join of two tables');
  const join = nodeAs(stmt.fromClause[0], 'JoinExpr');
  if (!join || join.isNatural || join.usingClause || join.alias || !join.quals)
    return noMatch(
      1,
      'the GROUP BY is not over one join of two tables with an ON condition (NATURAL, USING or an aliased join)',
    );
  const left = rangeVarItem(join.larg);
  const right = rangeVarItem(join.rarg);
  if (!left || !right || left.qualifier === right.qualifier)
    return noMatch(1, 'the join is not between two plain tables with different names');
  if (join.jointype !== 'JOIN_INNER' && join.jointype !== 'JOIN_LEFT' && join.jointype !== 'JOIN_RIGHT')
    return noMatch(1, 'a FULL join keeps unmatched rows of both sides');
  if (containsKind([stmt.targetList, stmt.whereClause, stmt.havingClause, stmt.sortClause], ['SubLink']))
    return noMatch(1, 'subqueries in the select list, WHERE, HAVING or ORDER BY');

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
  if (aggregates.length === 0) return noMatch(1, 'no aggregate');
  const aggregateSides = new Set<string>();
  for (const a of aggregates) {
    const q = qualifiersOf(a);
    if (!q) return noMatch(2, 'an aggregate reads an unqualified column: qualify it with its table');
    for (const s of q) aggregateSides.add(s);
  }
  if (aggregateSides.size === 0) {
    // Only count(*): the counted side is the one the GROUP BY does not name.
    const groupSides = qualifiersOf(stmt.groupClause);
    if (groupSides?.size !== 1)
      return noMatch(2, 'count(*) only, and the GROUP BY does not tell which side is counted');
    aggregateSides.add(groupSides.has(left.qualifier) ? right.qualifier : left.qualifier);
  }
  if (aggregateSides.size !== 1) return noMatch(2, 'the aggregates read both sides of the join');
  const factQualifier = [...aggregateSides][0];
  const fact: FromItem = factQualifier === left.qualifier ? left : right;
  const dim: FromItem = fact === left ? right : left;
  if (fact.qualifier !== factQualifier) return noMatch(2, 'the aggregates read both sides of the join');
  // The fact side must be the nullable one of an outer join (aggregating the preserved side is another query).
  const outer = join.jointype !== 'JOIN_INNER';
  if (join.jointype === 'JOIN_LEFT' && fact !== right)
    return noMatch(2, 'the aggregates read the preserved side of the outer join');
  if (join.jointype === 'JOIN_RIGHT' && fact !== left)
    return noMatch(2, 'the aggregates read the preserved side of the outer join');

  // ON: dim.key = fact.fk pairs only.
  const keyPairs: Array<{ dimColumn: string; factColumn: string }> = [];
  for (const c of conjunctsOf(join.quals)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    if (!e || e.kind !== 'AEXPR_OP' || op !== '=')
      return noMatch(3, 'an ON condition is not an equality between the two sides');
    const l = columnPath(e.lexpr);
    const r = columnPath(e.rexpr);
    if (l?.length !== 2 || r?.length !== 2)
      return noMatch(3, 'an ON condition is not an equality between the two sides');
    if (l[0] === dim.qualifier && r[0] === fact.qualifier) keyPairs.push({ dimColumn: l[1], factColumn: r[1] });
    else if (r[0] === dim.qualifier && l[0] === fact.qualifier) keyPairs.push({ dimColumn: r[1], factColumn: l[1] });
    else return noMatch(3, 'an ON condition is not an equality between the two sides');
  }
  if (keyPairs.length === 0) return noMatch(3, 'no equality between the two sides in ON');

  // GROUP BY: the dimension key (or the fact's join column), otherwise dimension columns only.
  const grouped = new Set<string>();
  for (const g of stmt.groupClause) {
    const path = columnPath(g);
    if (path?.length !== 2) return noMatch(4, 'a GROUP BY item is not a qualified column');
    if (path[0] === dim.qualifier) grouped.add(path[1]);
    else if (path[0] === fact.qualifier) {
      const pair = keyPairs.find((p) => p.factColumn === path[1]);
      if (!pair) return noMatch(4, 'the GROUP BY holds an aggregated-side column other than the join key');
      grouped.add(pair.dimColumn);
    } else return noMatch(4, 'the GROUP BY holds a column of neither side');
  }
  if (!keyPairs.every((p) => grouped.has(p.dimColumn))) return noMatch(4, 'the GROUP BY does not hold the join key');
  const dimShape = shapeOf(shapes, qualifiedName(dim));
  const factShape = shapeOf(shapes, qualifiedName(fact));
  const dimKeyColumns = keyPairs.map((p) => p.dimColumn);
  if (shapes && dimShape && !isUniqueKey(dimShape, dimKeyColumns))
    return noMatch(4, 'the join key is not unique in the grouped-by table');

  // Non-aggregate references outside aggregates: dimension columns, or the fact's join columns.
  const outside = replaceNodes([stmt.targetList, stmt.sortClause], (node) =>
    isAggregateCall(node) ? wrap('A_Const', { isnull: true }) : undefined,
  );
  for (const path of columnsIn(outside)) {
    if (path.length === 1) continue; // an output alias in ORDER BY
    if (path[0] === fact.qualifier && !keyPairs.some((p) => p.factColumn === path[1]))
      return noMatch(5, 'the select list or ORDER BY reads an aggregated-side column outside an aggregate');
    if (path[0] !== fact.qualifier && path[0] !== dim.qualifier)
      return noMatch(5, 'the select list or ORDER BY reads a column of neither side');
  }

  // WHERE: each condition reads one side.
  const factWhere: Node[] = [];
  const dimWhere: Node[] = [];
  let madeInner = false;
  const nullifyingConditions: string[] = [];
  for (const c of conjunctsOf(stmt.whereClause)) {
    const q = qualifiersOf(c);
    if (!q || q.size > 1) return noMatch(6, 'a WHERE condition reads both sides (or an unqualified column)');
    if (q.has(fact.qualifier)) {
      if (outer) {
        if (!nullRejecting(c))
          return noMatch(6, 'a WHERE condition on the aggregated side of the outer join keeps its NULL-extended rows');
        madeInner = true;
        nullifyingConditions.push(exprToSql(c));
      }
      factWhere.push(c);
    } else dimWhere.push(c);
  }
  const inner = !outer || madeInner;

  // HAVING: aggregates of the fact side only; kept with the groups in the subquery.
  const havingConjuncts = conjunctsOf(stmt.havingClause);
  for (const h of havingConjuncts) {
    const bare = replaceNodes(h, (node) => (isAggregateCall(node) ? wrap('A_Const', { isnull: true }) : undefined));
    if (columnsIn(bare).length > 0) return noMatch(7, 'HAVING reads a column outside an aggregate');
  }
  if (!inner && havingConjuncts.length > 0) return noMatch(7, 'HAVING over an outer join that stays outer');

  // Name the subquery's columns.
  const taken = new Set<string>(keyPairs.map((p) => p.factColumn));
  const sAlias = [dim.qualifier, fact.qualifier].includes('s') ? 'agg' : 's';
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
      return noMatch(7, 'an aggregate that counts NULLs over an outer join that stays outer');
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
    dim,
    fact,
    dimShape,
    factShape,
    keyPairs,
    dimKeyColumns,
    factWhere,
    dimWhere,
    inner,
    madeInner,
    nullifyingConditions,
    slots,
    sAlias,
  });
}

function buildAggregateFirst(m: AggregateMatch): RewriteDraft[] {
  const {
    stmt,
    dim,
    fact,
    dimShape,
    factShape,
    keyPairs,
    dimKeyColumns,
    factWhere,
    dimWhere,
    inner,
    madeInner,
    nullifyingConditions,
    slots,
    sAlias,
  } = m;
  const slotFor = (node: Node): AggregateSlot | undefined =>
    isAggregateCall(node) ? slots.find((s) => s.text === exprToSql(node)) : undefined;

  /** The outer query's stand-in for an aggregate: s.name, with what an empty group would have given when outer. */
  const outerRef = (slot: AggregateSlot): Node => {
    const ref = columnRef(sAlias, slot.name);
    if (inner || slot.fn !== 'count') return ref;
    const f = nodeAs(slot.node, 'FuncCall');
    // count(*) over the NULL-extended row of an unmatched group is 1; count(column) is 0.
    return wrap('CoalesceExpr', { args: [ref, intConst(f?.agg_star ? 1 : 0)] });
  };
  const mapOuter = (value: unknown): unknown =>
    replaceNodes(value, (node) => {
      const slot = slotFor(node);
      if (slot) return outerRef(slot);
      const path = columnPath(node);
      if (path?.length === 2 && path[0] === fact.qualifier) {
        const pair = keyPairs.find((p) => p.factColumn === path[1]);
        if (pair) return columnRef(dim.qualifier, pair.dimColumn);
      }
      return undefined;
    });

  // ORDER BY … LIMIT pushed into the subquery when every sort key is a fact-side aggregate (or the key).
  const sortItems = (stmt.sortClause ?? []).map((s) => nodeAs(s, 'SortBy')).filter((s): s is SortBy => s !== undefined);
  const aliasToSlot = (node: Node | undefined): AggregateSlot | undefined => {
    const path = columnPath(node);
    if (path?.length !== 1) return undefined;
    for (const t of stmt.targetList ?? []) {
      const rt = nodeAs(t, 'ResTarget');
      if (rt?.name === path[0] && rt.val) return slotFor(rt.val);
    }
    return undefined;
  };
  const subquerySort: Node[] = [];
  // Conditions on the dimension side, repeated in the subquery as the keys they keep: only groups that can
  // join are aggregated, each then joins the one dimension row that passed, and a LIMIT can be cut before the
  // join as without such conditions.
  const inline = new InlineConditions();
  const keptKeys =
    inner && dimWhere.length > 0 && keyPairs.length === 1
      ? keysKeptBy(columnRef(fact.qualifier, keyPairs[0].factColumn), dim, keyPairs[0].dimColumn, dimWhere)
      : undefined;
  let sortPushable =
    sortItems.length > 0 && stmt.limitCount !== undefined && inner && (dimWhere.length === 0 || keptKeys !== undefined);
  for (const s of sortItems) {
    if (!sortPushable || !s.node) break;
    const slot = slotFor(s.node) ?? aliasToSlot(s.node);
    const path = columnPath(s.node);
    let key: Node | undefined;
    if (slot) key = clone(slot.inner);
    else if (path?.length === 2 && path[0] === fact.qualifier && keyPairs.some((p) => p.factColumn === path[1]))
      key = columnRef(...path);
    else if (path?.length === 2 && path[0] === dim.qualifier) {
      const pair = keyPairs.find((p) => p.dimColumn === path[1]);
      if (pair) key = columnRef(fact.qualifier, pair.factColumn);
    }
    if (!key) sortPushable = false;
    else subquerySort.push(wrap('SortBy', { ...clone(s), node: key }));
  }
  const pushLimit = sortPushable && subquerySort.length === sortItems.length;

  // The subquery: the fact side grouped by its join columns.
  const subWhere = [...factWhere.map(clone), ...(keptKeys ? [inline.hold(keptKeys)] : [])];
  if (inner) {
    // The inner join drops NULL keys; a NULL group must not take one of the LIMIT's places.
    for (const p of keyPairs) {
      if (!isNotNull(factShape, p.factColumn))
        subWhere.push(wrap('NullTest', { arg: columnRef(fact.qualifier, p.factColumn), nulltesttype: 'IS_NOT_NULL' }));
    }
  }
  const sub: SelectStmt = {
    targetList: [
      ...keyPairs.map((p) => resTarget(columnRef(fact.qualifier, p.factColumn))),
      ...slots.map((s) => resTarget(clone(s.inner), s.name)),
    ],
    fromClause: [clone(fact.node)],
    whereClause: andOf(subWhere),
    groupClause: keyPairs.map((p) => columnRef(fact.qualifier, p.factColumn)),
    havingClause: inner
      ? replaceNodes(clone(stmt.havingClause), (node) => (slotFor(node) ? clone(slotFor(node)?.inner) : undefined))
      : undefined,
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  if (pushLimit) {
    sub.sortClause = subquerySort;
    sub.limitCount = clone(stmt.limitCount);
    if (stmt.limitOffset) sub.limitOffset = clone(stmt.limitOffset);
  }
  const subselect = wrap('RangeSubselect', { subquery: wrap('SelectStmt', sub), alias: { aliasname: sAlias } });
  const on = andOf(
    keyPairs.map((p) => opExpr('=', columnRef(dim.qualifier, p.dimColumn), columnRef(sAlias, p.factColumn))),
  );
  const newJoin = inner
    ? wrap('JoinExpr', { jointype: 'JOIN_INNER', larg: subselect, rarg: clone(dim.node), quals: on })
    : wrap('JoinExpr', { jointype: 'JOIN_LEFT', larg: clone(dim.node), rarg: subselect, quals: on });

  // Output columns keep their names: a bare aggregate without an alias was named after its function.
  const targetList = (stmt.targetList ?? []).map((t) => {
    const rt = nodeAs(t, 'ResTarget');
    if (!rt?.val) return clone(t);
    const name = rt.name ?? (isAggregateCall(rt.val) ? funcName(rt.val) : undefined);
    const val = mapOuter(rt.val) as Node;
    const path = columnPath(val);
    // `s.total_spent AS total_spent` says nothing the column name does not.
    return resTarget(val, path && path[path.length - 1] === name ? undefined : name);
  });
  const out: SelectStmt = {
    targetList,
    fromClause: [newJoin],
    whereClause: andOf(dimWhere.map((c) => mapOuter(c) as Node)),
    sortClause: stmt.sortClause ? (mapOuter(stmt.sortClause) as Node[]) : undefined,
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  if (!pushLimit) {
    if (stmt.limitCount) out.limitCount = clone(stmt.limitCount);
    if (stmt.limitOffset) out.limitOffset = clone(stmt.limitOffset);
  }

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
  if (pushLimit && !keptKeys) {
    const fk = factShape?.foreignKeys.some(
      (f) =>
        f.refTable === dim.relname &&
        keyPairs.every((p) => f.columns[f.refColumns.indexOf(p.dimColumn)] === p.factColumn),
    );
    if (!fk) {
      caveats.push(
        `The LIMIT is applied before the join: equivalent only while every ${factName}.${keyPairs.map((p) => p.factColumn).join(', ')} has a ${dimName} row. ` +
          `No foreign key says so${factShape ? '' : ' (no catalog to check)'}; the check on your data is what vouches for it.`,
      );
    }
  }
  if (!inner) {
    caveats.push(
      `The LEFT JOIN keeps ${dimName} rows with no ${factName} row, so every group is still needed and the LIMIT cannot be pushed down: ` +
        'aggregating first can be slower than the original here (measured 3× slower on the dashboard data) even when the planner costs it lower. Offer it only if the measurement says faster.',
    );
  }

  const counted = slots.filter((s) => s.inner !== s.node);
  const explanation =
    `The original joins every ${factName} row to ${dimName} and only then groups them. ` +
    `The rewrite groups ${factName} by ${keyPairs.map((p) => p.factColumn).join(', ')} first` +
    (pushLimit ? `, keeps only the ${exprToSql(stmt.limitCount as Node)} groups the ORDER BY … LIMIT wants, ` : ', ') +
    `and joins those groups to ${dimName}, so the join and the sort handle ${pushLimit ? 'a handful of' : 'one row per group instead of one per'} ${factName} row${pushLimit ? 's' : ''}.` +
    (keptKeys
      ? ` The conditions on ${dimName} are repeated in the subquery as the keys they keep (${keyPairs[0].factColumn} IN (SELECT …)), so only groups that can join are aggregated${pushLimit ? ' and the LIMIT can be cut before the join' : ''}.`
      : '') +
    (counted.length > 0
      ? ` ${counted.map((s) => s.text).join(', ')} ${counted.length > 1 ? 'count NOT NULL columns' : 'counts a NOT NULL column'}, so the subquery counts rows with count(*): the same number, and an index need not hold the column.`
      : '');

  return [
    {
      id: 'aggregate-before-join',
      title: pushLimit
        ? `Aggregate ${factName} first and push ORDER BY … LIMIT into it`
        : `Aggregate ${factName} before joining ${dimName}`,
      explanation,
      rewrittenSql: inline.restore(selectWithSubqueries(out)),
      caveats,
      findings,
    },
  ];
}
