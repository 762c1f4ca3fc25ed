/**
 * "Copy Plan as JSON": EXPLAIN (FORMAT JSON) as PostgreSQL would print it. A JSON plan is copied as received;
 * a text plan is rebuilt from the raw fields the model kept under PostgreSQL's own key names.
 */
import type { PlanNode } from '../../core/plan/planNode';
import type { TuningResult } from '../../core/tuningResult';

export function planAsJson(result: TuningResult): string {
  const raw = result.rawPlan.trim();
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      // Not valid JSON after all (a truncated paste): rebuild it from the model below.
    }
  }
  const plan = result.plan;
  const top: Record<string, unknown> = { Plan: nodeJson(plan.root) };
  if (plan.planningTimeMs !== undefined) top['Planning Time'] = plan.planningTimeMs;
  if (plan.executionTimeMs !== undefined) top['Execution Time'] = plan.executionTimeMs;
  return JSON.stringify([top], null, 2);
}

function nodeJson(node: PlanNode): Record<string, unknown> {
  const out: Record<string, unknown> = { ...node.fields };
  if (node.children.length > 0) out.Plans = node.children.map(nodeJson);
  return out;
}
