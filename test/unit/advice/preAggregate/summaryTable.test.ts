/**
 * Issue 12 §2: the summary table kept by triggers (always fresh), the second pre-aggregated form, on the test
 * server: for the pre-aggregation family (docs/rewrite-families.md) the query over it returns the original's rows
 * and the whole table equals the aggregate computed afresh, on the current data and after random writes done
 * through the triggers alone (rows moved between groups, in and out of the filter, set NULL, the min/max rows
 * lowered and deleted, users without orders); the write cost is measured; nothing is left behind. A trigger that
 * misses a row moved between groups is caught; aggregates a trigger cannot keep exactly are declined with why.
 */
import assert from 'node:assert/strict';
import { useRewriteDatabase } from '../rewrite/rewriteDatabase';
import {
  adviseSummaryTable,
  offerSummaryTable,
  type SummaryTableAdvice,
} from '../../../../src/core/advice/preAggregate/adviseSummaryTable';
import { preAggregateLines, preAggregateMarkdown } from '../../../../src/core/advice/preAggregate/preAggregateText';
import { matchPreAggregate } from '../../../../src/core/advice/preAggregate/preAggregateForm';
import { buildSummaryTable } from '../../../../src/core/advice/preAggregate/summaryTableForm';
import { dashboardDataSql, dashboardSchemaSql } from '../../../../src/core/demo/dashboardDemo';

const setup = `
SELECT setseed(0.3);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id), total numeric(10,2),
  qty int, created_at timestamptz, score float8);
CREATE INDEX orders_user_id ON orders (user_id);
INSERT INTO users (email, name, status)
SELECT 'u' || g || '@x.test', CASE WHEN g % 7 = 0 THEN NULL ELSE 'User ' || g END,
  CASE WHEN g % 4 = 0 THEN 'inactive' ELSE 'active' END
FROM generate_series(1, 300) g;
-- Users 1..240 have orders (some with NULL totals and dates), 241..300 none; a few orders without a user.
INSERT INTO orders (user_id, total, qty, created_at, score)
SELECT CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + (g * 7919) % 240 END,
  CASE WHEN g % 13 = 0 THEN NULL ELSE round((random() * 500)::numeric, 2) END,
  CASE WHEN g % 11 = 0 THEN NULL ELSE (random() * 9)::int END,
  CASE WHEN g % 17 = 0 THEN NULL ELSE timestamptz '2023-06-01' + (random() * 400) * interval '1 day' END,
  random()
FROM generate_series(1, 4000) g;
ANALYZE;
`;

const dashboard = `SELECT u.id, u.email, u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01 00:00:00+00'
WHERE u.status = 'active' GROUP BY u.id, u.email, u.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 100`;

/** The pre-aggregation family of docs/rewrite-families.md. */
const family: Array<[string, string]> = [
  ['the dashboard (LEFT JOIN, filter in ON, COUNT/SUM/MAX, NULLS LAST, LIMIT)', dashboard],
  [
    'inner join, filter in WHERE, min/avg/count(*), HAVING, OFFSET',
    `SELECT u.id, count(*) AS n, min(o.total) AS low, avg(o.total) AS mean FROM users u JOIN orders o ON o.user_id = u.id
     WHERE o.total > 100 AND u.status = 'active' GROUP BY u.id HAVING count(*) > 2 ORDER BY low NULLS FIRST, u.id LIMIT 50 OFFSET 5`,
  ],
  [
    'left join without ORDER BY, count(*), max, avg and sum of an integer column',
    `SELECT u.id, u.email, count(*) AS n, max(o.total), avg(o.qty) AS mean_qty, sum(o.qty) AS qty
     FROM users u LEFT JOIN orders o ON u.id = o.user_id GROUP BY u.id, u.email`,
  ],
  [
    'left join page that reaches the users without orders, min and max of the same column',
    `SELECT u.id, min(o.created_at) AS first_order, max(o.created_at) AS last_order, sum(o.total) AS total_spent
     FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.total >= 50
     GROUP BY u.id ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 260`,
  ],
  [
    'left join made inner by a WHERE on the child (the demo dashboard)',
    `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent FROM users u
     LEFT JOIN orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01' GROUP BY u.id, u.name
     ORDER BY total_spent DESC NULLS LAST, u.id`,
  ],
];

