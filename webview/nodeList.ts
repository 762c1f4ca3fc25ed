import type { PlanNode, RawPlanFields, TuningResult } from '../src/shared/protocol';

/**
 * The host sends `plan.nodes` empty (see the protocol's DidShowResultNotification); rebuild it from the tree.
 * Node ids are pre-order indexes, so nodes[i].id === i after the walk.
 */
export function withNodeList(result: TuningResult): TuningResult {
  if (result.plan.nodes.length > 0) return result;
  const nodes: PlanNode[] = [];
  const stack: PlanNode[] = [result.plan.root];
  while (stack.length > 0) {
    const node = stack.pop() as PlanNode;
    nodes[node.id] = node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return { ...result, plan: { ...result.plan, nodes } };
}

/** The same result without the node list, for the persisted state (it is rebuilt on restore). */
export function withoutNodeList(result: TuningResult): TuningResult {
  return result.plan.nodes.length === 0 ? result : { ...result, plan: { ...result.plan, nodes: [] } };
}

/**
 * Puts every node's full raw fields in place (a result first sent with `fieldsToFollow` carries only what
 * drawing needs). In place: the layout, the canvas and the search hold these node objects.
 */
export function fillNodeFields(result: TuningResult, fields: readonly RawPlanFields[]): void {
  for (const node of result.plan.nodes) {
    const full = fields[node.id];
    if (full && typeof full === 'object') node.fields = full;
  }
}
