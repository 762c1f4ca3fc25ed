/**
 * What the index advisor proposes: a candidate (what to build and why), and a suggestion (the candidate
 * plus its DDL, its rollback, and the figures that back it, each with the method that produced it).
 * Plain data: it crosses to the webview and the report as JSON.
 */
import type { Plan } from '../plan/planNode';
import type { SourceRange } from '../positions';
import { rewriteByRef, type RewriteRef } from './rewriteSuggestion';

/**
 * Which form of the statement index figures are for: the statement as written, or one of its rewrites by
 * reference (`Rewrite.ref`), never by its title. In `--json`: `{"kind":"as-written"}` or
 * `{"kind":"rewrite","rewrite":"aggregate-before-join#1"}`.
 */
export type AppliesTo = { kind: 'as-written' } | { kind: 'rewrite'; rewrite: RewriteRef };

export const asWritten: AppliesTo = { kind: 'as-written' };

export function appliesToRewrite(rewrite: RewriteRef): AppliesTo {
  return { kind: 'rewrite', rewrite };
}

/** The rewrite the figures need, among the statement's rewrites; undefined for the statement as written. */
export function rewriteOf<R extends { ref: RewriteRef }>(appliesTo: AppliesTo, rewrites: readonly R[]): R | undefined {
  return appliesTo.kind === 'rewrite' ? rewriteByRef(rewrites, appliesTo.rewrite) : undefined;
}

export type IndexMethod = 'btree' | 'gin';

/** One key of an index: a column or an expression, in order. */
export interface IndexKey {
  /** Plain column name (unquoted); absent for an expression key. */
  column?: string;
  /** Expression as it goes between the parentheses of the index (`lower(email)`), columns unqualified. */
  expression?: string;
  descending?: boolean;
  /** Operator class when not the default (`jsonb_path_ops`). */
  opclass?: string;
  /** Why this key sits at this position ("equality on user_id, 20 000 distinct values"). */
  reason: string;
}

/** What shaped the candidate; several may apply (a covering partial composite index). */
export type CandidateFeature =
  'composite' | 'covering' | 'partial' | 'expression' | 'gin' | 'join-key' | 'sort' | 'group' | 'correlation';

/** A statement predicate, join key or sort the candidate serves, as written in the statement. */
export interface ServedClause {
  kind: 'predicate' | 'join' | 'order-by' | 'group-by' | 'select';
  text: string;
  range?: SourceRange;
}

export interface IndexCandidate {
  /** Schema of the table when known (from the catalog), else undefined (search_path). */
  schema?: string;
  table: string;
  method: IndexMethod;
  keys: IndexKey[];
  /** INCLUDE columns (B-tree only), so an index-only scan can return them. */
  include: string[];
  /** Partial index predicate, SQL over unqualified columns (`created_at >= '2024-01-01'`). */
  predicate?: string;
  features: CandidateFeature[];
  /** The readable generated name (≤ 63 bytes), unquoted. */
  name: string;
  /** What the candidate serves in the statement. */
  serves: ServedClause[];
  /** How strongly the rules rate it, 0..1; ≥ 0.7 is carried to measurement even when a hypothetical plan ignores it. */
  ruleScore: number;
  /** One sentence: why these columns in this order. */
  columnOrderReason: string;
}

export type EstimateMethod = 'hypopg' | 'planner';

/** Planner cost with and without the index; 'hypopg' = a hypothetical index, 'planner' = a real one built in a rolled-back transaction. */
export interface EstimatedFigures {
  method: EstimateMethod;
  costBefore: number;
  costAfter: number;
  /** Whether the plan with the index uses it. */
  usedInPlan: boolean;
  /** HypoPG's size estimate (often 2–3× too large), bytes. */
  estimatedSizeBytes?: number;
}

/** Real times: EXPLAIN ANALYZE median of several runs without and with the index built in a rolled-back transaction. */
export interface MeasuredFigures {
  method: 'measured';
  /** Where it was measured: the session label ("embedded", "user@host:5432/db"). */
  where: string;
  timeBeforeMs: number;
  /** The statement without the index did not finish within the statement_timeout: timeBeforeMs is that bound. */
  beforeTimedOut?: boolean;
  timeAfterMs: number;
  samplesBeforeMs: number[];
  samplesAfterMs: number[];
  /** pg_relation_size of the real index. */
  sizeBytes: number;
  buildMs: number;
  usedInPlan: boolean;
  /** Shared buffers (hit + read) of the median run without and with the index: deterministic where times are noisy. */
  buffersBefore?: number;
  buffersAfter?: number;
  /** When the first timing was unclear: runs without and with the index, back to back, whose medians the times above then are. */
  paired?: { beforeMs: number[]; afterMs: number[] };
}

/** A statement planned with and without the index, when it is not the one being tuned. */
export interface SiblingEffect {
  sql: string;
  costBefore: number;
  costAfter: number;
  method: EstimateMethod;
}

export interface WriteOverhead {
  table: string;
  /** Index size (measured when available, else HypoPG's estimate), bytes. */
  indexSizeBytes?: number;
  tableBytes?: number;
  /** pg_stat_user_tables counters since the last reset. */
  inserts?: number;
  updates?: number;
  deletes?: number;
}

export interface IndexSuggestion {
  candidate: IndexCandidate;
  /** `CREATE INDEX CONCURRENTLY name ON schema.table … ;` */
  createSql: string;
  /** `DROP INDEX CONCURRENTLY schema.name;` */
  rollbackSql: string;
  columnOrderReason: string;
  /** Which form of the statement the figures are for. */
  appliesTo: AppliesTo;
  estimate?: EstimatedFigures;
  measurement?: MeasuredFigures;
  /** 'measured' when real times back it, otherwise 'estimated only'. */
  label: 'measured' | 'estimated only';
  planBefore?: Plan;
  planAfter?: Plan;
  writeOverhead?: WriteOverhead;
  siblings: SiblingEffect[];
  /** "sibling statement … gets slower", "HypoPG did not use it; the measured plan did", … */
  warnings: string[];
}

