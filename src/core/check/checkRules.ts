/**
 * What `pg-tuner check` can report, one entry per rule id: the SQL and plan rules of the insight tables plus
 * the check's own (syntax, failing statements, plan regressions). SARIF's `tool.driver.rules` and the
 * Markdown legend are generated from here, so a code-scanning alert always links to a described rule.
 * `insightRuleIds` comes from the rule tables (`planRuleIds`, `sqlRuleIds`): a new rule without an entry here
 * does not compile.
 */
import type { Severity } from '../insights/insight';
import { planRuleIds, sqlRuleIds, syntaxErrorRule } from '../insights/ruleIds';

/** The check's own findings, besides the insight rules. */
export const checkOwnRuleIds = [
  syntaxErrorRule,
  'statement-error',
  'not-explained',
  'plan-regression-cost',
  'plan-regression-seq-scan',
  'plan-regression-spill',
] as const;

export type CheckOwnRuleId = (typeof checkOwnRuleIds)[number];

/** The insight rules the check reports: every SQL and plan rule, from their tables. */
export const insightRuleIds = [...sqlRuleIds, ...planRuleIds] as const;

export type CheckRuleId = CheckOwnRuleId | (typeof insightRuleIds)[number];

export interface CheckRuleMetadata {
  /** PascalCase name, as SARIF's `reportingDescriptor.name` wants it. */
  name: string;
  /** One line. */
  summary: string;
  /** Why it matters and what to do. */
  help: string;
  /** The severity the rule usually reports (a finding carries its own). */
  defaultSeverity: Severity;
  kind: 'sql' | 'plan' | 'check';
}

