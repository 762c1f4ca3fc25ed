/**
 * The slow-dashboard case (docs/cases.md, case 1) as data: schema, a deterministic data generator and the query.
 * Used by `pg-tuner demo`, the benchmarks and tests; scaled down so it loads in embedded PostgreSQL (PGlite)
 * in a few seconds while keeping the plan shape of the real case (seq scan on orders discarding about half
 * of it by filter, hash join with users, a sort over many groups).
 */

/** Only primary keys, as the user's database had: the missing indexes are part of the case. */
export const dashboardSchemaSql = `CREATE TABLE users (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id bigint NOT NULL,
  total numeric(10,2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
);
`;

export interface DashboardScale {
  users: number;
  orders: number;
}

/**
 * Small enough for PGlite to load in a few seconds on a 2-core machine, large enough that the seq scan,
 * the hash join and the sort of many groups dominate the plan.
 */
export const defaultDashboardScale: DashboardScale = { users: 20_000, orders: 200_000 };

function assertScale(scale: DashboardScale): void {
  for (const [key, value] of Object.entries(scale)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`dashboard scale ${key} must be a positive integer`);
  }
}

/**
 * Deterministic data (setseed before each random stream): orders spread evenly over 2022-01-01 … 2025-12-31,
 * so `created_at >= '2024-01-01'` keeps about half of them; ends with ANALYZE so the planner has statistics.
 */
export function dashboardDataSql(scale: DashboardScale = defaultDashboardScale): string {
  assertScale(scale);
  // Integers only (checked above), so splicing them into the SQL is safe.
  const { users, orders } = scale;
  return `SELECT setseed(0.42);
INSERT INTO users (id, name, email, created_at)
SELECT g,
       'user ' || g,
       'user' || g || '@example.com',
       timestamptz '2020-01-01 00:00:00+00' + (g % 1461) * interval '1 day'
FROM generate_series(1, ${users}) AS g;

SELECT setseed(0.17);
INSERT INTO orders (id, user_id, total, status, created_at)
SELECT g,
       1 + floor(random() * ${users})::bigint,
       round((5 + random() * 495)::numeric, 2),
       (ARRAY['paid', 'paid', 'paid', 'shipped', 'cancelled'])[1 + (g % 5)],
       timestamptz '2022-01-01 00:00:00+00' + floor(random() * 1461) * interval '1 day'
FROM generate_series(1, ${orders}) AS g;

ANALYZE users;
ANALYZE orders;
`;
}

/** Exactly the case-1 query: the WHERE on the nullable side of the LEFT JOIN is part of the case. */
export const dashboardQuery = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100;`;

/** The files an embedded session loads for the demo; numbered so that path order is schema, then data. */
export function dashboardDemoFiles(
  scale: DashboardScale = defaultDashboardScale,
): Array<{ path: string; text: string }> {
  return [
    { path: 'demo/01-dashboard-schema.sql', text: dashboardSchemaSql },
    { path: 'demo/02-dashboard-data.sql', text: dashboardDataSql(scale) },
  ];
}
