/** Exclusive time (see attribution.ts for what is subtracted from what) and each node's share of the plan. */
import { exclusiveValues, type Attribution } from './attribution';
import type { PlanNode } from './planNode';

export function applyExclusiveTimes(nodes: PlanNode[], attribution: Attribution, planTimeMs: number): void {
  const exclusive = exclusiveValues(attribution, nodes.map((n) => n.metrics.inclusiveTimeMs));
  for (const node of nodes) {
    const m = node.metrics;
    m.exclusiveTimeMs = exclusive[node.id];
    m.timeShare = planTimeMs > 0 ? Math.min(m.exclusiveTimeMs / planTimeMs, 1) : 0;
  }
}
