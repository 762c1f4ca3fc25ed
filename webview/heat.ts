import type { Plan, PlanNode } from '../src/shared/protocol';

/** 0 = negligible … 4 = dominant; drives the node's colour (CSS classes heat-0 … heat-4). */
export type HeatLevel = 0 | 1 | 2 | 3 | 4;

export function heatLevel(share: number): HeatLevel {
  if (share >= 0.4) return 4;
  if (share >= 0.2) return 3;
  if (share >= 0.1) return 2;
  if (share >= 0.02) return 1;
  return 0;
}

/**
 * The node's share of the plan: exclusive time over execution time when analysed, otherwise exclusive
 * cost over total cost (an estimate-only plan still deserves colours).
 */
export function nodeShare(plan: Plan, node: PlanNode): number {
  if (plan.analyzed) return clamp01(node.metrics.timeShare);
  const total = plan.totals.cost || plan.root.fields['Total Cost'] || 0;
  return total > 0 ? clamp01(node.metrics.exclusiveCost / total) : 0;
}

/** Rows that flow out of the node to its parent (the edge's thickness). */
export function outputRows(plan: Plan, node: PlanNode): number {
  if (plan.analyzed && !node.metrics.neverExecuted) return node.metrics.actualRowsTotal;
  return node.metrics.estimatedRowsTotal || node.fields['Plan Rows'] || 0;
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
