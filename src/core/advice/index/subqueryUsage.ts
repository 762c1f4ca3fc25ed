/**
 * What a subquery that runs per outer row does with its table: the columns it matches to the outer row (the
 * correlation: `o.user_id = u.id`, or the target of `u.id IN (SELECT o.user_id …)`), its other equality, IN and
 * range columns, its sort, and the columns it reads. StatementFacts keeps `o.user_id = u.id` as a predicate without
 * a value side and no join, so the ordinary rules never saw user_id; an ORM writes one such subquery per column.
 * Scalar subqueries, EXISTS / NOT EXISTS, IN / NOT IN and LATERAL subqueries are read, in any statement kind.
 */
import type { Node } from '@pgsql/types';
import { columnPath, conjunctsOf, funcName, nodeAs, walkNodes } from '../../sql/ast';
import { parseSql } from '../../sql/parser';
import type { SourceRange } from '../../positions';

export type SubqueryKind = 'scalar' | 'exists' | 'in' | 'all' | 'array' | 'lateral';

/** A column of the subquery's table with where it was written (for the clause it serves). */
export interface SubqueryColumn {
  column: string;
  /** The comparison as written (`o.user_id = u.id`), or the column alone. */
  written: string;
  range?: SourceRange;
}

export interface SubqueryTableUsage {
  kind: SubqueryKind;
  schema?: string;
  /** The table name as written (unquoted), as in StatementFacts' relations. */
  table: string;
  /** Columns compared by equality with a column of an enclosing query: the key each outer row looks up. */
  correlation: SubqueryColumn[];
  /** Equalities with a constant or parameter (`status = 'paid'`, `tenant_id = $1`), and IS NULL. */
  equality: SubqueryColumn[];
  inList: SubqueryColumn[];
  /** Ranges (`created_at >= …`, BETWEEN, a range against an outer column), in the order written. */
  range: SubqueryColumn[];
  /** ORDER BY of the subquery (plain columns of this table), or the column of a lone min()/max(). */
  sort: Array<SubqueryColumn & { descending: boolean }>;
  /** Every column of the table the subquery reads, in first-seen order. */
  read: string[];
  /** `*` of this table is read (not under EXISTS, where the target list is never evaluated). */
  readsAllColumns: boolean;
}

interface FromTable {
  schema?: string;
  table: string;
  /** The name columns are qualified with: the alias, else the table name. */
  qualifier: string;
}

interface Scope {
  tables: FromTable[];
  /** Qualifiers of every FROM item of this block (tables, subqueries, functions, CTE references). */
  names: Set<string>;
  parent?: Scope;
}

const rangeOperators = new Set(['<', '<=', '>', '>=']);

/** Byte offsets of the parser → UTF-16 offsets of the text. */
function offsets(text: string): (byte: number) => number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === text.length) return (b) => b;
  return (b) => bytes.subarray(0, b).toString('utf8').length;
}

const identifierPath =
  /^(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*))*/u;

function location(node: Node | undefined): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const payload = Object.values(node)[0] as { location?: number } | undefined;
  return typeof payload?.location === 'number' && payload.location >= 0 ? payload.location : undefined;
}

function isValue(node: Node | undefined): boolean {
  if (!node) return false;
  const cast = nodeAs(node, 'TypeCast');
  if (cast) return isValue(cast.arg);
  return nodeAs(node, 'A_Const') !== undefined || nodeAs(node, 'ParamRef') !== undefined;
}

function operatorOf(expr: NonNullable<ReturnType<typeof nodeAs<'A_Expr'>>>): string | undefined {
  const name = expr.name?.[expr.name.length - 1];
  return nodeAs(name, 'String')?.sval;
}

function fromTables(from: Node[] | undefined, scope: Scope): void {
  for (const item of from ?? []) {
    const rv = nodeAs(item, 'RangeVar');
    if (rv?.relname) {
      const qualifier = rv.alias?.aliasname ?? rv.relname;
      scope.tables.push({ schema: rv.schemaname, table: rv.relname, qualifier });
      scope.names.add(qualifier);
      continue;
    }
    const join = nodeAs(item, 'JoinExpr');
    if (join) {
      fromTables(
        [join.larg, join.rarg].filter((n): n is Node => n !== undefined),
        scope,
      );
      continue;
    }
    const sub = nodeAs(item, 'RangeSubselect');
    if (sub?.alias?.aliasname) scope.names.add(sub.alias.aliasname);
    const fn = nodeAs(item, 'RangeFunction');
    if (fn?.alias?.aliasname) scope.names.add(fn.alias.aliasname);
  }
}

