/**
 * Exclusive cost: Total Cost minus every child's Total Cost (InitPlans, SubPlans and CTEs included, as the
 * planner charges their cost to the node they hang from), never below 0.
 */
import { numberField } from './fieldValues';
import type { PlanNode } from './planNode';

export function applyExclusiveCosts(nodes: PlanNode[]): void {
  for (const node of nodes) {
    let cost = numberField(node.fields, 'Total Cost') ?? 0;
    for (const child of node.children) cost -= numberField(child.fields, 'Total Cost') ?? 0;
    node.metrics.exclusiveCost = cost > 0 ? cost : 0;
  }
}
