import type {
  A_Expr,
  BoolExpr,
  ColumnRef as AstColumnRef,
  CommonTableExpr,
  DeleteStmt,
  FuncCall,
  InsertStmt,
  JoinExpr,
  MergeStmt,
  Node,
  NullTest,
  RangeFunction,
  RangeSubselect,
  RangeVar,
  ResTarget,
  SelectStmt,
  SortBy,
  SubLink,
  TypeCast,
  UpdateStmt,
  WithClause,
} from '@pgsql/types';
import { parseSql } from './parser';
import { NodeRanges } from './nodeRanges';
import { identifierValue } from './lexer';
import type { SourceRange } from '../positions';
import type {
  ColumnPredicate,
  ColumnRef,
  CorrelatedSubquery,
  JoinInfo,
  JoinType,
  PredicateKind,
  StatementFacts,
  StatementKind,
} from './statementFacts';

type AstObject = Record<string, unknown>;
type Clause = 'select' | 'where' | 'having' | 'join' | 'other';

interface ScopeItem {
  /** Alias, or the relation's own name when it has none. */
  key: string;
  /** Table or CTE name; undefined for subqueries and functions. */
  relation?: string;
}

interface Scope {
  id: number;
  depth: number;
  items: ScopeItem[];
  parent?: Scope;
  ctes: Set<string>;
  /** Output column aliases of the block, which ORDER BY may name. */
  outputAliases: Set<string>;
}

interface ActiveSublink {
  boundaryDepth: number;
  correlated: boolean;
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'bool_and',
  'bool_or',
  'every',
  'bit_and',
  'bit_or',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'percentile_cont',
  'percentile_disc',
  'mode',
  'xmlagg',
  'corr',
  'covar_pop',
  'covar_samp',
  'regr_count',
  'range_agg',
  'range_intersect_agg',
  'any_value',
]);

const RANGE_OPS = new Set(['<', '>', '<=', '>=']);
const CONTAINMENT_OPS = new Set(['@>', '<@', '?', '?|', '?&']);

function unwrap(node: unknown): { type: string; body: AstObject } | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  let type: string | undefined;
  for (const key in node) {
    if (type !== undefined) return undefined;
    type = key;
  }
  if (type === undefined) return undefined;
  const body = (node as AstObject)[type];
  return body !== null && typeof body === 'object' ? { type, body: body as AstObject } : undefined;
}

/** AST node type names start with an upper-case letter; field names do not. */
function isNodeType(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 65 && c <= 90;
}

function stringValues(nodes: Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) {
    const u = unwrap(n);
    if (u?.type === 'String') out.push(String(u.body['sval'] ?? ''));
  }
  return out;
}

function isStar(ref: AstColumnRef): boolean {
  const fields = ref.fields ?? [];
  return fields.length > 0 && unwrap(fields[fields.length - 1])?.type === 'A_Star';
}

function kindOf(type: string, body: AstObject): StatementKind {
  switch (type) {
    case 'SelectStmt':
      return (body as SelectStmt).valuesLists ? 'values' : 'select';
    case 'InsertStmt':
      return 'insert';
    case 'UpdateStmt':
      return 'update';
    case 'DeleteStmt':
      return 'delete';
    case 'MergeStmt':
      return 'merge';
    case 'TransactionStmt':
      return 'transaction';
    case 'CopyStmt':
      return 'copy';
    default:
      if (
        /^(Create|Alter|Drop|Rename|Comment|Grant|Revoke|Index|View|Rule|Define|CompositeType|Reindex|Sec)/.test(type)
      ) {
        return 'ddl';
      }
      if (
        /^(Explain|Vacuum|Variable|Discard|Lock|Listen|Unlisten|Notify|Checkpoint|Cluster|Prepare|Execute|Deallocate|Do|Call|Load|DeclareCursor|Fetch|ClosePortal)/.test(
          type,
        )
      ) {
        return 'utility';
      }
      return 'other';
  }
}

/**
 * Analyses one statement (with `$n` parameters) from its libpg-query AST. Offsets in the result are UTF-16
 * offsets into `sql`. Throws TunerError('syntax-error') when it does not parse; needs loadParser().
 */
export function analyseStatement(sql: string): StatementFacts {
  const parsed = parseSql(sql);
  return new Analyser(sql).run(parsed.stmts?.[0]?.stmt);
}

class Analyser {
  private readonly r: NodeRanges;
  private readonly facts: StatementFacts;
  private nextBlockId = 0;
  private readonly sublinks: ActiveSublink[] = [];
  private readonly params = new Set<number>();

  constructor(private readonly sql: string) {
    this.r = new NodeRanges(sql);
    this.facts = {
      kind: 'other',
      text: sql,
      relations: [],
      predicates: [],
      joins: [],
      selectList: [],
      selectStars: [],
      groupBy: [],
      orderBy: [],
      functionCalls: [],
      correlatedSubqueries: [],
      lockingClause: false,
      parameters: [],
    };
  }

  run(stmt: Node | undefined): StatementFacts {
    const u = unwrap(stmt);
    if (u) {
      this.facts.kind = kindOf(u.type, u.body);
      this.statement(u.type, u.body, undefined);
    }
    this.facts.parameters = [...this.params].sort((a, b) => a - b);
    this.facts.functionCalls.sort((a, b) => a.range.start - b.range.start);
    return this.facts;
  }

