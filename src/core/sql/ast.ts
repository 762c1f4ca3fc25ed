/**
 * Small helpers over libpg-query's AST (every node wrapped: `{ ColumnRef: {...} }`) for the rewrites: read a
 * node of one kind, build the few nodes the rewrites need, split conjunctions, and deparse readably.
 */
import type { A_Const, Node, ParseResult, SelectStmt, SortBy } from '@pgsql/types';
import { deparseSync } from 'pgsql-deparser';
import { parseSql } from './parser';
import { lexSql } from './lexer';
import type { SourceRange } from '../positions';

type NodeUnion = Node;
export type NodeKind = NodeUnion extends infer N ? (N extends Record<infer K, unknown> ? K & string : never) : never;
export type NodeOf<K extends NodeKind> = Extract<NodeUnion, Record<K, unknown>>[K];

/** The node's payload when it is of kind `kind`. */
export function nodeAs<K extends NodeKind>(node: Node | undefined, kind: K): NodeOf<K> | undefined {
  if (node === undefined || node === null || typeof node !== 'object' || !(kind in node)) return undefined;
  return (node as unknown as Record<K, NodeOf<K>>)[kind];
}

export function wrap<K extends NodeKind>(kind: K, payload: NodeOf<K>): Node {
  return { [kind]: payload } as unknown as Node;
}

/** A deep copy, so a rewrite never edits the tree another rewrite reads. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export interface ParsedSelect {
  /** The statement text without a trailing semicolon. */
  text: string;
  stmt: SelectStmt;
  range: SourceRange;
}

/** The one top-level SELECT of `sql`, or undefined for anything else (several statements, DML, set operations). */
export function parseSelect(sql: string): ParsedSelect | undefined {
  const parsed = parseSql(sql) as ParseResult;
  const stmts = parsed.stmts ?? [];
  if (stmts.length !== 1) return undefined;
  const stmt = nodeAs(stmts[0].stmt, 'SelectStmt');
  if (!stmt || (stmt.op && stmt.op !== 'SETOP_NONE')) return undefined;
  const startByte = stmts[0].stmt_location ?? 0;
  const bytes = Buffer.from(sql, 'utf8');
  const endByte = stmts[0].stmt_len ? startByte + stmts[0].stmt_len : bytes.length;
  const start = bytes.subarray(0, startByte).toString('utf8').length;
  const body = bytes
    .subarray(startByte, endByte)
    .toString('utf8')
    .replace(/[\s;]+$/, '');
  const lead = body.length - body.trimStart().length;
  return { text: body.trim(), stmt, range: { start: start + lead, end: start + body.length } };
}

/** Readable SQL for a SELECT (pgsql-deparser's pretty form), without a trailing semicolon. */
export function selectToSql(stmt: SelectStmt): string {
  return deparseSync(wrap('SelectStmt', stmt), { pretty: true })
    .replace(/;\s*$/, '')
    .replace(/\n(UNION|INTERSECT|EXCEPT)\nALL\n/g, '\n$1 ALL\n');
}

/**
 * Like selectToSql, but FROM-clause subqueries are deparsed on their own and indented under their
 * parenthesis (the deparser prints them flush left).
 */
export function selectWithSubqueries(stmt: SelectStmt): string {
  const subqueries: Array<{ placeholder: string; sql: string }> = [];
  const outer = replaceNodes(stmt, (node) => {
    const sub = nodeAs(node, 'RangeSubselect');
    const inner = nodeAs(sub?.subquery, 'SelectStmt');
    if (!sub || !inner) return undefined;
    const placeholder = `pgtuner_subquery_${subqueries.length}`;
    subqueries.push({ placeholder, sql: selectWithSubqueries(inner) });
    return rangeVar(placeholder, sub.alias?.aliasname);
  });
  let text = selectToSql(outer);
  for (const { placeholder, sql } of subqueries) {
    const indented = sql
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    text = text.replace(placeholder, `(\n${indented}\n)`);
  }
  return text;
}

export function exprToSql(node: Node): string {
  return deparseSync(node, { pretty: false });
}

export function stringField(node: Node | undefined): string | undefined {
  return nodeAs(node, 'String')?.sval;
}

/** `o.user_id` → ['o', 'user_id']; undefined for `o.*` and non-columns. */
export function columnPath(node: Node | undefined): string[] | undefined {
  const ref = nodeAs(node, 'ColumnRef');
  if (!ref?.fields) return undefined;
  const parts = ref.fields.map(stringField);
  return parts.every((p): p is string => p !== undefined) ? parts : undefined;
}

export function columnRef(...path: string[]): Node {
  return wrap('ColumnRef', { fields: path.map((sval) => wrap('String', { sval })) });
}

export function starRef(qualifier?: string): Node {
  const fields: Node[] = qualifier ? [wrap('String', { sval: qualifier }), wrap('A_Star', {})] : [wrap('A_Star', {})];
  return wrap('ColumnRef', { fields });
}

