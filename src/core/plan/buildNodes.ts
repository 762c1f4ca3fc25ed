/** Turns the raw tree into PlanNodes in pre-order (id = index), with metrics zeroed for the passes to fill. */
import { emptyBuffers, type NodeMetrics, type PlanNode } from './planNode';
import type { RawNode } from './rawPlan';

export function buildNodes(root: RawNode): PlanNode[] {
  const nodes: PlanNode[] = [];
  // Iterative: a 50 MB plan can be deep enough to hurt a recursive walk.
  const stack: Array<{ raw: RawNode; parent: PlanNode | null }> = [{ raw: root, parent: null }];
  while (stack.length > 0) {
    const { raw, parent } = stack.pop() as { raw: RawNode; parent: PlanNode | null };
    const node: PlanNode = {
      id: nodes.length,
      parentId: parent ? parent.id : null,
      depth: parent ? parent.depth + 1 : 0,
      fields: raw.fields,
      children: [],
      metrics: zeroMetrics(),
    };
    nodes.push(node);
    parent?.children.push(node);
    for (let i = raw.children.length - 1; i >= 0; i--) stack.push({ raw: raw.children[i], parent: node });
  }
  return nodes;
}

function zeroMetrics(): NodeMetrics {
  return {
    inclusiveTimeMs: 0,
    exclusiveTimeMs: 0,
    timeShare: 0,
    actualRowsTotal: 0,
    estimatedRowsTotal: 0,
    misestimateFactor: 1,
    misestimateDirection: 'none',
    rowsRemovedByFilter: 0,
    rowsRemovedByJoinFilter: 0,
    rowsRemovedByIndexRecheck: 0,
    buffersInclusive: emptyBuffers(),
    buffersExclusive: emptyBuffers(),
    exclusiveCost: 0,
    underGather: false,
    neverExecuted: false,
  };
}
