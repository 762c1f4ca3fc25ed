import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
describe('probe', function () {
  this.timeout(120000);
  it('hashagg memory', async () => {
    const s = await testServer();
    const c = new Client({ connectionString: s.url }); await c.connect();
    await c.query('SELECT setseed(0.7)');
    await c.query(`CREATE TABLE sales AS SELECT g AS id, 1 + floor(random() * 30000)::int AS buyer_id, round((random() * 500)::numeric, 2) AS total, repeat('x', 100) AS pad FROM generate_series(1, 120000) g`);
    await c.query(`CREATE TABLE sales2 AS SELECT g AS id, 1 + floor(random() * 50000)::int AS user_id, round((random() * 500)::numeric, 2) AS total FROM generate_series(1, 200000) g`);
    await c.query('VACUUM ANALYZE sales, sales2');
    for (const t of ['sales(buyer_id)', 'sales2(user_id)']) {
      const [tbl, col] = t.replace(')', '').split('(');
      for (const wm of ['64kB', '1MB', '4MB', '8MB', '16MB', '64MB']) {
        await c.query(`SET work_mem='${wm}'; SET enable_sort=off; SET max_parallel_workers_per_gather=0`);
        const r = await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT ${col}, sum(total) FROM ${tbl} GROUP BY ${col}`);
        const p = r.rows[0]['QUERY PLAN'][0].Plan;
        console.log(tbl, wm, p['Peak Memory Usage'], p['Disk Usage'], p['HashAgg Batches'], p['Planned Partitions'], p['Actual Rows']);
      }
    }
    await c.end();
  });
});
