/**
 * A TuningResult made by the real test server: EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of an aggregate over a
 * table list-partitioned into 300 partitions (events_p001 … events_p300), parsed with the product's parsePlan.
 * Three partitions (p137, p200, p251) hold most rows, so they are the slowest members of the Append.
 * The insight on events_p042 is written here (the insight engine is tested elsewhere): the view's input.
 */
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Insight } from '../../../src/core/insights/insight';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';

export const PARTITIONS = 300;
export const BIG_PARTITIONS = [137, 200, 251];
export const PARTITIONED_SQL = `SELECT kind, count(*) FROM events WHERE payload LIKE '%7%' GROUP BY kind`;

export function partitionName(i: number): string {
  return `events_p${String(i).padStart(3, '0')}`;
}

export async function partitionedResult(url: string): Promise<TuningResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS hugeplan CASCADE; CREATE SCHEMA hugeplan; SET search_path = hugeplan`);
    await client.query(
      `CREATE TABLE events (id int NOT NULL, part int NOT NULL, kind text NOT NULL, payload text) PARTITION BY LIST (part)`,
    );
    await client.query(`DO $$ BEGIN
      FOR i IN 1..${PARTITIONS} LOOP
        EXECUTE format('CREATE TABLE events_p%s PARTITION OF events FOR VALUES IN (%s)', lpad(i::text, 3, '0'), i);
      END LOOP; END $$`);
    await client.query(
      `INSERT INTO events SELECT g, 1 + g % ${PARTITIONS}, (ARRAY['click','view','buy'])[1 + g % 3], md5(g::text) FROM generate_series(1, 30000) g`,
    );
    await client.query(
      `INSERT INTO events SELECT g, (ARRAY[${BIG_PARTITIONS.join(',')}])[1 + g % 3], (ARRAY['click','view','buy'])[1 + g % 3], md5(g::text)
       FROM generate_series(30001, 120000) g`,
    );
    await client.query(`ANALYZE events`);
    // One plan shape on every machine: no parallel workers (a Gather would move the Append down a level).
    await client.query(`SET max_parallel_workers_per_gather = 0`);
    const res = await client.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${PARTITIONED_SQL}`,
    );
    const rawPlan = JSON.stringify(res.rows[0]['QUERY PLAN']);
    const plan = parsePlan(rawPlan);
    const p042 = plan.nodes.find((n) => n.fields['Relation Name'] === partitionName(42));
    if (!p042) throw new Error('the plan has no scan of events_p042');
    const insights: Insight[] = [
      {
        ruleId: 'seq-scan-large-table',
        severity: 'warning',
        nodeIds: [p042.id],
        title: `Seq Scan on ${partitionName(42)} reads every row`,
        explanation: 'No index supports the filter on this partition.',
        evidence: [{ label: 'rows', value: p042.metrics.actualRowsTotal }],
      },
    ];
    return { sql: PARTITIONED_SQL, plan, insights, nodeRanges: {}, rawPlan };
  } finally {
    await client.query('DROP SCHEMA IF EXISTS hugeplan CASCADE').catch(() => undefined);
    await client.end();
  }
}
