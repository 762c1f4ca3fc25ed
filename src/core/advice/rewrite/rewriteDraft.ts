/**
 * What each rewrite module returns before any database has seen it: the SQL, the reasoning and what the
 * verifier needs (extra parameter values, known semantic differences). adviseRewrites() turns drafts into
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
}

export type RewriteRule = (input: RewriteInput) => RewriteDraft[];
