/**
 * Plans made by the real test server (PostgreSQL 15) for the compare, share and CLI tests: the same
 * statement before and after a change, each EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON) and, for the
 * text-format tests, FORMAT TEXT of the same statement.
 * - before: no index on orders.customer_id, work_mem 64kB, hash joins off → Merge Join with sorts on disk.
 * - after: that index exists, work_mem 64MB, defaults → no Merge Join, no spill.
 * - joinOrderA/B: a three-table join with join_collapse_limit = 1, written in two orders.
 */
import { Client } from 'pg';

export const COMPARE_SQL = `SELECT c.region, o.status, count(*) AS n, sum(o.amount) AS revenue
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.customer_id < 400 AND o.note LIKE '%gift%'
GROUP BY c.region, o.status
ORDER BY revenue DESC`;

const JOIN_A = `SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.name = c.region WHERE r.zone = 'emea'`;
const JOIN_B = `SELECT count(*) FROM regions r JOIN customers c ON r.name = c.region JOIN orders o ON c.id = o.customer_id WHERE r.zone = 'emea'`;

export interface RealPlans {
  before: string;
  after: string;
  beforeText: string;
  joinOrderA: string;
  joinOrderB: string;
  /** Every schema name the plans can contain: the obfuscation test checks none survives. */
  names: string[];
  /** Literal values of the statement. */
  literals: string[];
}

async function explain(client: Client, sql: string, format: 'JSON' | 'TEXT' = 'JSON'): Promise<string> {
  const res = await client.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT ${format}) ${sql}`,
  );
  if (format === 'TEXT') return res.rows.map((r) => String(r['QUERY PLAN'])).join('\n');
  return JSON.stringify(res.rows[0]['QUERY PLAN'], null, 2);
}

export async function realPlans(url: string): Promise<RealPlans> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS cmp_shop CASCADE; CREATE SCHEMA cmp_shop; SET search_path = cmp_shop`);
    await client.query(`CREATE TABLE regions (name text PRIMARY KEY, zone text NOT NULL)`);
    await client.query(`CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL REFERENCES regions)`);
    await client.query(
      `CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, amount numeric NOT NULL, note text)`,
    );
    await client.query(`INSERT INTO regions VALUES ('north','emea'),('south','apac'),('east','emea'),('west','amer')`);
    await client.query(
      `INSERT INTO customers SELECT g, (ARRAY['north','south','east','west'])[1 + g % 4] FROM generate_series(1, 3000) g`,
    );
    await client.query(
      `INSERT INTO orders SELECT g, 1 + g % 3000, (ARRAY['new','shipped','paid','cancelled'])[1 + g % 4], (g % 500) / 3.0,
         CASE WHEN g % 7 = 0 THEN 'gift wrap' ELSE 'standard' END FROM generate_series(1, 150000) g`,
    );
    await client.query(`ANALYZE regions; ANALYZE customers; ANALYZE orders`);

    await client.query(`SET work_mem = '64kB'; SET enable_hashjoin = off; SET enable_nestloop = off`);
    const before = await explain(client, COMPARE_SQL);
    const beforeText = await explain(client, COMPARE_SQL, 'TEXT');
    await client.query(`RESET enable_hashjoin; RESET enable_nestloop; SET work_mem = '64MB'`);
    await client.query(`CREATE INDEX orders_customer_id_idx ON orders (customer_id)`);
    await client.query(`ANALYZE orders`);
    const after = await explain(client, COMPARE_SQL);

    await client.query(`SET join_collapse_limit = 1; SET enable_nestloop = off; SET enable_mergejoin = off`);
    const joinOrderA = await explain(client, JOIN_A);
    const joinOrderB = await explain(client, JOIN_B);
    return {
      before,
      after,
      beforeText,
      joinOrderA,
      joinOrderB,
      names: [
        'cmp_shop',
        'orders',
        'customers',
        'regions',
        'customer_id',
        'region',
        'status',
        'amount',
        'note',
        'zone',
        'revenue',
        'orders_customer_id_idx',
        'orders_pkey',
        'customers_pkey',
      ],
      literals: ['gift', 'emea'],
    };
  } finally {
    await client.query('DROP SCHEMA IF EXISTS cmp_shop CASCADE').catch(() => undefined);
    await client.end();
  }
}
