/**
 * TuningResults for the plan-view tests and benchmark.
 * - realResult(): made by the real test server (EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of a join over
 *   generated tables), parsed with the product's parsePlan. Insights and node ranges are derived here from
 *   that plan and the SQL text (the insight engine is tested elsewhere; here they are input to the view).
 * - syntheticResult(n): an n-node plan from our generator test/helpers/syntheticPlan.ts, parsed with parsePlan.
 */
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';
import type { Insight } from '../../../src/core/insights/insight';
import type { SourceRange } from '../../../src/core/positions';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { SessionKind } from '../../../src/core/db/session';

export const REAL_SQL = `SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.status = 'shipped' AND o.note LIKE '%gift%'
GROUP BY c.region
ORDER BY revenue DESC`;

export async function realResult(url: string, sessionKind: SessionKind = 'server'): Promise<TuningResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS planview CASCADE; CREATE SCHEMA planview; SET search_path = planview`);
    await client.query(`CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)`);
    await client.query(
      `CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, amount numeric NOT NULL, note text)`,
    );
    await client.query(
      `INSERT INTO customers SELECT g, (ARRAY['north','south','east','west'])[1 + g % 4] FROM generate_series(1, 2000) g`,
    );
    await client.query(
      `INSERT INTO orders SELECT g, 1 + g % 2000, (ARRAY['new','shipped','paid','cancelled'])[1 + g % 4], (g % 500) / 3.0,
         CASE WHEN g % 7 = 0 THEN 'gift wrap' ELSE 'standard' END FROM generate_series(1, 120000) g`,
    );
    await client.query(`ANALYZE customers; ANALYZE orders`);
    const started = performance.now();
    const explainStatement = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${REAL_SQL}`;
    const res = await client.query<{ 'QUERY PLAN': unknown }>(explainStatement);
    const roundTripMs = performance.now() - started;
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const rawPlan = JSON.stringify(res.rows[0]['QUERY PLAN']);
    const plan = parsePlan(rawPlan);
    const nodeRanges: Record<number, SourceRange> = {};
    for (const node of plan.nodes) {
      const rel = node.fields['Relation Name'];
      if (!rel) continue;
      const m = new RegExp(`\\b${rel}\\s+${node.fields['Alias'] ?? ''}\\b`).exec(REAL_SQL);
      if (m) nodeRanges[node.id] = { start: m.index, end: m.index + m[0].length };
    }
    const insights: Insight[] = [];
    const hottest = plan.nodes.find((n) => n.metrics.hotspotRank === 1)!;
    const filterAt = REAL_SQL.indexOf(`o.note LIKE '%gift%'`);
    const scan = plan.nodes.find((n) => n.fields['Relation Name'] === 'orders')!;
    insights.push({
      ruleId: 'seq-scan-large-table',
      severity: 'critical',
      nodeIds: [scan.id],
      title: `Seq Scan on orders reads ${scan.metrics.actualRowsTotal + scan.metrics.rowsRemovedByFilter} rows to keep ${scan.metrics.actualRowsTotal}`,
      explanation: 'The whole table is read and most rows are thrown away by the filter.',
      suggestion: "CREATE INDEX ON orders (status) WHERE note LIKE '%gift%'",
      evidence: [
        { label: 'rows removed', value: scan.metrics.rowsRemovedByFilter },
        { label: 'self time', value: Math.round(scan.metrics.exclusiveTimeMs * 100) / 100, unit: 'ms' },
      ],
      sqlRange: { start: filterAt, end: filterAt + `o.note LIKE '%gift%'`.length },
    });
    if (hottest.id !== scan.id) {
      insights.push({
        ruleId: 'hotspot',
        severity: 'warning',
        nodeIds: [hottest.id],
        title: `${hottest.fields['Node Type']} takes ${Math.round(hottest.metrics.timeShare * 100)}% of the time`,
        explanation: 'The largest share of execution time.',
        evidence: [{ label: 'self time', value: Math.round(hottest.metrics.exclusiveTimeMs * 100) / 100, unit: 'ms' }],
      });
    }
    const customers = plan.nodes.find((n) => n.fields['Relation Name'] === 'customers');
    if (customers) {
      insights.push({
        ruleId: 'cold-cache',
        severity: 'info',
        nodeIds: [customers.id],
        title: 'customers is read in full for the hash join',
        explanation: 'Small table, read once.',
        evidence: [{ label: 'rows', value: customers.metrics.actualRowsTotal }],
      });
    }
    return {
      sql: REAL_SQL,
      plan,
      insights,
      nodeRanges,
      run: {
        sessionKind,
        sessionLabel: sessionKind === 'embedded' ? 'embedded' : 'postgres@127.0.0.1/test',
        serverVersion: `PostgreSQL ${version.rows[0].server_version}`,
        wrapper: 'read-only-transaction',
        analyzed: true,
        roundTripMs,
        explainStatement,
      },
      rawPlan,
    };
  } finally {
    await client.query('DROP SCHEMA IF EXISTS planview CASCADE').catch(() => undefined);
    await client.end();
  }
}

/** An n-node plan from helper A's generator (test/helpers/syntheticPlan.ts), parsed with parsePlan. */
export function syntheticResult(n: number): TuningResult {
  const json = syntheticPlanJson(n);
  return { sql: '', plan: parsePlan(json), insights: [], nodeRanges: {}, rawPlan: json };
}
