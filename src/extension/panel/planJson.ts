/**
 * "Copy Plan as JSON": EXPLAIN (FORMAT JSON) as PostgreSQL would print it. A JSON plan is copied as received;
 * a text plan is rebuilt from the raw fields the model kept under PostgreSQL's own key names.
 */
import type { PlanNode } from '../../core/plan/planNode';
import { stringifyDeep } from '../../core/text/deepJson';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { preorder } from './compactResult';

export function planAsJson(result: TuningResult): string {
  const raw = result.rawPlan.trim();
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return stringifyDeep(JSON.parse(raw), 2);
    } catch {
      // Not valid JSON after all (a truncated paste): rebuild it from the model below.
    }
  }
  const plan = result.plan;
  const top: Record<string, unknown> = { Plan: nodeJson(plan.root) };
  if (plan.planningTimeMs !== undefined) top['Planning Time'] = plan.planningTimeMs;
  if (plan.executionTimeMs !== undefined) top['Execution Time'] = plan.executionTimeMs;
  // stringifyDeep, not JSON.stringify: that recurses, and fails on a plan some 3,000 levels deep.
  return stringifyDeep([top], 2);
}

/** The node with its children under "Plans", copied in pre-order and linked: no recursion. */
function nodeJson(root: PlanNode): Record<string, unknown> {
  const copies = new Map<PlanNode, Record<string, unknown>>();
  const order = preorder(root);
  for (const node of order) copies.set(node, { ...node.fields });
  for (const node of order) {
    if (node.children.length > 0)
      (copies.get(node) as Record<string, unknown>).Plans = node.children.map((c) => copies.get(c));
  }
  return copies.get(root) as Record<string, unknown>;
}
