/**
 * Nodes cut short by a LIMIT (plan/earlyStop.ts), on plans the test PostgreSQL makes: a Sort or Gather Merge that
 * returned 25 of its rows is no "1,000× over" misestimate, while an overestimate below a LIMIT that ran to
 * completion still is one.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { rowMisestimate } from '../../../src/core/insights/plan/rowMisestimate';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan, PlanNode } from '../../../src/core/plan/planNode';
import { planTreeTable } from '../../../src/core/report/planTreeTable';
import { testServer } from '../../helpers/globalServer';

describe('nodes stopped early by a LIMIT', function () {
  this.timeout(120_000);
  let client: Client;

  before(async () => {
    const s = await testServer();
    client = new Client({ connectionString: s.url });
    await client.connect();
    await client.query('DROP SCHEMA IF EXISTS early_stop CASCADE');
    await client.query('CREATE SCHEMA early_stop');
    // b is never equal to a, which the planner, taking the columns as independent, cannot know.
    await client.query(`CREATE TABLE early_stop.t AS
      SELECT g AS id, g % 10 AS a, (g + 1) % 10 AS b, md5(g::text) AS v FROM generate_series(1, 60000) g`);
    await client.query('VACUUM ANALYZE early_stop.t');
  });
  after(async () => {
    await client.query('DROP SCHEMA IF EXISTS early_stop CASCADE');
    await client.end();
  });

  async function explain(sql: string, settings: Record<string, string> = {}): Promise<Plan> {
    await client.query('BEGIN');
    try {
      for (const [name, value] of Object.entries(settings))
        await client.query('SELECT set_config($1, $2, true)', [name, value]);
      const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`);
      return parsePlan(JSON.stringify(result.rows[0]['QUERY PLAN']));
    } finally {
      await client.query('ROLLBACK');
    }
  }

  const ofType = (plan: Plan, type: string): PlanNode => {
    const node = plan.nodes.find((n) => n.fields['Node Type'] === type);
    assert.ok(node, `no ${type} in the plan`);
    return node;
  };
  const misestimateCells = (plan: Plan): string[] => {
    const table = planTreeTable(plan);
    const column = table.header.indexOf('Misest.') - 2;
    assert.ok(column >= 0, table.header.join('|'));
    return table.rows.map((r) => `${r.node.fields['Node Type']}: ${r.cells[column]}`);
  };

  it('a top-N Sort under a LIMIT that stopped is not overestimated; the scan it read in full is judged as usual', async () => {
    const plan = await explain('SELECT id, v FROM early_stop.t WHERE a < 5 ORDER BY v LIMIT 25');
    const sort = ofType(plan, 'Sort');
    assert.equal(sort.fields['Actual Rows'], 25);
    assert.ok(Number(sort.fields['Plan Rows']) > 10_000);
    assert.equal(sort.metrics.stoppedEarly, true);
    assert.equal(sort.metrics.misestimateDirection, 'none');
    // The Sort read all its input: the scan below was not stopped.
    const scan = ofType(plan, 'Seq Scan');
    assert.notEqual(scan.metrics.stoppedEarly, true);
    assert.ok(!misestimateCells(plan).some((c) => / over$/.test(c)), misestimateCells(plan).join('\n'));
    assert.ok(misestimateCells(plan).includes('Sort: stopped early'));
    assert.deepEqual(rowMisestimate.check({ plan }), []);
  });

  it('nor are a Gather Merge and the workers’ Sorts under it', async () => {
    const plan = await explain('SELECT id, v FROM early_stop.t WHERE a < 5 ORDER BY v LIMIT 25', {
      parallel_setup_cost: '0',
      parallel_tuple_cost: '0',
      min_parallel_table_scan_size: '0',
      max_parallel_workers_per_gather: '2',
    });
    const gather = ofType(plan, 'Gather Merge');
    assert.equal(gather.metrics.stoppedEarly, true);
    assert.equal(gather.metrics.misestimateDirection, 'none');
    assert.equal(ofType(plan, 'Sort').metrics.misestimateDirection, 'none');
    assert.notEqual(ofType(plan, 'Seq Scan').metrics.stoppedEarly, true);
    assert.ok(!misestimateCells(plan).some((c) => / over$/.test(c)), misestimateCells(plan).join('\n'));
  });

  it('an overestimate below a LIMIT that ran to completion is still flagged', async () => {
    // The planner expects a tenth of a tenth of the rows (600); none come, so the LIMIT 1000 never fills.
    const plan = await explain('SELECT id FROM early_stop.t WHERE a = 1 AND b = 1 LIMIT 1000');
    const limit = ofType(plan, 'Limit');
    assert.ok(Number(limit.fields['Actual Rows']) < Number(limit.fields['Plan Rows']));
    const scan = ofType(plan, 'Seq Scan');
    assert.notEqual(scan.metrics.stoppedEarly, true);
    assert.equal(scan.metrics.misestimateDirection, 'over');
    const insights = rowMisestimate.check({ plan });
    assert.deepEqual(
      insights.map((i) => i.nodeIds),
      [[scan.id]],
    );
    assert.match(insights[0].title, /overestimated/);
  });
});
