/**
 * Deterministic data for the index advisor tests and benchmark (our generator: setseed + generate_series).
 * The dashboard case (docs/cases.md case 1) at a small scale, plus tables for the other index shapes.
 */

export const dashboardSql = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100`;

/** The aggregate-first rewrite of docs/cases.md case 1 (what the rewrite advisor proposes). */
export const dashboardRewriteSql = `SELECT u.name, s.order_count, s.total_spent
FROM (SELECT user_id, count(*) AS order_count, sum(total) AS total_spent
      FROM orders WHERE created_at >= '2024-01-01'
      GROUP BY user_id ORDER BY sum(total) DESC LIMIT 100) s
JOIN users u ON u.id = s.user_id
ORDER BY s.total_spent DESC`;

/**
 * VACUUM ANALYZE, one statement at a time (VACUUM refuses a multi-statement string): statistics, and a
 * visibility map, without which no index-only scan is ever planned.
 */
// The test server runs with synchronous_commit = off: hint bits of rows from a commit not yet flushed
// cannot be set, and VACUUM then marks no page all-visible. Loading with it on keeps the fixture realistic.
const synchronousCommit = 'SET synchronous_commit = on;';

export const vacuumStatements = (tables: string[]): string[] => tables.map((t) => `VACUUM ANALYZE ${t}`);

/** users: `users` rows; orders: `orders` rows over 2022–2024 (a third since 2024-01-01); only primary keys. */
export function dashboardSchemaSql(users: number, orders: number): string {
  return `
${synchronousCommit}
DROP TABLE IF EXISTS orders, users CASCADE;
SELECT setseed(0.42);
CREATE TABLE users (
  id int PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  status text NOT NULL,
  created_at timestamp NOT NULL
);
INSERT INTO users
SELECT g, 'user ' || g, 'User' || g || '@Example.com',
       CASE WHEN g % 20 = 0 THEN 'active' ELSE 'inactive' END,
       timestamp '2020-01-01' + (g % 1000) * interval '1 day'
FROM generate_series(1, ${users}) AS g;
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id int NOT NULL,
  created_at timestamp NOT NULL,
  total numeric(10, 2) NOT NULL,
  status text NOT NULL,
  note text
);
INSERT INTO orders
SELECT g, 1 + floor(random() * ${users})::int,
       timestamp '2022-01-01' + floor(random() * 1095) * interval '1 day' + floor(random() * 86400) * interval '1 second',
       round((random() * 500)::numeric, 2),
       (ARRAY['paid', 'shipped', 'cancelled', 'pending'])[1 + floor(random() * 4)::int],
       repeat('x', 40)
FROM generate_series(1, ${orders}) AS g;
`;
}

/** events with a jsonb payload, for GIN and expression-index cases. */
export function eventsSchemaSql(rows: number): string {
  return `
${synchronousCommit}
DROP TABLE IF EXISTS events CASCADE;
SELECT setseed(0.17);
CREATE TABLE events (
  id bigint PRIMARY KEY,
  created_at timestamp NOT NULL,
  payload jsonb NOT NULL
);
INSERT INTO events
SELECT g, timestamp '2024-01-01' + g * interval '1 minute',
       jsonb_build_object('kind', (ARRAY['click', 'view', 'buy', 'share'])[1 + g % 4], 'user', g % 5000, 'tag', 't' || (g % 997))
FROM generate_series(1, ${rows}) AS g;
`;
}
