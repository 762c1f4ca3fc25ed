/**
 * Plan regressions of a statement against its baseline, from the compare engine (matched nodes, totals,
 * spills): the estimated cost grew past a ratio, a large table read through an index is now read by a Seq
 * Scan, a sort or hash spills to disk that did not. Which of them fail the run is the user's `--fail-on`.
 */
import { comparePlans } from '../compare/comparePlans';
import type { CatalogSnapshot } from '../db/catalog';
import type { Plan } from '../plan/planNode';
import { formatCount } from '../report/formatNumbers';
import type { CheckOwnRuleId } from './checkRules';

export type RegressionKind = 'cost' | 'seq-scan' | 'spill';

export interface RegressionThresholds {
  /** Report when the total estimated cost is at least this many times the baseline's (default 2). */
  costRatio: number;
}

export const defaultRegressionThresholds: RegressionThresholds = { costRatio: 2 };

/** Rows from which a table is "large" for the Seq Scan regression: below, reading it whole is cheap. */
export const LARGE_TABLE_ROWS = 10_000;

export interface Regression {
  kind: RegressionKind;
  ruleId: CheckOwnRuleId;
  message: string;
  /** Cost after / before, for cost. */
  ratio?: number;
}

const ruleOf: Record<RegressionKind, CheckOwnRuleId> = {
  cost: 'plan-regression-cost',
  'seq-scan': 'plan-regression-seq-scan',
  spill: 'plan-regression-spill',
};

const indexedAccess = /^(Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)$/;

function tableRows(catalog: CatalogSnapshot | undefined, relation: string | undefined): number | undefined {
  if (!catalog || !relation) return undefined;
  const table = catalog.tables.find((t) => t.name === relation || `${t.schema}.${t.name}` === relation);
  return table?.estimatedRows;
}

function ratioText(ratio: number): string {
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
}

/** What got worse from `before` (the baseline) to `after`; `catalog` (of the after run) sizes the tables. */
export function findRegressions(before: Plan, after: Plan, thresholds: RegressionThresholds, catalog?: CatalogSnapshot): Regression[] {
  const comparison = comparePlans(before, after);
  const out: Regression[] = [];
  const cost = comparison.totals.cost;
  if (cost.ratio !== undefined && cost.ratio >= thresholds.costRatio) {
    out.push({
      kind: 'cost',
      ruleId: ruleOf.cost,
      ratio: cost.ratio,
      message: `Estimated cost ${ratioText(cost.ratio)} the baseline (${formatCount(Math.round(cost.before))} → ${formatCount(Math.round(cost.after))}).`,
    });
  }
  for (const match of comparison.matches) {
    if (!match.typeChange || match.typeChange.after !== 'Seq Scan' || !indexedAccess.test(match.typeChange.before)) continue;
    const node = after.nodes[match.afterId];
    const relation = node?.fields['Relation Name'];
    const rows = tableRows(catalog, typeof relation === 'string' ? relation : undefined);
    // Without a catalog the table's size is unknown: the change is reported rather than missed.
    if (rows !== undefined && rows < LARGE_TABLE_ROWS) continue;
    out.push({
      kind: 'seq-scan',
      ruleId: ruleOf['seq-scan'],
      message: `${match.afterLabel} was ${match.beforeLabel} in the baseline${rows !== undefined ? ` (table of about ${formatCount(rows)} rows)` : ''}.`,
    });
  }
  for (const spill of comparison.spills.appeared) {
    out.push({ kind: 'spill', ruleId: ruleOf.spill, message: `${spill.label} spills to disk (${spill.detail}); it did not in the baseline.` });
  }
  return out;
}
