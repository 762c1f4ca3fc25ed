/**
 * Two 2,000-node plans of one statement for the compare tests, made by our generator (test/helpers/
 * syntheticPlan.ts), not by a server: an Aggregate over an Append of partitions (Nested Loops, Hash Joins,
 * Seq Scans with a SubPlan). The "after" plan is the same plan once an index served the Nested Loops' outer
 * side: each of their Seq Scans on measurements_p… becomes an Index Scan and the member runs in a quarter of
 * the time, except the three slowest members, which drop to 1 % (so in the after plan they are no longer
 * among the slowest a closed group shows).
 */
import { syntheticPlanJson } from '../../helpers/syntheticPlan';

type Json = Record<string, unknown> & { Plans?: Json[] };

export const HUGE_NODES = 2000;
/** Time factor of a Nested Loop member in the after plan, and of the three slowest. */
export const LOOP_FACTOR = 0.25;
export const SLOWEST_FACTOR = 0.01;

function inclusive(n: Json): number {
  return (n['Actual Total Time'] as number) * (n['Actual Loops'] as number);
}

function scaleTimes(n: Json, factor: number): void {
  for (const key of ['Actual Startup Time', 'Actual Total Time'] as const)
    n[key] = Math.round((n[key] as number) * factor * 1000) / 1000;
  for (const c of n.Plans ?? []) scaleTimes(c, factor);
}

export function hugeComparisonJson(): { before: string; after: string } {
  const before = syntheticPlanJson(HUGE_NODES);
  const doc = JSON.parse(before) as Array<{ Plan: Json; 'Execution Time': number }>;
  const root = doc[0].Plan;
  const append = root.Plans![0];
  const loops = append.Plans!.filter((m) => m['Node Type'] === 'Nested Loop');
  const slowest = new Set([...loops].sort((a, b) => inclusive(b) - inclusive(a)).slice(0, 3));
  for (const member of loops) {
    const outer = member.Plans![0];
    outer['Node Type'] = 'Index Scan';
    outer['Index Name'] = `${String(outer['Relation Name'])}_recorded_at_idx`;
    outer['Scan Direction'] = 'Forward';
    outer['Index Cond'] = outer['Filter'];
    delete outer['Filter'];
    delete outer['Rows Removed by Filter'];
    scaleTimes(member, slowest.has(member) ? SLOWEST_FACTOR : LOOP_FACTOR);
  }
  // The parents' times follow their children's.
  const sum = append.Plans!.reduce((s, m) => s + inclusive(m), 0);
  append['Actual Total Time'] = Math.round((sum + 1) * 1000) / 1000;
  root['Actual Total Time'] = Math.round((sum + 2) * 1000) / 1000;
  append['Actual Startup Time'] = Math.round(sum * 900) / 1000;
  root['Actual Startup Time'] = Math.round(sum * 900) / 1000;
  doc[0]['Execution Time'] = Math.round((sum + 2.2) * 1000) / 1000;
  return { before, after: JSON.stringify(doc, null, 2) };
}