export const checkRules: Record<CheckRuleId, CheckRuleMetadata> = {
  'syntax-error': {
    name: 'SyntaxError',
    kind: 'check',
    defaultSeverity: 'critical',
    summary: 'The statement does not parse.',
    help: "PostgreSQL cannot parse this statement (libpg-query, the server's own parser), so it will fail at run time and cannot be checked or explained.",
  },
  'statement-error': {
    name: 'StatementError',
    kind: 'check',
    defaultSeverity: 'critical',
    summary: 'The database refuses to plan the statement.',
    help: 'EXPLAIN failed on the checked database (a table or column that does not exist in the migrations, a type error, …): the statement would fail the same way when the application runs it.',
  },
  'not-explained': {
    name: 'NotExplained',
    kind: 'check',
    defaultSeverity: 'info',
    summary: 'The statement was checked statically but not explained.',
    help: 'It has $n parameters on a server older than PostgreSQL 16 (no EXPLAIN GENERIC_PLAN), or EXPLAIN refused it; only the static SQL rules ran. DDL and maintenance statements are not explained and not reported.',
  },
  'plan-regression-cost': {
    name: 'PlanRegressionCost',
    kind: 'check',
    defaultSeverity: 'warning',
    summary: "The plan's estimated cost grew past the threshold against the baseline.",
    help: "The statement's total estimated cost is several times that of its stored baseline plan: an index was dropped, the query or the schema changed, or statistics moved. Compare the plans and fix the cause, or accept the new plan by deleting its baseline file and running with --update-baseline.",
  },
  'plan-regression-seq-scan': {
    name: 'PlanRegressionSeqScan',
    kind: 'check',
    defaultSeverity: 'warning',
    summary: 'A large table read by an index in the baseline is now read by a Seq Scan.',
    help: 'The baseline plan reached this table through an index; the new plan reads all of it. Usually an index was dropped or a predicate no longer matches it (a function on the column, another type).',
  },
  'plan-regression-spill': {
    name: 'PlanRegressionSpill',
    kind: 'check',
    defaultSeverity: 'warning',
    summary: 'A sort or hash spills to disk that did not in the baseline.',
    help: 'The new plan writes temporary files (an external sort, a hash in batches): more rows, wider rows or less work_mem than when the baseline was taken.',
  },
  'left-join-nullified': {
    name: 'LeftJoinNullified',
    kind: 'sql',
    defaultSeverity: 'warning',
    summary: 'A WHERE condition on the nullable side of a LEFT JOIN turns it into an inner join.',
    help: 'Rows without a match are dropped by the WHERE condition; move the condition into the ON clause, or write an inner join if that is what is meant.',
  },
  'not-in-subquery': {
    name: 'NotInSubquery',
    kind: 'sql',
    defaultSeverity: 'warning',
    summary: 'NOT IN (subquery) returns no rows when the subquery yields a NULL and cannot become an anti-join.',
    help: 'Write NOT EXISTS (SELECT 1 FROM … WHERE …): NULL-safe and planned as an anti-join.',
  },
  'function-on-column': {
    name: 'FunctionOnColumn',
    kind: 'sql',
    defaultSeverity: 'warning',
    summary: 'A function wrapped around a column keeps a plain index on it from being used.',
    help: 'Compare the bare column (rewrite the condition as a range), or index the expression.',
  },
  'implicit-cast-on-column': {
    name: 'ImplicitCastOnColumn',
    kind: 'sql',
    defaultSeverity: 'warning',
    summary: 'A cast on the column side of a comparison keeps its index from being used.',
    help: "Cast the constant to the column's type instead of the column.",
  },
  'leading-wildcard-like': {
    name: 'LeadingWildcardLike',
    kind: 'sql',
    defaultSeverity: 'info',
    summary: 'LIKE with a leading wildcard cannot use a B-tree index.',
    help: 'A trigram (pg_trgm) GIN index serves it, or full-text search.',
  },
  'correlated-subquery': {
    name: 'CorrelatedSubquery',
    kind: 'sql',
    defaultSeverity: 'info',
    summary: 'A correlated subquery may run once per outer row.',
    help: 'A join or a LATERAL join with an aggregate usually plans better.',
  },
  'offset-pagination': {
    name: 'OffsetPagination',
    kind: 'sql',
    defaultSeverity: 'info',
    summary: 'OFFSET pagination reads and throws away every skipped row.',
    help: 'Keyset pagination (WHERE (key) > (last seen) ORDER BY key LIMIT n) reads only the page.',
  },
  'order-by-random': {
    name: 'OrderByRandom',
    kind: 'sql',
    defaultSeverity: 'warning',
    summary: 'ORDER BY random() sorts the whole table to pick a few rows.',
    help: 'TABLESAMPLE, or picking random keys, reads far fewer rows.',
  },
  'select-star': {
    name: 'SelectStar',
    kind: 'sql',
    defaultSeverity: 'info',
    summary: 'SELECT * reads and sends every column.',
    help: 'Name the columns the code uses: less I/O, and index-only scans become possible.',
  },
  'missing-limit': {
    name: 'MissingLimit',
    kind: 'sql',
    defaultSeverity: 'info',
    summary: 'An ORDER BY without LIMIT sorts and returns every row.',
    help: 'Add a LIMIT when only the first rows are used.',
  },
  'seq-scan-large-table': {
    name: 'SeqScanLargeTable',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: 'A Seq Scan reads a large table to keep a small part of it.',
    help: 'An index on the filtered columns lets PostgreSQL read only the rows it keeps.',
  },
  'row-misestimate': {
    name: 'RowMisestimate',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: "The planner's row estimate is far from the actual rows.",
    help: "Run ANALYZE, raise the column's statistics target, or add extended statistics for correlated columns.",
  },
  'nested-loop-many-rows': {
    name: 'NestedLoopManyRows',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: 'A Nested Loop runs its inner side for very many outer rows.',
    help: 'An index on the inner join key, or better estimates so the planner picks a hash join.',
  },
  'filter-discards-most-rows': {
    name: 'FilterDiscardsMostRows',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: 'A scan reads many rows and its filter discards most of them.',
    help: 'An index (or a partial index) matching the filter reads only the rows kept.',
  },
  'sort-spills-to-disk': {
    name: 'SortSpillsToDisk',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: 'A sort does not fit in work_mem and spills to disk.',
    help: 'An index in the sort order avoids the sort; otherwise more work_mem for this query.',
  },
  'hash-spills-to-disk': {
    name: 'HashSpillsToDisk',
    kind: 'plan',
    defaultSeverity: 'warning',
    summary: 'A hash table does not fit in work_mem and is built in batches on disk.',
    help: 'Better estimates, a smaller build side, or more work_mem for this query.',
  },
  'lossy-bitmap-heap-scan': {
    name: 'LossyBitmapHeapScan',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'A bitmap became lossy and every row of its pages is rechecked.',
    help: 'More work_mem keeps the bitmap exact.',
  },
  'index-only-scan-heap-fetches': {
    name: 'IndexOnlyScanHeapFetches',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'An index-only scan still visits the table for many rows.',
    help: 'VACUUM the table so its visibility map is current.',
  },
  'parallel-workers-not-launched': {
    name: 'ParallelWorkersNotLaunched',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'Fewer parallel workers launched than planned.',
    help: 'The server ran out of max_parallel_workers; the plan ran slower than the planner expected.',
  },
  'jit-overhead': {
    name: 'JitOverhead',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'JIT compilation takes a large part of the time.',
    help: 'Raise jit_above_cost or turn JIT off for short queries.',
  },
  'high-planning-time': {
    name: 'HighPlanningTime',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'Planning takes a large part of the time.',
    help: 'Prepared statements reuse plans; many partitions or joins make planning slow.',
  },
  'temp-buffers-written': {
    name: 'TempBuffersWritten',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'The query writes temporary files.',
    help: 'A sort, hash or materialisation did not fit in work_mem.',
  },
  'cold-cache': {
    name: 'ColdCache',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'Most pages were read from disk, not from shared buffers.',
    help: 'A second run may be much faster; judge the query on a warm cache too.',
  },
  hotspot: {
    name: 'Hotspot',
    kind: 'plan',
    defaultSeverity: 'info',
    summary: 'One plan node takes most of the time.',
    help: 'Start tuning there.',
  },
};

export function isCheckRuleId(id: string): id is CheckRuleId {
  return Object.prototype.hasOwnProperty.call(checkRules, id);
}
