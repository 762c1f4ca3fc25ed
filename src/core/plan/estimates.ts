/** Row counts over all loops, the planner's misestimate per loop, and what filters threw away. */
import type { NodeNumbers } from './nodeNumbers';
import type { PlanNode } from './planNode';

export function applyEstimates(nodes: PlanNode[], analyzed: boolean, numbers: NodeNumbers): void {
  const {
    planRows: planRowsOf,
    actualLoops,
    actualRows: actualRowsOf,
    removedByFilter,
    removedByJoinFilter,
    removedByIndexRecheck,
    hasFilter,
  } = numbers;
  for (let id = 0; id < nodes.length; id++) {
    const m = nodes[id].metrics;
    const planRows = planRowsOf[id];
    const loops = actualLoops[id];
    const actualRows = actualRowsOf[id];
    // Without ANALYZE the estimate stands for one execution.
    const times = analyzed ? (loops ?? 0) : 1;
    // No estimate shown (COSTS OFF): unknown, so no misestimate either (0 would be "off by the actual rows").
    m.estimatedRowsTotal = planRows === undefined ? undefined : planRows * times;
    m.actualRowsTotal = (actualRows ?? 0) * (loops ?? 0);

    if (analyzed && !m.neverExecuted && actualRows !== undefined && planRows !== undefined) {
      // Both per loop; below 1 row the ratio means nothing (PostgreSQL 18 shows 0.33 rows), so floor at 1.
      const a = Math.max(actualRows, 1);
      const e = Math.max(planRows, 1);
      m.misestimateFactor = a >= e ? a / e : e / a;
      m.misestimateDirection = a > e ? 'under' : a < e ? 'over' : 'none';
    }

    const perLoop = loops ?? 0;
    m.rowsRemovedByFilter = (removedByFilter[id] ?? 0) * perLoop;
    m.rowsRemovedByJoinFilter = (removedByJoinFilter[id] ?? 0) * perLoop;
    m.rowsRemovedByIndexRecheck = (removedByIndexRecheck[id] ?? 0) * perLoop;
    if (analyzed && hasFilter[id] === 1) {
      const removed = m.rowsRemovedByFilter + m.rowsRemovedByJoinFilter + m.rowsRemovedByIndexRecheck;
      const read = removed + m.actualRowsTotal;
      m.filterDiscardRatio = read > 0 ? removed / read : 0;
    }
  }
}
