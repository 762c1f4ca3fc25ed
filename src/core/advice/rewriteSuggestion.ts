/**
 * What the rewrite advisor proposes: the same question asked in a faster form, with the proof that it returns
 * the same rows (or why that could not be shown) and the measured gain. Plain data: it crosses to the
 * webview, the report and the index advisor (as an alternative form of the statement).
 */
import type { SourceRange } from '../positions';

export type RewriteId =
  | 'aggregate-before-join'
  | 'keyset-pagination'
  | 'not-in-to-not-exists'
  | 'correlated-subquery-to-join'
  | 'or-to-union-all'
  | 'count-to-exists'
  | 'sargable-predicate'
  | 'n-plus-one-to-json-agg';

/**
 * 'equivalent': both forms ran on the session and returned the same multiset (and the same order where the
 * order is total). 'not-equivalent': they did not, or semantics say they cannot (NOT IN with NULLs).
 * 'unverified': nothing was run (no session, parameters without values) or a comparison was impossible.
 */
export type Verification = 'equivalent' | 'not-equivalent' | 'unverified';

/** One form's EXPLAIN (ANALYZE, BUFFERS) figures, medians over the measured runs. */
export interface RunFigures {
  /** Median Execution Time, ms. */
  timeMs: number;
  samplesMs: number[];
  /** Shared hit + read blocks of the median run. */
  sharedBuffers: number;
  /** Rows the root node returned. */
  rows: number;
  /** Rows read from tables (scan rows + rows removed by filter). */
  rowsScanned: number;
}

export interface RewriteMeasurement {
  /** The session label where it ran. */
  where: string;
  before: RunFigures;
  after: RunFigures;
  /** before.timeMs / after.timeMs (> 1 means the rewrite is faster). */
  ratio: number;
  /** Faster beyond noise: see `noiseRule`. */
  faster: boolean;
  /** The rule used, in words, for the report ("after ≤ 0.9 × before and the sample ranges do not overlap"). */
  noiseRule: string;
}

export interface Rewrite {
  /** Kebab-case rule id, also the diagnostic/quick-fix code. */
  id: RewriteId;
  title: string;
  /** Why it is faster, in two or three sentences. */
  explanation: string;
  /** The statement (or code) as given. */
  originalSql: string;
  /** The replacement, readable (deparsed, indented), `$n` parameters preserved. */
  rewrittenSql: string;
  /** What the replacement replaces in the given text (0-based, [start, end)). */
  sqlRange: SourceRange;
  /** Semantic conditions a reader must know (NULL behaviour, ties, foreign keys assumed, new parameters). */
  caveats: string[];
  /** Findings about the original that stand on their own (a WHERE that turns a LEFT JOIN into an inner join). */
  findings?: string[];
  verification: Verification;
  /** Why the verification came out as it did ("0 rows differ either way; 100 = 100 rows; order compared"). */
  verificationReason: string;
  measurement?: RewriteMeasurement;
  /** Offer as a one-click fix: verified equivalent and measured faster. */
  quickFix: boolean;
  /** New parameters the rewrite introduces (`$last_total`), with how to fill them. */
  newParameters?: Array<{ name: string; description: string }>;
}
