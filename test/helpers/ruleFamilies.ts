/**
 * The other rewrite rules' families as generators (issue 12 §1, after test/helpers/aggregateFamily.ts): for each
 * rule the forms an application writes its shape in (schema-qualified and quoted names, `$n` parameters and
 * literals, CTE and subquery spellings, NULLs in the compared columns, ties, joins, NULLS FIRST/LAST, OFFSET
 * pages, and the near misses the rule must decline), and small data sets built to break a wrong rewrite (NULLs
 * in every nullable column, ties, empty tables, duplicates). runRuleFamily() runs every variant on every data
 * set: the rule declines with its reason (or says itself why the form is not offered), or its rewrite must be
 * proven by verifyRewrite and return exactly the original's rows (in order where the ORDER BY fixes it).
 */
import type { PgSession } from '../../src/core/db/pgSession';
import type { RewriteId } from '../../src/core/advice/rewriteSuggestion';
import type { RewriteRule } from '../../src/core/advice/rewrite/rewriteDraft';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { rewriteParameters, emptyPreviousPage } from '../../src/core/advice/rewrite/extraParameters';
import { keysetPagination } from '../../src/core/advice/rewrite/keysetPagination';
import { orToUnionAll } from '../../src/core/advice/rewrite/orToUnionAll';
import { notInToNotExists } from '../../src/core/advice/rewrite/notInToNotExists';
import { correlatedSubqueryToJoin } from '../../src/core/advice/rewrite/correlatedSubqueryToJoin';
import { countToExists } from '../../src/core/advice/rewrite/countToExists';
import { sargablePredicate } from '../../src/core/advice/rewrite/sargablePredicate';
import { readTableShapes } from '../../src/core/db/tableShapes';
import { parseSelect } from '../../src/core/sql/ast';
import { loadParser } from '../../src/core/sql/parser';
import { tiedPageProblem } from './tiedPage';
import type { FamilyCounts, FamilyDataSet, FamilyVariant, VariantOutcome } from './aggregateFamily';

export interface RuleVariant extends FamilyVariant {
  /**
   * The ORDER BY leaves ties at the LIMIT (the rows of a page are not fixed): only verifyRewrite's proof, which
   * knows the tie groups, can judge it; the rows are not compared here.
   */
  tiesAtLimit?: boolean;
}

export interface RuleFamily {
  id: RewriteId;
  rule: RewriteRule;
  variants: RuleVariant[];
}

const schemaSql = `
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL, region text,
  manager_id int, score int, created_at timestamptz NOT NULL,
  joined_on date GENERATED ALWAYS AS ((created_at AT TIME ZONE 'UTC')::date) STORED);
CREATE INDEX ON users (email); CREATE INDEX ON users (name); CREATE INDEX ON users (region);
CREATE INDEX ON users (manager_id); CREATE INDEX ON users (score); CREATE INDEX ON users (created_at, id);
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, total numeric, status text,
  created_at timestamptz NOT NULL);
CREATE INDEX ON orders (user_id); CREATE INDEX ON orders (status); CREATE INDEX ON orders (created_at);
-- NOT IN's two cases: a column that can hold NULL, and one that cannot.
CREATE TABLE banned (user_id int, reason text);
CREATE TABLE banned_nn (user_id int NOT NULL, reason text);
CREATE SCHEMA "Shop";
CREATE TABLE "Shop"."Customer" ("Id" int PRIMARY KEY, "Email" text NOT NULL, "Region" text, "Created" timestamptz NOT NULL);
CREATE INDEX ON "Shop"."Customer" ("Email"); CREATE INDEX ON "Shop"."Customer" ("Region");
-- No foreign key: "CustomerId" holds keys with no customer, and NULLs.
CREATE TABLE "Shop"."Order Line" ("Id" int PRIMARY KEY, "CustomerId" int, "Amount" numeric, "At" timestamptz NOT NULL);
CREATE INDEX ON "Shop"."Order Line" ("CustomerId");
`;

const copySql = `
INSERT INTO "Shop"."Customer" SELECT id, email, region, created_at FROM users;
INSERT INTO "Shop"."Order Line" SELECT id, CASE WHEN id % 13 = 0 THEN 900 + id ELSE user_id END, total, created_at FROM orders;
ANALYZE;
`;

export const ruleDataSets: FamilyDataSet[] = [
  {
    name: 'mixed: NULLs in every nullable column, a NULL among the banned',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', CASE WHEN i % 5 = 0 THEN NULL ELSE 'user ' || (i % 7) END,
  CASE WHEN i % 3 = 0 THEN 'inactive' ELSE 'active' END, (ARRAY['north', 'south', NULL])[i % 3 + 1],
  CASE WHEN i % 4 = 0 THEN NULL ELSE i % 5 + 1 END, CASE WHEN i % 6 = 0 THEN NULL ELSE i % 4 END,
  timestamptz '2024-03-01 00:00:00+00' + (i % 9) * interval '7 hours'
  FROM generate_series(1, 30) i;
INSERT INTO orders SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7) % 25 + 1 END,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 5) * 10 END, (ARRAY['paid', 'open', NULL])[i % 3 + 1],
  timestamptz '2024-02-28 00:00:00+00' + i * interval '5 hours'
  FROM generate_series(1, 120) i;
