/**
 * The rewrite and the index advisors together: the index advisor judges the statement and its proven-equivalent
 * rewrites as alternative forms; when it picks a rewrite, that rewrite is measured with the chosen index (four
 * arms, see measureCombination) so the report can say which change gave what.
 */
import type { DatabaseSession } from '../../db/session';
import { adviseIndexes } from '../index/adviseIndexes';
import type { IndexAdvice } from '../indexSuggestion';
import type { Rewrite } from '../rewriteSuggestion';
import { measureCombination, type CombinationOptions } from './measureCombination';

export interface RewriteWithIndexResult {
  advice: IndexAdvice;
  /** The rewrite the index advisor chose (its `combination` filled in), when it chose one. */
  chosen?: Rewrite;
}

/** Only rewrites proven equivalent and runnable with the statement's own parameters can be an alternative form. */
function alternativeForms(rewrites: Rewrite[]): Rewrite[] {
  return rewrites.filter((r) => r.verification === 'equivalent' && !r.newParameters?.length);
}

/**
 * Asks the index advisor (measured what-if: the caller must allow building, never on production) and, when its
 * best combination applies to a rewrite, measures that rewrite with the advisor's indexes.
 */
export async function adviseRewriteWithIndex(session: DatabaseSession, sql: string, rewrites: Rewrite[], options: CombinationOptions = {}): Promise<RewriteWithIndexResult> {
  const forms = alternativeForms(rewrites);
  const advice = await adviseIndexes(session, sql, {
    allowMeasuredWhatIf: true,
    alternatives: forms.map((r) => ({ label: r.title, sql: r.rewrittenSql })),
    params: options.params,
    statementTimeoutMs: options.statementTimeoutMs,
    signal: options.signal,
  });
  const chosen = forms.find((r) => r.title === advice.best?.appliesTo);
  if (!chosen || !advice.best) return { advice };
  const indexes = advice.suggestions.filter((s) => advice.best?.indexNames.includes(s.candidate.name));
  if (indexes.length === 0) return { advice };
  chosen.combination = await measureCombination(
    session,
    { originalSql: chosen.originalSql, rewriteSql: chosen.rewrittenSql, indexSql: indexes.map((s) => s.createSql), rollbackSql: indexes.map((s) => s.rollbackSql) },
    options,
  );
  return { advice, chosen };
}
