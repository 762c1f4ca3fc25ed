/** Plan-wide sums. */
import { numberField } from './fieldValues';
import type { PlanNode, PlanTotals } from './planNode';

/** Node types that read a table (rows scanned = rows returned + rows its filters or rechecks threw away). */
const TABLE_SCANS = new Set([
  'Seq Scan',
  'Index Scan',
  'Index Only Scan',
  'Bitmap Heap Scan',
  'Tid Scan',
  'Tid Range Scan',
  'Sample Scan',
  'Foreign Scan',
]);

export function isTableScan(node: PlanNode): boolean {
  return TABLE_SCANS.has(node.fields['Node Type']);
}

export function computeTotals(nodes: PlanNode[], timeMs: number): PlanTotals {
  const root = nodes[0];
  let rowsScanned = 0;
  for (const n of nodes) {
    if (!isTableScan(n)) continue;
    const m = n.metrics;
    rowsScanned += m.actualRowsTotal + m.rowsRemovedByFilter + m.rowsRemovedByIndexRecheck;
  }
  return {
    timeMs,
    cost: numberField(root.fields, 'Total Cost') ?? 0,
    buffers: { ...root.metrics.buffersInclusive },
    rowsScanned,
  };
}