class Reader {
  readonly found: SubqueryTableUsage[] = [];
  private readonly toOffset: (byte: number) => number;

  constructor(private readonly text: string) {
    this.toOffset = offsets(text);
  }

  private written(node: Node): { written: string; range?: SourceRange } {
    const at = location(node);
    if (at === undefined) return { written: '' };
    const start = this.toOffset(at);
    const m = identifierPath.exec(this.text.slice(start));
    const end = start + (m?.[0].length ?? 0);
    return { written: this.text.slice(start, end), range: { start, end } };
  }

  /** The text from the first to the last column of a comparison (its operands as written). */
  private comparison(a: Node, b: Node): { written: string; range?: SourceRange } {
    const wa = this.written(a);
    const wb = isValue(b) ? undefined : this.written(b);
    if (!wa.range) return wa;
    if (!wb?.range) return wa;
    const start = Math.min(wa.range.start, wb.range.start);
    const end = Math.max(wa.range.end, wb.range.end);
    return { written: this.text.slice(start, end), range: { start, end } };
  }

  /** The table of this block a column belongs to; undefined for a column of an enclosing query. */
  private local(node: Node | undefined, scope: Scope): { table: FromTable; column: string } | undefined {
    const path = columnPath(nodeAs(node, 'TypeCast')?.arg ?? node);
    if (!path || path.length === 0) return undefined;
    const column = path[path.length - 1];
    if (path.length === 1)
      return scope.tables.length === 1 && scope.names.size === 1 ? { table: scope.tables[0], column } : undefined;
    const qualifier = path[path.length - 2];
    const table = scope.tables.find((t) => t.qualifier === qualifier);
    return table ? { table, column } : undefined;
  }

  /** A qualified column of an enclosing query (not of this block). */
  private outer(node: Node | undefined, scope: Scope): boolean {
    const path = columnPath(nodeAs(node, 'TypeCast')?.arg ?? node);
    if (!path || path.length < 2) return false;
    const qualifier = path[path.length - 2];
    if (scope.names.has(qualifier)) return false;
    for (let s = scope.parent; s; s = s.parent) if (s.names.has(qualifier)) return true;
    return false;
  }

  /** Walks a statement: every SELECT, UPDATE and DELETE is a block with its own FROM scope. */
  walk(node: unknown, scope: Scope | undefined): void {
    walkNodes(node, (kind, payload) => {
      if (kind === 'SelectStmt') {
        this.select(payload as NonNullable<ReturnType<typeof nodeAs<'SelectStmt'>>>, scope, undefined);
        return false;
      }
      if (kind === 'UpdateStmt' || kind === 'DeleteStmt') {
        const s: Scope = { tables: [], names: new Set(), parent: scope };
        const p = payload as { relation?: Node; fromClause?: Node[]; usingClause?: Node[]; whereClause?: Node };
        const relation = p.relation ? [{ RangeVar: p.relation } as unknown as Node] : [];
        fromTables([...relation, ...(p.fromClause ?? []), ...(p.usingClause ?? [])], s);
        this.walk([p.fromClause, p.usingClause], s);
        this.walk(p.whereClause, s);
        return false;
      }
      if (kind === 'SubLink') {
        this.subLink(payload as NonNullable<ReturnType<typeof nodeAs<'SubLink'>>>, scope);
        return false;
      }
      return true;
    });
  }

  private subLink(sub: NonNullable<ReturnType<typeof nodeAs<'SubLink'>>>, scope: Scope | undefined): void {
    this.walk(sub.testexpr, scope);
    const select = nodeAs(sub.subselect, 'SelectStmt');
    if (!select) return;
    const kind: SubqueryKind =
      sub.subLinkType === 'EXISTS_SUBLINK'
        ? 'exists'
        : sub.subLinkType === 'ANY_SUBLINK'
          ? 'in'
          : sub.subLinkType === 'ALL_SUBLINK'
            ? 'all'
            : sub.subLinkType === 'ARRAY_SUBLINK'
              ? 'array'
              : 'scalar';
    this.select(select, scope, { kind, testexpr: sub.testexpr });
  }

