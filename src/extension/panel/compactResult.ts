import type { PlanNode, RawPlanFields } from '../../core/plan/planNode';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { DidShowResultNotification } from '../../shared/protocol';
import { packPlanNodes } from './packedNodes';

/**
 * The form a result crosses to the webview in. `plan.nodes` lists every node while each node also holds its
 * children, so JSON repeats every subtree once per ancestor (16 MB for a 2,000-node plan instead of 3 MB).
 * The list is sent empty; the webview rebuilds it from `plan.root` (node ids are pre-order indexes).
 * `rawPlan` stays on the host (Copy Plan as JSON and sharing read it there): it is as large as the plan itself
 * and the view draws nothing from it.
 */
export function compactResult(result: TuningResult): TuningResult {
  if (result.plan.nodes.length === 0 && result.rawPlan === '') return result;
  return { ...result, rawPlan: '', plan: { ...result.plan, nodes: [] } };
}

/**
 * The raw fields the first paint reads: node labels and roles (webview/nodeLabel.ts), the box figures
 * (planCanvas.ts), sibling groups (siblingGroups.ts) and search (nodeSearch.ts). Every other field (Output
 * lists, conditions, per-worker figures…) is shown only in the details pane and follows after the first paint
 * (`DidLoadNodeFieldsNotification`).
 */
export const firstPaintFieldKeys: ReadonlyArray<keyof RawPlanFields> = [
  'Node Type',
  'Parent Relationship',
  'Subplan Name',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'CTE Name',
  'Function Name',
  'Strategy',
  'Join Type',
  'Operation',
  'Total Cost',
  'Plan Rows',
  'Plan Width',
  'Actual Loops',
];

/**
 * The compact result with each node's fields cut to `firstPaintFieldKeys`, except the nodes in `fullFieldsOf`
 * (the node the view selects at once, whose details it shows). New node objects: the host's result is untouched.
 */
export function firstPaintResult(result: TuningResult, fullFieldsOf: ReadonlySet<number>): TuningResult {
  const compact = compactResult(result);
  // Copies made in pre-order, then linked: no recursion, plans come thousands of levels deep.
  const nodes = preorder(result.plan.root);
  const copies = new Map<PlanNode, PlanNode>();
  for (const node of nodes)
    copies.set(node, { ...node, fields: fullFieldsOf.has(node.id) ? node.fields : pick(node.fields), children: [] });
  for (const node of nodes)
    (copies.get(node) as PlanNode).children = node.children.map((c) => copies.get(c) as PlanNode);
  return { ...compact, plan: { ...compact.plan, root: copies.get(result.plan.root) as PlanNode } };
}

/** Insights in the first message: more than a side pane shows at once; the rest follow after the first paint. */
export const firstPaintInsights = 25;

/**
 * What the first message of a result carries: the compact result with its nodes packed as columns (see
 * packedNodes.ts; `plan.root` is then a childless stand-in), node fields cut to `firstPaintFieldKeys` except
 * for the nodes in `fullFieldsOf`, and the first `firstPaintInsights` insights. Falls back to the nodes as
 * objects (firstPaintResult) if the metrics hold something columns can't carry.
 */
export function firstPaintMessage(
  result: TuningResult,
  fullFieldsOf: ReadonlySet<number>,
): Pick<DidShowResultNotification, 'result' | 'packedNodes' | 'insightsToFollow'> {
  const nodes = preorder(result.plan.root);
  const packedNodes = packPlanNodes(nodes, (node) => pick(node.fields), fullFieldsOf);
  const insights =
    result.insights.length > firstPaintInsights ? result.insights.slice(0, firstPaintInsights) : result.insights;
  const insightsToFollow = insights === result.insights ? undefined : result.insights.length;
  if (!packedNodes) return { result: { ...firstPaintResult(result, fullFieldsOf), insights }, insightsToFollow };
  const root = result.plan.root;
  const standIn: PlanNode = {
    ...root,
    fields: fullFieldsOf.has(root.id) ? root.fields : pick(root.fields),
    children: [],
  };
  const compact = compactResult(result);
  return { result: { ...compact, insights, plan: { ...compact.plan, root: standIn } }, packedNodes, insightsToFollow };
}

/** The nodes of a tree in pre-order (their ids' order); a revived panel's result has an empty `plan.nodes`. */
export function preorder(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack: PlanNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as PlanNode;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return out;
}

/** Every node's full raw fields, by node id (pre-order), for after the first paint. */
export function nodeFieldsById(result: TuningResult): RawPlanFields[] {
  const out: RawPlanFields[] = [];
  const stack: PlanNode[] = [result.plan.root];
  while (stack.length > 0) {
    const node = stack.pop() as PlanNode;
    out[node.id] = node.fields;
    for (const child of node.children) stack.push(child);
  }
  return out;
}

const firstPaintKeySet: ReadonlySet<string> = new Set<string>(firstPaintFieldKeys as readonly string[]);

function pick(fields: RawPlanFields): RawPlanFields {
  // Same key order as the full fields, so the details pane lists them alike before and after.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (firstPaintKeySet.has(key)) out[key] = (fields as unknown as Record<string, unknown>)[key];
  }
  return out as unknown as RawPlanFields;
}
