/**
 * EXPLAIN ANALYZE of a statement that runs past statement_timeout, on the real test server: the pipeline
 * falls back to the estimated plan and says so, and every timeout message names the value in force.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';
import { PgSession } from '../../../src/core/db/pgSession';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';
import { TunerError } from '../../../src/core/errors';
import { formatResult } from '../../../src/cli/formatResult';
import { createColours } from '../../../src/cli/colours';

const dbName = `analyze_timeout_${process.pid}`;

/** The ORM-style dashboard: three correlated subqueries per customer, over orders without an index. */
const dashboard = `SELECT c.id, c.name,
  (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS order_count,
  (SELECT sum(o.total) FROM orders o WHERE o.customer_id = c.id) AS revenue,
  (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) AS last_order
FROM customers c ORDER BY revenue DESC NULLS LAST LIMIT 20`;

describe('explain: ANALYZE past statement_timeout falls back to the estimated plan (real server)', function () {
  this.timeout(60_000);
  let url: string;
  let session: PgSession;

  before(async () => {
    const server = await testServer();
    url = await createDatabase(server, dbName);
    await runSql(
      url,
      `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
       INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 2000) g;
       CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric NOT NULL, created_at timestamptz NOT NULL);
       INSERT INTO orders SELECT g, 1 + g % 2000, g % 97, now() - g * interval '1 minute' FROM generate_series(1, 200000) g;
       ANALYZE customers; ANALYZE orders;`,
    );
    session = await PgSession.connect({ connectionString: url });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), dbName);
  });

  it('the dashboard at statement_timeout 200 ms: the estimated plan, a warning with the timeout, analyzed false', async () => {
    const result = await explainAndOptimize(session, dashboard, { analyze: true, statementTimeoutMs: 200 });
    assert.equal(result.plan.analyzed, false);
    assert.equal(result.run?.analyzed, false);
    assert.equal(result.run?.wrapper, 'plan-only');
    assert.equal(result.run?.analyzeTimedOutMs, 200);
    assert.ok(result.plan.nodes.some((n) => n.fields['Relation Name'] === 'orders'));
    const warning = result.plan.warnings?.[0]?.message ?? '';
    assert.match(
      warning,
      /timed out after 0\.2 s with ANALYZE \(statement_timeout = 200 ms\); showing the estimated plan/,
    );
    const text = formatResult(result, createColours(false));
    assert.match(text, /Warning: The statement timed out after 0\.2 s with ANALYZE/);
    assert.match(text, /EXPLAIN without ANALYZE/);
    // The session is usable afterwards, and a statement that fits the timeout is analyzed as before.
    const quick = await explainAndOptimize(session, 'SELECT count(*) FROM customers', {
      analyze: true,
      statementTimeoutMs: 200,
    });
    assert.equal(quick.plan.analyzed, true);
    assert.equal(quick.run?.analyzeTimedOutMs, undefined);
    assert.equal(quick.plan.warnings, undefined);
  });

  it('estimateOnTimeout: false keeps the error, whose message names the timeout', async () => {
    await assert.rejects(
      explainAndOptimize(session, 'SELECT pg_sleep(2)', {
        analyze: true,
        statementTimeoutMs: 150,
        estimateOnTimeout: false,
      }),
      (err: unknown) =>
        err instanceof TunerError &&
        err.reason === 'timeout' &&
        /ran longer than statement_timeout \(150 ms\)/.test(err.message) &&
        !err.message.includes('?'),
    );
  });

  it('a timeout inside a rolled-back transaction (the measurements) names its value, never "?"', async () => {
    await assert.rejects(
      session.inTransaction((tx) => tx.query('SELECT pg_sleep(2)'), { statementTimeoutMs: 120 }),
      (err: unknown) =>
        err instanceof TunerError && err.reason === 'timeout' && /statement_timeout \(120 ms\)/.test(err.message),
    );
    // A timeout whose value the session did not set says whose it is.
    await session.query('SET statement_timeout = 100');
    await assert.rejects(
      session.query('SELECT pg_sleep(1)'),
      (err: unknown) =>
        err instanceof TunerError &&
        /ran longer than the server's statement_timeout and was stopped/.test(err.message) &&
        !err.message.includes('?'),
    );
    await session.query('RESET statement_timeout');
  });
});
