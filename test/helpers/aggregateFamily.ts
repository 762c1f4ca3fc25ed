/**
 * The aggregate-before-join family as a generator (issue 12 §1): the grammar of the forms an application writes
 * a "top users by their orders" dashboard in (join kind, where the conditions sit, filters on either side,
 * aggregates, HAVING, ORDER BY with NULLS FIRST/LAST and tie-breakers, LIMIT/OFFSET pages, parameters, the
 * subquery and CTE spellings, schema-qualified and quoted names), and small data sets built to break a wrong
 * rewrite (NULL totals and keys, ties, empty groups, duplicates, users without orders, fewer groups than the
 * LIMIT, orphan keys without a foreign key). runFamily() runs every variant on every data set: the rule either
 * declines with its reason, or its rewrite must be proven by verifyRewrite and return exactly the original's
 * rows (in order, where the ORDER BY fixes it) on each data set. Used by the family test and bench:rewrite.
 */
import type { PgSession } from '../../src/core/db/pgSession';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { aggregateBeforeJoin } from '../../src/core/advice/rewrite/aggregateBeforeJoin';
import { readTableShapes } from '../../src/core/db/tableShapes';
import { parseSelect } from '../../src/core/sql/ast';
import { loadParser } from '../../src/core/sql/parser';
import { tiedPageProblem } from './tiedPage';

export interface FamilyVariant {
  name: string;
  sql: string;
  params?: unknown[];
  /** The ORDER BY fixes the order of every row (it ends with a unique key): compared in order. */
  ordered: boolean;
  /** The rule must rewrite it (the issue's own forms); others may decline with a reason. */
  mustRewrite?: boolean;
}

export interface FamilyDataSet {
  name: string;
  sql: string;
}

const schemaSql = `
-- Lookups of the users: a plan (nullable, for LEFT JOINs) and a region (a NOT NULL foreign key, for inner ones).
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO plans VALUES (1, 'free'), (2, 'pro'), (3, 'team'), (4, 'unused');
CREATE TABLE regions (id int PRIMARY KEY, name text);
INSERT INTO regions VALUES (1, 'north'), (2, NULL);
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL,
  plan_id int REFERENCES plans, region_id int NOT NULL DEFAULT 1 REFERENCES regions);
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, total numeric, created_at timestamptz NOT NULL);
-- The details of an order (revenue per user reads them); some orders have none.
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders, quantity int, price numeric);
CREATE SCHEMA "Shop";
CREATE TABLE "Shop"."Customer" ("Id" int PRIMARY KEY, "Status" text NOT NULL, "Name" text);
-- No foreign key: "CustomerId" holds keys with no customer, and NULLs.
CREATE TABLE "Shop"."Order Line" ("Id" int PRIMARY KEY, "CustomerId" int, "Amount" numeric, "At" timestamptz NOT NULL);
`;

/** The quoted tables hold the same rows, with orphan keys added. */
const copySql = `
INSERT INTO order_items SELECT o.id * 10 + k, o.id, k + 1, CASE WHEN (o.id + k) % 7 = 0 THEN NULL ELSE o.total + k END
  FROM orders o, generate_series(0, o.id % 3) k WHERE o.total IS NOT NULL OR o.id % 2 = 0;
UPDATE users SET plan_id = CASE WHEN id % 4 = 0 THEN NULL ELSE id % 3 + 1 END, region_id = id % 2 + 1;
INSERT INTO "Shop"."Customer" SELECT id, status, name FROM users;
INSERT INTO "Shop"."Order Line" SELECT id, CASE WHEN id % 13 = 0 THEN 900 + id ELSE user_id END, total, created_at FROM orders;
ANALYZE;
`;

