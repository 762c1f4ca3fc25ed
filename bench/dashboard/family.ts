/**
 * The dashboard family of issue 12 (Figures): the same question written the ways applications write it, each with
 * the rows any plan must read to answer it. All of them aggregate the orders since 2024-01-01 per user, so their
 * query-time floor is one index-only scan of those orders (floor.ts).
 */
import { dashboardQuery } from '../../src/core/demo/dashboardDemo';
import { issueDashboard } from '../rewrite/preAggregate';

export interface FamilyMember {
  /** Short, for the tables. */
  id: string;
  title: string;
  sql: string;
  params?: unknown[];
}

/** The issue's lower bound of the orders every member aggregates. */
export const sinceLiteral = "timestamptz '2024-01-01 00:00:00+00'";
const since = '2024-01-01 00:00:00+00';

/** The condition on orders the floor scans; the same rows for every member (the seed's '2024-01-01' is UTC here). */
export const floorCondition = `created_at >= ${sinceLiteral}`;

/** One correlated subquery per column, as an ORM's computed fields write it (the issue's "ORM-style variant"). */
const correlatedDashboard = `SELECT u.id, u.email, u.name,
  (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${sinceLiteral}) AS order_count,
  (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${sinceLiteral}) AS total_spent,
  (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${sinceLiteral}) AS last_order
FROM users u
WHERE u.status = 'active'
ORDER BY total_spent DESC NULLS LAST, u.id
LIMIT 100`;

/** The issue's dashboard as a driver sends it: the bound and the page size as parameters. */
const parameterisedDashboard = issueDashboard
  .replace(`o.created_at >= ${sinceLiteral}`, 'o.created_at >= $1')
  .replace(/LIMIT 100$/, 'LIMIT $2');

export const dashboardFamily: FamilyMember[] = [
  { id: 'left-join', title: "the issue's LEFT JOIN dashboard", sql: issueDashboard },
  { id: 'offset-page', title: 'its OFFSET 50000 page (page 501)', sql: `${issueDashboard} OFFSET 50000` },
  { id: 'correlated', title: 'one correlated subquery per column (ORM form)', sql: correlatedDashboard },
  { id: 'seed', title: "the seed's dashboard (demo, e2e workspace)", sql: dashboardQuery.replace(/;\s*$/, '') },
  {
    id: 'parameterised',
    title: 'the LEFT JOIN dashboard with $1/$2',
    sql: parameterisedDashboard,
    params: [since, 100],
  },
];

/** A member whose text lost what it was built from would measure the wrong statement: fail at once. */
for (const m of dashboardFamily) {
  if (m.params && !m.sql.includes('$2')) throw new Error(`bench:dashboard: ${m.id} has no $2`);
}