  private select(
    stmt: NonNullable<ReturnType<typeof nodeAs<'SelectStmt'>>>,
    parent: Scope | undefined,
    sublink: { kind: SubqueryKind; testexpr?: Node } | undefined,
  ): void {
    if (stmt.larg || stmt.rarg) {
      // A set operation: each arm is a block of its own, seen from the same enclosing scope.
      if (stmt.larg) this.select(stmt.larg, parent, sublink && { kind: sublink.kind });
      if (stmt.rarg) this.select(stmt.rarg, parent, sublink && { kind: sublink.kind });
      return;
    }
    for (const cte of stmt.withClause?.ctes ?? []) this.walk(cte, parent);
    const scope: Scope = { tables: [], names: new Set(), parent };
    fromTables(stmt.fromClause, scope);
    // FROM first: a LATERAL subquery sees the items before it; a plain one sees only the enclosing query, which
    // is no correlation with this block (and nothing we read).
    for (const item of stmt.fromClause ?? []) this.fromItem(item, scope);
    if (parent && sublink) this.block(stmt, scope, sublink.kind, sublink.testexpr);
    this.walk([stmt.targetList, stmt.whereClause, stmt.havingClause, stmt.sortClause, stmt.groupClause], scope);
  }

  private fromItem(item: Node, scope: Scope): void {
    const join = nodeAs(item, 'JoinExpr');
    if (join) {
      for (const side of [join.larg, join.rarg]) if (side) this.fromItem(side, scope);
      this.walk(join.quals, scope);
      return;
    }
    const sub = nodeAs(item, 'RangeSubselect');
    const select = nodeAs(sub?.subquery, 'SelectStmt');
    if (sub && select) {
      if (sub.lateral) this.select(select, scope, { kind: 'lateral' });
      else this.select(select, undefined, undefined);
      return;
    }
    if (nodeAs(item, 'RangeFunction')) this.walk(item, scope);
  }

  /** One subquery block: per table of its FROM, what it matches to the outer row, filters, sorts and reads. */
  private block(
    stmt: NonNullable<ReturnType<typeof nodeAs<'SelectStmt'>>>,
    scope: Scope,
    kind: SubqueryKind,
    testexpr: Node | undefined,
  ): void {
    const usages = new Map<FromTable, SubqueryTableUsage>();
    const usageOf = (t: FromTable): SubqueryTableUsage => {
      let u = usages.get(t);
      if (!u) {
        u = {
          kind,
          schema: t.schema,
          table: t.table,
          correlation: [],
          equality: [],
          inList: [],
          range: [],
          sort: [],
          read: [],
          readsAllColumns: false,
        };
        usages.set(t, u);
      }
      return u;
    };
    const push = (list: SubqueryColumn[], c: SubqueryColumn): void => {
      if (!list.some((x) => x.column === c.column)) list.push(c);
    };
    const conditions = [...conjunctsOf(stmt.whereClause)];
    for (const item of stmt.fromClause ?? []) {
      // INNER JOIN … ON conditions filter like WHERE (a LATERAL subquery's join to the outer row, too).
      walkNodes([item], (k, p) => {
        if (k === 'RangeSubselect') return false;
        if (k === 'JoinExpr') {
          const j = p as { jointype?: string; quals?: Node };
          if (j.jointype === 'JOIN_INNER') conditions.push(...conjunctsOf(j.quals));
        }
        return true;
      });
    }
    for (const cond of conditions) this.condition(cond, scope, usageOf, push);

    // `outer IN (SELECT o.user_id FROM …)`: the target column is matched to the outer value.
    if ((kind === 'in' || kind === 'all') && testexpr) {
      const target = nodeAs(stmt.targetList?.[0], 'ResTarget')?.val;
      const l = this.local(target, scope);
      if (l && stmt.targetList?.length === 1)
        push(usageOf(l.table).correlation, { column: l.column, ...this.written(target as Node) });
    }

    for (const s of stmt.sortClause ?? []) {
      const by = nodeAs(s, 'SortBy');
      const l = this.local(by?.node, scope);
      if (!by || !l) break;
      usageOf(l.table).sort.push({
        column: l.column,
        descending: by.sortby_dir === 'SORTBY_DESC',
        ...this.written(by.node as Node),
      });
    }
    // A lone min()/max() reads the first or last key of an index in that column's order (the planner's MinMaxAgg).
    const targets = (stmt.targetList ?? []).map((t) => nodeAs(t, 'ResTarget')?.val);
    if ((stmt.sortClause ?? []).length === 0 && targets.length === 1 && !(stmt.groupClause ?? []).length) {
      const name = funcName(targets[0]);
      const arg = nodeAs(targets[0], 'FuncCall')?.args?.[0];
      const l = this.local(arg, scope);
      if ((name === 'min' || name === 'max') && l)
        usageOf(l.table).sort.push({ column: l.column, descending: name === 'max', ...this.written(arg as Node) });
    }

    // Columns read by the block (not inside its own subqueries); EXISTS never evaluates its target list.
    const readParts: unknown[] = [
      stmt.whereClause,
      stmt.havingClause,
      stmt.sortClause,
      stmt.groupClause,
      stmt.fromClause,
    ];
    if (kind !== 'exists') readParts.push(stmt.targetList);
    walkNodes(readParts, (k, p) => {
      if (k === 'SubLink' || k === 'RangeSubselect') return false;
      if (k !== 'ColumnRef') return true;
      const node = { ColumnRef: p } as unknown as Node;
      const ref = nodeAs(node, 'ColumnRef');
      const star = ref?.fields?.some((f) => nodeAs(f, 'A_Star') !== undefined) ?? false;
      if (star) {
        const path = (ref?.fields ?? []).map((f) => nodeAs(f, 'String')?.sval).filter((s): s is string => !!s);
        for (const t of scope.tables)
          if (path.length === 0 || path[0] === t.qualifier) usageOf(t).readsAllColumns = true;
        return true;
      }
      const l = this.local(node, scope);
      if (l && !usageOf(l.table).read.includes(l.column)) usageOf(l.table).read.push(l.column);
      return true;
    });
    for (const u of usages.values()) if (u.correlation.length > 0) this.found.push(u);
  }

