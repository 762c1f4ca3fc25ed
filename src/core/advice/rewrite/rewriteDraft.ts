/**
 * What each rewrite module returns before any database has seen it: the SQL, the reasoning and what the
 * verifier needs (extra parameter values, known semantic differences), and the shape every rule has:
 * match → build (RewriteRule), or the reason it does not apply (NoMatch). adviseRewrites() turns drafts into
 * Rewrites by verifying and measuring them.
 */
import type { RewriteId } from '../rewriteSuggestion';
import type { ParsedSelect } from '../../sql/ast';
import type { TableShapes } from '../../db/tableShapes';

export interface RewriteInput {
  parsed: ParsedSelect;
  /** Catalog facts for the statement's tables; undefined without a session. */
  shapes?: TableShapes;
}

/** A column the statement as written probes once per outer row (a correlated subquery's key). */
export interface KeyColumn {
  /** The table as SQL text, quoted where needed (`public.orders`, `"Shop"."Order Line"`). */
  table: string;
  column: string;
}

export interface RewriteDraft {
  id: RewriteId;
  title: string;
  explanation: string;
  /** The rewrite as shown to the user (named parameters such as `:last_id` allowed). */
  rewrittenSql: string;
  /** The rewrite with `$n` only, for running it; defaults to rewrittenSql. */
  executableSql?: string;
  caveats: string[];
  findings?: string[];
  newParameters?: Array<{ name: string; description: string }>;
  /**
   * Values for the parameters the rewrite adds (after the statement's own), found by running this query of
   * our own with the statement's parameters; its one row's columns, in order, are the values.
   */
  extraParamsQuery?: string;
  /** Set when the semantics already say the results can differ (NOT IN over a nullable column). */
  knownDifference?: string;
  /**
   * Columns the statement as written probes once per outer row (a correlated subquery's key): without an index on
   * one, the proof makes one in its rolled-back transaction where building is allowed (verifyRewrite).
   */
  keyColumns?: KeyColumn[];
}

/**
 * Why a rule does not apply. `step` says how far its match got: 0 when the statement is not of the rule's
 * shape at all (no GROUP BY for aggregate-before-join, no OFFSET for keyset pagination), higher the more of its
 * conditions the statement met, so the rule that came closest can be named with what blocked it.
 */
export interface NoMatch {
  matched: false;
  reason: string;
  step: number;
}

export interface Matched<M> {
  matched: true;
  match: M;
}

export type MatchResult<M> = Matched<M> | NoMatch;

export function noMatch(step: number, reason: string): NoMatch {
  return { matched: false, reason, step };
}

export function matched<M>(match: M): Matched<M> {
  return { matched: true, match };
}

/**
 * Every rewrite rule has this shape: match() reads the statement and returns what build() needs (or why not);
 * build() writes the rewrite(s) from that, without looking at the statement again for a reason to give up.
 */
export interface RewriteRule<M = unknown> {
  id: RewriteId;
  match(input: RewriteInput): MatchResult<M>;
  build(match: M, input: RewriteInput): RewriteDraft[];
}
