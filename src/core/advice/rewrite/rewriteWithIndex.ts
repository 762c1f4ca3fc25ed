/**
 * The rewrite and the index advisors together: the index advisor judges the statement and its proven-equivalent
 * rewrites as alternative forms; when it picks a rewrite, that rewrite is measured with the chosen index (four
 * arms, see measureCombination) so the report can say which change gave what.
 */
import type { DatabaseSession } from '../../db/session';
import { adviseIndexes } from '../index/adviseIndexes';
import { rewriteOf, type IndexAdvice } from '../indexSuggestion';
import type { Rewrite } from '../rewriteSuggestion';
import { alternativeForms, asAlternatives } from './alternativeForms';
import { combinationInput, measureCombination, type CombinationOptions } from './measureCombination';

export interface RewriteWithIndexResult {
  advice: IndexAdvice;
  /** The rewrite the index advisor chose (its `combination` filled in), when it chose one. */
  chosen?: Rewrite;
}

/**
 * Asks the index advisor (measured what-if: the caller must allow building, never on production) and, when its
 * best combination applies to a rewrite, measures that rewrite with the advisor's indexes.
 */
export async function adviseRewriteWithIndex(
  session: DatabaseSession,
  sql: string,
  rewrites: Rewrite[],
  options: CombinationOptions = {},
): Promise<RewriteWithIndexResult> {
  const forms = await alternativeForms(session, rewrites, options.params);
  const advice = await adviseIndexes(session, sql, {
    allowMeasuredWhatIf: true,
    alternatives: asAlternatives(forms),
    params: options.params,
    statementTimeoutMs: options.statementTimeoutMs,
    signal: options.signal,
  });
  const chosen = advice.best ? rewriteOf(advice.best.appliesTo, rewrites) : undefined;
  if (!chosen || !advice.best) return { advice };
  const indexes = advice.suggestions.filter((s) => advice.best?.indexNames.includes(s.candidate.name));
  if (indexes.length === 0) return { advice };
  chosen.combination = await measureCombination(session, combinationInput(chosen, indexes), options);
  return { advice, chosen };
}
