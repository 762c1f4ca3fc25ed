import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { loadParser } from '../../../src/core/sql/parser';
import { analyseStatement } from '../../../src/core/sql/analyseStatement';
import { mapPlanToSql, mapPlanToSqlDetailed } from '../../../src/core/sql/mapPlanToSql';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan } from '../../../src/core/plan/planNode';
import type { StatementFacts } from '../../../src/core/sql/statementFacts';

// Plans come from the real test server (EXPLAIN FORMAT JSON) on tables made here with generate_series.
describe('mapPlanToSql (plans from the test server)', function () {
  this.timeout(120000);
  let client: Client;

  before(async () => {
    await loadParser();
    const s = await testServer();
    client = new Client({ connectionString: s.url });
    await client.connect();
    await client.query(`
      DROP SCHEMA IF EXISTS map_plan CASCADE;
      CREATE SCHEMA map_plan;
      SET search_path = map_plan;
      CREATE TABLE users (id int PRIMARY KEY, name text, email text);
      CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric, created_at date);
      INSERT INTO users SELECT g, 'user ' || g, 'u' || g || '@x.org' FROM generate_series(1, 2000) g;
      INSERT INTO orders SELECT g, 1 + g % 2000, g % 97, date '2023-06-01' + (g % 400) FROM generate_series(1, 20000) g;
      ANALYZE users; ANALYZE orders;`);
  });

  after(async () => {
    await client?.query('DROP SCHEMA IF EXISTS map_plan CASCADE');
    await client?.end();
  });

  async function explain(
    sql: string,
    settings = '',
  ): Promise<{ plan: Plan; facts: StatementFacts; text: (id: number) => string | undefined }> {
    if (settings) await client.query(settings);
    const res = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`);
    if (settings) await client.query('RESET ALL; SET search_path = map_plan');
    const plan = parsePlan(JSON.stringify(res.rows[0]['QUERY PLAN']));
    const facts = analyseStatement(sql);
    const map = mapPlanToSql(plan, facts);
    return { plan, facts, text: (id) => (map[id] ? sql.slice(map[id].start, map[id].end) : undefined) };
  }

  const byType = (plan: Plan, type: string, relation?: string) =>
    plan.nodes.find(
      (n) => n.fields['Node Type'] === type && (relation === undefined || n.fields['Relation Name'] === relation),
    );

  it('maps the dashboard plan: scans, join, sort, aggregate, limit', async () => {
    const sql = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100`;
    const { plan, facts, text } = await explain(sql, 'SET enable_nestloop = off; SET enable_mergejoin = off');
    assert.equal(text(byType(plan, 'Limit')!.id), 'LIMIT 100');
    assert.equal(text(byType(plan, 'Sort')!.id), 'total_spent DESC');
    const agg = byType(plan, 'Aggregate')!;
    assert.equal(text(agg.id), 'u.id, u.name');
    assert.equal(text(byType(plan, 'Hash Join')!.id), 'LEFT JOIN orders o ON u.id = o.user_id');
    const ordersScan = byType(plan, 'Seq Scan', 'orders')!;
    assert.equal(text(ordersScan.id), 'orders o');
    assert.equal(text(byType(plan, 'Seq Scan', 'users')!.id), 'users u');
    const detail = mapPlanToSqlDetailed(plan, facts)[ordersScan.id];
    assert.ok(ordersScan.fields['Filter'], 'the orders scan filters on created_at');
    assert.equal(detail.filter && sql.slice(detail.filter.start, detail.filter.end), "o.created_at >= '2024-01-01'");
  });

  it('maps a nested loop through the inner index condition, and repeated unaliased tables', async () => {
    const sql = 'SELECT * FROM orders JOIN users ON users.id = orders.user_id WHERE orders.id < 5';
    const { plan, text } = await explain(sql, 'SET enable_hashjoin = off; SET enable_mergejoin = off');
    const loop = byType(plan, 'Nested Loop');
    assert.ok(loop, JSON.stringify(plan.nodes.map((n) => n.fields['Node Type'])));
    assert.equal(text(loop.id), 'JOIN users ON users.id = orders.user_id');
    const inner = plan.nodes.find((n) => n.fields['Relation Name'] === 'users')!;
    assert.equal(text(inner.id), 'users');

    const twice = 'SELECT id FROM orders WHERE total = 1 UNION ALL SELECT id FROM orders WHERE total = 2';
    const r = await explain(twice);
    const scans = r.plan.nodes.filter((n) => n.fields['Relation Name'] === 'orders');
    assert.deepEqual(
      scans.map((n) => n.fields['Alias']),
      ['orders', 'orders_1'],
    );
    const map = mapPlanToSql(r.plan, r.facts);
    assert.deepEqual(
      scans.map((n) => map[n.id]?.start),
      [twice.indexOf('orders'), twice.lastIndexOf('orders')],
    );
  });

  it('maps a CTE scan to the CTE reference and a bitmap index scan to its relation', async () => {
    const sql =
      'WITH big AS MATERIALIZED (SELECT * FROM orders WHERE total > 90) SELECT b.id FROM big b WHERE b.user_id IN (1, 2, 3) ORDER BY b.id';
    const { plan, text } = await explain(sql);
    const cte = byType(plan, 'CTE Scan')!;
    assert.equal(text(cte.id), 'big b');
    assert.equal(text(byType(plan, 'Seq Scan', 'orders')!.id), 'orders');
    assert.equal(text(byType(plan, 'Sort')!.id), 'b.id');

    const bitmap = await explain(
      'SELECT * FROM orders o WHERE o.id < 100 OR o.id > 19900',
      'SET enable_seqscan = off; SET enable_indexscan = off',
    );
    const heap = byType(bitmap.plan, 'Bitmap Heap Scan');
    assert.ok(heap);
    assert.equal(bitmap.text(heap.id), 'orders o');
    const index = byType(bitmap.plan, 'Bitmap Index Scan')!;
    assert.equal(bitmap.text(index.id), 'orders o');
  });
});