INSERT INTO banned VALUES (2, 'spam'), (NULL, 'unknown'), (7, 'fraud');
INSERT INTO banned_nn VALUES (2, 'spam'), (7, 'fraud'), (9, 'spam');`,
  },
  {
    name: 'ties: equal names, scores, timestamps and totals; no NULL among the banned',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'same', 'active', 'north', 1, 5,
  timestamptz '2024-03-01 12:00:00+00' FROM generate_series(1, 14) i;
INSERT INTO orders SELECT i, (i - 1) / 2 + 1, 10, 'paid', timestamptz '2024-03-01 12:00:00+00' FROM generate_series(1, 16) i;
INSERT INTO banned VALUES (3, 'spam'), (4, 'spam');
INSERT INTO banned_nn VALUES (3, 'spam'), (4, 'spam');`,
  },
  {
    name: 'empty: users without orders, nobody banned',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', NULL, 'active', NULL, NULL, NULL,
  timestamptz '2024-03-01 00:00:00+00' + i * interval '1 day' FROM generate_series(1, 8) i;`,
  },
  {
    name: 'duplicates: the same ban twice, identical orders, duplicate names',
    sql: `
INSERT INTO users SELECT i, 'u' || i || '@example.com', 'twin ' || (i % 2), 'active', 'south', NULL, i % 2,
  timestamptz '2024-03-01 00:00:00+00' + (i % 3) * interval '1 day' FROM generate_series(1, 10) i;
INSERT INTO orders SELECT i, i % 6 + 1, 25, 'paid', timestamptz '2024-03-01 05:05:05+00' FROM generate_series(1, 30) i;
-- On the edges of a day, a month and a year, for the date ranges.
INSERT INTO orders VALUES (31, 2, 25, 'paid', timestamptz '2023-12-31 23:59:59.999999+00'),
  (32, 3, 25, 'paid', timestamptz '2024-01-01 00:00:00+00'), (33, 4, NULL, NULL, timestamptz '2024-03-31 23:59:59+00'),
  (34, 5, 1, 'open', timestamptz '2024-04-01 00:00:00+00'), (35, 1, 2, 'open', timestamptz '2024-03-15 00:00:00+00');
INSERT INTO banned VALUES (1, 'spam'), (1, 'spam'), (5, NULL);
INSERT INTO banned_nn VALUES (1, 'spam'), (1, 'spam'), (5, NULL);`,
  },
  { name: 'nothing: every table empty', sql: '' },
];

const v = (name: string, sql: string, extra: Partial<RuleVariant> = {}): RuleVariant => ({
  name,
  sql,
  ordered: /ORDER BY/.test(sql) && !extra.tiesAtLimit,
  ...extra,
});

const keysetVariants: RuleVariant[] = [
  v('ORDER BY id, OFFSET page', 'SELECT id, email FROM users ORDER BY id LIMIT 5 OFFSET 5', { mustRewrite: true }),
  v('ORDER BY id DESC', 'SELECT id, email FROM users ORDER BY id DESC LIMIT 5 OFFSET 3', { mustRewrite: true }),
  v(
    'ORDER BY created_at, id (ties on created_at)',
    'SELECT id, created_at FROM users ORDER BY created_at, id LIMIT 4 OFFSET 4',
    {
      mustRewrite: true,
    },
  ),
  v(
    'ORDER BY created_at DESC, id DESC',
    'SELECT id, created_at FROM users ORDER BY created_at DESC, id DESC LIMIT 4 OFFSET 2',
  ),
  v(
    'mixed directions: created_at DESC, id',
    'SELECT id, created_at FROM users ORDER BY created_at DESC, id LIMIT 4 OFFSET 2',
  ),
  v('ORDER BY a nullable column (name), id', 'SELECT id, name FROM users ORDER BY name, id LIMIT 4 OFFSET 2'),
  v('NULLS FIRST', 'SELECT id FROM users ORDER BY created_at NULLS FIRST, id LIMIT 4 OFFSET 2'),
  v('NULLS LAST on the key', 'SELECT id FROM users ORDER BY id DESC NULLS LAST LIMIT 4 OFFSET 2'),
  v('ORDER BY a nullable score, id', 'SELECT id, score FROM users ORDER BY score, id LIMIT 4 OFFSET 2'),
  v('ORDER BY a non-unique key only', 'SELECT id, created_at FROM users ORDER BY created_at LIMIT 5 OFFSET 5', {
    tiesAtLimit: true,
  }),
  v('a filter', "SELECT id, email FROM users WHERE status = 'active' ORDER BY id LIMIT 3 OFFSET 3"),
  v(
    'parameters: filter, LIMIT $2, OFFSET $3',
    'SELECT id, email FROM users WHERE status = $1 ORDER BY id LIMIT $2 OFFSET $3',
    {
      params: ['active', 3, 4],
      mustRewrite: true,
    },
  ),
  v('schema-qualified public.users', 'SELECT u.id, u.email FROM public.users u ORDER BY u.id LIMIT 5 OFFSET 5'),
  v('SELECT * with an alias', 'SELECT * FROM users u ORDER BY u.id LIMIT 5 OFFSET 5'),
  v('quoted names', 'SELECT c."Id", c."Email" FROM "Shop"."Customer" c ORDER BY c."Id" LIMIT 5 OFFSET 5', {
    mustRewrite: true,
  }),
  v('quoted names, two keys', 'SELECT c."Id" FROM "Shop"."Customer" c ORDER BY c."Created", c."Id" LIMIT 3 OFFSET 3'),
  v(
    'join many-to-one (orders → users)',
    'SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id LIMIT 5 OFFSET 5',
  ),
  v(
    'LEFT JOIN many-to-one, NULL keys kept',
    'SELECT o.id, u.email FROM orders o LEFT JOIN users u ON u.id = o.user_id ORDER BY o.id LIMIT 5 OFFSET 5',
  ),
  v(
    'LEFT JOIN one-to-many (users → orders)',
    'SELECT u.id, o.id AS order_id FROM users u LEFT JOIN orders o ON o.user_id = u.id ORDER BY u.id LIMIT 5 OFFSET 5',
    {
      ordered: false,
      tiesAtLimit: true,
    },
  ),
  v('GROUP BY', 'SELECT user_id, count(*) FROM orders GROUP BY user_id ORDER BY user_id LIMIT 3 OFFSET 2'),
  v('DISTINCT', 'SELECT DISTINCT name FROM users ORDER BY name LIMIT 3 OFFSET 1'),
  v('OFFSET 0', 'SELECT id FROM users ORDER BY id LIMIT 5 OFFSET 0'),
  v(
    'subquery spelling',
    "SELECT * FROM (SELECT id, email FROM users WHERE status = 'active') t ORDER BY t.id LIMIT 3 OFFSET 3",
  ),
  v(
    'CTE spelling',
    "WITH a AS (SELECT id, email FROM users WHERE status = 'active') SELECT * FROM a ORDER BY id LIMIT 3 OFFSET 3",
  ),
  v('an expression as the key', 'SELECT id, email FROM users ORDER BY lower(email), id LIMIT 3 OFFSET 3'),
  v('a page past the end', 'SELECT id FROM users ORDER BY id LIMIT 5 OFFSET 100'),
  v('ORDER BY position', 'SELECT id, email FROM users ORDER BY 1 LIMIT 5 OFFSET 5'),
];

const orVariants: RuleVariant[] = [
  v('two columns', "SELECT id, email FROM users WHERE email = 'u3@example.com' OR name = 'user 2'", {
    mustRewrite: true,
  }),
  v('rows matching both branches', "SELECT id FROM users WHERE region = 'north' OR manager_id = 2", {
    mustRewrite: true,
  }),
  v('parameters', 'SELECT id, email FROM users WHERE email = $1 OR region = $2', {
    params: ['u4@example.com', 'south'],
  }),
  v('three branches', "SELECT id FROM users WHERE email = 'u1@example.com' OR name = 'user 3' OR region = 'south'"),
  v('IS NULL in a branch', "SELECT id FROM users WHERE name IS NULL OR region = 'north'"),
  v('<> over a nullable column first', "SELECT id FROM users WHERE region <> 'north' OR name = 'user 1'"),
  v('a range branch', "SELECT id FROM users WHERE score > 2 OR region = 'north'"),
  v('an IN list', "SELECT id FROM users WHERE email IN ('u1@example.com', 'u2@example.com') OR name = 'user 4'"),
  v('ORDER BY id LIMIT', "SELECT id, email FROM users WHERE region = 'north' OR manager_id = 2 ORDER BY id LIMIT 5", {
    mustRewrite: true,
  }),
  v(
    'ORDER BY id LIMIT OFFSET',
    "SELECT id, email FROM users WHERE region = 'north' OR manager_id = 2 ORDER BY id LIMIT 4 OFFSET 2",
  ),
  v(
    'sort key not selected',
    "SELECT id FROM users WHERE region = 'south' OR manager_id = 3 ORDER BY created_at DESC, id LIMIT 4",
  ),
  v(
    'NULLS FIRST',
    "SELECT id, name FROM users WHERE region = 'north' OR manager_id = 2 ORDER BY name NULLS FIRST, id LIMIT 5",
  ),
  v(
    'ties at the LIMIT',
    "SELECT id, score FROM users WHERE region = 'north' OR manager_id = 2 ORDER BY score LIMIT 3",
    {
      tiesAtLimit: true,
    },
  ),
  v(
    'parameters in LIMIT and OFFSET',
    'SELECT id FROM users WHERE region = $1 OR manager_id = $2 ORDER BY id LIMIT $3 OFFSET $4',
    {
      params: ['north', 2, 4, 1],
    },
  ),
  v(
    'an AND around the OR',
    "SELECT id FROM users WHERE status = 'active' AND (email = 'u2@example.com' OR region = 'south')",
  ),
  v('the same column twice', "SELECT id FROM users WHERE email = 'u1@example.com' OR email = 'u2@example.com'"),
  v(
    'quoted names',
    `SELECT c."Id" FROM "Shop"."Customer" c WHERE c."Email" = 'u5@example.com' OR c."Region" = 'north'`,
    {
      mustRewrite: true,
    },
  ),
  v('schema-qualified', "SELECT id FROM public.users WHERE email = 'u5@example.com' OR region = 'north'"),
  v('a column without an index', "SELECT id FROM users WHERE status = 'inactive' OR email = 'u1@example.com'"),
  v(
    'orders: user_id or status, ORDER BY id LIMIT',
    "SELECT id FROM orders WHERE user_id = 3 OR status = 'open' ORDER BY id LIMIT 10",
  ),
  v('SELECT *', "SELECT * FROM users WHERE email = 'u6@example.com' OR manager_id = 2"),
  v(
    'a join',
    "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email = 'u1@example.com' OR o.status = 'open'",
  ),
  v('GROUP BY', "SELECT region, count(*) FROM users WHERE email = 'u1@example.com' OR name = 'user 2' GROUP BY region"),
  v('ORDER BY without LIMIT', "SELECT id FROM users WHERE email = 'u1@example.com' OR name = 'user 2' ORDER BY id"),
  v('DISTINCT', "SELECT DISTINCT region FROM users WHERE email = 'u1@example.com' OR name = 'user 2'"),
  v('an aggregate', "SELECT count(*) FROM users WHERE email = 'u1@example.com' OR name = 'user 2'"),
  v(
    'subquery spelling',
    "SELECT * FROM (SELECT id, email, name FROM users) t WHERE t.email = 'u1@example.com' OR t.name = 'user 2'",
  ),
];

const notInVariants: RuleVariant[] = [
  v('over a NOT NULL column', 'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned_nn b)', {
    mustRewrite: true,
  }),
  v(
    'over a nullable column (the NULL trap)',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned b)',
  ),
  v(
    'nullable column filtered IS NOT NULL',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned b WHERE b.user_id IS NOT NULL)',
    {
      mustRewrite: true,
    },
  ),
  v(
    'a nullable tested column (u.manager_id)',
    'SELECT u.id FROM users u WHERE u.manager_id NOT IN (SELECT b.user_id FROM banned_nn b)',
  ),
  v(
    'a nullable tested column (o.user_id)',
    'SELECT o.id FROM orders o WHERE o.user_id NOT IN (SELECT b.user_id FROM banned_nn b)',
  ),
  v('unqualified names', 'SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM banned_nn)'),
  v(
    'a filter in the subquery',
    "SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned_nn b WHERE b.reason = 'spam')",
  ),
  v('over orders.user_id (nullable)', 'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT o.user_id FROM orders o)'),
  v(
    'over orders.user_id IS NOT NULL',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT o.user_id FROM orders o WHERE o.total > 10 AND o.user_id IS NOT NULL)',
  ),
  v(
    'two NOT IN',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned_nn b) AND u.manager_id NOT IN (SELECT n.user_id FROM banned_nn n)',
  ),
  v(
    'with other conditions',
    "SELECT u.id, u.email FROM users u WHERE u.status = 'active' AND u.id NOT IN (SELECT b.user_id FROM banned_nn b)",
  ),
  v(
    'parameters',
    'SELECT u.id FROM users u WHERE u.status = $1 AND u.id NOT IN (SELECT b.user_id FROM banned_nn b WHERE b.reason = $2)',
    {
      params: ['active', 'spam'],
    },
  ),
  v(
    'ORDER BY LIMIT',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned_nn b) ORDER BY u.id LIMIT 5',
  ),
  v(
    'quoted names, nullable',
    `SELECT c."Id" FROM "Shop"."Customer" c WHERE c."Id" NOT IN (SELECT l."CustomerId" FROM "Shop"."Order Line" l)`,
  ),
  v(
    'quoted names, IS NOT NULL',
    `SELECT c."Id" FROM "Shop"."Customer" c WHERE c."Id" NOT IN (SELECT l."CustomerId" FROM "Shop"."Order Line" l WHERE l."CustomerId" IS NOT NULL)`,
    {
      mustRewrite: true,
    },
  ),
  v('schema-qualified', 'SELECT u.id FROM public.users u WHERE u.id NOT IN (SELECT b.user_id FROM public.banned_nn b)'),
  v('a list, not a subquery', 'SELECT u.id FROM users u WHERE u.id NOT IN (1, 2, NULL)'),
  v(
    'DISTINCT in the subquery',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT DISTINCT b.user_id FROM banned_nn b)',
  ),
  v('an expression tested', 'SELECT u.id FROM users u WHERE u.id + 0 NOT IN (SELECT b.user_id FROM banned_nn b)'),
  v('an expression returned', 'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id + 0 FROM banned_nn b)'),
  v(
    'inside an OR',
    "SELECT u.id FROM users u WHERE u.status = 'inactive' OR u.id NOT IN (SELECT b.user_id FROM banned_nn b)",
  ),
  v('the same alias inside', 'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT u.id FROM users u WHERE u.score = 1)'),
  v(
    'a self-reference with another alias',
    'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT m.manager_id FROM users m WHERE m.manager_id IS NOT NULL)',
  ),
  v(
    'a join outside',
    'SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id NOT IN (SELECT b.user_id FROM banned_nn b)',
  ),
  v(
    'CTE spelling',
    'WITH b AS (SELECT user_id FROM banned_nn) SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM b)',
  ),
];

const sub = (agg: string, extra = ''): string => `(SELECT ${agg} FROM orders o WHERE o.user_id = u.id${extra})`;
const correlatedVariants: RuleVariant[] = [
  v('count(*)', `SELECT u.id, ${sub('count(*)')} AS n FROM users u`, { mustRewrite: true }),
  v('count(column) over NULLs', `SELECT u.id, ${sub('count(o.total)')} AS n FROM users u`),
  v('sum over NULLs', `SELECT u.id, ${sub('sum(o.total)')} AS s FROM users u`, { mustRewrite: true }),
  v('max', `SELECT u.id, ${sub('max(o.created_at)')} AS last FROM users u`),
  v('min and avg', `SELECT u.id, ${sub('min(o.total)')} AS lo, ${sub('avg(o.total)')} AS mean FROM users u`),
  v(
    "the issue's three aggregates of orders",
    `SELECT u.id, ${sub('count(*)')} AS n, ${sub('sum(o.total)')} AS s, ${sub('max(o.created_at)')} AS last FROM users u`,
  ),
  v(
    "the issue's ORM form: three aggregates over the same range, each with its own alias",
    "SELECT u.id, (SELECT count(*) FROM orders o1 WHERE o1.user_id = u.id AND o1.created_at >= '2024-03-01') AS n, " +
      "(SELECT sum(o2.total) FROM orders o2 WHERE o2.created_at >= '2024-03-01' AND o2.user_id = u.id) AS s, " +
      "(SELECT max(o3.created_at) FROM orders o3 WHERE u.id = o3.user_id AND o3.created_at >= '2024-03-01') AS last " +
      "FROM users u WHERE u.status = 'active' ORDER BY s DESC NULLS LAST, u.id LIMIT 7",
    { mustRewrite: true },
  ),
  v(
    'two share their conditions, one filters otherwise',
    `SELECT u.id, ${sub('count(*)')} AS n, ${sub('sum(o.total)')} AS s, ${sub('count(*)', " AND o.status = 'paid'")} AS paid FROM users u`,
  ),
  v(
    'the same aggregate twice, unnamed',
    `SELECT u.id, ${sub('count(*)')}, ${sub('count(*)')}, ${sub('sum(o.total)')} FROM users u`,
  ),
  v(
    'a join inside, correlated on the first table',
    'SELECT u.id, (SELECT count(*) FROM orders o JOIN banned_nn b ON b.user_id = o.user_id WHERE o.user_id = u.id) AS n FROM users u',
    { mustRewrite: true },
  ),
  v(
    'a join inside, correlated on the joined table (orders of the users u manages)',
    "SELECT u.id, (SELECT sum(o.total) FROM orders o JOIN users m ON m.id = o.user_id WHERE m.manager_id = u.id AND o.status = 'paid') AS team FROM users u ORDER BY u.id",
  ),
  v(
    'a LEFT JOIN inside, counting the joined side',
    'SELECT u.id, (SELECT count(b.reason) FROM orders o LEFT JOIN banned b ON b.user_id = o.user_id WHERE o.user_id = u.id) AS flagged FROM users u',
  ),
  v(
    'two aggregates over the same join',
    'SELECT u.id, (SELECT count(*) FROM orders o JOIN banned_nn b ON b.user_id = o.user_id WHERE o.user_id = u.id) AS n, ' +
      '(SELECT max(o.total) FROM orders o JOIN banned_nn b ON b.user_id = o.user_id WHERE o.user_id = u.id) AS top FROM users u',
  ),
  v(
    'tables listed with a comma inside',
    'SELECT u.id, (SELECT count(*) FROM orders o, banned_nn b WHERE b.user_id = o.user_id AND o.user_id = u.id) AS n FROM users u',
  ),
  v(
    'a join inside whose ON looks outside',
    'SELECT u.id, (SELECT count(*) FROM orders o JOIN banned_nn b ON b.user_id = u.id WHERE o.user_id = u.id) AS n FROM users u',
  ),
  v(
    'quoted names, a join inside',
    `SELECT c."Id", (SELECT sum(l."Amount") FROM "Shop"."Order Line" l JOIN "Shop"."Customer" k ON k."Id" = l."CustomerId" WHERE k."Region" = c."Region") AS "Regional" FROM "Shop"."Customer" c`,
  ),
  v('a filter inside', `SELECT u.id, ${sub('count(*)', " AND o.status = 'paid'")} AS paid FROM users u`),
  v('a filter outside', `SELECT u.id, ${sub('sum(o.total)')} AS s FROM users u WHERE u.status = 'active'`),
  v(
    'parameters inside and outside',
    `SELECT u.id, ${sub('count(*)', ' AND o.total > $2')} AS n FROM users u WHERE u.status = $1`,
    {
      params: ['active', 10],
    },
  ),
  v(
    'a nullable outer column (manager_id)',
    'SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.manager_id) AS n FROM users u',
  ),
  v('the equality reversed', 'SELECT u.id, (SELECT count(*) FROM orders o WHERE u.id = o.user_id) AS n FROM users u'),
  v('ORDER BY id LIMIT', `SELECT u.id, ${sub('count(*)')} AS n FROM users u ORDER BY u.id LIMIT 5`),
  v('ORDER BY the count, id', `SELECT u.id, ${sub('count(*)')} AS n FROM users u ORDER BY n DESC, u.id LIMIT 5`),
  v('count(DISTINCT)', `SELECT u.id, ${sub('count(DISTINCT o.total)')} AS n FROM users u`),
  v('count(*) FILTER', `SELECT u.id, ${sub('count(*) FILTER (WHERE o.total > 10)')} AS n FROM users u`),
  v(
    'a LEFT JOIN outside',
    'SELECT u.id, m.email, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS n FROM users u LEFT JOIN users m ON m.id = u.manager_id',
  ),
  v(
    'quoted names',
    `SELECT c."Id", (SELECT sum(l."Amount") FROM "Shop"."Order Line" l WHERE l."CustomerId" = c."Id") AS "Total" FROM "Shop"."Customer" c`,
    {
      mustRewrite: true,
    },
  ),
  v(
    'schema-qualified',
    'SELECT u.id, (SELECT count(*) FROM public.orders o WHERE o.user_id = u.id) AS n FROM public.users u',
  ),
  v('an unqualified inner column', 'SELECT u.id, (SELECT count(*) FROM orders WHERE user_id = u.id) AS n FROM users u'),
  v('not an aggregate', 'SELECT u.id, (SELECT o.total FROM orders o WHERE o.id = u.id) AS t FROM users u'),
  v('LIMIT inside', `SELECT u.id, ${sub('max(o.total)', ' LIMIT 1')} AS t FROM users u`),
  v(
    'two correlations',
    'SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.status = u.status) AS n FROM users u',
  ),
  v(
    'GROUP BY outside',
    `SELECT u.region, count(*), (SELECT count(*) FROM orders o WHERE o.user_id = min(u.id)) AS n FROM users u GROUP BY u.region`,
  ),
  v('inside coalesce()', `SELECT u.id, coalesce(${sub('sum(o.total)')}, 0) AS s FROM users u`, { mustRewrite: true }),
  v('inside coalesce(), unnamed', `SELECT u.id, coalesce(${sub('max(o.created_at)')}, u.created_at) FROM users u`),
  v('compared: has orders', `SELECT u.id, ${sub('count(*)')} > 0 AS has_orders FROM users u ORDER BY u.id`),
  v('in arithmetic with an outer column', `SELECT u.id, u.score + ${sub('count(*)')} AS points FROM users u`),
  v(
    'two subqueries in one expression',
    `SELECT u.id, ${sub('count(*)')} + ${sub('count(*)', " AND o.status = 'paid'")} AS n FROM users u`,
  ),
  v('DISTINCT outside', `SELECT DISTINCT u.region, ${sub('count(*)')} AS n FROM users u`),
  v(
    'CTE spelling',
    `WITH a AS (SELECT id FROM users WHERE status = 'active') SELECT u.id, ${sub('count(*)')} AS n FROM a u`,
  ),
  // Outside the select list: a condition on the aggregate, a sort by it, both with the column itself.
  v('in WHERE: sum(…) > 20', `SELECT u.id FROM users u WHERE ${sub('sum(o.total)')} > 20`, { mustRewrite: true }),
  v(
    'in WHERE with an outer condition: count(*) >= 2',
    `SELECT u.id, u.email FROM users u WHERE u.status = 'active' AND ${sub('count(*)')} >= 2 ORDER BY u.id`,
  ),
  v(
    'in ORDER BY … LIMIT: the top users by orders',
    `SELECT u.id FROM users u ORDER BY ${sub('count(*)')} DESC, u.id LIMIT 5`,
    {
      mustRewrite: true,
    },
  ),
  // The ORM's "latest": ORDER BY the selected column LIMIT 1 is its max (min ascending) where NULLs sort last.
  v(
    'latest: ORDER BY created_at DESC LIMIT 1 (NOT NULL) as max',
    'SELECT u.id, (SELECT o.created_at FROM orders o WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 1) AS last FROM users u',
    { mustRewrite: true },
  ),
  v(
    'smallest: ORDER BY total LIMIT 1 (NULLs last ascending) as min',
    'SELECT u.id, (SELECT o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.total LIMIT 1) AS smallest FROM users u',
  ),
  v(
    'ORDER BY total DESC LIMIT 1 over NULLs (declined: the NULL sorts first)',
    'SELECT u.id, (SELECT o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.total DESC LIMIT 1) AS biggest FROM users u',
  ),
  v(
    'ORDER BY total DESC NULLS LAST LIMIT 1 as max',
    'SELECT u.id, (SELECT o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.total DESC NULLS LAST LIMIT 1) AS biggest FROM users u',
  ),
  v(
    'ORDER BY another column LIMIT 1 (declined)',
    'SELECT u.id, (SELECT o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 1) AS last_total FROM users u',
  ),
  v(
    'the same subquery in the select list and in WHERE',
    `SELECT u.id, ${sub('sum(o.total)')} AS s FROM users u WHERE ${sub('sum(o.total)')} IS NOT NULL ORDER BY u.id`,
  ),
];

const cnt = (agg = 'count(*)', extra = ''): string => `(SELECT ${agg} FROM orders o WHERE o.user_id = u.id${extra})`;
const countVariants: RuleVariant[] = [
  v('> 0', `SELECT u.id FROM users u WHERE ${cnt()} > 0`, { mustRewrite: true }),
  v('= 0', `SELECT u.id FROM users u WHERE ${cnt()} = 0`, { mustRewrite: true }),
  v('>= 1', `SELECT u.id FROM users u WHERE ${cnt()} >= 1`),
  v('< 1', `SELECT u.id FROM users u WHERE ${cnt()} < 1`),
  v('0 < (…)', `SELECT u.id FROM users u WHERE 0 < ${cnt()}`),
  v('<> 0', `SELECT u.id FROM users u WHERE ${cnt()} <> 0`),
  v('count(column) over NULLs > 0', `SELECT u.id FROM users u WHERE ${cnt('count(o.total)')} > 0`),
  v('count(column) over NULLs = 0', `SELECT u.id FROM users u WHERE ${cnt('count(o.total)')} = 0`),
  v('> 1', `SELECT u.id FROM users u WHERE ${cnt()} > 1`),
  v('count(DISTINCT) > 0', `SELECT u.id FROM users u WHERE ${cnt('count(DISTINCT o.total)')} > 0`),
  v('in the select list', `SELECT u.id, ${cnt()} > 0 AS has_orders FROM users u`),
  v(
    'a filter and parameters',
    `SELECT u.id FROM users u WHERE u.status = $1 AND ${cnt('count(*)', ' AND o.total >= $2')} > 0`,
    {
      params: ['active', 20],
    },
  ),
  v('uncorrelated', 'SELECT u.id FROM users u WHERE (SELECT count(*) FROM banned) = 0'),
  v(
    'quoted names',
    `SELECT c."Id" FROM "Shop"."Customer" c WHERE (SELECT count(*) FROM "Shop"."Order Line" l WHERE l."CustomerId" = c."Id") > 0`,
    {
      mustRewrite: true,
    },
  ),
  v(
    'schema-qualified',
    'SELECT u.id FROM public.users u WHERE (SELECT count(*) FROM public.orders o WHERE o.user_id = u.id) = 0',
  ),
  v('ORDER BY LIMIT', `SELECT u.id FROM users u WHERE ${cnt()} > 0 ORDER BY u.id LIMIT 4`),
  v('inside an OR', `SELECT u.id FROM users u WHERE ${cnt()} > 0 OR u.status = 'inactive'`),
  v(
    'GROUP BY inside',
    'SELECT u.id FROM users u WHERE (SELECT count(*) FROM orders o WHERE o.user_id = u.id GROUP BY o.status) > 0',
  ),
  v('count(*) FILTER', `SELECT u.id FROM users u WHERE ${cnt('count(*) FILTER (WHERE o.total > 10)')} > 0`),
  v('OFFSET inside', `SELECT u.id FROM users u WHERE ${cnt('count(*)', ' OFFSET 1')} > 0`),
  v('sum, not count', `SELECT u.id FROM users u WHERE ${cnt('sum(o.total)')} > 0`),
  v(
    'a join inside',
    'SELECT u.id FROM users u WHERE (SELECT count(*) FROM orders o JOIN banned_nn b ON b.user_id = o.user_id WHERE o.user_id = u.id) > 0',
  ),
  v(
    'a nullable outer key',
    'SELECT u.id FROM users u WHERE (SELECT count(*) FROM orders o WHERE o.user_id = u.manager_id) >= 1',
  ),
  v('inside CASE', `SELECT u.id, CASE WHEN ${cnt()} > 0 THEN 'buyer' ELSE 'none' END AS kind FROM users u`),
  v('CTE spelling', `WITH a AS (SELECT id FROM users) SELECT u.id FROM a u WHERE ${cnt()} = 0`),
];

const day = "'2024-03-01'";
const sargableVariants: RuleVariant[] = [
  v('date(col) = literal', `SELECT id FROM users WHERE date(created_at) = ${day}`, { mustRewrite: true }),
  v('col::date = literal', `SELECT id FROM users WHERE created_at::date = ${day}`, { mustRewrite: true }),
  v('CAST(col AS date)', `SELECT id FROM users WHERE CAST(created_at AS date) = ${day}`),
  v('date(col) = $1', 'SELECT id FROM users WHERE date(created_at) = $1', { params: ['2024-03-01'] }),
  // An API's row as json: json has no equality operator, so the proof compares such rows as text.
  v(
    'a json column in the output',
    `SELECT id, json_build_object('id', id, 'email', email) AS j FROM users WHERE date(created_at) = ${day}`,
    { mustRewrite: true },
  ),
  v('date(col) = a typed date', "SELECT id FROM users WHERE date(created_at) = date '2024-03-02'"),
  v('the value first', `SELECT id FROM users WHERE ${day} = date(created_at)`),
  v('col + 1 = 5', 'SELECT id FROM users WHERE id + 1 = 5', { mustRewrite: true }),
  v('col - 1 = 5', 'SELECT id FROM users WHERE id - 1 = 5'),
  v('5 = col + 1', 'SELECT id FROM users WHERE 5 = id + 1'),
  v('a nullable column + k', 'SELECT id FROM users WHERE score + 10 = 12'),
  v('numeric column + k', 'SELECT id FROM orders WHERE total + 1 = 11'),
  v('col + k = $1', 'SELECT id FROM users WHERE score + 1 = $1', { params: [3] }),
  // A date column: the untyped value took the column's type as written ('2024-03-01' + 7 alone is an integer sum).
  v('date column - k = literal', "SELECT id FROM users WHERE joined_on - 7 = '2024-03-01'", { mustRewrite: true }),
  v('date column + k = $1', 'SELECT id FROM users WHERE joined_on + 1 = $1', { params: ['2024-03-02'] }),
  v(
    'qualified in a join',
    `SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE date(o.created_at) = ${day}`,
  ),
  v('quoted names', `SELECT c."Id" FROM "Shop"."Customer" c WHERE date(c."Created") = ${day}`, { mustRewrite: true }),
  v('schema-qualified', `SELECT u.id FROM public.users u WHERE u.created_at::date = ${day}`),
  v('ORDER BY LIMIT', `SELECT id FROM users WHERE date(created_at) = ${day} ORDER BY id LIMIT 3`),
  v('with another condition', `SELECT id FROM users WHERE status = 'active' AND date(created_at) = ${day}`),
  v('in a subquery', `SELECT t.id FROM (SELECT id FROM users WHERE date(created_at) = ${day}) t`),
  v('in a CTE', `WITH d AS (SELECT id FROM orders WHERE date(created_at) = ${day}) SELECT id FROM d`),
  v('lower(email) =', "SELECT id FROM users WHERE lower(email) = 'u1@example.com'"),
  v('date(col) >=', `SELECT id FROM users WHERE date(created_at) >= ${day}`),
  v('col * 2 = 10', 'SELECT id FROM users WHERE id * 2 = 10'),
  v('col + $1 = 5', 'SELECT id FROM users WHERE id + $1 = 5', { params: [1] }),
  v('col + 1 > 5', 'SELECT id FROM users WHERE id + 1 > 5'),
  v('date(col) = NULL value', 'SELECT id FROM users WHERE date(created_at) = NULL'),
  v('two predicates', `SELECT id FROM users WHERE date(created_at) = ${day} OR id + 2 = 4`),
  // The date family beyond equality: ranges, BETWEEN, EXTRACT(YEAR …), date_trunc, values from now().
  v('date(col) < literal', `SELECT id FROM orders WHERE date(created_at) < ${day}`, { mustRewrite: true }),
  v('date(col) > literal', `SELECT id FROM orders WHERE date(created_at) > ${day}`),
  v('date(col) <= $1', 'SELECT id FROM orders WHERE date(created_at) <= $1', { params: ['2024-03-01'] }),
  v(
    'col::date BETWEEN',
    "SELECT id FROM orders WHERE created_at::date BETWEEN '2024-01-01' AND '2024-03-15' ORDER BY id",
    { mustRewrite: true },
  ),
  v('col::date >= current_date - k', 'SELECT id FROM orders WHERE created_at::date >= current_date - 1000'),
  v('EXTRACT(YEAR FROM col) = year', 'SELECT id FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2024', {
    mustRewrite: true,
  }),
  v(
    'EXTRACT(YEAR …) = 2023 (the last microsecond)',
    'SELECT id FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2023',
  ),
  v('year < EXTRACT(YEAR …)', 'SELECT id FROM orders o WHERE 2023 < EXTRACT(YEAR FROM o.created_at)'),
  v('date_part(year) BETWEEN', "SELECT id FROM orders WHERE date_part('year', created_at) BETWEEN 2023 AND 2024"),
  v(
    "date_trunc('month', col) = start of a month (untyped)",
    "SELECT id FROM orders WHERE date_trunc('month', created_at) = '2024-03-01'",
    { mustRewrite: true },
  ),
  v(
    "date_trunc('month', col) = inside a month (no row)",
    "SELECT id FROM orders WHERE date_trunc('month', created_at) = '2024-03-15'",
  ),
  v(
    "date_trunc('day', col) = typed value",
    "SELECT id FROM orders WHERE date_trunc('day', created_at) = timestamptz '2024-03-15 00:00:00+00'",
  ),
  v(
    'date_trunc = date_trunc of a value (exact range)',
    "SELECT id FROM orders WHERE date_trunc('month', created_at) = date_trunc('month', timestamptz '2024-03-10 00:00:00+00')",
    { mustRewrite: true },
  ),
  v(
    'date_trunc < date_trunc(now())',
    "SELECT id FROM orders WHERE date_trunc('month', created_at) < date_trunc('month', now())",
  ),
  v("date_trunc('month', col) >= $1", "SELECT id FROM orders WHERE date_trunc('month', created_at) >= $1", {
    params: ['2024-02-10T00:00:00Z'],
  }),
  v("date_trunc('week', col) <= literal", "SELECT id FROM orders WHERE date_trunc('week', created_at) <= '2024-03-06'"),
  v('date(col) IN (two days)', "SELECT id FROM orders WHERE date(created_at) IN ('2024-03-01', '2024-03-04')", {
    mustRewrite: true,
  }),
  v('EXTRACT(YEAR …) IN (2023, 2024)', 'SELECT id FROM orders WHERE EXTRACT(YEAR FROM created_at) IN (2023, 2024)'),
  v("to_char(col, 'YYYY-MM') = a month", "SELECT id FROM orders WHERE to_char(created_at, 'YYYY-MM') = '2024-03'", {
    mustRewrite: true,
  }),
  v(
    "to_char(col, 'YYYY-MM-DD') IN (two days)",
    "SELECT id FROM orders WHERE to_char(created_at, 'YYYY-MM-DD') IN ('2024-02-29', '2024-03-04')",
  ),
  v(
    "to_char(…) = '2024-02-30' (declined: no such day)",
    "SELECT id FROM orders WHERE to_char(created_at, 'YYYY-MM-DD') = '2024-02-30'",
  ),
  v(
    "to_char(…) >= '2024-03' (declined: text order)",
    "SELECT id FROM orders WHERE to_char(created_at, 'YYYY-MM') >= '2024-03'",
  ),
  v('a date form in the select list', `SELECT id, date(created_at) <= ${day} AS early FROM orders`),
  // Near misses: a value of another type, a part that is no range, a unit a time zone can split.
  v(
    'date(col) = a timestamp (declined)',
    "SELECT id FROM orders WHERE date(created_at) = timestamp '2024-03-01 10:00'",
  ),
  v(
    'date(col) >= now() - interval (declined)',
    "SELECT id FROM orders WHERE date(created_at) >= now() - interval '9 days'",
  ),
  v('EXTRACT(MONTH …) (declined)', 'SELECT id FROM orders WHERE EXTRACT(MONTH FROM created_at) = 3'),
  v(
    "date_trunc('hour', …) (declined)",
    "SELECT id FROM orders WHERE date_trunc('hour', created_at) = timestamptz '2024-03-01 10:00:00+00'",
  ),
];

export const ruleFamilies: RuleFamily[] = [
  { id: 'keyset-pagination', rule: keysetPagination as RewriteRule, variants: keysetVariants },
  { id: 'or-to-union-all', rule: orToUnionAll as RewriteRule, variants: orVariants },
  { id: 'not-in-to-not-exists', rule: notInToNotExists as RewriteRule, variants: notInVariants },
  { id: 'correlated-subquery-to-join', rule: correlatedSubqueryToJoin as RewriteRule, variants: correlatedVariants },
  { id: 'count-to-exists', rule: countToExists as RewriteRule, variants: countVariants },
  { id: 'sargable-predicate', rule: sargablePredicate as RewriteRule, variants: sargableVariants },
];

const tables = [
  'users',
  'orders',
  'banned',
  'banned_nn',
  'public.users',
  'public.orders',
  'public.banned_nn',
  'Shop.Customer',
  'Shop.Order Line',
];

function rowsText(rows: Array<Record<string, unknown>>, ordered: boolean): string[] {
  const text = rows.map((r) => JSON.stringify(Object.values(r)));
  return ordered ? text : [...text].sort();
}

/** Why the rule declines the statement on this database (its NoMatch reason). */
async function declineReason(rule: RewriteRule, session: PgSession, sql: string): Promise<string> {
  const parsed = parseSelect(sql);
  if (!parsed) return 'not a single SELECT the rules read';
  const m = rule.match({ parsed, shapes: await readTableShapes(session, tables) });
  return m.matched ? 'matched, but no rewrite came back' : m.reason;
}

/**
 * One variant on every data set: declined (the rule's reason, or its own "not equivalent, not offered"),
 * rewritten (proven, and the same rows on each data set), or wrong.
 */
async function runVariant(
  family: RuleFamily,
  variant: RuleVariant,
  sessions: Array<{ dataSet: FamilyDataSet; session: PgSession }>,
): Promise<VariantOutcome> {
  let rewrittenSql: string | undefined;
  for (const { dataSet, session } of sessions) {
    let rewrites;
    try {
      rewrites = await adviseRewrites(session, variant.sql, {
        params: variant.params,
        only: [family.id],
        skipMeasurement: true,
      });
    } catch (err) {
      return { variant, kind: 'wrong', dataSet: dataSet.name, detail: `advice failed: ${(err as Error).message}` };
    }
    if (rewrites.length === 0)
      return { variant, kind: 'declined', reason: await declineReason(family.rule, session, variant.sql) };
    // The rule itself says the forms differ (NOT IN over a nullable column): shown as not equivalent, never offered.
    const offered = rewrites.filter((r) => !(r.verification === 'not-equivalent' && !r.equivalence));
    if (offered.length === 0)
      return { variant, kind: 'declined', reason: `not offered: ${rewrites[0].verificationReason}` };
    for (const r of offered) {
      rewrittenSql = r.rewrittenSql;
      const fail = (detail: string): VariantOutcome => ({
        variant,
        kind: 'wrong',
        dataSet: dataSet.name,
        detail,
        rewrittenSql,
      });
      if (r.verification === 'unverified' && r.verificationReason === emptyPreviousPage) continue;
      // Not proven: never offered, so a decline with its reason; a comparison that could not run is a broken rewrite.
      if (r.verification === 'unverified' && !r.verificationReason.startsWith('The comparison could not run'))
        return {
          variant,
          kind: 'declined',
          reason: `not offered, not proven on "${dataSet.name}": ${r.verificationReason}`,
        };
      if (r.verification !== 'equivalent' && r.verification !== 'not-tested-on-data')
        return fail(`${r.verification}: ${r.verificationReason}`);
      if (r.equivalence?.order === 'boundary-ties') {
        // Proven over ties at the page boundary: checked here apart from the proof (tiedPage.ts).
        const extra = await rewriteParameters((q, p) => session.query(q, p), r.extraParamsQuery, variant.params ?? []);
        if (!extra) continue;
        const problem = await tiedPageProblem(
          session,
          variant.sql,
          r.executableSql ?? r.rewrittenSql,
          variant.params,
          extra,
        );
        if (problem) return fail(`boundary ties: ${problem}`);
        continue;
      }
      if (variant.tiesAtLimit) continue;
      const params = variant.params ?? [];
      const extra = await rewriteParameters((q, p) => session.query(q, p), r.extraParamsQuery, params);
      if (!extra) continue;
      const original = rowsText(await session.query(variant.sql, params), variant.ordered);
      let rewritten: string[];
      try {
        rewritten = rowsText(await session.query(r.executableSql ?? r.rewrittenSql, extra), variant.ordered);
      } catch (err) {
        return fail(`the rewrite failed: ${(err as Error).message}`);
      }
      if (original.join('\n') !== rewritten.join('\n'))
        return fail(
          `original ${original.length} rows ${original.slice(0, 6).join(' ')} … rewrite ${rewritten.length} rows ${rewritten.slice(0, 6).join(' ')}`,
        );
    }
  }
  return { variant, kind: 'rewritten', rewrittenSql: rewrittenSql ?? '' };
}

export async function runRuleFamily(
  family: RuleFamily,
  sessions: Array<{ dataSet: FamilyDataSet; session: PgSession }>,
): Promise<FamilyCounts> {
  await loadParser();
  const outcomes: VariantOutcome[] = [];
  for (const variant of family.variants) outcomes.push(await runVariant(family, variant, sessions));
  return {
    variants: family.variants.length,
    rewritten: outcomes.filter((o) => o.kind === 'rewritten').length,
    declined: outcomes.filter((o) => o.kind === 'declined').length,
    wrong: outcomes.filter((o) => o.kind === 'wrong').length,
    outcomes,
  };
}

/** The data sets' databases: `create(name, setupSql)` makes one and returns a session on it. */
export async function ruleFamilySessions(
  create: (name: string, setupSql: string) => Promise<PgSession>,
): Promise<Array<{ dataSet: FamilyDataSet; session: PgSession }>> {
  const out: Array<{ dataSet: FamilyDataSet; session: PgSession }> = [];
  for (const [i, dataSet] of ruleDataSets.entries())
    out.push({ dataSet, session: await create(`rule_family_${i}`, `${schemaSql}${dataSet.sql}${copySql}`) });
  return out;
}

/** One rule's counts as printed by the test and the bench. */
export function ruleFamilyReport(id: RewriteId, counts: FamilyCounts, details = true): string[] {
  const lines = details
    ? counts.outcomes.map((o) =>
        o.kind === 'rewritten'
          ? `  rewritten  ${o.variant.name}`
          : o.kind === 'declined'
            ? `  declined   ${o.variant.name}: ${o.reason}`
            : `  WRONG      ${o.variant.name} on "${o.dataSet}": ${o.detail}\n${o.rewrittenSql ?? ''}`,
      )
    : [];
  lines.push(
    `${id} family: ${counts.variants} forms × ${ruleDataSets.length} data sets: ${counts.rewritten} rewritten and proven, ${counts.declined} declined with a reason, ${counts.wrong} wrong results`,
  );
  return lines;
}
