/**
 * The LEFT JOIN dashboard on the demo's generator (src/core/demo/dashboardDemo.ts) with users.status (90 %
 * active), as bench:dashboard loads it: a database of its own on the test server, vacuumed (index-only scans need
 * the visibility map), with HypoPG where the server has it.
 */
import { testServer } from './globalServer';
import { createDatabase } from './testDatabase';
import { PgSession } from '../../src/core/db/pgSession';
import { dashboardDataSql, dashboardSchemaSql } from '../../src/core/demo/dashboardDemo';

export const activeUsersDashboard = `SELECT u.id, u.email, u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01 00:00:00+00'
WHERE u.status = 'active' GROUP BY u.id, u.email, u.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100`;

/** 20k users and 200k orders in `database`; a session on it. */
export async function activeUsersDashboardSession(database: string): Promise<PgSession> {
  const s = await testServer();
  const session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
  await session.execute(dashboardSchemaSql);
  await session.execute(dashboardDataSql({ users: 20_000, orders: 200_000 }));
  await session.execute(
    "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'; UPDATE users SET status = 'inactive' WHERE id % 10 = 0",
  );
  for (const t of ['users', 'orders']) await session.execute(`VACUUM ANALYZE ${t}`);
  if (s.extensions.includes('hypopg')) await session.execute('CREATE EXTENSION hypopg');
  return session;
}
