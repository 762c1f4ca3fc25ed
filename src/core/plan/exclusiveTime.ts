/** Exclusive time (see attribution.ts for what is subtracted from what) and each node's share of the plan. */
import { exclusiveColumns, type Attribution } from './attribution';
import type { PlanNode } from './planNode';

export function applyExclusiveTimes(nodes: PlanNode[], attribution: Attribution, planTimeMs: number): void {
  const inclusive = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) inclusive[i] = nodes[i].metrics.inclusiveTimeMs;
  const exclusive = exclusiveColumns(attribution, inclusive, 1);
  for (let i = 0; i < nodes.length; i++) {
    const m = nodes[i].metrics;
    m.exclusiveTimeMs = exclusive[i];
    m.timeShare = planTimeMs > 0 ? Math.min(m.exclusiveTimeMs / planTimeMs, 1) : 0;
  }
}
