/**
 * `WHERE a = $1 OR b = $2` on one table: one index cannot serve both columns, so PostgreSQL scans the table
 * or ORs two bitmaps. UNION ALL of one branch per column lets each use its own index. A row matching several
 * branches must come back once, as in the original: branch k adds `(d_j) IS NOT TRUE` for every earlier
 * branch j (IS NOT TRUE, not NOT, so a NULL in an earlier condition does not drop the row).
 *
 * With `ORDER BY k LIMIT n OFFSET m`: each branch keeps its own `ORDER BY k LIMIT n + m` (an index on
 * (column, k) can stop after those rows), and the union is ordered and cut again with `LIMIT n OFFSET m`.
 * The first n + m rows of the whole are among the first n + m of the branch they come from, and the exclusion
 * conditions keep a row in one branch only, so no row is counted twice. OFFSET without LIMIT needs every row
 * anyway, so there is nothing to gain and it is left alone.
 *
 * A set operation's ORDER BY sees only its output columns. When a sort key is not one (`ORDER BY created_at`
 * with created_at not selected, or an expression), each branch also selects the key under a generated name
 * (`__sort1`), and a query around the union sorts by it and returns only the original columns, by name.
 */
import type { Node, SelectStmt, SortBy } from '@pgsql/types';
import {
  andOf,
  clone,
  columnPath,
  columnRef,
  columnsIn,
  conjunctsOf,
  containsKind,
  exprToSql,
  intConst,
  intValue,
  isAggregateCall,
  nodeAs,
  opExpr,
  replaceNodes,
  qualifiedName,
  resTarget,
  selectToSql,
  selectWithSubqueries,
  singleTable,
  stringField,
  wrap,
} from '../../sql/ast';
import { sortItemsOf } from '../../sql/ast';
import { matched, noMatch, type RewriteRule } from './rewriteDraft';
import { hasLeadingIndex, shapeOf, type TableShape } from '../../db/tableShapes';

/** The alias of the union when a query around it sorts by keys the union does not return. */
const unionAlias = 'u';

/** An OR across columns of one table, each with its own index, and the page the union must keep. */
interface OrMatch {
  stmt: SelectStmt;
  page: Page | undefined;
  conjuncts: Node[];
  orIndex: number;
  disjuncts: Node[];
  columns: string[];
  order: UnionOrder | undefined;
  caveats: string[];
}

