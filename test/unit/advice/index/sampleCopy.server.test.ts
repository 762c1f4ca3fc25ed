/**
 * `advise --sample-copy` on a real server: candidates are built on temporary sample copies, so a writer on the
 * user's table is never blocked (a rolled-back CREATE INDEX on the table itself holds a ShareLock that waits for,
 * and then blocks, every writer); the sample keeps the join shape (the orders of the sampled users); the advice
 * on the sample picks the index the full run picks; the database is unchanged afterwards.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import { indexBody } from '../../../../src/core/advice/index/indexDdl';
import { renderIndexAdviceMarkdown } from '../../../../src/core/report/indexAdviceReport';
import { dashboardSchemaSql, vacuumStatements } from './advisorData';

const database = 'advise_sample_copy_test';

/** The orders of a range of users: a clear winner, orders (user_id …), on the full tables and on the sample. */
const userOrdersSql = `SELECT u.name, count(*) AS n, sum(o.total) AS total FROM users u JOIN orders o ON o.user_id = u.id
WHERE u.id BETWEEN 1000 AND 1040 GROUP BY u.name`;

interface Snapshot {
  users: number;
  orders: number;
  indexes: string[];
  samples: number;
}

async function snapshot(c: Client): Promise<Snapshot> {
  const counts = await c.query<{ users: string; orders: string }>(
    'SELECT (SELECT count(*) FROM users)::int8 AS users, (SELECT count(*) FROM orders)::int8 AS orders',
  );
  const indexes = await c.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  );
  // Temporary tables of every session are rows of pg_class: a copy left behind anywhere shows here.
  const samples = await c.query<{ n: string }>(
    "SELECT count(*)::int8 AS n FROM pg_class WHERE relname LIKE 'pgtuner\\_sample\\_%'",
  );
  return {
    users: Number(counts.rows[0].users),
    orders: Number(counts.rows[0].orders),
    indexes: indexes.rows.map((r) => r.name),
    samples: Number(samples.rows[0].n),
  };
}

