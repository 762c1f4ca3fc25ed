/** Evidence as one line of text, for the CLI, the report and hovers alike. */
import type { Evidence } from './insight';

/** "Rows removed by filter: 99,689 rows"; integers get separators, fractions at most two decimals. */
export function formatEvidence(evidence: Evidence): string {
  const v = evidence.value;
  const value =
    typeof v === 'number'
      ? new Intl.NumberFormat('en-US', { maximumFractionDigits: Number.isInteger(v) ? 0 : 2 }).format(v)
      : v;
  return `${evidence.label}: ${value}${evidence.unit ? ` ${evidence.unit}` : ''}`;
}
