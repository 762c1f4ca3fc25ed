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
  close(): Promise<void>;
}