export function funcCall(name: string, args: Node[], extra: Partial<NodeOf<'FuncCall'>> = {}): Node {
  return wrap('FuncCall', {
    funcname: [wrap('String', { sval: name })],
    args,
    funcformat: 'COERCE_EXPLICIT_CALL',
    ...extra,
  });
}

export function opExpr(op: string, left: Node, right: Node): Node {
  return wrap('A_Expr', { kind: 'AEXPR_OP', name: [wrap('String', { sval: op })], lexpr: left, rexpr: right });
}

export function andOf(conjuncts: Node[]): Node | undefined {
  if (conjuncts.length === 0) return undefined;
  if (conjuncts.length === 1) return conjuncts[0];
  return wrap('BoolExpr', { boolop: 'AND_EXPR', args: conjuncts });
}

export function intConst(value: number): Node {
  return wrap('A_Const', { ival: { ival: value } } as A_Const);
}

export function paramRef(n: number): Node {
  return wrap('ParamRef', { number: n });
}

export function resTarget(val: Node, name?: string): Node {
  return wrap('ResTarget', name ? { name, val } : { val });
}

export function rangeVar(relname: string, alias?: string, schemaname?: string): Node {
  return wrap('RangeVar', {
    relname,
    ...(schemaname ? { schemaname } : {}),
    inh: true,
    relpersistence: 'p',
    ...(alias ? { alias: { aliasname: alias } } : {}),
  });
}

/** The conjuncts of an AND tree (a lone predicate is one conjunct). */
export function conjunctsOf(node: Node | undefined): Node[] {
  if (!node) return [];
  const b = nodeAs(node, 'BoolExpr');
  if (b?.boolop === 'AND_EXPR') return (b.args ?? []).flatMap(conjunctsOf);
  return [node];
}

/** Calls `visit` on every wrapped node below `value` (not descending into what `visit` returns false for). */
export function walkNodes(
  value: unknown,
  visit: (kind: string, payload: Record<string, unknown>) => boolean | void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) walkNodes(item, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (child === null || typeof child !== 'object') continue;
    if (/^[A-Z]/.test(key) && !Array.isArray(child)) {
      if (visit(key, child as Record<string, unknown>) === false) continue;
    }
    walkNodes(child, visit);
  }
}

/** Every column path in an expression (not inside subqueries, which have their own scope). */
export function columnsIn(node: unknown): string[][] {
  const out: string[][] = [];
  walkNodes(node, (kind, payload) => {
    if (kind === 'SubLink' || kind === 'RangeSubselect') return false;
    if (kind === 'ColumnRef') {
      const path = columnPath({ ColumnRef: payload } as unknown as Node);
      if (path) out.push(path);
    }
    return true;
  });
  return out;
}

export function containsKind(node: unknown, kinds: string[]): boolean {
  let found = false;
  walkNodes(node, (kind) => {
    if (kinds.includes(kind)) found = true;
    return !found;
  });
  return found;
}

/** Highest `$n` used in the statement (0 when none). */
export function maxParam(node: unknown): number {
  let max = 0;
  walkNodes(node, (kind, payload) => {
    if (kind === 'ParamRef') max = Math.max(max, Number(payload.number ?? 0));
    return true;
  });
  return max;
}

/** Replaces the `$n` placeholders named in `names` by `:name` in deparsed SQL, token-exactly. */
export function nameParameters(sql: string, names: Map<number, string>): string {
  let out = '';
  let last = 0;
  for (const t of lexSql(sql)) {
    if (t.kind !== 'param') continue;
    const name = names.get(Number.parseInt(t.value.slice(1), 10));
    if (!name) continue;
    out += sql.slice(last, t.start) + ':' + name;
    last = t.end;
  }
  return out + sql.slice(last);
}

/** Aggregate functions whose result over the null-extended row of an outer join is NULL (or 0 for count). */
export const nullIgnoringAggregates = new Set(['count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every']);

const knownAggregates = new Set([
  ...nullIgnoringAggregates,
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'bit_and',
  'bit_or',
  'percentile_cont',
  'percentile_disc',
  'mode',
]);

export function funcName(node: Node | undefined): string | undefined {
  const f = nodeAs(node, 'FuncCall');
  if (!f?.funcname) return undefined;
  return stringField(f.funcname[f.funcname.length - 1])?.toLowerCase();
}

/** True for a call of a known aggregate (not used as a window function). */
export function isAggregateCall(node: Node | undefined): boolean {
  const f = nodeAs(node, 'FuncCall');
  if (!f || f.over) return false;
  const name = funcName(node);
  return name !== undefined && (knownAggregates.has(name) || f.agg_star === true || f.agg_within_group === true);
}

/** Integer value of a constant node, when it is one. */
export function intValue(node: Node | undefined): number | undefined {
  const c = nodeAs(node, 'A_Const');
  if (!c) return undefined;
  if (c.ival) return c.ival.ival ?? 0;
  return undefined;
}

/**
 * A copy of `value` where every wrapped node for which `replace` returns a node is swapped for it (the
 * replacement is not visited again).
 */
