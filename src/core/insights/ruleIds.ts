/**
 * Every rule id an insight can carry, in `as const` tables: the plan and SQL rules, the advisors' findings the
 * editor shows, and the syntax error. A diagnostic's `code`, the quick-fix registry's key, the hover and SARIF all
 * use these, so a misspelt id does not compile and a test holds every id to the module that handles it. A leaf
 * module: the rule modules and `Insight` import it, it imports nothing.
 */
/**
 * The plan rules' ids, one per module of insights/plan (each module's id constant is one of these): `PlanRuleId`
 * is their union. A test holds this table to `planRules` (planRules.ts).
 */
export const planRuleIds = [
  'seq-scan-large-table',
  'row-misestimate',
  'nested-loop-many-rows',
  'filter-discards-most-rows',
  'sort-spills-to-disk',
  'hash-spills-to-disk',
  'lossy-bitmap-heap-scan',
  'index-only-scan-heap-fetches',
  'parallel-workers-not-launched',
  'jit-overhead',
  'high-planning-time',
  'temp-buffers-written',
  'cold-cache',
  'hotspot',
] as const;

export type PlanRuleId = (typeof planRuleIds)[number];

/**
 * The SQL rules' ids, one per module of insights/sql: `SqlRuleId` is their union. A test holds this table to
 * `sqlRules` (sqlRules.ts). A statement that does not parse yields `syntaxErrorRule` instead.
 */
export const sqlRuleIds = [
  'left-join-nullified',
  'not-in-subquery',
  'function-on-column',
  'implicit-cast-on-column',
  'leading-wildcard-like',
  'correlated-subquery',
  'offset-pagination',
  'order-by-random',
  'select-star',
  'missing-limit',
] as const;

export type SqlRuleId = (typeof sqlRuleIds)[number];

/** A statement PostgreSQL cannot parse. */
export const syntaxErrorRule = 'syntax-error';

/** The advisors' findings on a statement, as the editor shows them. */
export const adviceRuleIds = [
  /** A verified index suggestion for the statement as written: its quick fix opens the DDL, never runs it. */
  'index-suggestion',
  /** Indexes whose gain exists only with a rewrite: one finding and one fix for the pair (rewrite + DDL). */
  'rewrite-with-index',
  /** A rewrite proven equivalent and measured faster: its quick fix replaces the statement. */
  'query-rewrite',
  /** A rewrite that is not a fix (unverified, not equivalent, not faster): information in the hover only. */
  'query-rewrite-info',
  /** A summary kept beside the tables, proven and measured faster: its fix opens the DDL, never runs it. */
  'pre-aggregate',
  /** An N+1 query loop in a .ts/.js file. */
  'n-plus-one-query',
] as const;

export type AdviceRuleId = (typeof adviceRuleIds)[number];

export type RuleId = PlanRuleId | SqlRuleId | AdviceRuleId | typeof syntaxErrorRule;

export const indexSuggestionRule = 'index-suggestion' satisfies AdviceRuleId;
export const rewriteWithIndexRule = 'rewrite-with-index' satisfies AdviceRuleId;
export const queryRewriteRule = 'query-rewrite' satisfies AdviceRuleId;
export const rewriteInfoRule = 'query-rewrite-info' satisfies AdviceRuleId;
export const nPlusOneRule = 'n-plus-one-query' satisfies AdviceRuleId;
export const preAggregateRule = 'pre-aggregate' satisfies AdviceRuleId;

/** The advice findings of a statement (an N+1 loop is a file's): the ones a new advice run replaces. */
export const statementAdviceRuleIds: readonly AdviceRuleId[] = [
  indexSuggestionRule,
  rewriteWithIndexRule,
  queryRewriteRule,
  rewriteInfoRule,
  preAggregateRule,
];