describe('adviseIndexes with a sample copy: no lock on the user’s tables', function () {
  this.timeout(300_000);
  let url: string;
  let session: PgSession;
  let other: Client;
  let hypopg = false;

  before(async () => {
    const s = await testServer();
    hypopg = s.extensions.includes('hypopg');
    url = await createDatabase(s, database);
    session = await PgSession.connect({ connectionString: url });
    if (hypopg) await session.execute('CREATE EXTENSION hypopg');
    await session.execute(dashboardSchemaSql(20_000, 200_000));
    for (const v of vacuumStatements(['users', 'orders'])) await session.execute(v);
    other = new Client({ connectionString: url });
    await other.connect();
  });
  after(async () => {
    await other?.end();
    await session?.close();
  });

  it('samples users and takes the orders of the sampled users; measures on the copies; leaves nothing behind', async () => {
    const before = await snapshot(other);
    const advice = await adviseIndexes(session, userOrdersSql, {
      allowMeasuredWhatIf: true,
      sampleCopy: { fraction: 0.1 },
    });
    assert.ok(advice.measurement.done, JSON.stringify(advice.notes));
    const report = advice.sampleCopy;
    assert.ok(report, 'a sample copy report');
    const users = report.tables.find((t) => t.table === 'users');
    const orders = report.tables.find((t) => t.table === 'orders');
    assert.ok(users && orders, JSON.stringify(report.tables));
    assert.equal(users.method, 'sample');
    assert.ok(users.rowsCopied > 1_000 && users.rowsCopied < 3_500, `users copied: ${users.rowsCopied}`);
    // Referential shape: every copied order belongs to a copied user, and every order of a copied user is there.
    assert.equal(orders.method, 'children');
    assert.deepEqual(orders.parent, { table: 'public.users', column: 'id', childColumn: 'user_id' });
    const expected = await other.query<{ n: string }>(
      'SELECT count(*)::int8 AS n FROM orders WHERE user_id IN (SELECT id FROM users TABLESAMPLE BERNOULLI (10) REPEATABLE (42))',
    );
    assert.equal(orders.rowsCopied, Number(expected.rows[0].n));
    assert.ok(report.summary.includes('an estimate'), report.summary);
    assert.ok(report.fullBeforeMs !== undefined && report.fullBeforeMs > 0, report.summary);
    const s = advice.suggestions[0];
    assert.ok(s?.measurement, JSON.stringify(advice.notes));
    assert.match(s.measurement.where, /\(sample copy, 10 %\)$/);
    // The offered DDL is for the user's table, not for the copy.
    assert.match(s.createSql, /ON public\.orders /);
    assert.doesNotMatch(JSON.stringify(advice.suggestions.map((x) => [x.createSql, x.rollbackSql])), /pgtuner_sample/);
    const check = report.checks.find((c) => c.index === s.candidate.name);
    assert.ok(check && check.sampleRatio > 1 && check.projectedAfterMs !== undefined, JSON.stringify(report.checks));
    if (hypopg) assert.equal(typeof check.sameShape, 'boolean');
    // The Markdown report (report --advise, the editor) carries the same lines.
    const markdown = renderIndexAdviceMarkdown(advice);
    assert.ok(markdown.includes(`- **Sample copy:** ${report.summary.slice(0, 40)}`), markdown);
    assert.match(markdown, /\*\*Best combination:\*\*.* on the sample copy$/m);
    assert.deepEqual(await snapshot(other), before);
  });

  it('picks the index the full run picks', async () => {
    const full = await adviseIndexes(session, userOrdersSql, { allowMeasuredWhatIf: true });
    const sampled = await adviseIndexes(session, userOrdersSql, {
      allowMeasuredWhatIf: true,
      sampleCopy: { fraction: 0.1 },
    });
    const keys = (a: typeof full): string[] =>
      a.suggestions.map(
        (x) => `${x.candidate.table}(${x.candidate.keys.map((k) => k.column ?? k.expression).join(', ')})`,
      );
    assert.ok(full.suggestions.length > 0, JSON.stringify(full.notes));
    assert.equal(full.suggestions[0].candidate.table, 'orders');
    assert.deepEqual(keys(sampled), keys(full));
    assert.deepEqual(
      sampled.suggestions.map((x) => indexBody(x.candidate)),
      full.suggestions.map((x) => indexBody(x.candidate)),
    );
  });

  it('a writer with a short lock_timeout is never blocked; without the option the builds wait for it', async () => {
    const before = await snapshot(other);
    // An open write transaction on both tables: a CREATE INDEX on either needs a ShareLock, which waits for it.
    await other.query('BEGIN');
    await other.query("INSERT INTO users VALUES (10000001, 'w', 'w@example.com', 'active', '2024-06-01')");
    await other.query(
      "INSERT INTO orders VALUES (10000001, 1, '2024-06-01', 1.00, 'paid', NULL), (10000002, 2, '2024-06-01', 2.00, 'paid', NULL)",
    );
    let sampled;
    let unsampled;
    try {
      // Meanwhile a third connection keeps inserting with lock_timeout = 100 ms: each must succeed.
      const writer = new Client({ connectionString: url });
      await writer.connect();
      let stop = false;
      let inserted = 0;
      const failures: string[] = [];
      const writes = (async () => {
        await writer.query('SET lock_timeout = 100');
        for (let id = 20000001; !stop; id++) {
          try {
            await writer.query('BEGIN');
            await writer.query("INSERT INTO orders VALUES ($1, 3, '2024-06-01', 3.00, 'paid', NULL)", [id]);
            await writer.query('ROLLBACK');
            inserted++;
          } catch (err) {
            failures.push((err as Error).message);
            await writer.query('ROLLBACK').catch(() => undefined);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        sampled = await adviseIndexes(session, userOrdersSql, {
          allowMeasuredWhatIf: true,
          sampleCopy: { fraction: 0.1 },
        });
      } finally {
        stop = true;
        await writes;
        await writer.end();
      }
      assert.deepEqual(failures, []);
      assert.ok(inserted > 0);
      unsampled = await adviseIndexes(session, userOrdersSql, { allowMeasuredWhatIf: true });
    } finally {
      await other.query('ROLLBACK');
    }
    // On the copies: measured, nothing waited.
    assert.ok(sampled.suggestions[0]?.measurement, JSON.stringify(sampled.notes));
    assert.ok(!JSON.stringify(sampled).includes('lock timeout'));
    // On the table itself: every build waited for the open writer until lock_timeout, so nothing was measured.
    assert.ok(
      unsampled.suggestions.every((x) => x.measurement === undefined),
      JSON.stringify(unsampled.suggestions.map((x) => x.measurement)),
    );
    assert.deepEqual(await snapshot(other), before);
  });
  it('without HypoPG the screening builds on the copies too: a writer’s open transaction blocks nothing', async () => {
    // The last test of the file: it drops the extension. The planner's what-if then builds each candidate it rates.
    if (hypopg) await session.execute('DROP EXTENSION hypopg');
    const before = await snapshot(other);
    await other.query('BEGIN');
    await other.query("INSERT INTO users VALUES (10000001, 'w', 'w@example.com', 'active', '2024-06-01')");
    await other.query("INSERT INTO orders VALUES (10000001, 1, '2024-06-01', 1.00, 'paid', NULL)");
    let sampled;
    try {
      sampled = await adviseIndexes(session, userOrdersSql, {
        allowMeasuredWhatIf: true,
        sampleCopy: { fraction: 0.1 },
      });
    } finally {
      await other.query('ROLLBACK');
    }
    assert.equal(sampled.hypopg?.available, false);
    assert.ok(sampled.suggestions[0]?.measurement, JSON.stringify(sampled.notes));
    assert.equal(sampled.suggestions[0].candidate.table, 'orders');
    assert.equal(sampled.suggestions[0].estimate?.method, 'planner');
    assert.ok(
      sampled.notes.some((n) => /screened by the planner with real indexes on the sample copy/.test(n.message)),
    );
    assert.match(sampled.sampleCopy?.summary ?? '', /Without HypoPG the plan on the full tables was not checked/);
    assert.deepEqual(await snapshot(other), before);
  });
});