export const familyDataSets: FamilyDataSet[] = [
  {
    name: 'mixed: NULL totals and keys, ties, inactive users, users without orders',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'user ' || (i % 7), CASE WHEN i % 3 = 0 THEN 'inactive' ELSE 'active' END
  FROM generate_series(1, 30) i;
INSERT INTO orders SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7) % 25 + 1 END,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 5) * 10 END, timestamptz '2023-06-01 00:00:00+00' + i * interval '5 days'
  FROM generate_series(1, 120) i;`,
  },
  {
    name: 'ties and NULL sums: equal totals everywhere, a user whose totals are all NULL',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'same', 'active' FROM generate_series(1, 12) i;
INSERT INTO orders SELECT i, (i - 1) / 2 + 1, 10, timestamptz '2024-03-01 00:00:00+00' FROM generate_series(1, 16) i;
INSERT INTO orders SELECT 100 + i, 9, NULL, timestamptz '2024-04-01 00:00:00+00' FROM generate_series(1, 3) i;`,
  },
  {
    name: 'empty groups: most orders before the date, most users with none after it',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'user ' || i, CASE WHEN i % 4 = 0 THEN 'inactive' ELSE 'active' END
  FROM generate_series(1, 20) i;
INSERT INTO orders SELECT i, i % 20 + 1, i, timestamptz '2023-01-01 00:00:00+00' + i * interval '1 day' FROM generate_series(1, 40) i;
INSERT INTO orders SELECT 100 + i, i % 2 + 1, 5 * i, timestamptz '2024-02-01 00:00:00+00' FROM generate_series(1, 5) i;`,
  },
  {
    name: 'duplicates: identical orders, duplicate names',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'twin ' || (i % 2), 'active' FROM generate_series(1, 10) i;
INSERT INTO orders SELECT i, i % 6 + 1, 25, timestamptz '2024-05-05 05:05:05+00' FROM generate_series(1, 30) i;`,
  },
  {
    name: 'few: fewer users and groups than the LIMIT',
    sql: `
INSERT INTO users VALUES (1, 'a@example.com', 'a', 'active'), (2, 'b@example.com', 'b', 'active'), (3, 'c@example.com', NULL, 'inactive');
INSERT INTO orders VALUES (1, 2, 7, timestamptz '2024-06-01 00:00:00+00'), (2, NULL, 3, timestamptz '2024-06-02 00:00:00+00');`,
  },
];

const since = `timestamptz '2024-01-01 00:00:00+00'`;
const aggregates = `COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order`;
const grouped = `GROUP BY u.id, u.email, u.name`;

interface Join {
  name: string;
  from: string;
  /** WHERE conditions the join form brings (the comma join's key, a fact filter in WHERE). */
  where: string[];
  inner: boolean;
}

const joins: Join[] = [
  {
    name: 'LEFT JOIN, date in ON',
    from: `users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}`,
    where: [],
    inner: false,
  },
  {
    name: 'LEFT JOIN, date in WHERE (an inner join)',
    from: 'users u LEFT JOIN orders o ON o.user_id = u.id',
    where: [`o.created_at >= ${since}`],
    inner: true,
  },
  {
    name: 'JOIN, date in ON',
    from: `users u JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}`,
    where: [],
    inner: true,
  },
  {
    name: 'JOIN, date in WHERE',
    from: 'users u JOIN orders o ON u.id = o.user_id',
    where: [`o.created_at >= ${since}`],
    inner: true,
  },
  {
    name: 'comma join',
    from: 'users u, orders o',
    where: ['o.user_id = u.id', `o.created_at >= ${since}`],
    inner: true,
  },
  { name: 'LEFT JOIN, no date', from: 'users u LEFT JOIN orders o ON o.user_id = u.id', where: [], inner: false },
  {
    name: 'RIGHT JOIN, date in ON',
    from: `orders o RIGHT JOIN users u ON o.user_id = u.id AND o.created_at >= ${since}`,
    where: [],
    inner: false,
  },
];

interface Order {
  name: string;
  sql: string;
  /** A GROUP BY of its own: a sort key must be grouped by (o.user_id, which the join makes equal to u.id). */
  group?: string;
}