  private newScope(parent: Scope | undefined, ctes?: Set<string>): Scope {
    return {
      id: this.nextBlockId++,
      depth: parent ? parent.depth + 1 : 0,
      items: [],
      parent,
      ctes: ctes ?? parent?.ctes ?? new Set(),
      outputAliases: new Set(),
    };
  }

  private statement(type: string, body: AstObject, parent: Scope | undefined): void {
    switch (type) {
      case 'SelectStmt':
        this.select(body as SelectStmt, parent, parent ? undefined : true);
        return;
      case 'InsertStmt': {
        const s = body as InsertStmt;
        const scope = this.newScope(parent, this.withCtes(s.withClause, parent));
        if (s.relation) this.rangeVar(s.relation, scope);
        const u = unwrap(s.selectStmt);
        if (u?.type === 'SelectStmt') this.select(u.body as SelectStmt, scope, false);
        this.walk(s.onConflictClause, scope, 'other');
        this.walk(s.returningClause, scope, 'other');
        return;
      }
      case 'UpdateStmt': {
        const s = body as UpdateStmt;
        const scope = this.newScope(parent, this.withCtes(s.withClause, parent));
        if (s.relation) this.rangeVar(s.relation, scope);
        this.fromList(s.fromClause, scope, !parent);
        this.walk(s.targetList, scope, 'other');
        this.whereClause(s.whereClause, scope, !parent);
        this.walk(s.returningClause, scope, 'other');
        return;
      }
      case 'DeleteStmt': {
        const s = body as DeleteStmt;
        const scope = this.newScope(parent, this.withCtes(s.withClause, parent));
        if (s.relation) this.rangeVar(s.relation, scope);
        this.fromList(s.usingClause, scope, !parent);
        this.whereClause(s.whereClause, scope, !parent);
        this.walk(s.returningClause, scope, 'other');
        return;
      }
      case 'MergeStmt': {
        const s = body as MergeStmt;
        const scope = this.newScope(parent, this.withCtes(s.withClause, parent));
        if (s.relation) this.rangeVar(s.relation, scope);
        if (s.sourceRelation) this.fromList([s.sourceRelation], scope, !parent);
        if (s.joinCondition) {
          this.predicates(s.joinCondition, scope, 'join', false);
          this.walk(s.joinCondition, scope, 'join');
        }
        this.walk(s.mergeWhenClauses, scope, 'other');
        return;
      }
      case 'ExplainStmt':
      case 'DeclareCursorStmt':
      case 'CreateTableAsStmt':
      case 'ViewStmt': {
        const inner = unwrap(body['query']);
        if (inner) this.statement(inner.type, inner.body, type === 'ExplainStmt' ? parent : this.newScope(parent));
        return;
      }
      default:
        this.walk(body, this.newScope(parent), 'other');
    }
  }

  /** Registers a WITH clause's names and analyses each CTE body; returns the CTE names visible afterwards. */
  private withCtes(withClause: WithClause | undefined, parent: Scope | undefined): Set<string> {
    const ctes = new Set(parent?.ctes ?? []);
    if (!withClause?.ctes) return ctes;
    for (const c of withClause.ctes) {
      const cte = unwrap(c)?.body as CommonTableExpr | undefined;
      if (cte?.ctename) ctes.add(cte.ctename);
    }
    for (const c of withClause.ctes) {
      const cte = unwrap(c)?.body as CommonTableExpr | undefined;
      const q = unwrap(cte?.ctequery);
      if (!q) continue;
      // The CTE body sees the CTE names (recursive ones see themselves) but not the block's FROM items.
      const holder: Scope = { ...this.newScope(parent, ctes), items: [] };
      this.statement(q.type, q.body, holder);
    }
    return ctes;
  }

  /**
   * One SELECT block. `top` is true for the statement's own query (its select list, ORDER BY, LIMIT are
   * recorded), 'arm' for the first arm of a top-level UNION (select list only), false for nested blocks.
   */
  private select(s: SelectStmt, parent: Scope | undefined, top: boolean | 'arm' | undefined): Scope {
    // The block's own scope first, so that the outermost block gets id 0 even when it has CTEs.
    const scope = this.newScope(parent);
    scope.ctes = this.withCtes(s.withClause, parent);
    if (s.op && s.op !== 'SETOP_NONE') {
      const holder = scope;
      const left = s.larg ? this.select(s.larg, holder, top ? 'arm' : false) : holder;
      if (s.rarg) this.select(s.rarg, holder, false);
      this.tail(s, left, top === true);
      return left;
    }
    this.fromList(s.fromClause, scope, top === true);
    for (const t of s.targetList ?? []) {
      const rt = unwrap(t)?.body as ResTarget | undefined;
      if (rt?.name) scope.outputAliases.add(rt.name);
    }
    if (top) this.selectList(s, scope);
    this.walk(s.targetList, scope, 'select');
    this.walk(s.valuesLists, scope, 'other');
    this.walk(s.distinctClause, scope, 'other');
    this.whereClause(s.whereClause, scope, top === true);
    if (s.groupClause) {
      if (top === true) {
        for (const g of s.groupClause) {
          const ref = this.groupItemColumn(g, s, scope);
          if (ref) this.facts.groupBy.push(ref);
        }
        this.clause('groupBy', this.span(s.groupClause.map((g) => this.r.range(g))));
      }
      this.walk(s.groupClause, scope, 'other');
    }
    if (s.havingClause) {
      this.predicates(s.havingClause, scope, 'having', false);
      this.walk(s.havingClause, scope, 'having');
      if (top === true) this.clause('having', this.r.range(s.havingClause));
    }
    this.walk(s.windowClause, scope, 'other');
    this.tail(s, scope, top === true);
    return scope;
  }

