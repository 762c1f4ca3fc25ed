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

/**
 * The grouping floor: what every member computes before anything else, the per-user aggregate of the qualifying
 * orders alone (no users, no join, the top 100 by sum kept by a top-N sort), through the index made for it (a
 * partial covering index in user_id order, so the groups stream out of an index-only scan with no sort). Each
 * member has to rank every user by that sum, so no query-time plan of any member is faster than this; the floor
 * above (one group) leaves out the per-group work (≈ 200,000 groups of ≈ 5 orders: key comparisons, a numeric
 * sum state started and finished per group). Timed twice: as the planner plans it, and with parallel plans made
 * free (partial aggregates under Gather Merge), the faster of the two standing for it.
 */
export const groupingIndexName = 'bench_grouping_orders_user_id';
export const groupingIndexSql = `CREATE INDEX ${groupingIndexName} ON orders (user_id) INCLUDE (total) WHERE ${floorCondition}`;
/** count and sum only: the aggregates every member computes (some add max(created_at)), so it bounds them all. */
export const groupingSql = `SELECT user_id, count(*), sum(total) FROM orders WHERE ${floorCondition} GROUP BY user_id ORDER BY 3 DESC NULLS LAST, 1 LIMIT 100`;

export interface GroupingFloor {
  /** The faster of the two. */
  ms: number;
  planned: Timing;
  parallel: Timing;
}

export async function measureGroupingFloor(session: PgSession, timeoutMs: number): Promise<GroupingFloor> {
  const planned = await timeArm(session, { sql: groupingSql, setup: [groupingIndexSql], timeoutMs });
  const parallel = await timeArm(session, {
    sql: groupingSql,
    setup: [
      groupingIndexSql,
      'SET LOCAL parallel_setup_cost = 0',
      'SET LOCAL parallel_tuple_cost = 0',
      'SET LOCAL min_parallel_index_scan_size = 0',
    ],
    timeoutMs,
  });
  for (const t of [planned, parallel]) {
    const used = t.plan.nodes.some((n) => n.fields['Index Name'] === groupingIndexName);
    if (!used) throw new Error(`the grouping floor's plan does not read ${groupingIndexName}: ${t.shape}`);
  }
  return { ms: Math.min(planned.ms, parallel.ms), planned, parallel };
}
