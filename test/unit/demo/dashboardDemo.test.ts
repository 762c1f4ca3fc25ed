/**
 * The slow-dashboard demo data on the real PostgreSQL 15 test server: deterministic, the documented
 * distribution, and the plan shape of docs/cases.md case 1 at the default (embedded) scale.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import {
  dashboardDataSql,
  dashboardDemoFiles,
  dashboardQuery,
  dashboardSchemaSql,
  defaultDashboardScale,
} from '../../../src/core/demo/dashboardDemo';

interface RawNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Join Type'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: RawNode[];
}

function flatten(node: RawNode): RawNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

describe('dashboard demo dataset', () => {
  let client: Client;

  before(async () => {
    const server = await testServer();
    client = new Client({ connectionString: server.url });
    await client.connect();
  });

  after(async () => {
    await client
      .query('DROP SCHEMA IF EXISTS demo_a CASCADE; DROP SCHEMA IF EXISTS demo_b CASCADE')
      .catch(() => undefined);
    await client.end();
  });

  async function load(schema: string, scale = defaultDashboardScale): Promise<void> {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    await client.query(dashboardSchemaSql);
    await client.query(dashboardDataSql(scale));
  }

  it('has only primary keys, as in the case', async () => {
    await load('demo_a');
    const r = await client.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'demo_a' ORDER BY indexname",
    );
    assert.deepEqual(
      r.rows.map((x) => x.indexname),
      ['orders_pkey', 'users_pkey'],
    );
  });

  it('loads the requested scale with about half the orders from 2024 on', async () => {
    await client.query('SET search_path = demo_a');
    const r = await client.query<{ users: string; orders: string; recent: string; min: Date; max: Date }>(`
      SELECT (SELECT count(*) FROM users) AS users, count(*) AS orders,
             count(*) FILTER (WHERE created_at >= '2024-01-01') AS recent,
             min(created_at) AS min, max(created_at) AS max
      FROM orders`);
    const row = r.rows[0];
    assert.equal(Number(row.users), defaultDashboardScale.users);
    assert.equal(Number(row.orders), defaultDashboardScale.orders);
    const share = Number(row.recent) / Number(row.orders);
    assert.ok(share > 0.45 && share < 0.55, `share from 2024 on: ${share}`);
    assert.ok(
      row.min.getUTCFullYear() === 2022 && row.max.getUTCFullYear() === 2025,
      `${row.min.toISOString()} … ${row.max.toISOString()}`,
    );
  });

  it('is deterministic: two loads hold the same rows', async () => {
    await load('demo_b');
    const checksum = async (schema: string): Promise<string> => {
      const r = await client.query<{ sum: string }>(
        `SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS sum FROM ${schema}.orders o`,
      );
      return r.rows[0].sum;
    };
    assert.equal(await checksum('demo_a'), await checksum('demo_b'));
  });

  it('gives the case-1 plan shape: seq scan on orders discarding about half, hash join, sort of the groups', async () => {
    await client.query('SET search_path = demo_a');
    const r = await client.query({ text: `EXPLAIN (ANALYZE, FORMAT JSON) ${dashboardQuery}`, rowMode: 'array' });
    const root = (r.rows[0][0] as Array<{ Plan: RawNode }>)[0].Plan;
    const nodes = flatten(root);
    assert.equal(root['Node Type'], 'Limit');
    assert.ok(nodes.some((n) => n['Node Type'] === 'Sort'));
    assert.ok(
      nodes.some((n) => n['Node Type'] === 'Hash Join'),
      nodes.map((n) => n['Node Type']).join(', '),
    );
    const orders = nodes.find((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'orders');
    assert.ok(orders, 'seq scan on orders');
    const removed = orders['Rows Removed by Filter'] ?? 0;
    const kept = orders['Actual Rows'] ?? 0;
    assert.ok(removed / (removed + kept) > 0.4, `removed ${removed} of ${removed + kept}`);
  });

  it('refuses a scale that is not a positive integer', () => {
    assert.throws(() => dashboardDataSql({ users: 0, orders: 10 }), RangeError);
    assert.throws(() => dashboardDataSql({ users: 10, orders: 1.5 }), RangeError);
  });

  it('hands the embedded database schema first, then data', () => {
    const files = dashboardDemoFiles({ users: 10, orders: 100 });
    assert.deepEqual(
      files.map((f) => f.path),
      ['demo/01-dashboard-schema.sql', 'demo/02-dashboard-data.sql'],
    );
    assert.equal(files[0].text, dashboardSchemaSql);
    assert.match(files[1].text, /generate_series\(1, 100\)/);
  });
});
