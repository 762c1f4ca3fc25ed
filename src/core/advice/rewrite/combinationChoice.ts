/**
 * What to apply, read from a rewrite and its index measured together (the four arms of one run) by the rewrites'
 * noise rule. The report and the CLI say it in words (report/rewriteReport.ts: combinationVerdict); the editor's
 * fix list follows it, so a fix never builds an index the joint measurement found adding nothing.
 */
import { fourArms, type RewriteCombination } from '../rewriteSuggestion';
import { beyondNoise } from './verifyRewrite';

export type CombinationChoice =
  /** `eachAdds`: each is faster with the other than alone; else the index pays only on top of the rewrite. */
  | { apply: 'both'; eachAdds: boolean }
  /** The index adds nothing measurable once the rewrite is applied; `indexPaysAlone`: it does on the statement as written. */
  | { apply: 'rewrite'; indexPaysAlone: boolean }
  /** The rewrite adds nothing measurable once the index exists. */
  | { apply: 'index' }
  | { apply: 'neither' };

export function combinationChoice(c: RewriteCombination): CombinationChoice | undefined {
  const arms = fourArms(c);
  if (!arms) return undefined;
  const { original, rewrite, index, both } = arms;
  const indexAdds = beyondNoise(rewrite.figures, both.figures);
  const rewriteAdds = beyondNoise(index.figures, both.figures);
  const rewritePays = beyondNoise(original.figures, rewrite.figures);
  const indexPays = beyondNoise(original.figures, index.figures);
  if (indexAdds && rewriteAdds) return { apply: 'both', eachAdds: true };
  if (!indexAdds && rewritePays) return { apply: 'rewrite', indexPaysAlone: indexPays };
  if (!rewriteAdds && indexPays) return { apply: 'index' };
  if (indexAdds) return { apply: 'both', eachAdds: false };
  return { apply: 'neither' };
}

/** The statement's joint measurement (at most one rewrite carries one) and what it says to apply. */
export function statementChoice<R extends { combination?: RewriteCombination }>(
  rewrites: readonly R[],
): { rewrite: R; choice: CombinationChoice } | undefined {
  const rewrite = rewrites.find((r) => r.combination);
  const choice = rewrite?.combination ? combinationChoice(rewrite.combination) : undefined;
  return rewrite && choice ? { rewrite, choice } : undefined;
}