  /** ORDER BY, LIMIT/OFFSET and FOR UPDATE of a block (for a set operation, of the whole). */
  private tail(s: SelectStmt, scope: Scope, top: boolean): void {
    if (s.sortClause) {
      if (top) {
        const ranges: Array<SourceRange | undefined> = [];
        for (const item of s.sortClause) {
          const sort = unwrap(item)?.body as SortBy | undefined;
          if (!sort?.node) continue;
          const range = this.sortRange(item);
          if (!range) continue;
          ranges.push(range);
          const col = unwrap(sort.node);
          const nullsFirst =
            sort.sortby_nulls === 'SORTBY_NULLS_FIRST'
              ? true
              : sort.sortby_nulls === 'SORTBY_NULLS_LAST'
                ? false
                : undefined;
          const exprRange = this.r.range(sort.node);
          this.facts.orderBy.push({
            expressionText: exprRange ? this.r.slice(exprRange) : this.r.slice(range),
            column: col?.type === 'ColumnRef' ? this.columnRef(col.body as AstColumnRef, scope) : undefined,
            descending: sort.sortby_dir === 'SORTBY_DESC',
            ...(nullsFirst === undefined ? {} : { nullsFirst }),
            range,
          });
        }
        this.clause('orderBy', this.span(ranges));
      }
      this.walk(s.sortClause, scope, 'other');
    }
    if (top) {
      const limit = this.limitValue(s.limitCount, ['limit', 'fetch', 'first', 'next']);
      if (limit) this.facts.limit = limit;
      const offset = this.limitValue(s.limitOffset, ['offset']);
      if (offset) this.facts.offset = offset;
      if (s.lockingClause && s.lockingClause.length > 0) this.facts.lockingClause = true;
    }
    this.walk(s.limitCount, scope, 'other');
    this.walk(s.limitOffset, scope, 'other');
  }

  private clause(name: keyof NonNullable<StatementFacts['clauseRanges']>, range: SourceRange | undefined): void {
    if (!range) return;
    this.facts.clauseRanges ??= {};
    this.facts.clauseRanges[name] = range;
  }

  private whereClause(where: Node | undefined, scope: Scope, top: boolean): void {
    if (!where) return;
    this.predicates(where, scope, 'where', false);
    this.walk(where, scope, 'where');
    if (top) this.clause('where', this.r.range(where));
  }

  private groupItemColumn(g: Node, s: SelectStmt, scope: Scope): ColumnRef | undefined {
    const u = unwrap(g);
    if (u?.type === 'ColumnRef') return this.columnRef(u.body as AstColumnRef, scope);
    // GROUP BY 2 names the second output column.
    const ival = u?.type === 'A_Const' ? (u.body['ival'] as { ival?: number } | undefined) : undefined;
    if (ival?.ival && s.targetList) {
      const rt = unwrap(s.targetList[ival.ival - 1])?.body as ResTarget | undefined;
      const val = unwrap(rt?.val);
      if (val?.type === 'ColumnRef') return this.columnRef(val.body as AstColumnRef, scope);
    }
    return undefined;
  }

  private selectList(s: SelectStmt, scope: Scope): void {
    for (const t of s.targetList ?? []) {
      const rt = unwrap(t)?.body as ResTarget | undefined;
      if (!rt?.val) continue;
      const valRange = this.r.range(rt.val);
      if (!valRange) continue;
      const val = unwrap(rt.val);
      if (val?.type === 'ColumnRef' && isStar(val.body as AstColumnRef)) {
        this.facts.selectStars.push(valRange);
        continue;
      }
      let range = valRange;
      if (rt.name) range = this.extendOverAlias(range, rt.name);
      const columns: ColumnRef[] = [];
      let aggregate: string | undefined;
      this.visitShallow(rt.val, (type, body) => {
        if (type === 'ColumnRef' && !isStar(body as AstColumnRef)) {
          const ref = this.columnRef(body as AstColumnRef, scope);
          if (ref) columns.push(ref);
        } else if (type === 'FuncCall' && !aggregate) {
          const f = body as FuncCall;
          const name = stringValues(f.funcname).pop()?.toLowerCase() ?? '';
          if (
            !f.over &&
            (AGGREGATES.has(name) || f.agg_star || f.agg_distinct || f.agg_order || f.agg_filter || f.agg_within_group)
          ) {
            aggregate = name;
          }
        }
      });
      this.facts.selectList.push({
        text: this.r.slice(range),
        ...(rt.name ? { alias: rt.name } : {}),
        ...(aggregate ? { aggregate } : {}),
        columns,
        range,
      });
    }
  }

