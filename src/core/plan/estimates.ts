/** Row counts over all loops, the planner's misestimate per loop, and what filters threw away. */
import { numberField } from './fieldValues';
import type { PlanNode } from './planNode';

export function applyEstimates(nodes: PlanNode[], analyzed: boolean): void {
  for (const node of nodes) {
    const f = node.fields;
    const m = node.metrics;
    const planRows = numberField(f, 'Plan Rows') ?? 0;
    const loops = numberField(f, 'Actual Loops');
    const actualRows = numberField(f, 'Actual Rows');
    // Without ANALYZE the estimate stands for one execution.
    const times = analyzed ? (loops ?? 0) : 1;
    m.estimatedRowsTotal = planRows * times;
    m.actualRowsTotal = (actualRows ?? 0) * (loops ?? 0);

    if (analyzed && !m.neverExecuted && actualRows !== undefined) {
      // Both per loop; below 1 row the ratio means nothing (PostgreSQL 18 shows 0.33 rows), so floor at 1.
      const a = Math.max(actualRows, 1);
      const e = Math.max(planRows, 1);
      m.misestimateFactor = a >= e ? a / e : e / a;
      m.misestimateDirection = a > e ? 'under' : a < e ? 'over' : 'none';
    }

    const perLoop = loops ?? 0;
    m.rowsRemovedByFilter = (numberField(f, 'Rows Removed by Filter') ?? 0) * perLoop;
    m.rowsRemovedByJoinFilter = (numberField(f, 'Rows Removed by Join Filter') ?? 0) * perLoop;
    m.rowsRemovedByIndexRecheck = (numberField(f, 'Rows Removed by Index Recheck') ?? 0) * perLoop;
    const hasFilter =
      f['Filter'] !== undefined ||
      f['Join Filter'] !== undefined ||
      f['Rows Removed by Filter'] !== undefined ||
      f['Rows Removed by Join Filter'] !== undefined ||
      f['Rows Removed by Index Recheck'] !== undefined;
    if (analyzed && hasFilter) {
      const removed = m.rowsRemovedByFilter + m.rowsRemovedByJoinFilter + m.rowsRemovedByIndexRecheck;
      const read = removed + m.actualRowsTotal;
      m.filterDiscardRatio = read > 0 ? removed / read : 0;
    }
  }
}
