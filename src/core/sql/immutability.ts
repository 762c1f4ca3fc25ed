/**
 * Whether an expression may go into an index: PostgreSQL accepts only IMMUTABLE functions there ("functions in
 * index expression must be marked IMMUTABLE"). `COALESCE(closed_at, now())` calls now(), which is STABLE, so
 * `CREATE INDEX … ((COALESCE(closed_at, now())))` fails. The calls are read with the real parser; with a database
 * their volatility comes from pg_proc, without one from a short list of built-ins known not to be immutable.
 */
import type { Node } from '@pgsql/types';
import { parseExpr, walkNodes } from './ast';

export interface FunctionCall {
  /** Lower case, without schema: "now", "date_trunc"; an SQL value function by its keyword: "current_timestamp". */
  name: string;
  schema?: string;
  /** Arguments as written (a SQL value function has none). */
  args: number;
  /** CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP, CURRENT_USER …: keywords, not pg_proc functions. */
  sqlValueFunction?: boolean;
}

export interface NotImmutable {
  /** The call as named in the expression: "now()", "current_timestamp". */
  call: string;
  /** 'unknown': some overloads of that name are immutable and some not; which one applies depends on types. */
  volatility: 'stable' | 'volatile' | 'unknown';
}

/** The part of a database session this needs (DatabaseSession has it). */
export interface CatalogReader {
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** SQLValueFunction ops as keywords; all are STABLE (the transaction's time, the session's user). */
const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/**
 * Built-ins never immutable, whatever their arguments (pg_proc's provolatile, PostgreSQL 12–18): the clock, the
 * random generator, sequences, the session.
 */
const KNOWN_NOT_IMMUTABLE: Record<string, 'stable' | 'volatile'> = {
  now: 'stable',
  statement_timestamp: 'stable',
  transaction_timestamp: 'stable',
  clock_timestamp: 'volatile',
  timeofday: 'volatile',
  random: 'volatile',
  random_normal: 'volatile',
  gen_random_uuid: 'volatile',
  uuid_generate_v4: 'volatile',
  nextval: 'volatile',
  currval: 'volatile',
  lastval: 'volatile',
  setval: 'volatile',
  txid_current: 'stable',
  pg_current_xact_id: 'stable',
  current_setting: 'stable',
  // Every overload reads the locale or the TimeZone setting.
  to_char: 'stable',
  to_timestamp: 'stable',
  to_date: 'stable',
};

/**
 * Built-ins whose volatility depends on the argument types (immutable on `timestamp`, stable on `timestamptz`,
 * which depends on the TimeZone setting), by argument count; without the types they are taken as not immutable.
 */
const DEPENDS_ON_TYPES: Record<string, number[]> = {
  // age(timestamptz, timestamptz) is stable, age(timestamp, timestamp) immutable (one argument: see below).
  age: [2],
  // date_trunc(text, timestamptz) is stable; with a time zone argument (3) it is immutable.
  date_trunc: [2],
  date_part: [2],
  extract: [2],
  // date(timestamptz) is stable, date(timestamp) immutable.
  date: [1],
};

function callsOf(node: unknown): FunctionCall[] {
  const out: FunctionCall[] = [];
  walkNodes(node, (kind, payload) => {
    if (kind === 'FuncCall') {
      const names = ((payload['funcname'] as Node[] | undefined) ?? []).map((n) =>
        'String' in n ? String(n.String.sval ?? '').toLowerCase() : '',
      );
      const name = names.pop() ?? '';
      const schema = names.pop();
      const args = ((payload['args'] as unknown[] | undefined) ?? []).length;
      out.push({ name, args, ...(schema ? { schema } : {}) });
    } else if (kind === 'SQLValueFunction') {
      const name = SQL_VALUE_FUNCTIONS[String(payload['op'])] ?? String(payload['op']).toLowerCase();
      out.push({ name, args: 0, sqlValueFunction: true });
    }
    return true;
  });
  return out;
}

/** The functions an SQL expression calls, SQL value functions included; needs loadParser() done. */
export function functionsCalled(expression: string): FunctionCall[] {
  return callsOf(parseExpr(expression));
}

function callText(c: FunctionCall): string {
  return c.sqlValueFunction ? c.name : `${c.name}()`;
}

/** Without a database: the calls known not to be immutable (the lists above); unknown functions pass. */
export function knownNotImmutable(expression: string): NotImmutable[] {
  const out: NotImmutable[] = [];
  for (const c of functionsCalled(expression)) {
    if (c.schema !== undefined && c.schema !== 'pg_catalog') continue;
    if (c.sqlValueFunction) out.push({ call: callText(c), volatility: 'stable' });
    else if (KNOWN_NOT_IMMUTABLE[c.name]) out.push({ call: callText(c), volatility: KNOWN_NOT_IMMUTABLE[c.name] });
    // age(x) is age(current_date, x): it reads the clock, on either timestamp type.
    else if (c.name === 'age' && c.args === 1) out.push({ call: callText(c), volatility: 'stable' });
    else if (DEPENDS_ON_TYPES[c.name]?.includes(c.args)) out.push({ call: callText(c), volatility: 'unknown' });
  }
  return out;
}

/**
 * With a database: each call's overloads in pg_proc with as many arguments (or variadic), by name and schema when
 * written. All immutable: fine; none: the strictest of them; a mix (date_trunc on timestamp or timestamptz): 'unknown'.
 * A name pg_proc does not have is left to the list.
 */
export async function notImmutable(db: CatalogReader, expression: string): Promise<NotImmutable[]> {
  const calls = functionsCalled(expression);
  const named = calls.filter((c) => !c.sqlValueFunction);
  const rows =
    named.length === 0
      ? []
      : await db.query<{ name: string; schema: string; args: number; variadic: boolean; volatility: string }>(
          `SELECT p.proname AS name, n.nspname AS schema, p.pronargs::int AS args,
                  p.provariadic <> 0 AS variadic, p.provolatile::text AS volatility
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = ANY($1::text[])`,
          [[...new Set(named.map((c) => c.name))]],
        );
  const out: NotImmutable[] = [];
  for (const c of calls) {
    if (c.sqlValueFunction) {
      out.push({ call: callText(c), volatility: 'stable' });
      continue;
    }
    const overloads = rows.filter(
      (r) =>
        r.name === c.name &&
        (c.schema === undefined || r.schema === c.schema) &&
        (r.args === c.args || (r.variadic && c.args >= r.args - 1)),
    );
    if (overloads.length === 0) {
      out.push(...knownNotImmutable(callText(c).replace(/\(\)$/, `(${Array(c.args).fill('NULL').join(', ')})`)));
      continue;
    }
    const kinds = new Set(overloads.map((r) => r.volatility));
    if (kinds.size === 1 && kinds.has('i')) continue;
    if (kinds.has('i')) out.push({ call: callText(c), volatility: 'unknown' });
    else out.push({ call: callText(c), volatility: kinds.has('v') ? 'volatile' : 'stable' });
  }
  return out;
}
