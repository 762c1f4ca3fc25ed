/**
 * The shapes every health check returns: plain data, one finding per problem object, each with the
 * evidence, the fix as DDL with its rollback, and the risk of applying it. Sortable by severity and
 * check for a tree view; `renderHealthReport` turns a result into Markdown.
 */
import type { DatabaseSession } from '../db/session';
import type { Evidence, Severity } from '../insights/insight';
import type { HealthThresholds } from './thresholds';
import type { IndexEntry } from './indexInventory';
import type { TableScans } from '../db/ownScans';

export type HealthCheckId =
  | 'unindexed-foreign-key'
  | 'unused-index'
  | 'redundant-index'
  | 'invalid-index'
  | 'seq-scan-heavy-table'
  | 'table-bloat'
  | 'index-bloat'
  | 'vacuum-analyze'
  | 'cache-hit-ratio'
  | 'connection-use'
  | 'long-running-session'
  | 'settings';

/** What a finding is about; `name` is unquoted, `qualified` is ready for SQL. */
export interface HealthTarget {
  kind: 'table' | 'index' | 'foreign-key' | 'database' | 'session' | 'setting' | 'server';
  schema?: string;
  name: string;
  qualified?: string;
  /** The table an index or foreign key belongs to. */
  table?: string;
}

export interface HealthFix {
  /** SQL to run; several statements separated by `;` and newlines. */
  ddl: string;
  /** How to undo it; a comment when there is nothing to undo. */
  rollback: string;
}

export interface HealthFinding {
  checkId: HealthCheckId;
  severity: Severity;
  /** Stable within a check: "public.orders.orders_user_id_fkey"; for de-duplication and tree ids. */
  key: string;
  title: string;
  target: HealthTarget;
  /** Why it matters, for a developer who is not a DBA. */
  explanation: string;
  evidence: Evidence[];
  /** What to do, in words (also when there is no DDL). */
  suggestion: string;
  fix?: HealthFix;
  /** What can go wrong when applying the fix. */
  risk: string;
}

export type HealthCheckStatus = 'ok' | 'findings' | 'skipped';

export interface HealthCheckResult {
  id: HealthCheckId;
  title: string;
  /** Its weight in the score, as stated in the report. */
  weight: number;
  status: HealthCheckStatus;
  findings: HealthFinding[];
  /** What could not be seen (permission denied, no statistics yet) and why. */
  notes: string[];
  /** 0..1 of the weight lost to findings. */
  penalty: number;
  ms: number;
}

export interface HealthResult {
  database: string;
  serverVersion: string;
  serverVersionNum: number;
  /** ISO time of the check. */
  checkedAt: string;
  /** pg_stat_database.stats_reset of this database (ISO), when known: usage counts start there. */
  statsSince?: string;
  /** 0..100; checks that were skipped are left out and the rest re-weighted. */
  score: number;
  /** How the score is made, in one sentence, for the report. */
  scoreRule: string;
  checks: HealthCheckResult[];
  /** All findings of all checks, most severe first. */
  findings: HealthFinding[];
  notes: string[];
  ms: number;
}

/** What a check may use: the session (read-only queries), thresholds and catalog reads shared by checks. */
export interface HealthContext {
  session: DatabaseSession;
  thresholds: HealthThresholds;
  /** pg-tuner's own scans per table (`schema.name`, or `.name` when the schema is unknown), to subtract. */
  ownScans?: ReadonlyMap<string, TableScans>;
  database: string;
  /** Memoized reads shared by several checks. */
  shared: SharedReads;
}

export interface SharedReads {
  indexes(): Promise<IndexEntry[]>;
}

export interface HealthCheckOutcome {
  findings: HealthFinding[];
  notes?: string[];
}

export interface HealthCheck {
  id: HealthCheckId;
  title: string;
  weight: number;
  run(context: HealthContext): Promise<HealthCheckOutcome>;
}
