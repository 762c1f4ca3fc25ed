/** Turns the raw tree into PlanNodes in pre-order (id = index), with metrics zeroed for the passes to fill. */
import { emptyBuffers, type BufferCounts, type NodeMetrics, type PlanNode } from './planNode';
import type { RawNode } from './rawPlan';

/**
 * Stands in for both buffer counts until applyBuffers gives each node its own: allocating two empty objects
 * per node only to replace them is most of this pass's garbage on a big plan. Frozen so that a pass run out
 * of order fails loudly instead of writing into every node at once.
 */
const NO_BUFFERS_YET: BufferCounts = Object.freeze(emptyBuffers());

export function buildNodes(root: RawNode): PlanNode[] {
  const nodes: PlanNode[] = [];
  // Iterative: a 50 MB plan can be deep enough to hurt a recursive walk. Two parallel stacks, no entry objects.
  const raws: RawNode[] = [root];
  const parents: Array<PlanNode | null> = [null];
  while (raws.length > 0) {
    const raw = raws.pop() as RawNode;
    const parent = parents.pop() as PlanNode | null;
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
    for (let i = raw.children.length - 1; i >= 0; i--) {
      raws.push(raw.children[i]);
      parents.push(node);
    }
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
    buffersInclusive: NO_BUFFERS_YET,
    buffersExclusive: NO_BUFFERS_YET,
    exclusiveCost: 0,
    underGather: false,
    neverExecuted: false,
  };
}