const orders: Order[] = [
  { name: 'sum DESC NULLS LAST, id', sql: 'total_spent DESC NULLS LAST, u.id' },
  { name: 'sum DESC (NULLS FIRST), id', sql: 'total_spent DESC, u.id' },
  { name: 'count DESC, id', sql: 'order_count DESC, u.id' },
  { name: 'max ASC NULLS FIRST, id DESC', sql: 'last_order ASC NULLS FIRST, u.id DESC' },
  {
    name: 'sum() DESC NULLS LAST, o.user_id',
    sql: 'SUM(o.total) DESC NULLS LAST, o.user_id',
    group: 'GROUP BY u.id, u.email, u.name, o.user_id',
  },
];

function statement(
  join: Join,
  parts: { dimWhere?: string; order?: string; page?: string; having?: string; group?: string },
): string {
  const where = [...join.where, ...(parts.dimWhere ? [parts.dimWhere] : [])];
  return [
    `SELECT u.id, u.email, u.name, ${aggregates}`,
    `FROM ${join.from}`,
    ...(where.length > 0 ? [`WHERE ${where.join(' AND ')}`] : []),
    parts.group ?? grouped,
    ...(parts.having ? [`HAVING ${parts.having}`] : []),
    ...(parts.order ? [`ORDER BY ${parts.order}`] : []),
    ...(parts.page ? [parts.page] : []),
  ].join('\n');
}

