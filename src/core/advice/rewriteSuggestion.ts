/**
 * What the rewrite advisor proposes: the same question asked in a faster form, with the proof that it returns
 * the same rows (or why that could not be shown) and the measured gain. Plain data: it crosses to the
 * webview, the report and the index advisor (as an alternative form of the statement).
 */
import type { SourceRange } from '../positions';

/** The rewrite rules, one id each: also the diagnostic/quick-fix code and `--json`'s `id`. */
export const rewriteIds = [
  'aggregate-before-join',
  'keyset-pagination',
  'not-in-to-not-exists',
  'correlated-subquery-to-join',
  'or-to-union-all',
  'count-to-exists',
  'sargable-predicate',
  'n-plus-one-to-json-agg',
] as const;

export type RewriteId = (typeof rewriteIds)[number];

/**
 * One rewrite among a statement's, by id: its rule and which of that rule's rewrites it is (from 1; a statement
 * with two NOT IN gets `not-in-to-not-exists#1` and `#2`). What index advice, fixes and comparisons point at,
 * never the title, which is prose and may be reworded.
 */
export type RewriteRef = `${RewriteId}#${number}`;

export function rewriteRef(id: RewriteId, nth: number): RewriteRef {
  return `${id}#${nth}`;
}

/** The rewrite `ref` names among a statement's rewrites. */
export function rewriteByRef<R extends { ref: RewriteRef }>(rewrites: readonly R[], ref: RewriteRef): R | undefined {
  return rewrites.find((r) => r.ref === ref);
}

/**
 * 'equivalent': both forms ran on the session and returned the same multiset (and the same order where the
 * order is total). 'not-equivalent': they did not, or semantics say they cannot (NOT IN with NULLs).
 * 'unverified': nothing was run (no session, parameters without values) or a comparison was impossible.
 * 'not-tested-on-data': both forms ran and agreed, but on no data (no rows returned, or every table read empty or
 * near-empty), which proves nothing: never offered as proven.
 */
export type Verification = 'equivalent' | 'not-equivalent' | 'unverified' | 'not-tested-on-data';

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
  /** The planner's total cost of the median run's plan. */
  cost?: number;
  /** Shared blocks found in / read into shared_buffers by the median run (their sum is sharedBuffers). */
  sharedHit?: number;
  sharedRead?: number;
  /** Temp blocks read + written by the median run (sorts and hashes that spilled). */
  tempBlocks?: number;
  /** The largest memory any one node reports (sort, hash, hash aggregate, memoize), kB; absent when none does. */
  peakMemoryKb?: number;
  /**
   * The run did not finish within the statement_timeout: timeMs is that bound (a lower bound, and so is any ratio
   * over it), and the other figures are unknown (NaN).
   */
  timedOut?: boolean;
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

/** A page boundary: its start (row OFFSET and row OFFSET + 1) or its end (the last row and the one after LIMIT). */
export type TieBoundary = 'page-start' | 'page-end';

/**
 * The equivalence check in figures: both multiset differences (`EXCEPT ALL` each way) and both row counts, and
 * how the order was compared.
 */
export interface EquivalenceFigures {
  originalRows: number;
  rewriteRows: number;
  /** Rows of `original EXCEPT ALL rewrite`. */
  onlyInOriginal: number;
  /** Rows of `rewrite EXCEPT ALL original`. */
  onlyInRewrite: number;
  /**
   * 'same': same rows in the same order; 'ties-only': the order differs only among rows tied on the ORDER BY
   * key; 'differs': a different order with no ties; 'boundary-ties': rows tie at a page boundary, so any of the
   * tied rows is a correct answer there (equivalent: the rewrite's page is one the original may return, though
   * which tied rows it holds may differ from the original's); 'keys-not-output': the ORDER BY keys are not output columns, so
   * ties could not be checked; 'too-many-rows': more rows than the ordered comparison fetches; 'no-order':
   * the statement has no ORDER BY (a multiset is all there is to compare).
   */
  order: 'same' | 'ties-only' | 'differs' | 'boundary-ties' | 'keys-not-output' | 'too-many-rows' | 'no-order';
  /** The page boundaries where rows tie on the ORDER BY key, when any do (then `order` is 'boundary-ties' or 'differs'/'same' with a difference found outside the ties). */
  tiedBoundaries?: TieBoundary[];
}

/** One arm of a rewrite + index measurement: which changes are applied, and its figures. */
export interface CombinationArm {
  label: string;
  rewrite: boolean;
  index: boolean;
  figures: RunFigures;
}

/**
 * The rewrite together with an index (the index advisor's choice for the rewritten form): four arms measured in
 * one rolled-back transaction (the index is built there, never left behind), so the report can say which change
 * gave what.
 */
export interface RewriteCombination {
  where: string;
  /** The index DDL as it would be run (`CREATE INDEX CONCURRENTLY …`), and how to undo it. */
  indexSql: string[];
  rollbackSql: string[];
  /**
   * Original, rewrite alone, index alone, rewrite + index; each median of the same number of runs, except an arm
   * stopped by the statement_timeout (its figures `timedOut`: one bound, not run again).
   */
  arms: CombinationArm[];
}

/** The runs each arm's median is of (an arm stopped by the statement_timeout has its bound alone). */
export function runsPerArm(c: RewriteCombination): number {
  return Math.max(1, ...c.arms.filter((a) => !a.figures.timedOut).map((a) => a.figures.samplesMs.length));
}

/** The four arms by what they apply; undefined unless all four were measured. */
export function fourArms(
  c: RewriteCombination,
): { original: CombinationArm; rewrite: CombinationArm; index: CombinationArm; both: CombinationArm } | undefined {
  const arm = (rewrite: boolean, index: boolean): CombinationArm | undefined =>
    c.arms.find((a) => a.rewrite === rewrite && a.index === index);
  const original = arm(false, false);
  const rewrite = arm(true, false);
  const index = arm(false, true);
  const both = arm(true, true);
  return original && rewrite && index && both ? { original, rewrite, index, both } : undefined;
}

export interface Rewrite {
  /** The rule that wrote it (kebab-case). */
  id: RewriteId;
  /** This rewrite among the statement's (unique there): what index advice and fixes refer to. */
  ref: RewriteRef;
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
  /** The figures behind the verdict, when both forms ran. */
  equivalence?: EquivalenceFigures;
  measurement?: RewriteMeasurement;
  /** The rewrite measured with an index, when one was asked for. */
  combination?: RewriteCombination;
  /** Offer as a one-click fix: verified equivalent and measured faster. */
  quickFix: boolean;
  /** New parameters the rewrite introduces (`$last_total`), with how to fill them. */
  newParameters?: Array<{ name: string; description: string }>;
  /** The rewrite with `$n` only (the new parameters numbered after the statement's own), when rewrittenSql names them. */
  executableSql?: string;
  /**
   * Our own query, run with the statement's parameters, whose one row holds values for newParameters in order
   * (keyset: the key of the last row of the previous page); how the rewrite is run to prove and measure it.
   */
  extraParamsQuery?: string;
}