export const orToUnionAll: RewriteRule<OrMatch> = {
  id: 'or-to-union-all',
  match({ parsed, shapes }) {
    const stmt = parsed.stmt;
    const conjuncts = conjunctsOf(stmt.whereClause);
    const orIndex = conjuncts.findIndex((c) => nodeAs(c, 'BoolExpr')?.boolop === 'OR_EXPR');
    if (orIndex < 0) return noMatch(0, 'no OR among the WHERE conditions');
    const table = singleTable(stmt);
    if (!table) return noMatch(1, 'the OR is not over one table (joins or subqueries in FROM)');
    if (stmt.groupClause || stmt.havingClause || stmt.distinctClause || stmt.lockingClause || stmt.windowClause)
      return noMatch(1, 'GROUP BY, HAVING, DISTINCT, FOR UPDATE or WINDOW would need a wrapper query over the union');
    // ORDER BY goes with a LIMIT (a top-n per branch), and a LIMIT needs an ORDER BY to mean anything.
    if (!stmt.sortClause?.length !== !stmt.limitCount)
      return noMatch(2, 'ORDER BY without LIMIT (or LIMIT without ORDER BY): no top-n to cut in each branch');
    // OFFSET alone needs every row of every branch: nothing to gain.
    if (stmt.limitOffset && !stmt.limitCount) return noMatch(2, 'OFFSET without LIMIT needs every row of every branch');
    // The deparser prints FETCH … WITH TIES as a plain LIMIT, which would silently drop the tied rows.
    if (stmt.limitOption === 'LIMIT_OPTION_WITH_TIES')
      return noMatch(2, 'FETCH … WITH TIES is not kept by the rewrite');
    const page = stmt.limitCount ? pageOf(stmt) : undefined;
    if (stmt.limitCount && !page) return noMatch(2, 'the LIMIT/OFFSET is not a constant or a parameter');
    // Aggregates or window functions over the union would need a wrapper query (in ORDER BY too: they make
    // the statement an aggregate).
    let aggregated = false;
    replaceNodes([stmt.targetList, stmt.sortClause], (node) => {
      if (isAggregateCall(node) || nodeAs(node, 'FuncCall')?.over) aggregated = true;
      return undefined;
    });
    if (aggregated) return noMatch(2, 'aggregates or window functions would need a wrapper query over the union');
    const disjuncts = nodeAs(conjuncts[orIndex], 'BoolExpr')?.args ?? [];
    if (disjuncts.length < 2 || disjuncts.length > 4) return noMatch(3, 'the OR has more than 4 branches');
    const columnOf = (d: Node): string | undefined => {
      if (containsKind(d, ['SubLink', 'BoolExpr'])) return undefined;
      const cols = columnsIn(d);
      return cols.length === 1 ? cols[0][cols[0].length - 1] : undefined;
    };
    const found = disjuncts.map(columnOf);
    const columns = found.filter((c): c is string => c !== undefined);
    if (columns.length !== found.length || new Set(columns).size !== columns.length)
      return noMatch(3, 'the branches of the OR do not each test one column of their own');
    const shape = shapeOf(shapes, qualifiedName(table));
    let order: UnionOrder | undefined;
    if (stmt.sortClause?.length) {
      order = unionOrder(stmt, shape);
      if (!order) return noMatch(4, 'the union cannot be ordered by the ORDER BY keys');
    }
    const caveats: string[] = [];
    if (shape) {
      const unindexed = columns.filter((c) => !hasLeadingIndex(shape, c));
      if (unindexed.length > 0)
        return noMatch(5, `no index leads with ${unindexed.join(', ')}, so a branch would still read the table`);
    } else {
      caveats.push(
        `Pays off only when an index leads with each of ${columns.join(', ')}; no catalog was available to check.`,
      );
    }
    return matched({ stmt, page, conjuncts, orIndex, disjuncts, columns, order, caveats });
  },
  build({ stmt, page, conjuncts, orIndex, disjuncts, columns, order, caveats }) {
    const rest = conjuncts.filter((_, i) => i !== orIndex);
    const branches: SelectStmt[] = disjuncts.map((d, k) => {
      const earlier = disjuncts
        .slice(0, k)
        .map((e) => wrap('BooleanTest', { arg: clone(e), booltesttype: 'IS_NOT_TRUE' }));
      const branch: SelectStmt = { ...clone(stmt), whereClause: andOf([...rest.map(clone), clone(d), ...earlier]) };
      if (page) {
        branch.limitCount = clone(page.branchLimit);
        delete branch.limitOffset;
      }
      if (order?.extraTargets.length)
        branch.targetList = [...(branch.targetList ?? []), ...order.extraTargets.map(clone)];
      return branch;
    });
    let union: SelectStmt = branches[0];
    for (const b of branches.slice(1)) {
      union = { op: 'SETOP_UNION', all: true, larg: union, rarg: b, limitOption: 'LIMIT_OPTION_DEFAULT' };
    }
    let rewritten = union;
    if (order && page) {
      const cut: Partial<SelectStmt> = {
        sortClause: order.sort,
        limitCount: clone(page.count),
        limitOption: stmt.limitOption ?? 'LIMIT_OPTION_COUNT',
      };
      if (page.offset) cut.limitOffset = clone(page.offset);
      rewritten = order.projection
        ? {
            targetList: order.projection,
            fromClause: [
              wrap('RangeSubselect', { subquery: wrap('SelectStmt', union), alias: { aliasname: unionAlias } }),
            ],
            op: 'SETOP_NONE',
            ...cut,
          }
        : { ...union, ...cut };
      const keys = sortItemsOf(stmt).map((s) => keyText(stmt, s.node as Node));
      caveats.push(
        `Each branch returns its own first ${limitText(page.branchLimit)} rows in ORDER BY order and the union is ordered and cut again` +
          (page.offset ? ` (LIMIT ${limitText(page.count)} OFFSET ${limitText(page.offset)})` : '') +
          `; indexes on ${columns.map((c) => `(${[c, ...keys.filter((k) => k !== c)].join(', ')})`).join(' and ')} let each branch stop after those rows.`,
      );
      if (page.offset)
        caveats.push(
          'A deep OFFSET still reads every skipped row, in each branch: a keyset (WHERE key > last key) avoids that.',
        );
    }
    return [
      {
        id: 'or-to-union-all',
        title: `OR across ${columns.join(', ')} → UNION ALL`,
        explanation:
          `One index cannot serve a condition on ${columns.join(' or ')}, so the OR makes PostgreSQL read the table (or combine bitmaps). ` +
          `Each UNION ALL branch filters on one column and can use that column's index; later branches exclude rows an earlier branch returned, so no row is duplicated.` +
          (order
            ? ` The ORDER BY … LIMIT is applied in each branch (a top-n each${page?.offset ? ', n counting the skipped OFFSET rows too' : ''}) and again to the union.`
            : '') +
          (order?.projection
            ? ` The union cannot sort by ${order.extraTargets.length > 1 ? 'keys it does not return' : 'a key it does not return'}, so each branch also returns ${order.extraTargets.map((t) => nodeAs(t, 'ResTarget')?.name).join(', ')}, which the outer query sorts by and leaves out.`
            : ''),
        rewrittenSql: order?.projection ? selectWithSubqueries(rewritten) : selectToSql(rewritten),
        caveats,
      },
    ];
  },
};

