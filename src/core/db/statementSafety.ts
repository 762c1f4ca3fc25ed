/**
 * Decides how a user's statement may be explained without changing anything. EXPLAIN ANALYZE runs the
 * statement, so writes go inside BEGIN … ROLLBACK and reads inside a READ ONLY transaction (also rolled
 * back); everything that cannot be undone by a rollback, or is not one plannable statement, is refused.
 */
import { parseSql } from '../sql/parser';
import { TunerError } from '../errors';
import type { SafetyWrapper } from './session';

export interface FunctionName {
  schema?: string;
  name: string;
}

/** What a statement names, as the parser sees it, for the catalog walk (nonTransactional.ts). */
export interface ReachStart {
  functions: FunctionName[];
  /** Relations as `"schema"."name"` or `"name"`, quoted for to_regclass(). */
  relations: string[];
  /** Operator names (`+++`), without schema. */
  operators: string[];
}

export type FunctionVolatility = 'immutable' | 'stable' | 'volatile';

export interface ExplainSafetyOptions {
  analyze: boolean;
  /**
   * Volatility of a called function, from the server's pg_proc.provolatile (see volatilityLookup()).
   * undefined, or a lookup that does not know the name, counts as volatile.
   */
  volatilityOf?: (fn: FunctionName) => FunctionVolatility | undefined;
}

export type ExplainSafety =
  | { safe: true; wrapper: SafetyWrapper; statementKind: string; why: string }
  | { safe: false; statementKind: string; message: string };

type Node = Record<string, unknown>;

const writeNodes = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** The parsed top-level statements; throws TunerError('syntax-error') with an offset. */
function topLevelStatements(sql: string): Node[] {
  const parsed = parseSql(sql) as unknown as { stmts?: Array<{ stmt?: Node }> };
  return (parsed.stmts ?? []).map((s) => s.stmt ?? {});
}

function kindOf(stmt: Node): string {
  return Object.keys(stmt)[0] ?? 'empty';
}

/** Calls `visit(nodeName, node)` for every wrapped node (`{ Name: {...} }`) in the tree. */
function walk(value: unknown, visit: (name: string, node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Node)) {
    if (/^[A-Z]/.test(key) && child !== null && typeof child === 'object' && !Array.isArray(child)) {
      visit(key, child as Node);
    }
    walk(child, visit);
  }
}

function functionNamesIn(stmt: Node): FunctionName[] {
  const out: FunctionName[] = [];
  walk(stmt, (name, node) => {
    if (name !== 'FuncCall') return;
    const parts = ((node.funcname as Node[] | undefined) ?? []).map(
      (p) => ((p.String as Node | undefined)?.sval as string | undefined) ?? '',
    );
    if (parts.length === 0) return;
    const fn: FunctionName = { name: parts[parts.length - 1] };
    if (parts.length > 1) fn.schema = parts[parts.length - 2];
    out.push(fn);
  });
  return out;
}

/** Functions called by name in the (single) statement, for a pg_proc volatility look-up. */
export function calledFunctions(sql: string): FunctionName[] {
  const seen = new Map<string, FunctionName>();
  for (const stmt of topLevelStatements(sql)) {
    for (const fn of functionNamesIn(stmt)) seen.set(`${fn.schema ?? ''}.${fn.name}`, fn);
  }
  return [...seen.values()];
}

/** The highest `$n` the statement uses (0 when none). */
export function highestParam(sql: string): number {
  let highest = 0;
  for (const stmt of topLevelStatements(sql)) {
    walk(stmt, (name, node) => {
      if (name === 'ParamRef' && typeof node.number === 'number') highest = Math.max(highest, node.number);
    });
  }
  return highest;
}

/** `"schema"."name"`, quoted for to_regclass(). */
function quotedRelation(schema: string | undefined, name: string): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return schema ? `${q(schema)}.${q(name)}` : q(name);
}

