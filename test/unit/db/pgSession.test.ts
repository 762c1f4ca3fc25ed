/** PgSession against the real test server (PostgreSQL 15 started by test/helpers/globalServer). */
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { PgSession } from '../../../src/core/db/pgSession';
import { openSession } from '../../../src/core/db/openSession';
import type { DatabaseSession } from '../../../src/core/db/session';
import { explainBehaviour, rejection, schemaSql } from './explainBehaviour';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('PgSession (real server)', () => {
  let session: PgSession;
  const logLines: string[] = [];

  before(async () => {
    const s = await testServer();
    session = await PgSession.connect({ connectionString: s.url, log: (line) => logLines.push(line) });
    await session.execute(schemaSql);
  });
  after(async () => {
    await session?.close();
  });

  explainBehaviour(() => session);

  it('labels the session user@host:port/db', async () => {
    const s = await testServer();
    assert.equal(session.label, `${s.user}@127.0.0.1:${s.port}/${s.database}`);
    assert.equal(session.kind, 'server');
  });

  it('statement_timeout stops a long statement with reason timeout, naming the limit', async () => {
    const started = Date.now();
    const err = await rejection(session.explain({ sql: 'SELECT pg_sleep(5)', analyze: true, statementTimeoutMs: 300 }));
    assert.equal(err.reason, 'timeout');
    assert.match(err.message, /statement_timeout \(300 ms\)/);
    assert.ok(Date.now() - started < 3000);
    const ok = await session.explain({ sql: 'SELECT 1', analyze: true });
    assert.ok(ok.planJson.includes('Actual'));
  });

  it('lock_timeout gives a timeout naming lock_timeout', async () => {
    const s = await testServer();
    const holder = new Client({ connectionString: s.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE order_archive IN ACCESS EXCLUSIVE MODE');
      const err = await rejection(
        session.explain({ sql: 'SELECT * FROM order_archive', analyze: true, lockTimeoutMs: 200 }),
      );
      assert.equal(err.reason, 'timeout');
      assert.match(err.message, /lock_timeout \(200 ms\)/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('an abort cancels the running statement on the server, promptly, and the session still works', async () => {
    const s = await testServer();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(
      session.explain({ sql: 'SELECT pg_sleep(10)', analyze: true, signal: controller.signal }),
    );
    assert.equal(err.reason, 'cancelled');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    // The cancel reaches the server; give its bookkeeping a moment, then look from another connection.
    const observer = new Client({ connectionString: s.url });
    await observer.connect();
    try {
      let running = 1;
      for (let i = 0; i < 20 && running > 0; i++) {
        const r = await observer.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND state = 'active' AND pid <> pg_backend_pid()",
        );
        running = r.rows[0].n;
        if (running > 0) await new Promise((r2) => setTimeout(r2, 50));
      }
      assert.equal(running, 0, 'no pg_sleep left running on the server');
    } finally {
      await observer.end();
    }
    assert.ok(Date.now() - started < 3000);
    const ok = await session.explain({ sql: 'SELECT count(*) FROM orders', analyze: true });
    assert.ok(ok.planJson.includes('Actual'));
  });

  it('an already aborted signal is refused before anything runs', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(session.explain({ sql: 'SELECT 1', analyze: true, signal: controller.signal }));
    assert.equal(err.reason, 'cancelled');
  });

  it('GENERIC_PLAN on PostgreSQL 15 is refused with a clear message', async () => {
    const s = await testServer();
    if (s.versionNum >= 160000) {
      const r = await session.explain({ sql: 'SELECT * FROM orders WHERE id = $1', analyze: false, genericPlan: true });
      assert.ok(r.explainStatement.includes('GENERIC_PLAN'));
      return;
    }
    const err = await rejection(
      session.explain({ sql: 'SELECT * FROM orders WHERE id = $1', analyze: false, genericPlan: true }),
    );
    assert.equal(err.reason, 'bad-input');
    assert.match(err.message, /GENERIC_PLAN\) needs PostgreSQL 16 or later; this server is 15\./);
  });

  it('logs each statement with its duration, never parameter values or the password', async () => {
    const s = await testServer();
    logLines.length = 0;
    await session.explain({ sql: 'SELECT * FROM orders WHERE note = $1', params: ['secret-value-42'], analyze: true });
    const text = logLines.join('\n');
    assert.match(text, /\d+\.\d ms: BEGIN/);
    assert.match(text, /ms: SET LOCAL jit TO DEFAULT; SET LOCAL plan_cache_mode TO DEFAULT; SET TRANSACTION READ ONLY/);
    assert.match(text, /ms: EXPLAIN \(ANALYZE.*note = \$1 \[1 parameter\]/);
    assert.match(text, /ms: ROLLBACK/);
    assert.doesNotMatch(text, /secret-value-42/);
    assert.ok(!text.includes(s.password));
  });

  it('an unreachable port → connection-failed naming host:port', async () => {
    const port = await closedPort();
    const err = await rejection(
      PgSession.connect({ host: '127.0.0.1', port, user: 'x', password: 'y', database: 'z' }),
    );
    assert.equal(err.reason, 'connection-failed');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(err.message, /connection refused/);
  });

  it('a wrong password → authentication-failed (28P01)', async () => {
    const s = await testServer();
    const err = await rejection(
      openSession({
        kind: 'server',
        host: s.host,
        port: s.port,
        user: s.user,
        database: s.database,
        password: 'wrong',
      }),
    );
    assert.equal(err.reason, 'authentication-failed');
    assert.equal(err.detail.code, '28P01');
    assert.match(err.message, /user name and password/);
    assert.ok(!err.message.includes('wrong'));
  });

  it('openSession(server) with separate fields connects', async () => {
    const s = await testServer();
    const other: DatabaseSession = await openSession({
      kind: 'server',
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: s.database,
      label: 'test',
    });
    try {
      assert.equal(other.label, 'test');
      const [row] = await other.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [3]);
      assert.equal(row.n, 20);
    } finally {
      await other.close();
    }
  });
});
