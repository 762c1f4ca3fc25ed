/** parsePlan on plans the test PostgreSQL makes now, in both formats, for a statement with an InitPlan, a CTE and a SubPlan. */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { testServer } from '../../helpers/globalServer';

describe('parsePlan on live EXPLAIN output', () => {
  let client: Client;
  before(async () => {
    const s = await testServer();
    client = new Client({ connectionString: s.url });
    await client.connect();
    await client.query('CREATE TEMP TABLE plan_live AS SELECT g AS id, g % 10 AS k FROM generate_series(1, 5000) g');
    await client.query('ANALYZE plan_live');
  });
  after(async () => {
    await client?.end();
  });

  const sql = `WITH c AS MATERIALIZED (SELECT k, count(*) AS n FROM plan_live GROUP BY k)
    SELECT c.k, (SELECT max(id) FROM plan_live p WHERE p.k = c.k) FROM c WHERE c.n > (SELECT avg(k) FROM plan_live)`;

  it('JSON and TEXT give the same tree, and exclusive times add up', async () => {
    const json = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`);
    const text = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${sql}`);
    const a = parsePlan(JSON.stringify(json.rows[0]['QUERY PLAN']));
    const b = parsePlan(text.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
    const tree = (p: typeof a) =>
      p.nodes.map(
        (n) =>
          `${n.depth} ${n.fields['Node Type']} ${n.fields['Parent Relationship'] ?? ''} ${n.fields['Subplan Name'] ?? ''} ${n.fields['Plan Rows']}`,
      );
    assert.deepEqual(tree(b), tree(a));
    const rels = a.nodes.map((n) => n.fields['Parent Relationship']);
    assert.ok(rels.includes('InitPlan') && rels.includes('SubPlan'));
    for (const p of [a, b]) {
      const sum = p.nodes.reduce((s, n) => s + n.metrics.exclusiveTimeMs, 0);
      assert.ok(Math.abs(sum - p.root.metrics.inclusiveTimeMs) < 0.05, `${sum} vs ${p.root.metrics.inclusiveTimeMs}`);
      assert.ok(p.nodes.every((n) => n.metrics.exclusiveTimeMs >= 0));
      assert.ok((p.executionTimeMs ?? 0) >= p.root.metrics.inclusiveTimeMs);
    }
  });
});