  /** Extends a range over `[AS] alias` when the next tokens spell it. */
  private extendOverAlias(range: SourceRange, alias: string): SourceRange {
    const tokens = this.r.tokens;
    let i = this.r.tokenIndexAt(range.end - 1) + 1;
    if (tokens[i]?.kind === 'word' && tokens[i].value === 'as') i++;
    const t = tokens[i];
    if (t && identifierValue(t, this.sql) === alias) return { start: range.start, end: t.end };
    return range;
  }

  private sortRange(item: Node): SourceRange | undefined {
    const range = this.r.range(item);
    if (!range) return undefined;
    const tokens = this.r.tokens;
    let last = this.r.tokenIndexAt(range.end - 1);
    for (;;) {
      const t = tokens[last + 1];
      if (!t) break;
      if (t.kind === 'word' && ['asc', 'desc', 'nulls', 'first', 'last'].includes(t.value)) last++;
      else if (t.kind === 'word' && t.value === 'using' && tokens[last + 2]) last += 2;
      else break;
    }
    return { start: range.start, end: tokens[last].end };
  }

  private limitValue(
    node: Node | undefined,
    keywords: string[],
  ): { valueText: string; range: SourceRange } | undefined {
    const u = unwrap(node);
    if (!u || (u.type === 'A_Const' && u.body['isnull'])) return undefined;
    const value = this.r.range(node);
    if (!value) return undefined;
    const tokens = this.r.tokens;
    const first = this.r.tokenIndexAt(value.start);
    let start = value.start;
    // The keyword sits just before the value (`LIMIT 10`, `FETCH FIRST 10`, `OFFSET 20`).
    for (let i = first - 1; i >= Math.max(0, first - 3); i--) {
      const t = tokens[i];
      if (t.kind === 'word' && keywords.includes(t.value)) start = t.start;
      if (t.kind === 'word' && (t.value === 'limit' || t.value === 'offset' || t.value === 'fetch')) break;
    }
    let last = this.r.tokenIndexAt(value.end - 1);
    while (tokens[last + 1]?.kind === 'word' && ['row', 'rows', 'only'].includes(tokens[last + 1].value)) last++;
    return { valueText: this.r.slice(value), range: { start, end: Math.max(value.end, tokens[last].end) } };
  }

  // ---- FROM ----

  private fromList(items: Node[] | undefined, scope: Scope, top: boolean): void {
    if (!items) return;
    const joins: Array<{ join: JoinExpr; left: string[]; right: string[] }> = [];
    const ranges: Array<SourceRange | undefined> = [];
    for (const item of items) {
      const before = this.facts.relations.length;
      this.fromItem(item, scope, joins);
      const u = unwrap(item);
      ranges.push(
        u?.type === 'RangeVar'
          ? this.facts.relations[before]?.range
          : this.span([this.r.range(item), ...joins.map((j) => this.joinRanges(j.join)?.clauseRange)]),
      );
    }
    for (const j of joins) this.join(j.join, j.left, j.right, scope);
    if (top) this.clause('from', this.span(ranges));
  }

  /** Adds a FROM item to the scope; returns the keys (aliases or names) it brings in. */
  private fromItem(
    item: Node,
    scope: Scope,
    joins: Array<{ join: JoinExpr; left: string[]; right: string[] }>,
  ): string[] {
    const u = unwrap(item);
    if (!u) return [];
    switch (u.type) {
      case 'RangeVar':
        return [this.rangeVar(u.body as RangeVar, scope)];
      case 'JoinExpr': {
        const j = u.body as JoinExpr;
        const left = j.larg ? this.fromItem(j.larg, scope, joins) : [];
        const right = j.rarg ? this.fromItem(j.rarg, scope, joins) : [];
        joins.push({ join: j, left, right });
        if (j.alias?.aliasname) {
          scope.items.push({ key: j.alias.aliasname });
          return [j.alias.aliasname];
        }
        return [...left, ...right];
      }
      case 'RangeSubselect': {
        const sub = u.body as RangeSubselect;
        const q = unwrap(sub.subquery);
        // LATERAL subqueries see the items before them; others only the enclosing query's scope.
        if (q) this.statement(q.type, q.body, sub.lateral ? scope : (scope.parent ?? { ...scope, items: [] }));
        const key = sub.alias?.aliasname;
        if (key) scope.items.push({ key });
        return key ? [key] : [];
      }
      case 'RangeFunction': {
        const f = u.body as RangeFunction;
        this.walk(f.functions, scope, 'other');
        const key = f.alias?.aliasname ?? this.functionName(f);
        if (key) scope.items.push({ key });
        return key ? [key] : [];
      }
      default:
        this.walk(u.body, scope, 'other');
        return [];
    }
  }

  private functionName(f: RangeFunction): string | undefined {
    let name: string | undefined;
    this.visitShallow(f.functions, (type, body) => {
      if (type === 'FuncCall' && !name) name = stringValues((body as FuncCall).funcname).pop();
    });
    return name;
  }

  private rangeVar(rv: RangeVar, scope: Scope): string {
    const name = rv.relname ?? '';
    const isCte = !rv.schemaname && scope.ctes.has(name);
    const key = rv.alias?.aliasname ?? name;
    scope.items.push({ key, relation: name });
    const range = this.rangeVarRange(rv);
    this.facts.relations.push({
      ...(rv.schemaname ? { schema: rv.schemaname } : {}),
      name,
      ...(rv.alias?.aliasname ? { alias: rv.alias.aliasname } : {}),
      range,
      isCte,
      blockId: scope.id,
    });
    return key;
  }

