/**
 * Exclusive cost: Total Cost minus every child's Total Cost (InitPlans, SubPlans and CTEs included, as the
 * planner charges their cost to the node they hang from), never below 0.
 */
import type { NodeNumbers } from './nodeNumbers';
import type { PlanNode } from './planNode';

export function applyExclusiveCosts(nodes: PlanNode[], numbers: NodeNumbers): void {
  const n = nodes.length;
  // A node's children come after it in pre-order and subtract themselves from it.
  const cost = new Float64Array(n);
  for (let i = 0; i < n; i++) cost[i] = numbers.totalCost[i] ?? 0;
  const exclusive = Float64Array.from(cost);
  for (let i = 1; i < n; i++) {
    const p = nodes[i].parentId;
    if (p !== null) exclusive[p] -= cost[i];
  }
  for (let i = 0; i < n; i++) nodes[i].metrics.exclusiveCost = exclusive[i] > 0 ? exclusive[i] : 0;
}