  private condition(
    cond: Node,
    scope: Scope,
    usageOf: (t: FromTable) => SubqueryTableUsage,
    push: (list: SubqueryColumn[], c: SubqueryColumn) => void,
  ): void {
    const nullTest = nodeAs(cond, 'NullTest');
    if (nullTest) {
      const l = this.local(nullTest.arg, scope);
      if (l && nullTest.nulltesttype === 'IS_NULL')
        push(usageOf(l.table).equality, { column: l.column, ...this.written(nullTest.arg as Node) });
      return;
    }
    const expr = nodeAs(cond, 'A_Expr');
    if (!expr?.lexpr) return;
    const op = operatorOf(expr);
    const sides: Array<[Node | undefined, Node | undefined, boolean]> = [
      [expr.lexpr, expr.rexpr, false],
      [expr.rexpr, expr.lexpr, true],
    ];
    for (const [mine, other, flipped] of sides) {
      const l = this.local(mine, scope);
      if (!l || !mine) continue;
      const u = usageOf(l.table);
      const c = (): SubqueryColumn => ({ column: l.column, ...this.comparison(mine, other ?? mine) });
      if (expr.kind === 'AEXPR_OP' && op === '=') {
        if (this.outer(other, scope)) push(u.correlation, c());
        else if (isValue(other)) push(u.equality, c());
        else continue;
        return;
      }
      if (expr.kind === 'AEXPR_OP' && op !== undefined && rangeOperators.has(op)) {
        if (isValue(other) || this.outer(other, scope)) push(u.range, c());
        else continue;
        return;
      }
      if (!flipped && expr.kind === 'AEXPR_IN' && op === '=') {
        push(u.inList, { column: l.column, ...this.written(mine) });
        return;
      }
      if (!flipped && (expr.kind === 'AEXPR_BETWEEN' || expr.kind === 'AEXPR_LIKE')) {
        if (expr.kind === 'AEXPR_LIKE' && op !== '~~') return;
        push(u.range, { column: l.column, ...this.written(mine) });
        return;
      }
    }
  }
}

/**
 * Tables read by subqueries that run per outer row (correlated, or matched by IN), one entry per subquery and
 * table that has at least one correlation column. Empty when the text does not parse.
 */
export function subqueryUsage(text: string): SubqueryTableUsage[] {
  let parsed: { stmts?: Array<{ stmt?: Node }> };
  try {
    parsed = parseSql(text) as { stmts?: Array<{ stmt?: Node }> };
  } catch {
    return [];
  }
  const reader = new Reader(text);
  for (const s of parsed.stmts ?? []) reader.walk(s.stmt, undefined);
  return reader.found;
}
