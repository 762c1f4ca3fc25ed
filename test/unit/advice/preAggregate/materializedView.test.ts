/**
 * Issue 12 §2: the pre-aggregated form (a materialized view of the child's per-key aggregates) on the test
 * server: its DDL runs, the rewrite returns the original's rows on the current data and after random writes
 * (rows moved between groups, in and out of the filter, NULLs, the max rows deleted, users without orders),
 * nothing is left behind, and a statement outside the family gets nothing.
 */
import assert from 'node:assert/strict';
import { useRewriteDatabase } from '../rewrite/rewriteDatabase';
import {
  adviseMaterializedView,
  offerPreAggregate,
} from '../../../../src/core/advice/preAggregate/adviseMaterializedView';
import { preAggregateLines, preAggregateMarkdown } from '../../../../src/core/advice/preAggregate/preAggregateText';
import { buildPreAggregate, matchPreAggregate } from '../../../../src/core/advice/preAggregate/preAggregateForm';

const setup = `
SELECT setseed(0.3);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id), total numeric(10,2),
  created_at timestamptz);
INSERT INTO users (email, name, status)
SELECT 'u' || g || '@x.test', CASE WHEN g % 7 = 0 THEN NULL ELSE 'User ' || g END,
  CASE WHEN g % 4 = 0 THEN 'inactive' ELSE 'active' END
FROM generate_series(1, 300) g;
-- Users 1..240 have orders (some with NULL totals and dates), 241..300 none; a few orders without a user.
INSERT INTO orders (user_id, total, created_at)
SELECT CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + (g * 7919) % 240 END,
  CASE WHEN g % 13 = 0 THEN NULL ELSE round((random() * 500)::numeric, 2) END,
  CASE WHEN g % 17 = 0 THEN NULL ELSE timestamptz '2023-06-01' + (random() * 400) * interval '1 day' END
FROM generate_series(1, 4000) g;
ANALYZE;
`;

const dashboard = `SELECT u.id, u.email, u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01 00:00:00+00'
WHERE u.status = 'active' GROUP BY u.id, u.email, u.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100`;

const family: Array<[string, string]> = [
  ['the dashboard', dashboard],
  [
    'inner join, filter in WHERE, min/avg/count(*), HAVING, OFFSET',
    `SELECT u.id, count(*) AS n, min(o.total) AS low, avg(o.total) AS mean FROM users u JOIN orders o ON o.user_id = u.id
     WHERE o.total > 100 AND u.status = 'active' GROUP BY u.id HAVING count(*) > 2 ORDER BY low NULLS FIRST, u.id LIMIT 50 OFFSET 5`,
  ],
  [
    'left join without ORDER BY, count(*) and max',
    `SELECT u.id, u.email, count(*) AS n, max(o.total) FROM users u LEFT JOIN orders o ON u.id = o.user_id GROUP BY u.id, u.email`,
  ],
  [
    'left join page that reaches the users without orders (top-N of the view united with them)',
    dashboard.replace('LIMIT 100', 'LIMIT 200 OFFSET 20'),
  ],
  [
    'left join page ordered by max ascending, no user without orders on it',
    `SELECT u.id, max(o.total) AS top, count(*) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id
     GROUP BY u.id ORDER BY top, u.id LIMIT 30`,
  ],
  [
    'left join made inner by a WHERE on the child (the demo dashboard)',
    `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent FROM users u
     LEFT JOIN orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01' GROUP BY u.id, u.name
     ORDER BY total_spent DESC NULLS LAST, u.id`,
  ],
];