export function replaceNodes<T>(value: T, replace: (node: Node) => Node | undefined): T {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0])) {
      const swapped = replace(v as Node);
      if (swapped) return swapped;
    }
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) out[k] = visit(child);
    return out;
  };
  return visit(value) as T;
}

/** Qualifier → relation for the plain tables of a FROM list built from RangeVars and JoinExprs. */
export interface FromItem {
  qualifier: string;
  relname: string;
  schemaname?: string;
  node: Node;
}

export function rangeVarItem(node: Node | undefined): FromItem | undefined {
  const rv = nodeAs(node, 'RangeVar');
  if (!rv?.relname || !node) return undefined;
  return { qualifier: rv.alias?.aliasname ?? rv.relname, relname: rv.relname, schemaname: rv.schemaname, node };
}

export function qualifiedName(item: { relname: string; schemaname?: string }): string {
  return item.schemaname ? `${item.schemaname}.${item.relname}` : item.relname;
}

/** An expression node from SQL text (`o.created_at >= $1::date`), through the one parser. */
export function parseExpr(text: string): Node {
  const parsed = parseSql(`SELECT ${text}`) as ParseResult;
  const stmt = nodeAs(parsed.stmts?.[0]?.stmt, 'SelectStmt');
  const val = nodeAs(stmt?.targetList?.[0], 'ResTarget')?.val;
  if (!val) throw new Error(`not an expression: ${text}`);
  return val;
}

/** The single plain table of a FROM clause, when that is all it holds. */
export function singleTable(stmt: SelectStmt): FromItem | undefined {
  return stmt.fromClause?.length === 1 ? rangeVarItem(stmt.fromClause[0]) : undefined;
}

/**
 * Conditions holding a subquery, kept on one line in the pretty output (the deparser prints a subquery in WHERE
 * flush left, across lines): `hold` gives a placeholder column to build the statement with, `restore` puts the
 * conditions back into the deparsed text.
 */
export class InlineConditions {
  private readonly held: Array<{ placeholder: string; sql: string }> = [];

  hold(condition: Node): Node {
    const placeholder = `pgtuner_inline_${this.held.length}`;
    this.held.push({ placeholder, sql: exprToSql(condition) });
    return columnRef(placeholder);
  }

  /** A function as the replacement: a condition's `$1` parameters are text, not replacement patterns. */
  restore(sql: string): string {
    return this.held.reduce(
      (text, { placeholder, sql: condition }) => text.replace(new RegExp(`\\b${placeholder}\\b`), () => condition),
      sql,
    );
  }
}

/**
 * `key IN (SELECT w.column FROM <table> w WHERE <conditions>)`: keeps, in a subquery grouped by `key`, only the
 * groups whose `table` row passes `conditions` (written against `table`'s qualifier, re-aliased to `w`).
 * Undefined when a condition calls a function (its volatility is unknown here), holds a subquery, or reads
 * another table.
 */
export function keysKeptBy(key: Node, table: FromItem, column: string, conditions: Node[]): Node | undefined {
  if (conditions.length === 0 || containsKind(conditions, ['SubLink', 'FuncCall'])) return undefined;
  if (!columnsIn(conditions).every((p) => p.length === 1 || (p.length === 2 && p[0] === table.qualifier)))
    return undefined;
  const rv = nodeAs(table.node, 'RangeVar');
  if (!rv) return undefined;
  const alias = `${table.qualifier}_wanted`;
  const reAliased = conditions.map((c) =>
    replaceNodes(clone(c), (node) => {
      const path = columnPath(node);
      return path ? columnRef(alias, path[path.length - 1]) : undefined;
    }),
  );
  const keys: SelectStmt = {
    targetList: [resTarget(columnRef(alias, column))],
    fromClause: [wrap('RangeVar', { ...clone(rv), alias: { aliasname: alias } })],
    whereClause: andOf(reAliased),
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  return wrap('SubLink', { subLinkType: 'ANY_SUBLINK', testexpr: key, subselect: wrap('SelectStmt', keys) });
}

/** `ASC` / `DESC` and `NULLS FIRST` / `NULLS LAST` of a sort item, as written (with a leading space), or ''. */
export function sortSuffix(s: SortBy): string {
  const dir = s.sortby_dir === 'SORTBY_DESC' ? ' DESC' : s.sortby_dir === 'SORTBY_ASC' ? ' ASC' : '';
  const nulls =
    s.sortby_nulls === 'SORTBY_NULLS_FIRST'
      ? ' NULLS FIRST'
      : s.sortby_nulls === 'SORTBY_NULLS_LAST'
        ? ' NULLS LAST'
        : '';
  return `${dir}${nulls}`;
}

/** The sort items of a statement, for rewrites that need them. */
export function sortItemsOf(stmt: SelectStmt): SortBy[] {
  return (stmt.sortClause ?? []).map((s) => nodeAs(s, 'SortBy')).filter((s): s is SortBy => s !== undefined);
}