/** Every join form × every order (pages alternating), then one change at a time from the dashboard. */
export function familyVariants(): FamilyVariant[] {
  const out: FamilyVariant[] = [];
  joins.forEach((join, j) => {
    orders.forEach((order, k) => {
      const page = (j + k) % 2 === 0 ? 'LIMIT 5' : 'LIMIT 5 OFFSET 3';
      const dimWhere = (j + k) % 3 === 2 ? undefined : `u.status = 'active'`;
      out.push({
        name: `${join.name}; ${dimWhere ? 'active users; ' : ''}ORDER BY ${order.name}; ${page}`,
        sql: statement(join, { dimWhere, order: order.sql, page, group: order.group }),
        ordered: true,
      });
    });
  });
  const dashboard = joins[0];
  const base = { dimWhere: `u.status = 'active'`, order: 'total_spent DESC NULLS LAST, u.id' };
  out.push(
    // No tie-breaker (docs/cases.md, case 1 as users write it): where totals tie at the LIMIT, any of the tied users is a
    // correct answer, so the page is compared by the proof's tie rule and checked again by tiedPage.ts; the order
    // among ties inside the page is open too, so the rows are compared as multisets.
    {
      name: 'case 1 as written: inner join, date in WHERE, ORDER BY the sum DESC alone, LIMIT 5',
      sql: statement(joins[1], { order: 'total_spent DESC', page: 'LIMIT 5' }),
      ordered: false,
      mustRewrite: true,
    },
    // No foreign key, orphan keys ("CustomerId" 900 + id): an orphan's group the inner join drops must not take
    // one of the LIMIT's places. Ascending, the orphans' single small lines sort first.
    {
      name: 'quoted tables without a foreign key, inner join, no condition on the customer, ORDER BY the sum ASC',
      sql: [
        'SELECT c."Id", c."Name", sum(l."Amount") AS total',
        'FROM "Shop"."Customer" c JOIN "Shop"."Order Line" l ON l."CustomerId" = c."Id"',
        'GROUP BY c."Id", c."Name"',
        'ORDER BY total ASC NULLS LAST, c."Id"',
        'LIMIT 3',
      ].join('\n'),
      ordered: true,
      mustRewrite: true,
    },
    {
      // The pager's total beside the page: over every group, so a LIMIT pushed below it would count the page.
      name: 'count(*) OVER () beside the aggregates (declined)',
      sql: statement(dashboard, { ...base, page: 'LIMIT 4' }).replace(
        'AS last_order',
        'AS last_order, count(*) OVER () AS customers',
      ),
      ordered: true,
    },
    {
      name: 'ORDER BY the count DESC alone, LIMIT 3 OFFSET 2',
      sql: statement(dashboard, { dimWhere: base.dimWhere, order: 'order_count DESC', page: 'LIMIT 3 OFFSET 2' }),
      ordered: false,
    },
    {
      name: "the issue's dashboard: LEFT JOIN, date in ON, active users, NULLS LAST, LIMIT 100",
      sql: statement(dashboard, { ...base, page: 'LIMIT 100' }),
      ordered: true,
      mustRewrite: true,
    },
    {
      name: "the issue's dashboard, OFFSET 50000 (here OFFSET 2)",
      sql: statement(dashboard, { ...base, page: 'LIMIT 4 OFFSET 2' }),
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'parameters: the status, the date, LIMIT and OFFSET',
      sql: statement(
        { ...dashboard, from: 'users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= $2' },
        { dimWhere: 'u.status = $1', order: base.order, page: 'LIMIT $3 OFFSET $4' },
      ),
      params: ['active', '2024-01-01T00:00:00Z', 5, 2],
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'more aggregates: MIN, AVG, COUNT(DISTINCT), COUNT(*)',
      sql: statement(dashboard, { ...base, page: 'LIMIT 6' }).replace(
        aggregates,
        `${aggregates}, MIN(o.total) AS smallest, AVG(o.total) AS average, COUNT(DISTINCT o.total) AS distinct_totals, COUNT(*) AS row_count`,
      ),
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'HAVING COUNT(o.id) >= 2 over the LEFT JOIN',
      sql: statement(dashboard, { ...base, having: 'COUNT(o.id) >= 2', page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'HAVING SUM(o.total) IS NULL OR COUNT(*) = 1 (keeps empty groups)',
      sql: statement(dashboard, { ...base, having: 'SUM(o.total) IS NULL OR COUNT(*) = 1', page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'HAVING SUM(o.total) > 20, inner join',
      sql: statement(joins[2], { ...base, having: 'SUM(o.total) > 20', page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'no LIMIT: every user, by total',
      sql: statement(dashboard, base),
      ordered: true,
    },
    {
      name: 'no ORDER BY, no LIMIT',
      sql: statement(dashboard, { dimWhere: base.dimWhere }),
      ordered: false,
    },
    {
      name: 'ORDER BY the key only',
      sql: statement(dashboard, { dimWhere: base.dimWhere, order: 'u.id DESC', page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'a tie-breaker the join cannot carry (u.name, u.id)',
      sql: statement(dashboard, { ...base, order: 'total_spent DESC NULLS LAST, u.name, u.id', page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'a function in the user condition (lower(u.status))',
      sql: statement(dashboard, { ...base, dimWhere: `lower(u.status) = 'active'`, page: 'LIMIT 5' }),
      ordered: true,
    },
    {
      name: 'the user condition in the ON of the LEFT JOIN',
      sql: statement(
        { ...dashboard, from: `${dashboard.from} AND u.status = 'active'` },
        { order: base.order, page: 'LIMIT 5' },
      ),
      ordered: true,
    },
    {
      name: 'subquery spelling: SELECT * FROM (grouped join) t ORDER BY … LIMIT',
      sql: `SELECT * FROM (\n${statement(dashboard, { dimWhere: base.dimWhere })}\n) t\nORDER BY t.total_spent DESC NULLS LAST, t.id\nLIMIT 5 OFFSET 1`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'subquery spelling with a projection',
      sql: `SELECT t.name, t.total_spent, t.id FROM (\n${statement(dashboard, { dimWhere: base.dimWhere })}\n) AS t\nORDER BY total_spent DESC NULLS LAST, id\nLIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'CTE spelling: WITH stats AS (grouped join) SELECT * FROM stats ORDER BY … LIMIT',
      sql: `WITH stats AS (\n${statement(dashboard, { dimWhere: base.dimWhere })}\n)\nSELECT * FROM stats\nORDER BY total_spent DESC NULLS LAST, id\nLIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'CTE spelling, inner join, OFFSET',
      sql: `WITH stats AS (\n${statement(joins[2], { dimWhere: base.dimWhere })}\n)\nSELECT s.id, s.order_count FROM stats s\nORDER BY s.order_count DESC, s.id\nLIMIT 3 OFFSET 2`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'schema-qualified: public.users, public.orders',
      sql: statement(
        {
          ...dashboard,
          from: `public.users u LEFT JOIN public.orders o ON o.user_id = u.id AND o.created_at >= ${since}`,
        },
        { ...base, page: 'LIMIT 5' },
      ),
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'quoted names, no foreign key, orphan keys: "Shop"."Customer" LEFT JOIN "Shop"."Order Line"',
      sql: `SELECT c."Id", c."Name", COUNT(l."Id") AS "Lines", SUM(l."Amount") AS "Total Amount"
FROM "Shop"."Customer" c LEFT JOIN "Shop"."Order Line" l ON l."CustomerId" = c."Id" AND l."At" >= ${since}
WHERE c."Status" = 'active'
GROUP BY c."Id", c."Name"
ORDER BY "Total Amount" DESC NULLS LAST, c."Id"
LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'quoted names, inner join, no user condition, orphan keys',
      sql: `SELECT c."Id", SUM(l."Amount") AS "Total Amount"
FROM "Shop"."Order Line" l JOIN "Shop"."Customer" c ON c."Id" = l."CustomerId"
GROUP BY c."Id"
ORDER BY "Total Amount" DESC NULLS LAST, c."Id"
LIMIT 4 OFFSET 1`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'quoted names, LEFT JOIN, no user condition, orphan keys',
      sql: `SELECT c."Id", COUNT(l."Id") AS "Lines"
FROM "Shop"."Customer" c LEFT JOIN "Shop"."Order Line" l ON l."CustomerId" = c."Id"
GROUP BY c."Id"
ORDER BY "Lines" DESC, c."Id"
LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    // How real dashboards are written beside the form: ordinals, functional dependency, wrapped
    // aggregates, no aliases, FILTER, ranges and lists, FETCH FIRST.
    {
      name: 'ordinals: GROUP BY 1, 2 and ORDER BY 3 DESC NULLS LAST, 1',
      sql: `SELECT u.id, u.email, SUM(o.total) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}
WHERE u.status = 'active' GROUP BY 1, 2 ORDER BY 3 DESC NULLS LAST, 1 LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'COALESCE(SUM(…), 0) ordered by its alias',
      sql: `SELECT u.id, u.email, COALESCE(SUM(o.total), 0) AS total_spent, COUNT(o.id) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}
WHERE u.status = 'active' GROUP BY u.id, u.email ORDER BY total_spent DESC, u.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'GROUP BY the key only (the other columns depend on it)',
      sql: `SELECT u.id, u.email, u.name, SUM(o.total) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}
WHERE u.status = 'active' GROUP BY u.id ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'ORDER BY SUM(…) not in the select list',
      sql: `SELECT u.id, u.name FROM users u JOIN orders o ON o.user_id = u.id WHERE o.created_at >= ${since}
GROUP BY u.id, u.name ORDER BY SUM(o.total) DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'no aliases: the tables by their names',
      sql: `SELECT users.id, users.email, SUM(orders.total) AS total_spent FROM users LEFT JOIN orders ON orders.user_id = users.id AND orders.created_at >= ${since}
WHERE users.status = 'active' GROUP BY users.id, users.email ORDER BY total_spent DESC NULLS LAST, users.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'an aggregate with FILTER',
      sql: `SELECT u.id, SUM(o.total) FILTER (WHERE o.total > 10) AS big, COUNT(o.id) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id
WHERE u.status = 'active' GROUP BY u.id ORDER BY n DESC, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'ROUND(AVG(…), 2), inner join',
      sql: `SELECT u.id, ROUND(AVG(o.total), 2) AS avg_total, COUNT(o.id) AS n FROM users u JOIN orders o ON o.user_id = u.id
WHERE o.created_at >= ${since} GROUP BY u.id ORDER BY avg_total DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'a status IN list and a date BETWEEN in ON',
      sql: `SELECT u.id, u.email, SUM(o.total) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at BETWEEN timestamptz '2023-06-01 00:00:00+00' AND timestamptz '2024-06-01 00:00:00+00'
WHERE u.status IN ('active', 'trial') GROUP BY u.id, u.email ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'a ratio of aggregates, FETCH FIRST 5 ROWS ONLY',
      sql: `SELECT u.id, SUM(o.total) / NULLIF(COUNT(o.id), 0) AS mean FROM users u JOIN orders o ON o.user_id = u.id
GROUP BY u.id ORDER BY mean DESC NULLS LAST, u.id FETCH FIRST 5 ROWS ONLY`,
      ordered: true,
    },
    // Lookups joined to the user by their unique key: columns, not rows.
    {
      name: 'a LEFT JOIN lookup before the LEFT JOIN of orders: users u LEFT JOIN plans p … LEFT JOIN orders o',
      sql: `SELECT u.id, u.email, p.name AS plan, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u LEFT JOIN plans p ON p.id = u.plan_id LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since}
WHERE u.status = 'active' GROUP BY u.id, u.email, p.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'an inner lookup on a NOT NULL foreign key after the join of orders',
      sql: `SELECT u.id, r.name AS region, SUM(o.total) AS total_spent
FROM users u JOIN orders o ON o.user_id = u.id JOIN regions r ON r.id = u.region_id
WHERE o.created_at >= ${since} GROUP BY u.id, r.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5 OFFSET 1`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'two lookups, the orders first: orders o JOIN users u … LEFT JOIN plans p … JOIN regions r',
      sql: `SELECT u.id, p.name AS plan, r.name AS region, COUNT(*) AS n
FROM orders o JOIN users u ON u.id = o.user_id LEFT JOIN plans p ON u.plan_id = p.id JOIN regions r ON r.id = u.region_id
GROUP BY u.id, p.name, r.name ORDER BY n DESC, u.id LIMIT 4`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: "a condition on the lookup (p.name <> 'free') and ORDER BY its column",
      sql: `SELECT u.id, p.name AS plan, SUM(o.total) AS total_spent
FROM users u LEFT JOIN plans p ON p.id = u.plan_id LEFT JOIN orders o ON o.user_id = u.id
WHERE p.name <> 'free' GROUP BY u.id, p.name ORDER BY p.name, total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'an inner lookup on a nullable key (declined: users without a plan drop out)',
      sql: `SELECT u.id, p.name AS plan, SUM(o.total) AS total_spent
FROM users u JOIN plans p ON p.id = u.plan_id JOIN orders o ON o.user_id = u.id
GROUP BY u.id, p.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'an aggregate of the lookup (declined: both sides aggregated)',
      sql: `SELECT u.id, SUM(o.total) AS total_spent, MAX(p.name) AS plan
FROM users u LEFT JOIN plans p ON p.id = u.plan_id JOIN orders o ON o.user_id = u.id
GROUP BY u.id ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    // Details of the fact: revenue per user over the order lines.
    {
      name: 'revenue per user: users JOIN orders JOIN order_items, SUM(quantity * price)',
      sql: `SELECT u.id, u.email, SUM(oi.quantity * oi.price) AS revenue
FROM users u JOIN orders o ON o.user_id = u.id JOIN order_items oi ON oi.order_id = o.id
WHERE o.created_at >= ${since} GROUP BY u.id, u.email ORDER BY revenue DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'LEFT JOIN orders LEFT JOIN order_items: users without orders or lines kept, COUNT(DISTINCT o.id) and lines',
      sql: `SELECT u.id, COUNT(DISTINCT o.id) AS orders, COUNT(oi.id) AS lines, SUM(oi.price) AS amount
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= ${since} LEFT JOIN order_items oi ON oi.order_id = o.id
WHERE u.status = 'active' GROUP BY u.id ORDER BY lines DESC, u.id LIMIT 5`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'a detail and a lookup, a condition on the detail in ON, OFFSET',
      sql: `SELECT u.id, p.name AS plan, SUM(oi.quantity) AS units
FROM users u LEFT JOIN plans p ON p.id = u.plan_id JOIN orders o ON o.user_id = u.id JOIN order_items oi ON oi.order_id = o.id AND oi.quantity > 1
GROUP BY u.id, p.name ORDER BY units DESC NULLS LAST, u.id LIMIT 4 OFFSET 1`,
      ordered: true,
      mustRewrite: true,
    },
    {
      name: 'the lines first: order_items oi JOIN orders o JOIN users u (declined)',
      sql: `SELECT u.id, SUM(oi.price) AS amount
FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN users u ON u.id = o.user_id
GROUP BY u.id ORDER BY amount DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'LEFT JOIN orders then an inner JOIN of its lines (declined: users without orders drop out)',
      sql: `SELECT u.id, SUM(oi.price) AS amount
FROM users u LEFT JOIN orders o ON o.user_id = u.id JOIN order_items oi ON oi.order_id = o.id
GROUP BY u.id ORDER BY amount DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
    {
      name: 'a third table joined to the user (declined: not a join of two tables)',
      sql: `SELECT u.id, u.email, SUM(o.total) AS s FROM users u JOIN orders o ON o.user_id = u.id JOIN users m ON m.id = u.id
WHERE o.created_at >= ${since} GROUP BY u.id, u.email ORDER BY s DESC NULLS LAST, u.id LIMIT 5`,
      ordered: true,
    },
  );
  return out;
}

export type VariantOutcome =
  /** `overTies`: on some data set, proven over rows tied at a page boundary (the proof's 'boundary-ties'). */
  | { variant: FamilyVariant; kind: 'rewritten'; rewrittenSql: string; overTies?: boolean }
  | { variant: FamilyVariant; kind: 'declined'; reason: string }
  | { variant: FamilyVariant; kind: 'wrong'; dataSet: string; detail: string; rewrittenSql?: string };

export interface FamilyCounts {
  variants: number;
  rewritten: number;
  declined: number;
  wrong: number;
  outcomes: VariantOutcome[];
}

function rowsText(rows: Array<Record<string, unknown>>, ordered: boolean): string[] {
  const text = rows.map((r) => JSON.stringify(Object.values(r)));
  return ordered ? text : [...text].sort();
}

/** Why the rule declines the statement on this database (its NoMatch reason). */
async function declineReason(session: PgSession, sql: string): Promise<string> {
  const parsed = parseSelect(sql);
  if (!parsed) return 'not a SELECT';
  const tables = [
    'users',
    'orders',
    'plans',
    'regions',
    'public.users',
    'public.orders',
    'Shop.Customer',
    'Shop.Order Line',
  ];
  const shapes = await readTableShapes(session, tables);
  const m = aggregateBeforeJoin.match({ parsed, shapes });
  return m.matched ? 'matched, but no rewrite came back' : m.reason;
}

/**
 * Every variant on every data set (sessions from `sessions`, one per data set, schema and rows loaded): declined
 * (with the reason), or rewritten and proven with the same rows on each; otherwise a wrong result.
 */
export async function runFamily(
  sessions: Array<{ dataSet: FamilyDataSet; session: PgSession }>,
  variants: FamilyVariant[] = familyVariants(),
): Promise<FamilyCounts> {
  await loadParser();
  const outcomes: VariantOutcome[] = [];
  for (const variant of variants) {
    let outcome: VariantOutcome | undefined;
    let rewrittenSql: string | undefined;
    let overTies = false;
    for (const { dataSet, session } of sessions) {
      const rewrites = await adviseRewrites(session, variant.sql, {
        params: variant.params,
        only: ['aggregate-before-join'],
        skipMeasurement: true,
      });
      if (rewrites.length === 0) {
        outcome = { variant, kind: 'declined', reason: await declineReason(session, variant.sql) };
        break;
      }
      // Every form the rule builds (the top-N and the whole-groups forms of a filtered dimension) must hold.
      rewrittenSql = rewrites[0].rewrittenSql;
      for (const r of rewrites) {
        if (r.verification !== 'equivalent' && r.verification !== 'not-tested-on-data') {
          outcome = {
            variant,
            kind: 'wrong',
            dataSet: dataSet.name,
            detail: `${r.verification}: ${r.verificationReason}`,
            rewrittenSql: r.rewrittenSql,
          };
          break;
        }
        if (r.equivalence?.order === 'boundary-ties') {
          // Proven over ties at the page boundary: checked here apart from the proof (tiedPage.ts).
          overTies = true;
          const problem = await tiedPageProblem(
            session,
            variant.sql,
            r.executableSql ?? r.rewrittenSql,
            variant.params,
          );
          if (problem) {
            outcome = {
              variant,
              kind: 'wrong',
              dataSet: dataSet.name,
              detail: `boundary ties: ${problem}`,
              rewrittenSql: r.rewrittenSql,
            };
            break;
          }
          continue;
        }
        const original = await session.query(variant.sql, variant.params);
        const rewritten = await session.query(r.executableSql ?? r.rewrittenSql, variant.params);
        const a = rowsText(original, variant.ordered);
        const b = rowsText(rewritten, variant.ordered);
        if (a.join('\n') !== b.join('\n')) {
          outcome = {
            variant,
            kind: 'wrong',
            dataSet: dataSet.name,
            detail: `original ${a.length} rows ${a.slice(0, 6).join(' ')} … rewrite ${b.length} rows ${b.slice(0, 6).join(' ')}`,
            rewrittenSql: r.rewrittenSql,
          };
          break;
        }
      }
      if (outcome) break;
    }
    outcomes.push(outcome ?? { variant, kind: 'rewritten', rewrittenSql: rewrittenSql ?? '', overTies });
  }
  return {
    variants: variants.length,
    rewritten: outcomes.filter((o) => o.kind === 'rewritten').length,
    declined: outcomes.filter((o) => o.kind === 'declined').length,
    wrong: outcomes.filter((o) => o.kind === 'wrong').length,
    outcomes,
  };
}

/** The data sets' databases on a server: `create(name, setupSql)` makes one and returns a session on it. */
export async function familySessions(
  create: (name: string, setupSql: string) => Promise<PgSession>,
): Promise<Array<{ dataSet: FamilyDataSet; session: PgSession }>> {
  const out: Array<{ dataSet: FamilyDataSet; session: PgSession }> = [];
  for (const [i, dataSet] of familyDataSets.entries())
    out.push({ dataSet, session: await create(`agg_family_${i}`, `${schemaSql}${dataSet.sql}${copySql}`) });
  return out;
}

/** The counts as printed by the test and the bench. */
export function familyReport(counts: FamilyCounts): string[] {
  const lines = counts.outcomes.map((o) =>
    o.kind === 'rewritten'
      ? `  rewritten  ${o.variant.name}${o.overTies ? ' (proven over ties at a page boundary on some data set)' : ''}`
      : o.kind === 'declined'
        ? `  declined   ${o.variant.name}: ${o.reason}`
        : `  WRONG      ${o.variant.name} on "${o.dataSet}": ${o.detail}`,
  );
  lines.push(
    `aggregate-before-join family: ${counts.variants} forms × ${familyDataSets.length} data sets: ${counts.rewritten} rewritten and proven, ${counts.declined} declined with a reason, ${counts.wrong} wrong results`,
  );
  return lines;
}
