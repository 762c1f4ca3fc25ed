/** The parameters a user is asked for, in `$n` order: `$1…` as written, then the `:name`s that became `$n`. */
import type { NamedParameterRewrite } from '../../core/sql/namedParameters';

export interface ParameterValues {
  values: string[];
  /** True when at least one value was left empty: the statement is planned, not run. */
  incomplete: boolean;
}

export function parameterLabels(rewrite: Pick<NamedParameterRewrite, 'names' | 'firstNumber'>): string[] {
  const labels: string[] = [];
  for (let n = 1; n < rewrite.firstNumber; n++) labels.push(`$${n}`);
  for (const name of rewrite.names) labels.push(`:${name}`);
  return labels;
}