/** A sort key as an index would hold it: the column, the expression, or the column a position names. */
function keyText(stmt: SelectStmt, node: Node): string {
  const position = intValue(node);
  const target = position !== undefined ? nodeAs(stmt.targetList?.[position - 1], 'ResTarget')?.val : node;
  if (!target || isStar(target)) return '…';
  return columnPath(target)?.pop() ?? `(${exprToSql(target)})`;
}

interface Page {
  /** The statement's LIMIT and OFFSET, for the cut of the union. */
  count: Node;
  offset?: Node;
  /** What each branch keeps: the LIMIT plus the OFFSET. */
  branchLimit: Node;
}

/**
 * LIMIT n [OFFSET m] with n and m constants or parameters. A parameter is cast to bigint (what LIMIT makes
 * of it) so `$1 + $2` does not leave PostgreSQL two unknown-typed operands; a NULL (no limit, no offset)
 * makes the sum NULL, which again means no limit.
 */
function pageOf(stmt: SelectStmt): Page | undefined {
  const count = stmt.limitCount;
  if (!count || !isPageValue(count)) return undefined;
  const offset = stmt.limitOffset;
  if (!offset) return { count, branchLimit: clone(count) };
  if (!isPageValue(offset)) return undefined;
  const n = intValue(count);
  const m = intValue(offset);
  const branchLimit =
    n !== undefined && m !== undefined ? intConst(n + m) : opExpr('+', asBigint(count), asBigint(offset));
  return { count, offset, branchLimit };
}

function isPageValue(node: Node): boolean {
  return intValue(node) !== undefined || nodeAs(node, 'ParamRef') !== undefined;
}

function asBigint(node: Node): Node {
  if (!nodeAs(node, 'ParamRef')) return clone(node);
  return wrap('TypeCast', {
    arg: clone(node),
    typeName: { names: ['pg_catalog', 'int8'].map((sval) => wrap('String', { sval })), typemod: -1 },
  });
}

function limitText(node: Node): string {
  const n = intValue(node);
  if (n !== undefined) return String(n);
  const param = nodeAs(node, 'ParamRef');
  if (param) return `$${param.number}`;
  const sum = nodeAs(node, 'A_Expr');
  if (sum?.lexpr && sum.rexpr)
    return `${limitText(nodeAs(sum.lexpr, 'TypeCast')?.arg ?? sum.lexpr)} + ${limitText(nodeAs(sum.rexpr, 'TypeCast')?.arg ?? sum.rexpr)}`;
  return 'n';
}

interface UnionOrder {
  /** The ORDER BY of the union, or of the query around it when `projection` is set. */
  sort: Node[];
  /** `key AS __sortN` for each key that is not an output column, added to every branch. */
  extraTargets: Node[];
  /** The original output columns read from the union by name; set when the union needs a query around it. */
  projection?: Node[];
}

/**
 * How the union is sorted: by output columns directly when every key is one, or else by generated columns
 * in a query around it; undefined when the output names cannot be known (`*` without a catalog, an
 * unnamed expression, duplicate names).
 */