describe('pre-aggregation: a summary table kept by triggers (issue 12 §2)', function () {
  this.timeout(300_000);
  const db = useRewriteDatabase('summary_table', setup);

  async function state(): Promise<string> {
    const rows = await db().session.query<Record<string, unknown>>(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM orders)::int AS orders,
         (SELECT coalesce(sum(total), 0)::text FROM orders) AS total,
         (SELECT string_agg(user_id::text, ',' ORDER BY id) FROM orders) AS owners,
         (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)::int AS relations,
         (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)::int AS functions,
         (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)::int AS triggers`,
    );
    return JSON.stringify(rows[0]);
  }

  async function advise(sql: string): Promise<SummaryTableAdvice> {
    const r = await adviseSummaryTable(db().session, sql, { runs: 1, writeCostRows: 20 });
    assert.ok(r, 'of the family');
    assert.ok(!('declined' in r), 'declined' in r ? r.declined : '');
    return r;
  }

  for (const [name, sql] of family) {
    it(`${name}: same rows as the original before and after random writes kept by the triggers, nothing kept`, async () => {
      const before = await state();
      const advice = await advise(sql);
      for (const c of advice.checks) assert.ok(c.same, `${c.when}: ${JSON.stringify(c)}\n${advice.rewrittenSql}`);
      for (const c of advice.tableChecks) assert.ok(c.same, `table ${c.when}: ${JSON.stringify(c)}`);
      assert.equal(advice.checks.length, 2);
      assert.equal(advice.tableChecks.length, 2);
      assert.ok(advice.checks[0].originalRows > 0);
      assert.ok(advice.tableChecks[0].storedRows > 100);
      assert.ok(advice.equivalent);
      // The random writes really changed the data, through the triggers.
      assert.ok(advice.writes.length >= 10, advice.writes.join('\n'));
      for (const w of advice.writes) assert.match(w, /: [1-9]\d* rows?$/, w);
      assert.ok(advice.writes.some((w) => /^move rows to another group/.test(w)));
      assert.ok(advice.writes.some((w) => /^set user_id NULL/.test(w)));
      // The write cost of each kind of statement, measured.
      const ops = advice.writeCosts.map((c) => c.operation);
      for (const op of ['INSERT', 'UPDATE', 'DELETE'] as const) assert.ok(ops.includes(op), ops.join());
      for (const c of advice.writeCosts) {
        assert.equal(c.refused, undefined, c.refused);
        assert.ok(c.withMs > 0 && c.withoutMs > 0 && Number.isFinite(c.addedMsPerRow));
      }
      if (/\b(min|max)\(/i.test(sql)) assert.ok(ops.includes('DELETE of an extreme row'));
      assert.match(
        advice.summary,
        /always fresh, each single-row write to orders costs INSERT \+.*, UPDATE \+.*, DELETE \+/,
      );
      assert.equal(await state(), before, 'the database is as it was');
    });
  }

  it('the generated DDL runs as written in one transaction; the table follows inserts, moves, deletes and TRUNCATE', async () => {
    const advice = await advise(dashboard);
    const s = db().session;
    const same = async (): Promise<void> => {
      const m = matchPreAggregate(dashboard);
      assert.ok(m);
      const stored = `SELECT user_id, count_id, sum_total, max_created_at FROM orders_by_user_id_summary`;
      const fresh = `SELECT o.user_id, count(o.id), sum(o.total), max(o.created_at) FROM orders o
        WHERE o.user_id IS NOT NULL AND o.created_at >= timestamptz '2024-01-01 00:00:00+00' GROUP BY o.user_id`;
      const diff = await s.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ((${stored}) EXCEPT ALL (${fresh})) a)::int + (SELECT count(*) FROM ((${fresh}) EXCEPT ALL (${stored})) b)::int AS n`,
      );
      assert.equal(diff[0].n, 0);
    };
    await s.execute('BEGIN');
    try {
      for (const d of advice.ddl) await s.execute(d);
      await same();
      // One row moved from its group to another (its group's max row among them), one row into the filter,
      // one out, one to a user without orders, deleted rows, a copy.
      await s.execute(`UPDATE orders SET user_id = 5 WHERE id = (SELECT id FROM orders WHERE user_id = 3
        AND created_at >= '2024-01-01' ORDER BY created_at DESC LIMIT 1)`);
      await same();
      await s.execute(`UPDATE orders SET created_at = '2023-01-01' WHERE user_id = 7`);
      await same();
      await s.execute(`UPDATE orders SET created_at = '2024-06-01', total = NULL WHERE user_id = 8`);
      await same();
      await s.execute(`UPDATE orders SET user_id = 299 WHERE user_id = 9`);
      await same();
      await s.execute(`DELETE FROM orders WHERE user_id IN (10, 11)`);
      await same();
      await s.execute(
        `INSERT INTO orders (user_id, total, created_at) VALUES (12, 1.5, '2025-01-01'), (300, NULL, '2025-01-01')`,
      );
      await same();
      const rows = await s.query<Record<string, unknown>>(advice.rewrittenSql);
      assert.equal(rows.length, 100);
      await s.execute('TRUNCATE orders');
      await same();
      const count = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM orders_by_user_id_summary');
      assert.equal(count[0].n, 0);
    } finally {
      await s.execute('ROLLBACK');
    }
  });

  it('a trigger that misses a row moved between groups is caught by the check', async () => {
    // The same DDL, but the UPDATE trigger replaced by one that only adds the new rows (the old group keeps
    // the moved row): the comparison of the query over the table with the original must see it.
    const m = matchPreAggregate(dashboard);
    assert.ok(m);
    const advice = await advise(dashboard);
    const s = db().session;
    const differences = async (): Promise<number> => {
      const a = `SELECT * FROM (${dashboard}) x`;
      const b = `SELECT * FROM (${advice.rewrittenSql}) y`;
      const r = await s.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ((${a}) EXCEPT ALL (${b})) p)::int + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a})) q)::int AS n`,
      );
      return r[0].n;
    };
    // The top spender's orders moved to the user with the fewest: both groups change, at the top of the page.
    const move = `UPDATE orders SET user_id = 2 WHERE user_id = (SELECT user_id FROM orders_by_user_id_summary
      ORDER BY sum_total DESC NULLS LAST LIMIT 1)`;
    for (const broken of [false, true]) {
      await s.execute('BEGIN');
      try {
        for (const d of advice.ddl) await s.execute(d);
        if (broken) {
          // The generated function with the UPDATE left out of the old rows' branch.
          const fn = advice.ddl.find((d) => d.startsWith('CREATE FUNCTION')) ?? '';
          assert.ok(fn.includes("IF TG_OP IN ('UPDATE', 'DELETE') AND"));
          await s.execute(
            fn
              .replace('orders_by_user_id_summary_maintain()', 'orders_by_user_id_summary_maintain_insert_only()')
              .replace("IF TG_OP IN ('UPDATE', 'DELETE') AND", "IF TG_OP = 'DELETE' AND"),
          );
          await s.execute(`DROP TRIGGER orders_by_user_id_summary_update ON orders`);
          await s.execute(`CREATE TRIGGER orders_by_user_id_summary_update AFTER UPDATE ON orders
            FOR EACH ROW EXECUTE FUNCTION orders_by_user_id_summary_maintain_insert_only()`);
        }
        assert.equal(await differences(), 0);
        await s.execute(move);
        if (broken) assert.ok((await differences()) > 0, 'the missed move is seen');
        else assert.equal(await differences(), 0, 'the move is kept');
      } finally {
        await s.execute('ROLLBACK');
      }
    }
  });

  it('aggregates a trigger cannot keep exactly are declined with the reason; the view is still offered', async () => {
    const float = `SELECT u.id, sum(o.score) AS s FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id`;
    const r = await adviseSummaryTable(db().session, float, { runs: 1 });
    assert.ok(r && 'declined' in r);
    assert.match(r.declined, /SUM\(score\) of double precision: .*float sum drifts/);
    const notes: string[] = [];
    assert.equal(await offerSummaryTable(db().session, float, true, { runs: 1 }, (t) => void notes.push(t)), undefined);
    assert.match(notes[0], /^Pre-aggregate: no summary table kept by triggers: SUM\(score\)/);
    const m = matchPreAggregate(
      `SELECT u.id, avg(o.total * 2) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id`,
    );
    assert.ok(m);
    const built = buildSummaryTable(m, [{ name: 'user_id', type: 'integer', base: 'int4', typmod: -1 }], new Map());
    assert.ok('declined' in built);
    assert.match(built.declined, /AVG of an expression/);
  });

  it('an outer join OFFSET page is declined with the reason (its page ranks the users without orders too)', async () => {
    const page = `${dashboard} OFFSET 50`;
    const r = await adviseSummaryTable(db().session, page, { runs: 1 });
    assert.ok(r && 'declined' in r, 'declined');
    assert.match(r.declined, /^an OFFSET page ranks every qualifying users row .*those without orders rows too/);
    assert.match(r.declined, /the materialized view of the whole answer, numbered at each refresh, is the form/);
    const notes: string[] = [];
    assert.equal(await offerSummaryTable(db().session, page, true, { runs: 1 }, (t) => void notes.push(t)), undefined);
    assert.match(notes[0], /^Pre-aggregate: no summary table kept by triggers: an OFFSET page/);
  });

  it('pg-tuner rewrite: the section with its one-line trade-off (always fresh, the write cost)', async () => {
    const notes: string[] = [];
    const advice = await offerSummaryTable(
      db().session,
      dashboard,
      true,
      { runs: 1, writeCostRows: 20 },
      (t) => void notes.push(t),
    );
    assert.ok(advice, notes.join('\n'));
    const text = preAggregateLines(advice).join('\n');
    assert.match(text, /^Pre-aggregate: Summary table orders_by_user_id_summary kept by triggers/m);
    assert.match(
      text,
      /Trade-off: reads .* instead of .*; always fresh, each single-row write to orders costs INSERT \+/,
    );
    assert.match(text, /Write cost \(single-row statements, 20 per batch/);
    assert.match(text, /through the index on user_id/);
    assert.match(text, /CREATE TRIGGER orders_by_user_id_summary_update AFTER UPDATE ON orders/);
    assert.match(preAggregateMarkdown(advice), /^## Pre-aggregate: summary table kept by triggers$/m);
    assert.match(preAggregateMarkdown(advice), /^BEGIN;\nLOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;/m);
    assert.equal(notes.length, 0, notes.join('\n'));
    assert.equal(
      await offerSummaryTable(db().session, dashboard, false, { runs: 1 }, (t) => void notes.push(t)),
      undefined,
    );
    assert.equal(notes.length, 0, 'the view says why neither is measured');
  });
});

describe('pre-aggregation: a summary table kept by triggers on the demo schema (no index on the key, ids without a default)', function () {
  this.timeout(300_000);
  const db = useRewriteDatabase(
    'summary_table_demo',
    `${dashboardSchemaSql}${dashboardDataSql({ users: 500, orders: 5000 })}ANALYZE;`,
  );
  const sql = `SELECT u.id, u.name, count(o.id) AS n, max(o.created_at) AS last_order FROM users u
    LEFT JOIN orders o ON o.user_id = u.id AND o.status <> 'cancelled' GROUP BY u.id, u.name
    ORDER BY last_order DESC NULLS LAST, u.id LIMIT 20`;

  it('adds the index on the key its MAX needs (dropped by the rollback), measures every write, keeps nothing', async () => {
    const objects = `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)::int AS relations,
      (SELECT count(*) FROM orders)::int AS orders`;
    const before = JSON.stringify(await db().session.query(objects));
    const r = await adviseSummaryTable(db().session, sql, { runs: 1, writeCostRows: 20 });
    assert.ok(r && !('declined' in r));
    assert.ok(r.equivalent, JSON.stringify([r.checks, r.tableChecks]));
    assert.ok(r.ddl.includes('CREATE INDEX orders_user_id_for_summary ON orders (user_id);'), r.ddl.join('\n'));
    assert.match(r.rollbackSql, /DROP INDEX orders_user_id_for_summary;$/);
    assert.match(r.maintenance, /through the index on user_id the DDL adds/);
    for (const c of r.writeCosts) assert.equal(c.refused, undefined, `${c.operation}: ${c.refused}`);
    assert.deepEqual(
      r.writeCosts.map((c) => c.operation),
      ['INSERT', 'UPDATE', 'DELETE', 'DELETE of an extreme row'],
    );
    // The random inserts took ids past the maximum instead of being refused.
    assert.ok(
      r.writes.some((w) => /^insert rows: [1-9]\d* rows$/.test(w)),
      r.writes.join('\n'),
    );
    assert.equal(JSON.stringify(await db().session.query(objects)), before);
  });
});