  private rangeVarRange(rv: RangeVar): SourceRange {
    const tokens = this.r.tokens;
    const start = this.r.offset(rv.location ?? 0);
    let i = this.r.tokenIndexAt(start);
    const parts = (rv.catalogname ? 1 : 0) + (rv.schemaname ? 1 : 0) + 1;
    i = Math.min(tokens.length - 1, i + 2 * (parts - 1));
    const alias = rv.alias?.aliasname;
    if (alias) {
      let j = i + 1;
      if (tokens[j]?.kind === 'word' && tokens[j].value === 'as') j++;
      if (tokens[j] && identifierValue(tokens[j], this.sql) === alias) {
        i = j;
        if (rv.alias?.colnames && tokens[i + 1]?.value === '(') {
          let depth = 0;
          for (let k = i + 1; k < tokens.length; k++) {
            if (tokens[k].value === '(') depth++;
            else if (tokens[k].value === ')' && --depth === 0) {
              i = k;
              break;
            }
          }
        }
      }
    }
    return { start, end: tokens[i]?.end ?? start };
  }

  private joinRanges(j: JoinExpr): { range: SourceRange; clauseRange: SourceRange } | undefined {
    const tokens = this.r.tokens;
    const rargRange = j.rarg
      ? unwrap(j.rarg)?.type === 'RangeVar'
        ? this.rangeVarRange(unwrap(j.rarg)?.body as RangeVar)
        : this.r.range(j.rarg)
      : undefined;
    if (!rargRange) return undefined;
    let joinIdx = this.r.tokenIndexAt(rargRange.start);
    while (joinIdx > 0 && !(tokens[joinIdx].kind === 'word' && tokens[joinIdx].value === 'join')) joinIdx--;
    let kwStart = joinIdx;
    while (
      kwStart > 0 &&
      tokens[kwStart - 1].kind === 'word' &&
      ['left', 'right', 'full', 'inner', 'outer', 'cross', 'natural'].includes(tokens[kwStart - 1].value)
    )
      kwStart--;
    const keyword = { start: tokens[kwStart].start, end: tokens[joinIdx].end };
    let range: SourceRange = keyword;
    if (j.quals) {
      range = this.r.range(j.quals) ?? keyword;
    } else if (j.usingClause) {
      // USING (a, b): its names carry no location; find the list after the joined relation.
      let k = this.r.tokenIndexAt(rargRange.end - 1) + 1;
      while (k < tokens.length && !(tokens[k].kind === 'word' && tokens[k].value === 'using')) k++;
      let end = k;
      while (end < tokens.length && tokens[end].value !== ')') end++;
      if (k < tokens.length && end < tokens.length) range = { start: tokens[k].start, end: tokens[end].end };
    }
    const end = Math.max(range.end, rargRange.end);
    return { range, clauseRange: { start: keyword.start, end } };
  }

  private join(j: JoinExpr, left: string[], right: string[], scope: Scope): void {
    const ranges = this.joinRanges(j);
    let type: JoinType;
    switch (j.jointype) {
      case 'JOIN_LEFT':
        type = 'left';
        break;
      case 'JOIN_RIGHT':
        type = 'right';
        break;
      case 'JOIN_FULL':
        type = 'full';
        break;
      default:
        type = !j.quals && !j.isNatural && !j.usingClause ? 'cross' : 'inner';
    }
    const nullable = type === 'left' ? right : type === 'right' ? left : type === 'full' ? [...left, ...right] : [];
    const keys: JoinInfo['keys'] = [];
    if (j.quals) {
      for (const term of this.conjuncts(j.quals)) {
        const e = unwrap(term);
        if (e?.type !== 'A_Expr') continue;
        const a = e.body as A_Expr;
        if (a.kind !== 'AEXPR_OP' || stringValues(a.name).join('.') !== '=') continue;
        const l = unwrap(a.lexpr);
        const r = unwrap(a.rexpr);
        if (l?.type !== 'ColumnRef' || r?.type !== 'ColumnRef') continue;
        const lref = this.columnRef(l.body as AstColumnRef, scope);
        const rref = this.columnRef(r.body as AstColumnRef, scope);
        if (lref && rref) keys.push({ left: lref, right: rref });
      }
      this.predicates(j.quals, scope, 'join', false);
      this.walk(j.quals, scope, 'join');
    } else if (j.usingClause && left.length > 0 && right.length > 0) {
      for (const name of stringValues(j.usingClause)) {
        const r = ranges?.range ?? { start: 0, end: 0 };
        const side = (key: string): ColumnRef => {
          const item = scope.items.find((it) => it.key === key);
          return { qualifier: key, column: name, ...(item?.relation ? { relation: item.relation } : {}), range: r };
        };
        keys.push({ left: side(left[left.length - 1]), right: side(right[0]) });
      }
    }
    const range = ranges?.range ?? { start: 0, end: 0 };
    this.facts.joins.push({
      type,
      nullableRelations: nullable,
      keys,
      range,
      ...(ranges ? { clauseRange: ranges.clauseRange } : {}),
      leftRelations: left,
      rightRelations: right,
      blockId: scope.id,
    });
  }