function unionOrder(stmt: SelectStmt, shape: TableShape | undefined): UnionOrder | undefined {
  const items = sortItemsOf(stmt);
  const direct = items.map((item) => directKey(stmt, item));
  if (direct.every((k) => k !== undefined)) return { sort: direct.map((k) => wrap('SortBy', k)), extraTargets: [] };

  const names = outputNames(stmt, shape);
  if (!names || new Set(names).size !== names.length) return undefined;
  const sort: Node[] = [];
  const extraTargets: Node[] = [];
  for (const [i, item] of items.entries()) {
    const key = direct[i];
    const position = intValue(item.node);
    let node: Node;
    if (position !== undefined) {
      if (position < 1 || position > names.length) return undefined;
      node = columnRef(unionAlias, names[position - 1]);
    } else if (key) {
      node = columnRef(unionAlias, columnPath(key.node)?.pop() ?? '');
    } else {
      const alias = `__sort${extraTargets.length + 1}`;
      if (names.includes(alias)) return undefined;
      extraTargets.push(resTarget(clone(item.node as Node), alias));
      node = columnRef(unionAlias, alias);
    }
    sort.push(wrap('SortBy', { ...clone(item), node }));
  }
  return { sort, extraTargets, projection: names.map((name) => resTarget(columnRef(unionAlias, name))) };
}

/**
 * The key as the union's ORDER BY can name it: an output column position as is, an output column by its
 * name; undefined when the key is not an output column.
 */
function directKey(stmt: SelectStmt, item: SortBy): SortBy | undefined {
  if (intValue(item.node) !== undefined) return clone(item);
  const targets = (stmt.targetList ?? []).map((t) => nodeAs(t, 'ResTarget')).filter((t) => t !== undefined);
  const star = targets.length === 1 && isStar(targets[0].val);
  const path = columnPath(item.node);
  if (!path) return undefined;
  const name = path[path.length - 1];
  const match = targets.find((t) => {
    if (t.name) return t.name === name && path.length === 1;
    const tpath = columnPath(t.val);
    return (
      tpath !== undefined &&
      tpath[tpath.length - 1] === name &&
      (path.length === 1 || tpath.length === 1 || tpath.join('.') === path.join('.'))
    );
  });
  if (!match && !star) return undefined;
  return { ...clone(item), node: columnRef(name) };
}

function isStar(node: Node | undefined): boolean {
  return nodeAs(node, 'ColumnRef')?.fields?.some((f) => nodeAs(f, 'A_Star') !== undefined) === true;
}

/** The statement's output column names, in order, as PostgreSQL names them; `*` needs the table's columns. */
function outputNames(stmt: SelectStmt, shape: TableShape | undefined): string[] | undefined {
  const names: string[] = [];
  for (const t of stmt.targetList ?? []) {
    const rt = nodeAs(t, 'ResTarget');
    if (!rt?.val) return undefined;
    if (isStar(rt.val)) {
      if (!shape) return undefined;
      names.push(...shape.columns.map((c) => c.name));
      continue;
    }
    const name = rt.name ?? implicitName(rt.val);
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

/**
 * The name PostgreSQL gives an unaliased output column (FigureColname), for the forms where it is plain: a
 * column, a field, a function call, or a cast (of one of those, else the type's name).
 */
function implicitName(node: Node): string | undefined {
  return namedBy(node)?.name;
}

/** Strength 2 for a name taken from the expression, 1 for a type's name, as in PostgreSQL. */
function namedBy(node: Node): { name: string; strength: 1 | 2 } | undefined {
  const path = columnPath(node);
  if (path) return { name: path[path.length - 1], strength: 2 };
  const indirection = nodeAs(node, 'A_Indirection')?.indirection;
  const field = indirection?.length ? stringField(indirection[indirection.length - 1]) : undefined;
  if (field) return { name: field, strength: 2 };
  const funcname = nodeAs(node, 'FuncCall')?.funcname;
  const called = funcname?.length ? stringField(funcname[funcname.length - 1]) : undefined;
  if (called) return { name: called, strength: 2 };
  const cast = nodeAs(node, 'TypeCast');
  if (cast) {
    const inner = cast.arg ? namedBy(cast.arg) : undefined;
    if (inner?.strength === 2) return inner;
    const typeNames = cast.typeName?.names ?? [];
    const typeName = stringField(typeNames[typeNames.length - 1]);
    return typeName ? { name: typeName, strength: 1 } : undefined;
  }
  return undefined;
}
