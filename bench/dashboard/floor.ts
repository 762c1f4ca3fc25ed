/**
 * The query-time floor of the dashboard family (issue 12, Figures): the time of an index-only scan of the
 * qualifying orders alone, `count(*), sum(total)` over them, through the ideal covering index (the range column
 * first, so only those rows are read; user_id and total included, so the heap is not). Every member has to read
 * at least these rows, so no plan that answers it at query time can be faster. The scan is forced (no seq or
 * bitmap scan) and checked in the plan; the caller VACUUMs first so the visibility map lets it skip the heap.
 */
import type { PgSession } from '../../src/core/db/pgSession';
import { floorCondition } from './family';
import { timeArm, type Timing } from './measure';

export const floorIndexName = 'bench_floor_orders_created_at';
export const floorIndexSql = `CREATE INDEX ${floorIndexName} ON orders (created_at) INCLUDE (user_id, total)`;
export const floorSql = `SELECT count(*), sum(total) FROM orders WHERE ${floorCondition}`;

export interface Floor extends Timing {
  rows: number;
  heapFetches: number;
}

export async function measureFloor(session: PgSession, timeoutMs: number): Promise<Floor> {
  const t = await timeArm(session, {
    sql: floorSql,
    setup: [floorIndexSql, 'SET LOCAL enable_seqscan = off', 'SET LOCAL enable_bitmapscan = off'],
    timeoutMs,
  });
  const scans = t.plan.nodes.filter(
    (n) => n.fields['Node Type'] === 'Index Only Scan' && n.fields['Index Name'] === floorIndexName,
  );
  if (scans.length === 0) throw new Error(`the floor's plan is no index-only scan of ${floorIndexName}: ${t.shape}`);
  const sum = (field: string): number => scans.reduce((s, n) => s + Number(n.fields[field] ?? 0), 0);
  // A parallel scan reports per-worker averages; "Actual Rows" × loops is each node's total.
  const rows = scans.reduce(
    (s, n) => s + Number(n.fields['Actual Rows'] ?? 0) * Number(n.fields['Actual Loops'] ?? 1),
    0,
  );
  return { ...t, rows, heapFetches: sum('Heap Fetches') };
}