  // ---- columns ----

  private resolve(qualifier: string | undefined, column: string, scope: Scope): { item?: ScopeItem; scope?: Scope } {
    if (qualifier) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        const item = s.items.find((it) => it.key === qualifier) ?? s.items.find((it) => it.relation === qualifier);
        if (item) return { item, scope: s };
      }
      return {};
    }
    if (scope.outputAliases.has(column) && scope.items.length !== 1) return {};
    return scope.items.length === 1 ? { item: scope.items[0], scope } : {};
  }

  private columnRef(ref: AstColumnRef, scope: Scope): ColumnRef | undefined {
    const parts = stringValues(ref.fields);
    if (parts.length === 0 || isStar(ref)) return undefined;
    const column = parts[parts.length - 1];
    const qualifier = parts.length >= 2 ? parts[parts.length - 2] : undefined;
    const range = this.r.columnRange(ref.location ?? -1, ref.fields?.length ?? 1);
    const { item, scope: found } = this.resolve(qualifier, column, scope);
    if (found) this.markCorrelation(found);
    return {
      ...(qualifier ? { qualifier } : {}),
      column,
      ...(item?.relation ? { relation: item.relation } : {}),
      range: range ?? { start: 0, end: 0 },
    };
  }

  private markCorrelation(found: Scope): void {
    for (const s of this.sublinks) if (found.depth <= s.boundaryDepth) s.correlated = true;
  }

  // ---- predicates ----

  private conjuncts(node: Node): Node[] {
    const u = unwrap(node);
    if (u?.type === 'BoolExpr' && (u.body as BoolExpr).boolop === 'AND_EXPR') {
      return ((u.body as BoolExpr).args ?? []).flatMap((a) => this.conjuncts(a));
    }
    return [node];
  }

  private predicates(node: Node, scope: Scope, clause: 'where' | 'join' | 'having', underOr: boolean): void {
    const u = unwrap(node);
    if (!u) return;
    const range = this.r.range(node);
    if (!range) return;
    const base = { range, clause, blockId: scope.id, ...(underOr ? { underOr: true } : {}) };
    switch (u.type) {
      case 'BoolExpr': {
        const b = u.body as BoolExpr;
        if (b.boolop === 'NOT_EXPR') {
          const arg = unwrap(b.args?.[0]);
          const sub = arg?.type === 'SubLink' ? (arg.body as SubLink) : undefined;
          if (sub && sub.subLinkType === 'ANY_SUBLINK') {
            this.subLinkPredicate(sub, 'not-in-subquery', 'NOT IN', base, scope);
            return;
          }
        }
        for (const a of b.args ?? []) this.predicates(a, scope, clause, underOr || b.boolop !== 'AND_EXPR');
        return;
      }
      case 'SubLink': {
        const sub = u.body as SubLink;
        const op = stringValues(sub.operName).join('.');
        if (sub.subLinkType === 'ANY_SUBLINK' && (op === '' || op === '='))
          this.subLinkPredicate(sub, 'in-subquery', 'IN', base, scope);
        else if (sub.subLinkType === 'ALL_SUBLINK' && op === '<>')
          this.subLinkPredicate(sub, 'not-in-subquery', '<> ALL', base, scope);
        return;
      }
      case 'NullTest': {
        const t = u.body as NullTest;
        const notNull = t.nulltesttype === 'IS_NOT_NULL';
        const side = this.side(t.arg, scope);
        this.facts.predicates.push({
          kind: notNull ? 'is-not-null' : 'is-null',
          operator: notNull ? 'IS NOT NULL' : 'IS NULL',
          ...side,
          ...base,
        });
        return;
      }
      case 'A_Expr':
        this.comparison(u.body as A_Expr, scope, base);
        return;
      default:
    }
  }

  private subLinkPredicate(
    sub: SubLink,
    kind: PredicateKind,
    operator: string,
    base: Omit<ColumnPredicate, 'kind' | 'operator'>,
    scope: Scope,
  ): void {
    if (!sub.testexpr) return;
    this.facts.predicates.push({ kind, operator, ...this.side(sub.testexpr, scope), ...base });
  }

  /** The column side of a predicate: a plain column, or an expression over columns. */
  private side(node: Node | undefined, scope: Scope): Pick<ColumnPredicate, 'column' | 'expression'> {
    const u = unwrap(node);
    if (!u) return {};
    if (u.type === 'ColumnRef') {
      const column = this.columnRef(u.body as AstColumnRef, scope);
      return column ? { column } : {};
    }
    const columns = this.columnsIn(node, scope);
    if (columns.length === 0) return {};
    const range = this.r.range(node);
    let functionName: string | undefined;
    let castTo: string | undefined;
    let inner = u;
    if (inner.type === 'TypeCast') {
      const tc = inner.body as TypeCast;
      const typeRange = tc.typeName ? this.r.range({ TypeName: tc.typeName }) : undefined;
      castTo = typeRange ? this.r.slice(typeRange) : stringValues(tc.typeName?.names).pop();
      inner = unwrap(tc.arg) ?? inner;
    }
    if (inner.type === 'FuncCall')
      functionName = stringValues((inner.body as FuncCall).funcname)
        .pop()
        ?.toLowerCase();
    else if (inner.type === 'CoalesceExpr') functionName = 'coalesce';
    else if (inner.type === 'MinMaxExpr') functionName = inner.body['op'] === 'IS_GREATEST' ? 'greatest' : 'least';
    const args = inner.type === 'RowExpr' ? ((inner.body['args'] as Node[] | undefined) ?? []) : [];
    const row = args.length > 0 && args.every((a) => unwrap(a)?.type === 'ColumnRef') && !castTo;
    return {
      expression: {
        text: range ? this.r.slice(range) : '',
        ...(functionName ? { functionName } : {}),
        columns,
        ...(castTo ? { castTo } : {}),
        ...(row ? { row } : {}),
      },
    };
  }

  private columnsIn(node: unknown, scope: Scope): ColumnRef[] {
    const out: ColumnRef[] = [];
    this.visitShallow(node, (type, body) => {
      if (type === 'ColumnRef' && !isStar(body as AstColumnRef)) {
        const ref = this.columnRef(body as AstColumnRef, scope);
        if (ref) out.push(ref);
      }
    });
    return out;
  }

  private comparison(a: A_Expr, scope: Scope, base: Omit<ColumnPredicate, 'kind' | 'operator'>): void {
    const op = stringValues(a.name).join('.');
    let kind: PredicateKind = 'other';
    let operator = op;
    switch (a.kind) {
      case 'AEXPR_OP':
        kind =
          op === '='
            ? 'equality'
            : RANGE_OPS.has(op)
              ? 'range'
              : op === '<>' || op === '!='
                ? 'inequality'
                : CONTAINMENT_OPS.has(op)
                  ? 'jsonb-containment'
                  : op === '@@'
                    ? 'full-text'
                    : 'other';
        if (op === '~~' || op === '~~*') kind = this.likeKind(a.rexpr, op === '~~*');
        break;
      case 'AEXPR_OP_ANY':
        operator = `${op} ANY`;
        kind = op === '=' ? 'in-list' : 'other';
        break;
      case 'AEXPR_OP_ALL':
        operator = `${op} ALL`;
        kind = op === '<>' ? 'inequality' : 'other';
        break;
      case 'AEXPR_IN':
        operator = op === '=' ? 'IN' : 'NOT IN';
        kind = op === '=' ? 'in-list' : 'inequality';
        break;
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE': {
        const word = a.kind === 'AEXPR_LIKE' ? 'LIKE' : 'ILIKE';
        const negated = op.startsWith('!');
        operator = negated ? `NOT ${word}` : word;
        kind = negated ? 'other' : this.likeKind(a.rexpr, a.kind === 'AEXPR_ILIKE');
        break;
      }
      case 'AEXPR_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
        operator = 'BETWEEN';
        kind = 'range';
        break;
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_NOT_BETWEEN_SYM':
        operator = 'NOT BETWEEN';
        break;
      case 'AEXPR_DISTINCT':
        operator = 'IS DISTINCT FROM';
        break;
      case 'AEXPR_NOT_DISTINCT':
        operator = 'IS NOT DISTINCT FROM';
        break;
      case 'AEXPR_SIMILAR':
        operator = op === '~' ? 'SIMILAR TO' : 'NOT SIMILAR TO';
        break;
      default:
    }
    if (!a.lexpr) return; // a prefix operator (`-x`, `@ x`) is not a predicate
    const left = unwrap(a.lexpr);
    const right = unwrap(a.rexpr);
    let columnSide: Node | undefined = a.lexpr;
    let valueSide: unknown = a.rexpr;
    const leftHasColumns = this.hasColumn(a.lexpr);
    const rightHasColumns = this.hasColumn(a.rexpr);
    if (
      a.kind === 'AEXPR_OP' &&
      left?.type !== 'ColumnRef' &&
      (right?.type === 'ColumnRef' || (!leftHasColumns && rightHasColumns))
    ) {
      columnSide = a.rexpr;
      valueSide = a.lexpr;
    }
    const side = this.side(columnSide, scope);
    let valueText: string | undefined;
    if (valueSide && !this.hasColumn(valueSide) && !this.hasSubLink(valueSide)) {
      const vr = a.kind === 'AEXPR_IN' ? this.listRange(a, valueSide) : this.r.range(valueSide);
      if (vr) valueText = this.r.slice(vr);
    }
    this.facts.predicates.push({ kind, operator, ...side, ...(valueText !== undefined ? { valueText } : {}), ...base });
  }

  /** An IN (…) list, parentheses included. */
  private listRange(a: A_Expr, list: unknown): SourceRange | undefined {
    if (a.rexpr_list_start !== undefined && a.rexpr_list_end !== undefined && a.rexpr_list_start >= 0) {
      const start = this.r.offset(a.rexpr_list_start);
      const endIdx = this.r.tokenIndexAt(this.r.offset(a.rexpr_list_end));
      return { start, end: this.r.tokens[endIdx].end };
    }
    const inner = this.r.range(list);
    if (!inner) return inner;
    const tokens = this.r.tokens;
    const first = this.r.tokenIndexAt(inner.start);
    const last = this.r.tokenIndexAt(inner.end - 1);
    if (tokens[first - 1]?.value === '(' && tokens[last + 1]?.value === ')') {
      return { start: tokens[first - 1].start, end: tokens[last + 1].end };
    }
    return inner;
  }

  /** `caseless` (ILIKE): a prefix no B-tree can search (only a trigram index or lower(col) can), so not 'like-prefix'. */
  private likeKind(pattern: Node | undefined, caseless = false): PredicateKind {
    let u = unwrap(pattern);
    // 'abc%' || $1, '%' || $1 || '%': the leftmost piece decides.
    while (u?.type === 'A_Expr' && stringValues((u.body as A_Expr).name).join('.') === '||')
      u = unwrap((u.body as A_Expr).lexpr);
    if (u?.type === 'TypeCast') u = unwrap((u.body as TypeCast).arg);
    if (u?.type !== 'A_Const') return 'other';
    const sval = (u.body['sval'] as { sval?: string } | undefined)?.sval;
    if (sval === undefined) return 'other';
    if (sval.startsWith('%') || sval.startsWith('_')) return 'like-leading-wildcard';
    return caseless ? 'other' : 'like-prefix';
  }

  private hasColumn(node: unknown): boolean {
    let found = false;
    this.visitShallow(node, (type) => {
      if (type === 'ColumnRef') found = true;
    });
    return found;
  }

  private hasSubLink(node: unknown): boolean {
    let found = false;
    this.visitShallow(
      node,
      () => undefined,
      () => {
        found = true;
      },
    );
    return found;
  }

  // ---- walking ----

  /** Visits nodes without entering subqueries; `onSubLink` is told when one is skipped. */
  private visitShallow(node: unknown, visit: (type: string, body: AstObject) => void, onSubLink?: () => void): void {
    if (Array.isArray(node)) {
      for (const n of node) this.visitShallow(n, visit, onSubLink);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const u = unwrap(node);
    if (u && isNodeType(u.type)) {
      if (u.type === 'SubLink') {
        onSubLink?.();
        return;
      }
      visit(u.type, u.body);
      for (const v of Object.values(u.body)) if (typeof v === 'object') this.visitShallow(v, visit, onSubLink);
      return;
    }
    for (const v of Object.values(node as AstObject)) if (typeof v === 'object') this.visitShallow(v, visit, onSubLink);
  }

  /** Visits every node for function calls, parameters, column references and subqueries. */
  private walk(node: unknown, scope: Scope, clause: Clause): void {
    if (Array.isArray(node)) {
      for (const n of node) this.walk(n, scope, clause);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const u = unwrap(node);
    if (u && isNodeType(u.type)) {
      switch (u.type) {
        case 'SubLink':
          this.subLink(u.body as SubLink, node, scope, clause);
          return;
        case 'SelectStmt':
        case 'InsertStmt':
        case 'UpdateStmt':
        case 'DeleteStmt':
          this.statement(u.type, u.body, scope);
          return;
        case 'FuncCall': {
          const name = stringValues((u.body as FuncCall).funcname)
            .pop()
            ?.toLowerCase();
          const range = this.r.range(node);
          if (name && range) this.facts.functionCalls.push({ name, range });
          break;
        }
        case 'ParamRef': {
          const n = u.body['number'];
          if (typeof n === 'number') this.params.add(n);
          break;
        }
        case 'ColumnRef':
          if (!isStar(u.body as AstColumnRef)) {
            const parts = stringValues((u.body as AstColumnRef).fields);
            const found = this.resolve(
              parts.length >= 2 ? parts[parts.length - 2] : undefined,
              parts[parts.length - 1] ?? '',
              scope,
            );
            if (found.scope) this.markCorrelation(found.scope);
          }
          return;
        default:
      }
      for (const v of Object.values(u.body)) if (typeof v === 'object') this.walk(v, scope, clause);
      return;
    }
    for (const v of Object.values(node as AstObject)) if (typeof v === 'object') this.walk(v, scope, clause);
  }

  private subLink(sub: SubLink, node: object, scope: Scope, clause: Clause): void {
    this.walk(sub.testexpr, scope, clause);
    const active: ActiveSublink = { boundaryDepth: scope.depth, correlated: false };
    this.sublinks.push(active);
    const q = unwrap(sub.subselect);
    if (q) this.statement(q.type, q.body, scope);
    this.sublinks.pop();
    if (!active.correlated || (clause !== 'select' && clause !== 'where' && clause !== 'having')) return;
    const range = this.r.range(node);
    if (!range) return;
    const kinds: Record<string, CorrelatedSubquery['sublinkKind']> = {
      EXPR_SUBLINK: 'scalar',
      EXISTS_SUBLINK: 'exists',
      ANY_SUBLINK: 'any',
      ALL_SUBLINK: 'all',
      ARRAY_SUBLINK: 'array',
    };
    this.facts.correlatedSubqueries.push({ ...range, sublinkKind: kinds[sub.subLinkType ?? ''] ?? 'other', clause });
  }

  private span(ranges: Array<SourceRange | undefined>): SourceRange | undefined {
    let out: SourceRange | undefined;
    for (const r of ranges) {
      if (!r) continue;
      out = out ? { start: Math.min(out.start, r.start), end: Math.max(out.end, r.end) } : { ...r };
    }
    return out;
  }
}
