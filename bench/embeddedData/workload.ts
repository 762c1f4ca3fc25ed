/**
 * The plan-shape benchmark's schemas, the "real" data the server holds, and the queries: the demo schema
 * (src/core/demo) with its data, the e2e workspace schema with its seed, and a shop schema of our own with
 * secondary indexes, an enum, a self-reference, CHECKs and skewed data (setseed + generate_series, no downloads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardDataSql, dashboardQuery, dashboardSchemaSql } from '../../src/core/demo/dashboardDemo';

export interface BenchCase {
  name: string;
  /** What the embedded database loads (schema only: its tables are empty until generated). */
  schemaSql: string;
  /** What the server holds on top: realistic rows. */
  serverDataSql: string;
  queries: Array<{ id: string; sql: string }>;
}

const e2eDir = join(__dirname, '../../test/e2e-workspace');

const shopSchemaSql = `
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');
CREATE TABLE categories (id int PRIMARY KEY, parent_id int REFERENCES categories (id), name text NOT NULL);
CREATE TABLE customers (
  id bigint PRIMARY KEY,
  email text NOT NULL UNIQUE,
  country char(2) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX customers_country_idx ON customers (country);
CREATE TABLE products (
  id int PRIMARY KEY,
  category_id int NOT NULL REFERENCES categories (id),
  sku text NOT NULL UNIQUE,
  price numeric(10, 2) NOT NULL CHECK (price > 0),
  active boolean NOT NULL
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status order_status NOT NULL,
  created_at timestamptz NOT NULL,
  shipped_at timestamptz
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders (id),
  line int NOT NULL,
  product_id int NOT NULL REFERENCES products (id),
  quantity int NOT NULL CHECK (quantity > 0),
  unit_price numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
`;

// Skewed like a shop: a few countries and customers dominate, most orders are delivered, popular products.
const shopDataSql = `
SELECT setseed(0.31);
INSERT INTO categories SELECT g, CASE WHEN g > 10 THEN 1 + g % 10 END, 'category ' || g FROM generate_series(1, 60) g;
INSERT INTO customers
SELECT g, 'customer' || g || '@example.com',
       (ARRAY['us','us','us','us','de','de','fr','gb','it','es','nl','pl','se','br','jp','in'])[1 + floor(random() * 16)::int],
       timestamptz '2021-01-01' + g * interval '1 hour'
FROM generate_series(1, 20000) g;
INSERT INTO products
SELECT g, 1 + floor(power(random(), 2) * 60)::int, 'SKU-' || lpad(g::text, 6, '0'), round((1 + random() * 300)::numeric, 2), random() < 0.9
FROM generate_series(1, 2000) g;
INSERT INTO orders
SELECT g, 1 + floor(power(random(), 3) * 20000)::bigint,
       CASE WHEN r < 0.70 THEN 'delivered' WHEN r < 0.80 THEN 'shipped' WHEN r < 0.90 THEN 'paid' WHEN r < 0.98 THEN 'pending' ELSE 'cancelled' END::order_status,
       timestamptz '2023-01-01' + g * interval '15 minutes',
       CASE WHEN r < 0.80 THEN timestamptz '2023-01-02' + g * interval '15 minutes' END
FROM (SELECT g, random() AS r FROM generate_series(1, 100000) g) s;
INSERT INTO order_items
SELECT o.id, n, 1 + floor(power(random(), 2) * 2000)::int, 1 + floor(random() * 5)::int, round((1 + random() * 300)::numeric, 2)
FROM orders o, generate_series(1, 1 + (o.id % 4)::int) n;
ANALYZE;
`;

export function benchCases(): BenchCase[] {
  return [
    {
      name: 'demo (src/core/demo)',
      schemaSql: dashboardSchemaSql,
      serverDataSql: dashboardDataSql(),
      queries: [
        { id: 'demo-dashboard', sql: dashboardQuery },
        { id: 'demo-status-totals', sql: 'SELECT status, count(*), sum(total) FROM orders GROUP BY status' },
        { id: 'demo-user-by-id', sql: 'SELECT * FROM users WHERE id = 123' },
        {
          id: 'demo-users-without-orders',
          sql: 'SELECT u.email FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)',
        },
        {
          id: 'demo-week-of-orders',
          sql: "SELECT * FROM orders WHERE created_at BETWEEN '2024-03-01' AND '2024-03-07' ORDER BY created_at LIMIT 50",
        },
      ],
    },
    {
      name: 'e2e workspace (test/e2e-workspace)',
      schemaSql: readFileSync(join(e2eDir, 'schema/001_tables.sql'), 'utf8'),
      serverDataSql: readFileSync(join(e2eDir, 'seed/001_rows.sql'), 'utf8'),
      queries: [
        {
          id: 'e2e-orders-of-email',
          sql: "SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'user7@example.com'",
        },
        {
          id: 'e2e-top-cancellers',
          sql: "SELECT user_id, count(*) FROM orders WHERE status = 'cancelled' GROUP BY user_id ORDER BY count(*) DESC LIMIT 10",
        },
        {
          id: 'e2e-monthly-revenue',
          sql: "SELECT date_trunc('month', created_at) AS m, sum(total) FROM orders GROUP BY m ORDER BY m",
        },
      ],
    },
    {
      name: 'shop (bench schema: indexes, enum, skew)',
      schemaSql: shopSchemaSql,
      serverDataSql: shopDataSql,
      queries: [
        { id: 'shop-orders-of-customer', sql: 'SELECT * FROM orders WHERE customer_id = 4242' },
        { id: 'shop-last-week', sql: "SELECT * FROM orders WHERE created_at >= '2025-11-20'" },
        { id: 'shop-cancelled-count', sql: "SELECT count(*) FROM orders WHERE status = 'cancelled'" },
        { id: 'shop-status-counts', sql: 'SELECT status, count(*) FROM orders GROUP BY status' },
        {
          id: 'shop-german-customers',
          sql: "SELECT c.email, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.country = 'de' GROUP BY c.email",
        },
        {
          id: 'shop-category-best-sellers',
          sql: 'SELECT p.sku, sum(oi.quantity) AS sold FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE p.category_id = 7 GROUP BY p.sku ORDER BY sold DESC LIMIT 10',
        },
        { id: 'shop-latest-orders', sql: 'SELECT id, created_at FROM orders ORDER BY created_at DESC LIMIT 20' },
        {
          id: 'shop-orders-without-items',
          sql: 'SELECT o.id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id)',
        },
      ],
    },
  ];
}
