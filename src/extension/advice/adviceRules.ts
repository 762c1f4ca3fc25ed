/**
 * Rule ids of the advice the editor shows: the diagnostic's `code`, the fix registry's key and the hover's
 * entry share them (house rule 6).
 */
/** A verified index suggestion on a statement; its quick fix opens the DDL, never runs it. */
export const indexSuggestionRule = 'index-suggestion';
/** A rewrite proven equivalent and measured faster: its quick fix replaces the statement. */
export const queryRewriteRule = 'query-rewrite';
/** A rewrite that is not a fix (unverified, not equivalent, not faster): information in the hover only. */
export const rewriteInfoRule = 'query-rewrite-info';
/** An N+1 query loop in a .ts/.js file. */
export const nPlusOneRule = 'n-plus-one-query';

export const adviceRuleIds: readonly string[] = [indexSuggestionRule, queryRewriteRule, rewriteInfoRule];
