/**
 * The work_mem each spill rule suggests, checked on the real test server: explain with a tiny work_mem, take the
 * rule's suggestion, explain again with it, and the spill must be gone.
 */
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { Insight, PlanRule } from '../../../../src/core/insights/insight';
import { hashSpillsToDisk } from '../../../../src/core/insights/plan/hashSpillsToDisk';
import { lossyBitmapHeapScan } from '../../../../src/core/insights/plan/lossyBitmapHeapScan';
import { sortSpillsToDisk } from '../../../../src/core/insights/plan/sortSpillsToDisk';
import { parsePlan } from '../../../../src/core/plan/parsePlan';
import { testServer } from '../../../helpers/globalServer';
import { evidence } from './fixtures';

describe('work_mem suggestions on a real server', function () {
  this.timeout(120_000);
  let client: Client;

  before(async () => {
    const server = await testServer();
    client = new Client({ connectionString: server.url });
    await client.connect();
    await client.query('DROP SCHEMA IF EXISTS wm CASCADE');
    await client.query('CREATE SCHEMA wm');
    await client.query('SELECT setseed(0.7)');
    await client.query(
      `CREATE TABLE wm.buyers AS SELECT g AS id, 'buyer ' || g AS name FROM generate_series(1, 30000) g`,
    );
    await client.query(`CREATE TABLE wm.sales AS SELECT g AS id, 1 + floor(random() * 30000)::int AS buyer_id,
      round((random() * 500)::numeric, 2) AS total, repeat('x', 100) AS pad FROM generate_series(1, 120000) g`);
    await client.query('CREATE INDEX ON wm.sales (buyer_id)');
    await client.query('VACUUM ANALYZE wm.buyers, wm.sales');
  });

  after(async () => {
    await client.query('DROP SCHEMA IF EXISTS wm CASCADE');
    await client.end();
  });

  async function explain(query: string, settings: Record<string, string>): Promise<string> {
    await client.query('BEGIN');
    try {
      for (const [name, value] of Object.entries(settings))
        await client.query('SELECT set_config($1, $2, true)', [name, value]);
      const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON) ${query}`);
      return JSON.stringify(result.rows[0]['QUERY PLAN']);
    } finally {
      await client.query('ROLLBACK');
    }
  }

  async function suggestionHolds(rule: PlanRule, query: string, settings: Record<string, string>): Promise<Insight> {
    const spilled = rule.check({ plan: parsePlan(await explain(query, { ...settings, work_mem: '64kB' })) });
    assert.equal(spilled.length, 1, `${rule.id} should fire at work_mem = 64kB`);
    const suggested = String(evidence(spilled[0], 'suggested work_mem'));
    const after = rule.check({ plan: parsePlan(await explain(query, { ...settings, work_mem: suggested })) });
    assert.deepEqual(
      after.map((i) => i.title),
      [],
      `${rule.id} still fires at the suggested work_mem ${suggested}`,
    );
    return spilled[0];
  }

  const serial = { max_parallel_workers_per_gather: '0' };

  it('sort: the suggested work_mem sorts in memory', async () => {
    await suggestionHolds(sortSpillsToDisk, 'SELECT buyer_id, total FROM wm.sales ORDER BY total, buyer_id', serial);
  });

  it('hash join: the suggested work_mem builds the hash in one batch', async () => {
    await suggestionHolds(
      hashSpillsToDisk,
      'SELECT b.name, s.total FROM wm.sales s JOIN wm.buyers b ON b.id = s.buyer_id',
      {
        ...serial,
        enable_mergejoin: 'off',
        enable_nestloop: 'off',
      },
    );
  });

  it('hash aggregate: the suggested work_mem aggregates without spilling', async () => {
    await suggestionHolds(hashSpillsToDisk, 'SELECT buyer_id, sum(total) FROM wm.sales GROUP BY buyer_id', {
      ...serial,
      enable_sort: 'off',
      enable_indexscan: 'off',
      enable_bitmapscan: 'off',
    });
  });

  it('bitmap heap scan: the suggested work_mem keeps the bitmap exact', async () => {
    await suggestionHolds(lossyBitmapHeapScan, 'SELECT count(*) FROM wm.sales WHERE buyer_id < 8000', {
      ...serial,
      enable_seqscan: 'off',
      enable_indexscan: 'off',
    });
  });
});
