/** PgliteSession and openEmbeddedDatabase on a real in-process PGlite (PostgreSQL 18 in WASM). */
import { strict as assert } from 'node:assert';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { openSession } from '../../../src/core/db/openSession';
import type { PgliteSession } from '../../../src/core/db/pgliteSession';
import type { DatabaseSession } from '../../../src/core/db/session';
import { explainBehaviour, rejection, schemaSql, topPlan } from './explainBehaviour';

describe('PgliteSession (embedded)', function () {
  // One PGlite per file: each cold start takes seconds.
  this.timeout(120_000);
  let session: PgliteSession;

  before(async () => {
    session = await openEmbeddedDatabase([{ path: 'schema.sql', text: schemaSql }]);
  });
  after(async () => {
    await session?.close();
  });

  explainBehaviour(() => session);

  it('is labelled embedded and runs PostgreSQL 18', async () => {
    assert.equal(session.kind, 'embedded');
    assert.equal(session.label, 'embedded');
    assert.ok((await session.serverInfo()).versionNum >= 180000);
  });

  it('EXPLAIN (GENERIC_PLAN) works on 18 for a statement with unvalued $n', async () => {
    const r = await session.explain({
      sql: 'SELECT * FROM orders WHERE user_id = $1',
      analyze: false,
      genericPlan: true,
    });
    assert.match(r.explainStatement, /GENERIC_PLAN/);
    assert.equal(r.wrapper, 'plan-only');
    assert.doesNotMatch(r.planJson, /Actual/);
  });

  it('GENERIC_PLAN with parameter values is refused', async () => {
    const err = await rejection(
      session.explain({
        sql: 'SELECT * FROM orders WHERE user_id = $1',
        params: [1],
        analyze: false,
        genericPlan: true,
      }),
    );
    assert.equal(err.reason, 'bad-input');
  });

  it('an abort raised while a statement runs is honoured when it returns; the database stays usable', async () => {
    // PGlite blocks the thread while a statement runs, so the timer can only fire after pg_sleep returns.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(
      session.explain({ sql: 'SELECT pg_sleep(0.6)', analyze: true, signal: controller.signal }),
    );
    assert.equal(err.reason, 'cancelled');
    const ok = await session.explain({ sql: 'SELECT count(*) FROM orders', analyze: true });
    assert.equal(topPlan(ok.planJson)['Actual Rows'], 1);
    // No transaction left open: SAVEPOINT works only inside one. (now() <> statement_timestamp() no longer tells:
    // by the extended protocol the implicit transaction starts at Parse, before the statement's own start.)
    await assert.rejects(session.query('SAVEPOINT left_open'), /transaction blocks/);
  });

  it('an abort before the start runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(
      session.explain({ sql: 'SELECT log_call()', analyze: true, signal: controller.signal }),
    );
    assert.equal(err.reason, 'cancelled');
  });
});

describe('openEmbeddedDatabase', function () {
  this.timeout(120_000);

  it('loads migration files in path order and analyses them; a broken file names itself and its line', async () => {
    // Given out of order: 002 depends on 001.
    const files = [
      {
        path: 'migrations/002_orders.sql',
        text: 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users(id));\n',
      },
      { path: 'migrations/001_users.sql', text: 'CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);\n' },
    ];
    const seedFiles = [
      {
        path: 'seed/01_users.sql',
        text: "INSERT INTO users SELECT g, 'u' || g || '@x' FROM generate_series(1, 500) g;",
      },
      { path: 'seed/02_orders.sql', text: 'INSERT INTO orders SELECT g, g % 500 + 1 FROM generate_series(1, 3000) g;' },
    ];
    const db: DatabaseSession = await openSession({ kind: 'embedded', files, seedFiles });
    try {
      const snap = await db.catalogFor(['users', 'orders']);
      assert.deepEqual(
        snap.tables.map((t) => [t.name, t.estimatedRows]),
        [
          ['orders', 3000],
          ['users', 500],
        ],
      );
      // 500 distinct values in 3000 rows is over 10 %, so ANALYZE stores it as a fraction of the rows.
      const userId = snap.columns.find((c) => c.table === 'orders' && c.column === 'user_id');
      assert.ok(userId && Math.abs(userId.nDistinct - -500 / 3000) < 1e-6, String(userId?.nDistinct));
      const r = await db.explain({
        sql: 'SELECT * FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = 5',
        analyze: true,
      });
      assert.ok(r.planJson.includes('Actual Rows'));
    } finally {
      await db.close();
    }

    const broken = [
      { path: 'b/001_ok.sql', text: 'CREATE TABLE a (x int);\n' },
      { path: 'b/002_broken.sql', text: 'CREATE TABLE b (y int);\n\nCREATE TABEL c (z int);\n' },
    ];
    const err = await rejection(openEmbeddedDatabase(broken));
    assert.equal(err.reason, 'bad-input');
    assert.match(err.message, /^b\/002_broken\.sql \(line 3\): syntax error at or near "TABEL"/);
    assert.equal(err.detail.line, 3);
    assert.equal(err.detail.code, '42601');
  });
});