/** Functions, relations and operators the statement names: where the walk for non-transactional calls starts. */
export function reachStart(sql: string): ReachStart {
  const relations = new Set<string>();
  const operators = new Set<string>();
  for (const stmt of topLevelStatements(sql)) {
    const addRelation = (node: Node): void => {
      if (typeof node.relname === 'string')
        relations.add(quotedRelation(typeof node.schemaname === 'string' ? node.schemaname : undefined, node.relname));
    };
    walk(stmt, (name, node) => {
      if (name === 'RangeVar') addRelation(node);
      // The target of INSERT/UPDATE/DELETE/MERGE is a bare RangeVar under `relation` (its triggers, defaults…).
      if (writeNodes.has(name) && node.relation && typeof node.relation === 'object')
        addRelation(node.relation as Node);
      if (name === 'A_Expr') {
        const parts = ((node.name as Node[] | undefined) ?? []).map(
          (p) => ((p.String as Node | undefined)?.sval as string | undefined) ?? '',
        );
        const op = parts[parts.length - 1];
        if (op) operators.add(op);
      }
    });
  }
  return { functions: calledFunctions(sql), relations: [...relations], operators: [...operators] };
}

/**
 * Builds a volatilityOf() from pg_proc rows (see volatilityQuery). Overloads are not resolved: a name with
 * any volatile overload counts as volatile, which errs on the safe side.
 */
export function volatilityLookup(
  rows: Array<{ schema: string; name: string; provolatile: string }>,
): (fn: FunctionName) => FunctionVolatility | undefined {
  return (fn) => {
    const matches = rows.filter((r) => r.name === fn.name && (fn.schema === undefined || r.schema === fn.schema));
    if (matches.length === 0) return undefined;
    if (matches.some((r) => r.provolatile === 'v')) return 'volatile';
    if (matches.some((r) => r.provolatile === 's')) return 'stable';
    return 'immutable';
  };
}

/** `$1` = text[] of function names; returns schema, name, provolatile. Same on PostgreSQL 12–18. */
export const volatilityQuery =
  'SELECT n.nspname AS schema, p.proname AS name, p.provolatile::text AS provolatile ' +
  'FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ' +
  'WHERE p.proname = ANY($1::text[])';

const refusals: Record<string, string> = {
  ExplainStmt:
    'The statement is already an EXPLAIN; give the statement without EXPLAIN and the tuner adds its own options.',
  VacuumStmt:
    "VACUUM and ANALYZE change the table's statistics and cannot be undone by a rollback, so they are not run.",
  CopyStmt: 'COPY reads or writes files and streams and cannot be explained; give the SELECT or INSERT behind it.',
  TransactionStmt:
    'Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) cannot be explained; give the statement alone and the tuner wraps it in its own transaction.',
  VariableSetStmt:
    "SET changes the session, it has no plan; give the query to explain (settings go in the tuner's options).",
  VariableShowStmt: 'SHOW has no plan; give a query to explain.',
  CallStmt: 'CALL runs a procedure, which may commit on its own; it is not run. Explain the queries inside it instead.',
  DoStmt: 'A DO block may commit on its own and has no plan; explain the queries inside it instead.',
  ExecuteStmt: 'EXECUTE of a prepared statement is not explained; give the statement text with $1… parameters instead.',
  DeclareCursorStmt: "DECLARE CURSOR is not explained; give the cursor's query instead.",
  LockStmt: 'LOCK has no plan and only takes locks; give the query to explain.',
  NotifyStmt: 'NOTIFY has no plan.',
  ListenStmt: 'LISTEN has no plan.',
};

/**
 * How to explain `sql` safely, or why not. Plain EXPLAIN (no ANALYZE) plans any single SELECT, VALUES,
 * INSERT, UPDATE, DELETE or MERGE; with ANALYZE the wrapper depends on whether the statement can write.
 */
