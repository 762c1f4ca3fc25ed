import type { CatalogSnapshot, ServerInfo } from './catalog';

/** How a statement was kept from changing anything while it was explained. */
export type SafetyWrapper = 'read-only-transaction' | 'rolled-back-transaction' | 'plan-only';

export interface ExplainRequest {
  /** One statement, without a trailing semicolon needed. `$n` parameters allowed. */
  sql: string;
  /** Run it (EXPLAIN ANALYZE) or only plan it. */
  analyze: boolean;
  /** Values for `$1…`, in order; text values are sent as parameters, never spliced into SQL. */
  params?: unknown[];
  /** EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+ when parameters have no values (implies analyze = false). */
  genericPlan?: boolean;
  /** Defaults 30 000 ms and 2 000 ms. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** Aborting cancels the running statement on the server. */
  signal?: AbortSignal;
}

export interface ExplainResult {
  /** The EXPLAIN output exactly as the server returned it (FORMAT JSON), as text. */
  planJson: string;
  /** The EXPLAIN statement that ran, for the log and the report. */
  explainStatement: string;
  wrapper: SafetyWrapper;
  /** Wall-clock time of the whole round trip including transaction control, ms. */
  roundTripMs: number;
  server: ServerInfo;
}

export type SessionKind = 'server' | 'embedded';

/**
 * One connection's worth of database access. Two real implementations: `pg` for a server and PGlite for
 * the embedded default. All database access in the product goes through here.
 */
export interface DatabaseSession {
  readonly kind: SessionKind;
  /** A label for messages: "postgres@127.0.0.1:5432/shop" or "embedded". */
  readonly label: string;
  serverInfo(): Promise<ServerInfo>;
  explain(request: ExplainRequest): Promise<ExplainResult>;
  /** Sizes, indexes and column statistics for the given tables (`schema.name` or bare names). */
  catalogFor(tables: string[]): Promise<CatalogSnapshot>;
  /** Runs trusted SQL of our own (schema loading, fixtures); never user statements with ANALYZE semantics. */
  execute(sql: string): Promise<void>;
  /** Rows of a read-only query of our own, `$n` parameters only. */
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Runs `work` inside one transaction that is always rolled back, with nothing else interleaved on the
   * connection (measured what-if indexes: CREATE INDEX, EXPLAIN ANALYZE, pg_relation_size, ROLLBACK).
   * Only for our own statements, and only where the caller may build (never a production connection).
   */
  inTransaction?<T>(work: (tx: TransactionScope) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** What runs inside DatabaseSession.inTransaction(). */
export interface TransactionScope {
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Throws TunerError('unsafe-statement') when running the user's statement `sql` would keep an effect a
   * rollback cannot undo (see nonTransactional.ts); call it before tx.query() runs user text. explainJson()
   * with ANALYZE checks by itself.
   */
  checkStatement(sql: string): Promise<void>;
  /** `EXPLAIN (<options>, FORMAT JSON) <sql>` as the server's JSON text; options such as 'ANALYZE, BUFFERS'. */
  explainJson(sql: string, options: string, params?: unknown[]): Promise<string>;
}

export interface TransactionOptions {
  /** SET LOCAL statement_timeout; default 60 000 ms. */
  statementTimeoutMs?: number;
  /** SET LOCAL lock_timeout; default 2 000 ms. */
  lockTimeoutMs?: number;
  /** Checked before each statement. */
  signal?: AbortSignal;
}
