import type {
  NodeMetrics,
  PackedColumn,
  PackedPlanNodes,
  PlanNode,
  RawPlanFields,
  TuningResult,
} from '../src/shared/protocol';

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

/**
 * The result of a first message whose nodes came as columns (`DidShowResultNotification.packedNodes`): the
 * tree rebuilt, `plan.root` and `plan.nodes` set. Ids are positions in pre-order, so a parent always comes
 * before its children and children are appended in order.
 */
export function unpackNodes(result: TuningResult, packed: PackedPlanNodes): TuningResult {
  const { count, parents } = packed;
  const nodes: PlanNode[] = new Array(count);
  const fields = packed.fields.map((c) => ({ key: c.path[0], read: columnReader(c.column) }));
  const metrics = packed.metrics.map((c) => ({ path: c.path, read: columnReader(c.column) }));
  const full = new Map(packed.fullFields.map((f) => [f.id, f.fields]));
  for (let id = 0; id < count; id++) {
    let nodeFields = full.get(id);
    if (!nodeFields) {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const value = f.read(id);
        if (value !== undefined) out[f.key] = value;
      }
      nodeFields = out as RawPlanFields;
    }
    const nodeMetrics: Record<string, unknown> = {};
    for (const m of metrics) {
      const value = m.read(id);
      if (value === undefined) continue;
      if (m.path.length === 1) {
        nodeMetrics[m.path[0]] = value;
      } else {
        const inner = (nodeMetrics[m.path[0]] ??= {}) as Record<string, unknown>;
        inner[m.path[1]] = value;
      }
    }
    const parentId = parents[id] < 0 ? null : parents[id];
    const parent = parentId === null ? undefined : nodes[parentId];
    const node: PlanNode = {
      id,
      parentId,
      depth: parent ? parent.depth + 1 : 0,
      fields: nodeFields,
      children: [],
      metrics: nodeMetrics as unknown as NodeMetrics,
    };
    nodes[id] = node;
    parent?.children.push(node);
  }
  if (count === 0) return withNodeList(result);
  return { ...result, plan: { ...result.plan, root: nodes[0], nodes } };
}

/** Reads node `id`'s value from a column; undefined: the node has no such key. */
function columnReader(column: PackedColumn): (id: number) => unknown {
  if ('constant' in column) {
    const value = column.constant ?? undefined;
    return () => value;
  }
  if ('numbers' in column) {
    const numbers = column.numbers;
    return (id) => {
      const v = numbers[id];
      return Number.isNaN(v) ? undefined : v;
    };
  }
  if ('labels' in column) {
    const { labels, codes } = column;
    return (id) => labels[codes[id]] ?? undefined;
  }
  const values = column.values;
  return (id) => values[id] ?? undefined;
}