export function classifyForExplain(sql: string, options: ExplainSafetyOptions): ExplainSafety {
  const stmts = topLevelStatements(sql);
  if (stmts.length === 0) {
    return {
      safe: false,
      statementKind: 'empty',
      message: 'There is no statement to explain (the text is empty or only comments).',
    };
  }
  if (stmts.length > 1) {
    return {
      safe: false,
      statementKind: 'multiple',
      message: `The text holds ${stmts.length} statements; explain one statement at a time.`,
    };
  }
  const stmt = stmts[0];
  const kind = kindOf(stmt);
  const body = (stmt[kind] ?? {}) as Node;
  const plannable = kind === 'SelectStmt' || writeNodes.has(kind);
  if (!plannable) {
    const message =
      refusals[kind] ??
      (/^(Create|Alter|Drop|Rename|Grant|Revoke|Comment|Truncate|Index|Reindex|Cluster|Refresh|Rule|View|Define|CompositeType)/.test(
        kind,
      )
        ? `${kind.replace(/Stmt$/, '')} is DDL or maintenance: it changes the schema and has no plan to explain, so it is not run.`
        : `${kind.replace(/Stmt$/, '')} statements have no plan the tuner can explain; give a SELECT, INSERT, UPDATE, DELETE or MERGE.`);
    return { safe: false, statementKind: kind, message };
  }
  if (kind === 'SelectStmt' && body.intoClause) {
    return {
      safe: false,
      statementKind: kind,
      message: 'SELECT … INTO creates a table (it is DDL); give the SELECT without INTO.',
    };
  }
  if (!options.analyze) {
    return {
      safe: true,
      wrapper: 'plan-only',
      statementKind: kind,
      why: 'EXPLAIN without ANALYZE only plans the statement.',
    };
  }
  if (writeNodes.has(kind)) {
    return {
      safe: true,
      wrapper: 'rolled-back-transaction',
      statementKind: kind,
      why: `${kind.replace(/Stmt$/, '').toUpperCase()} writes; it runs inside BEGIN … ROLLBACK.`,
    };
  }
  let nestedWrite: string | undefined;
  let locking = false;
  walk(body, (name) => {
    if (writeNodes.has(name)) nestedWrite ??= name;
    if (name === 'LockingClause') locking = true;
  });
  if (nestedWrite) {
    return {
      safe: true,
      wrapper: 'rolled-back-transaction',
      statementKind: kind,
      why: `A WITH clause holds ${nestedWrite.replace(/Stmt$/, '').toUpperCase()}; the statement runs inside BEGIN … ROLLBACK.`,
    };
  }
  if (locking) {
    return {
      safe: true,
      wrapper: 'rolled-back-transaction',
      statementKind: kind,
      why: 'FOR UPDATE/SHARE takes row locks; it runs inside BEGIN … ROLLBACK.',
    };
  }
  const volatile = functionNamesIn(body).find((fn) => (options.volatilityOf?.(fn) ?? 'volatile') === 'volatile');
  if (volatile) {
    const name = volatile.schema ? `${volatile.schema}.${volatile.name}` : volatile.name;
    return {
      safe: true,
      wrapper: 'rolled-back-transaction',
      statementKind: kind,
      why: `It calls ${name}(), which is volatile or unknown and may write; it runs inside BEGIN … ROLLBACK.`,
    };
  }
  return {
    safe: true,
    wrapper: 'read-only-transaction',
    statementKind: kind,
    why: 'A read-only query; it runs in a READ ONLY transaction that is rolled back.',
  };
}

/** classifyForExplain() that throws TunerError('unsafe-statement') on a refusal. */
export function requireSafeForExplain(
  sql: string,
  options: ExplainSafetyOptions,
): { wrapper: SafetyWrapper; why: string } {
  const result = classifyForExplain(sql, options);
  if (!result.safe) {
    throw new TunerError(
      'unsafe-statement',
      `Not explained${options.analyze ? ' with ANALYZE' : ''}: ${result.message}`,
    );
  }
  return { wrapper: result.wrapper, why: result.why };
}