/** An index the rules wanted that an existing index already serves. */
export interface CoveredCandidate {
  candidate: IndexCandidate;
  existingIndex: string;
  note: string;
}

export interface AdviceNote {
  kind:
    | 'analyze-first'
    | 'not-a-table'
    | 'no-btree-opclass'
    | 'not-immutable'
    | 'already-covered'
    | 'hypopg-unavailable'
    | 'measurement-skipped'
    | 'statement-kind'
    | 'parameters'
    | 'nothing-to-index'
    | 'form-timed'
    | 'dropped';
  message: string;
  table?: string;
}

/** The best combination found: which form of the statement, with which indexes. */
export interface BestCombination {
  appliesTo: AppliesTo;
  indexNames: string[];
  costBefore: number;
  /** Absent when the what-if method could not plan the indexes (HypoPG has no GIN, BRIN, …): "not estimated". */
  costAfter?: number;
  estimateMethod?: EstimateMethod;
  timeBeforeMs?: number;
  /** See MeasuredFigures.beforeTimedOut. */
  beforeTimedOut?: boolean;
  timeAfterMs?: number;
  /**
   * The rewrite the estimates preferred, alone with no index, measured faster than these indexes on the statement
   * as written (another run): the advice where the statement can change; the indexes are for where it cannot.
   */
  rewriteAlone?: { appliesTo: AppliesTo; timeMs: number };
}

/**
 * Estimates first, builds last: every candidate family rated by its estimated cost (HypoPG: nothing built), and
 * only the few that survive built and timed for real (in rolled-back transactions).
 */
export interface ScreeningSummary {
  /** 'hypopg': hypothetical indexes; 'planner': each screened candidate was built in a rolled-back transaction. */
  method: EstimateMethod;
  /** Candidates the rules generated (those an existing index covers left out). */
  candidates: number;
  /** Their families: table, access method and leading key. */
  families: number;
  /** Rated alone by their estimated cost. */
  screened: number;
  /** The greedy choice and the candidates of other families estimated close to it. */
  survivors: number;
  /** Rated highly by the rules though the estimated plan ignored them (HypoPG cannot plan GIN): built as well. */
  carried: number;
  /** Built and timed for real (0 when building is not allowed): the sum of `builtFor`. */
  built: number;
  /**
   * What the builds were for: `screened`, the survivors and carried ones (`maxMeasured`, 3, at most); `narrower`,
   * smaller forms of the fastest (without INCLUDE, fewer INCLUDE columns, the leading key alone); `complement`,
   * indexes for the other side of a join timed on top of the chosen one (2 at most).
   */
  builtFor: { screened: number; narrower: number; complement: number };
}

export interface IndexAdvice {
  sql: string;
  /** Kept suggestions, most gain first. */
  suggestions: IndexSuggestion[];
  covered: CoveredCandidate[];
  notes: AdviceNote[];
  /** Whether HypoPG screened the candidates; absent when no candidate needed screening (it was never asked). */
  hypopg?: { available: boolean; version?: string; reason?: string };
  /** Whether real indexes were built (in rolled-back transactions) to measure, and if not, why. */
  measurement: { done: boolean; reason?: string };
  best?: BestCombination;
  /** How the candidates were narrowed down before any build; absent when nothing could rate them. */
  screening?: ScreeningSummary;
  /** Set when the candidates were built and timed on a sample copy of the tables (`advise --sample-copy`). */
  sampleCopy?: SampleCopyReport;
}

/** A table copied for `--sample-copy`: how, and how many rows of about how many. */
export interface SampledTable {
  schema: string;
  table: string;
  /** The temporary table's name (dropped when the advice is done). */
  copy: string;
  /** sampled (TABLESAMPLE BERNOULLI), the rows referencing the sampled parent's rows, or copied whole (small). */
  method: 'sample' | 'children' | 'whole';
  /** pg_class.reltuples of the original. */
  rowsFull: number;
  rowsCopied: number;
  parent?: { table: string; column: string; childColumn: string };
}

/**
 * What was measured on the sample copy and how it carries to the full tables: an estimate, checked against the
 * statement's time on the full tables (run once, no index built there) and the plan with the index there
 * (HypoPG's estimate) against the plan on the sample.
 */
export interface SampleCopyReport {
  fraction: number;
  seed: number;
  tables: SampledTable[];
  /** Copying, VACUUM and ANALYZE, ms. */
  copyMs: number;
  limitations: string[];
  /** The statement (the winning form) timed on the copies without a new index, and on the full tables once. */
  sampleBeforeMs?: number;
  fullBeforeMs?: number;
  checks: SampleCheck[];
  /** One or two sentences for the report: what the figures are, and that they are an estimate. */
  summary: string;
}

export interface SampleCheck {
  index: string;
  /** Measured before ÷ after on the sample copy. */
  sampleRatio: number;
  /** Planner cost before ÷ after on the sample (real index) and on the full tables (HypoPG), when known. */
  sampleCostRatio?: number;
  fullCostRatio?: number;
  /** The index is used on the sample and (HypoPG) on the full tables, each table read the same way. */
  sameShape?: boolean;
  /** How each table is read with the index: "orders: Index Scan using the candidate", full (HypoPG) and sample. */
  accessPaths?: { full: string[]; sample: string[] };
  /** fullBeforeMs ÷ sampleRatio: what the full table may take with the index. An estimate, never measured. */
  projectedAfterMs?: number;
}