describe('pre-aggregation: a materialized view of the child aggregates (issue 12 §2)', function () {
  this.timeout(300_000);
  const db = useRewriteDatabase('pre_aggregate', setup);

  async function state(): Promise<string> {
    const rows = await db().session.query<Record<string, unknown>>(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM orders)::int AS orders,
         (SELECT coalesce(sum(total), 0)::text FROM orders) AS total,
         (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)::int AS relations,
         (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)::int AS functions,
         (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)::int AS triggers`,
    );
    return JSON.stringify(rows[0]);
  }

  for (const [name, sql] of family) {
    it(`${name}: same rows as the original before and after random writes, nothing kept`, async () => {
      const before = await state();
      const advice = await adviseMaterializedView(db().session, sql, { runs: 1 });
      assert.ok(advice, 'offered');
      for (const c of advice.checks) assert.ok(c.same, `${c.when}: ${JSON.stringify(c)}\n${advice.rewrittenSql}`);
      assert.equal(advice.checks.length, 2);
      assert.ok(advice.checks[0].originalRows > 0);
      assert.ok(advice.equivalent);
      // The random writes really changed the data (none refused by a constraint in this schema).
      assert.ok(advice.writes.length >= 8, advice.writes.join('\n'));
      for (const w of advice.writes) assert.match(w, /: [1-9]\d* rows?$/, w);
      assert.ok(advice.refreshMs > 0);
      assert.equal(await state(), before, 'the database is as it was');
    });
  }

  it('the generated DDL runs as written, and REFRESH CONCURRENTLY works on it', async () => {
    const m = matchPreAggregate(dashboard);
    assert.ok(m);
    const form = buildPreAggregate(m);
    assert.match(form.createViewSql, /2024-01-01/, 'the filter literal is part of the view');
    const s = db().session;
    await s.execute('BEGIN');
    try {
      await s.execute(form.createViewSql);
      await s.execute(form.createIndexSql);
      assert.ok(form.orderIndexSql, 'the page reads the view in order');
      await s.execute(form.orderIndexSql);
      assert.match(form.rewrittenSql, /UNION ALL/, 'the users without orders are united with the top groups');
      await s.execute(form.refreshSql);
      const rows = await s.query(form.rewrittenSql);
      assert.equal(rows.length, 100);
    } finally {
      await s.execute('ROLLBACK');
    }
  });

  // Issue 12 §2: the OFFSET page. The view holds the whole answer numbered in the ORDER BY; the page reads LIMIT
  // entries of its position index, whatever the OFFSET, users without orders included.
  const pages: Array<[string, string, number]> = [
    ['the dashboard page 2 (LEFT JOIN, NULLS LAST, u.id last)', `${dashboard} OFFSET 100`, 100],
    ['a page that reaches the users without orders', `${dashboard} OFFSET 150`, 75],
    [
      'ascending max with NULLS FIRST, output position in ORDER BY, HAVING',
      `SELECT u.id, u.name, max(o.total) AS top, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id
       GROUP BY u.id, u.name HAVING count(o.id) < 30 ORDER BY 3 NULLS FIRST, u.name DESC, 1 LIMIT 40 OFFSET 25`,
      40,
    ],
  ];
  for (const [name, sql, limit] of pages) {
    it(`OFFSET page, ${name}: the whole answer numbered, read by position; same rows in order before and after writes to both tables`, async () => {
      const before = await state();
      const advice = await adviseMaterializedView(db().session, sql, { runs: 1 });
      assert.ok(advice, 'offered');
      for (const c of advice.checks)
        assert.ok(c.same && c.ordered, `${c.when}: ${JSON.stringify(c)}\n${advice.rewrittenSql}`);
      assert.equal(advice.checks[0].originalRows, limit);
      assert.match(advice.ddl[0], /row_number\(\) OVER \(ORDER BY /);
      assert.match(
        advice.ddl[1],
        /^CREATE UNIQUE INDEX users_orders_page_position ON users_orders_page \(page_position\) INCLUDE \(/,
      );
      assert.match(advice.rewrittenSql, /WHERE page\.page_position > \d+\nORDER BY page\.page_position\nLIMIT \d+$/);
      // The parent's columns changed too, and the refreshed view followed them.
      assert.ok(
        advice.writes.some((w) => /^change users\.(status|name|email): [1-9]/.test(w)),
        advice.writes.join('\n'),
      );
      assert.match(advice.staleness, /writes to orders and to users/);
      assert.equal(await state(), before, 'the database is as it was');
    });
  }

  it('OFFSET page: the rewrite reads LIMIT index entries of the view (no sort), REFRESH CONCURRENTLY works on it', async () => {
    const m = matchPreAggregate(`${dashboard} OFFSET 150`);
    assert.ok(m);
    const form = buildPreAggregate(m);
    assert.ok(form.page, 'the whole-answer view');
    const s = db().session;
    await s.execute('BEGIN');
    try {
      await s.execute(form.createViewSql);
      await s.execute(form.createIndexSql);
      await s.execute(form.refreshSql);
      await s.execute(`ANALYZE ${form.viewName}`);
      // Every active user is a row, those without orders included with count 0 and sum/max NULL.
      const counts = await s.query<{ rows: number; active: number; empty: number }>(
        `SELECT (SELECT count(*)::int FROM ${form.viewName}) AS rows,
                (SELECT count(*)::int FROM users WHERE status = 'active') AS active,
                (SELECT count(*)::int FROM ${form.viewName} WHERE order_count = 0 AND total_spent IS NULL AND last_order IS NULL) AS empty`,
      );
      assert.equal(counts[0].rows, counts[0].active);
      assert.ok(counts[0].empty > 0);
      // At 300 users a scan of the whole view is cheaper; the point here is that the index gives the page's order.
      await s.execute('SET LOCAL enable_seqscan = off');
      const plan = await s.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${form.rewrittenSql}`);
      const text = JSON.stringify(plan[0]['QUERY PLAN']);
      assert.doesNotMatch(text, /"Node Type":"Sort"/);
      assert.match(text, /"Index Name":"users_orders_page_position"/);
      const scan = /"Node Type":"Index (?:Only )?Scan"[^{}]*?"Actual Rows":(\d+)/.exec(text);
      assert.ok(scan && Number(scan[1]) <= 100, text);
    } finally {
      await s.execute('ROLLBACK');
    }
  });

  // Issue 12 §2: the ORM form, one correlated subquery per column, asks what the LEFT JOIN aggregate asks.
  const since = "timestamptz '2024-01-01 00:00:00+00'";
  const correlated = `SELECT u.id, u.email, u.name,
  (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${since}) AS order_count,
  (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${since}) AS total_spent,
  (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id AND o.created_at >= ${since}) AS last_order
FROM users u WHERE u.status = 'active' ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100`;
  const correlatedForms: Array<[string, string]> = [
    ['the dashboard, one correlated subquery per column', correlated],
    ['its OFFSET page reaching the users without orders', `${correlated} OFFSET 150`],
    [
      'other aliases per subquery, count(x), min/avg, no ORDER BY',
      `SELECT u.id, (SELECT count(x.total) FROM orders x WHERE u.id = x.user_id AND x.total > 100) AS n,
         (SELECT min(y.created_at) FROM orders y WHERE y.total > 100 AND y.user_id = u.id) AS first,
         (SELECT avg(z.total) FROM orders z WHERE z.user_id = u.id AND z.total > 100) AS mean
       FROM users u`,
    ],
  ];
  for (const [name, sql] of correlatedForms) {
    it(`correlated form, ${name}: read as the LEFT JOIN aggregate, proven against the statement as written`, async () => {
      const before = await state();
      const m = matchPreAggregate(sql);
      assert.ok(m?.joinForm, 'read as the join form');
      assert.ok(m.outer);
      assert.match(m.joinForm, /LEFT JOIN orders/);
      const advice = await adviseMaterializedView(db().session, sql, { runs: 1 });
      assert.ok(advice, 'offered');
      for (const c of advice.checks) assert.ok(c.same, `${c.when}: ${JSON.stringify(c)}\n${advice.rewrittenSql}`);
      assert.ok(advice.checks[0].originalRows > 0);
      assert.equal(advice.joinForm, m.joinForm);
      assert.match(
        preAggregateLines(advice).join('\n'),
        /^ {2}Read as: the correlated subqueries ask what this LEFT JOIN/m,
      );
      // orders has no index on user_id here: the proof made one, said so, and it is gone with the rollback.
      assert.match(advice.proofIndex ?? '', /orders has no index on user_id/);
      assert.equal(await state(), before, 'the database is as it was');
    });
  }

  const notJoinForms: Array<[string, string]> = [
    [
      'the subqueries filter differently',
      `SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.total > 1) AS a,
         (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id) AS b FROM users u`,
    ],
    [
      'the subqueries read different tables',
      `SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS a,
         (SELECT count(*) FROM users v WHERE v.id = u.id) AS b FROM users u`,
    ],
    [
      'a subquery that is not an aggregate',
      `SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS a,
         (SELECT o.total FROM orders o WHERE o.user_id = u.id LIMIT 1) AS b FROM users u`,
    ],
    [
      'count DISTINCT',
      `SELECT u.id, (SELECT count(DISTINCT o.total) FROM orders o WHERE o.user_id = u.id) FROM users u`,
    ],
  ];
  for (const [name, sql] of notJoinForms) {
    it(`correlated form outside the family, nothing: ${name}`, async () => {
      assert.equal(matchPreAggregate(sql), undefined);
      assert.equal(await adviseMaterializedView(db().session, sql, { runs: 1 }), undefined);
    });
  }

  const outside: Array<[string, string]> = [
    ['no GROUP BY', `SELECT u.id, o.total FROM users u JOIN orders o ON o.user_id = u.id`],
    [
      'grouped by the child key',
      `SELECT o.user_id, count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY o.user_id`,
    ],
    [
      'a volatile call in the filter',
      `SELECT u.id, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at > now() GROUP BY u.id`,
    ],
    [
      'a window function',
      `SELECT u.id, count(o.id), rank() OVER (ORDER BY count(o.id)) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id`,
    ],
    [
      'an aggregate over the parent',
      `SELECT u.id, count(o.id), max(u.email) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id`,
    ],
    [
      'count DISTINCT',
      `SELECT u.id, count(DISTINCT o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id`,
    ],
    [
      'a parameter in the filter',
      `SELECT u.id, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id AND o.total > $1 GROUP BY u.id`,
    ],
    [
      'a WHERE on the child of a left join that keeps NULL-extended rows',
      `SELECT u.id, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.total IS NULL GROUP BY u.id`,
    ],
    ['a single table', `SELECT user_id, count(*) FROM orders GROUP BY user_id`],
  ];
  for (const [name, sql] of outside) {
    it(`outside the family, nothing: ${name}`, async () => {
      assert.equal(await adviseMaterializedView(db().session, sql, { runs: 1 }), undefined);
    });
  }

  it('pg-tuner rewrite: the section with its one-line trade-off; a note instead where it may not build or fails', async () => {
    const notes: string[] = [];
    const note = (t: string): void => void notes.push(t);
    const advice = await offerPreAggregate(db().session, dashboard, true, { runs: 1 }, note);
    assert.ok(advice);
    const text = preAggregateLines(advice).join('\n');
    assert.match(text, /^Pre-aggregate: Materialized view orders_by_user_id_agg/m);
    assert.match(text, /Trade-off: reads .* instead of .*; refresh takes .*, answers up to one refresh old\./);
    assert.match(text, /literals are part of the view/);
    assert.match(preAggregateMarkdown(advice), /^## Pre-aggregate$/m);
    assert.deepEqual(notes, []);

    assert.equal(await offerPreAggregate(db().session, dashboard, false, { runs: 1 }, note), undefined);
    assert.match(notes[0], /--with-index --allow-what-if/);
    // Outside the family: nothing, not even a note.
    assert.equal(await offerPreAggregate(db().session, 'SELECT 1', true, {}, note), undefined);
    assert.equal(notes.length, 1);

    // The view's name taken by a table of the user's: said, not fatal, and the table is untouched.
    await db().session.execute(
      'CREATE TABLE orders_by_user_id_agg (x int); INSERT INTO orders_by_user_id_agg VALUES (7)',
    );
    try {
      assert.equal(await offerPreAggregate(db().session, dashboard, true, { runs: 1 }, note), undefined);
      assert.match(notes[1], /^Pre-aggregate: not measured \(.*already exists/);
      const rows = await db().session.query<{ x: number }>('SELECT x FROM orders_by_user_id_agg');
      assert.deepEqual(rows, [{ x: 7 }]);
    } finally {
      await db().session.execute('DROP TABLE orders_by_user_id_agg');
    }
  });

  it('a grouping key that is not unique in the parent gets nothing', async () => {
    const sql = `SELECT u.status, count(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.status`;
    assert.equal(await adviseMaterializedView(db().session, sql, { runs: 1 }), undefined);
    const byName = `SELECT u.name, count(o.id) FROM users u JOIN orders o ON o.user_id = u.name::int GROUP BY u.name`;
    assert.equal(await adviseMaterializedView(db().session, byName, { runs: 1 }), undefined);
  });
});
