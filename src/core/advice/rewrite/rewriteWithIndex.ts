/**
 * The rewrite and the index advisors together: the index advisor judges the statement and its proven-equivalent
 * rewrites as alternative forms; when it picks a rewrite, that rewrite is measured with the chosen index (four
 * arms, see measureCombination) so the report can say which change gave what.
 */
import type { DatabaseSession } from '../../db/session';
import { adviseIndexes, type AdviseIndexesOptions } from '../index/adviseIndexes';
import { rewriteOf, type IndexAdvice } from '../indexSuggestion';
import type { Rewrite } from '../rewriteSuggestion';
import { alternativeForms, asAlternatives, asWrittenPastMs } from './alternativeForms';
import { combinationInput, measureCombination, type CombinationOptions } from './measureCombination';

export interface RewriteWithIndexResult {
  advice: IndexAdvice;
  /** The rewrite the index advisor chose (its `combination` filled in, except on a sample copy), when it chose one. */
  chosen?: Rewrite;
  /** Why the chosen rewrite was not measured with its index (the indexes were built on a sample copy). */
  combinationNote?: string;
}

export interface RewriteWithIndexOptions extends CombinationOptions {
  /** Build and time the candidates on sample copies of the tables (adviseIndexes), never on the tables. */
  sampleCopy?: AdviseIndexesOptions['sampleCopy'];
}

/**
 * Asks the index advisor (measured what-if: the caller must allow building, never on production) and, when its
 * best combination applies to a rewrite, measures that rewrite with the advisor's indexes.
 */
export async function adviseRewriteWithIndex(
  session: DatabaseSession,
  sql: string,
  rewrites: Rewrite[],
  options: RewriteWithIndexOptions = {},
): Promise<RewriteWithIndexResult> {
  const forms = await alternativeForms(session, rewrites, options.params);
  const advice = await adviseIndexes(session, sql, {
    allowMeasuredWhatIf: true,
    alternatives: asAlternatives(forms),
    params: options.params,
    statementTimeoutMs: options.statementTimeoutMs,
    signal: options.signal,
    sampleCopy: options.sampleCopy,
    asWrittenPastMs: asWrittenPastMs(rewrites),
  });
  const chosen = advice.best ? rewriteOf(advice.best.appliesTo, rewrites) : undefined;
  if (!chosen || !advice.best) return { advice };
  const indexes = advice.suggestions.filter((s) => advice.best?.indexNames.includes(s.candidate.name));
  if (indexes.length === 0) return { advice };
  // Measuring the rewrite with its index builds the index on the tables themselves: not what was asked for.
  if (options.sampleCopy)
    return {
      advice,
      chosen,
      combinationNote: `${advice.best.indexNames.join(' + ')} was measured on a sample copy; the rewrite and the index are not measured together, which would build the index on your tables.`,
    };
  chosen.combination = await measureCombination(session, combinationInput(chosen, indexes), options);
  return { advice, chosen };
}
