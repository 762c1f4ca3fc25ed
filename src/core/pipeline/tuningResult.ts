import type { Insight } from '../insights/insight';
import type { Plan } from '../plan/planNode';
import type { StatementFacts } from '../sql/statementFacts';
import type { SourceRange } from '../positions';
import type { SafetyWrapper, SessionKind } from '../db/session';
import type { CatalogSnapshot } from '../db/catalog';

/**
 * What "Explain and Optimize" produces for one statement; the CLI prints it, the report renders it, the
 * extension turns it into the plan view, diagnostics and hovers. Plain data: it crosses to the webview as JSON.
 */
export interface TuningResult {
  /** The statement as explained (named parameters already turned into `$n`). */
  sql: string;
  /** SQL facts, when the statement parsed (a pasted plan may come without SQL). */
  facts?: StatementFacts;
  plan: Plan;
  /** Plan and SQL insights, most severe and most expensive first. */
  insights: Insight[];
  /** Plan node id → the SQL range it came from (relation, join or filter), 0-based in `sql`. */
  nodeRanges: Record<number, SourceRange>;
  /** Where it ran; absent for a pasted plan. */
  run?: {
    sessionKind: SessionKind;
    sessionLabel: string;
    serverVersion: string;
    wrapper: SafetyWrapper;
    analyzed: boolean;
    roundTripMs: number;
    explainStatement: string;
    /** EXPLAIN ANALYZE hit this statement_timeout (ms): the plan is the estimated one (a plan warning says so). */
    analyzeTimedOutMs?: number;
    /** On the embedded database: what it holds (generated rows and their shape, or empty tables). */
    dataNote?: string;
  };
  /** The raw EXPLAIN output (JSON or text) the plan was parsed from. */
  rawPlan: string;
  /** For a plan read from a saved file (not pasted, not run here): that file, relative to the workspace. */
  planFile?: string;
  /** Sizes, indexes and statistics of the plan's tables, when read from the database. */
  catalog?: CatalogSnapshot;
}
