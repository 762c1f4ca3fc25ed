/**
 * A statement with $n and no values inside a rolled-back transaction (what the index advisor's what-if plans
 * use): planned with EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+ (embedded PGlite, a PostgreSQL 17 server without
 * HypoPG), told that values are needed before 16 (the run's server, PostgreSQL 15), and a server's ERROR
 * response with an 08 code (Bind's "supplies 0 parameters") never reads as a lost connection.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { adviseIndexes } from '../../../src/core/advice/index/adviseIndexes';
import { statementError } from '../../../src/core/db/databaseErrors';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { openSession } from '../../../src/core/db/openSession';
import type { DatabaseSession } from '../../../src/core/db/session';
import { TunerError } from '../../../src/core/errors';
import { startTestServer, type TestServer } from '../../helpers/postgresServer';
import { sessionWithFreshSchema } from '../../helpers/testDatabase';

const lookup = 'SELECT id, total FROM orders WHERE user_id = $1';

function ordersSql(schema?: string): string {
  const t = schema ? `${schema}.orders` : 'orders';
  return `CREATE TABLE ${t} (id bigint PRIMARY KEY, user_id int NOT NULL, total numeric NOT NULL);
    INSERT INTO ${t} SELECT g, g % 5000, g % 97 FROM generate_series(1, 50000) g;
    ANALYZE ${t};`;
}

async function rejection(p: Promise<unknown>): Promise<TunerError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TunerError, `not a TunerError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

function planIn(session: DatabaseSession, sql: string, options: string, params?: unknown[]): Promise<string> {
  const inTransaction = session.inTransaction?.bind(session);
  assert.ok(inTransaction, 'the session runs rolled-back transactions');
  return inTransaction((tx) => tx.explainJson(sql, options, params));
}

/** What every session on 16+ must do with a $n statement without values in a rolled-back transaction. */
function genericPlanBehaviour(session: () => DatabaseSession, table: string): void {
  const sql = lookup.replace('orders', table);

  it('EXPLAIN (GENERIC_PLAN) of a $n statement without values plans it (no Bind error)', async () => {
    const plan = JSON.parse(await planIn(session(), sql, 'GENERIC_PLAN')) as Array<{ Plan: { 'Node Type': string } }>;
    assert.equal(plan[0].Plan['Node Type'], 'Seq Scan');
  });

  it('without GENERIC_PLAN and without values: "no value for parameter $1", not a lost connection', async () => {
    const err = await rejection(planIn(session(), sql, ''));
    assert.equal(err.reason, 'server-error');
    assert.equal(err.detail.code, '42P02');
    assert.match(err.message, /no value for parameter \$1.*Give values/);
    assert.doesNotMatch(err.message, /Lost the connection/);
    // The session is still usable.
    assert.match(await planIn(session(), sql, '', [7]), /Plan/);
  });

  it('a generic plan goes by the simple protocol only for one statement: a second one is refused unsent', async () => {
    const err = await rejection(planIn(session(), `${sql}; DROP TABLE ${table}`, 'GENERIC_PLAN'));
    assert.equal(err.reason, 'unsafe-statement');
    assert.match(err.message, /2 statements/);
    assert.match(await planIn(session(), sql, 'GENERIC_PLAN'), /Plan/);
  });

  it('index advice for the $n statement: an index estimated by the planner from a generic plan, not measured', async () => {
    const advice = await adviseIndexes(session(), sql, { allowMeasuredWhatIf: true });
    assert.equal(advice.measurement.done, false);
    assert.match(advice.measurement.reason ?? '', /\$n parameters have no values/);
    assert.equal(advice.suggestions[0]?.label, 'estimated only');
    assert.ok(advice.suggestions.length > 0, JSON.stringify(advice.notes));
    assert.equal(advice.suggestions[0].candidate.keys[0]?.column, 'user_id');
  });
}

describe('a $n statement without values in a rolled-back transaction', function () {
  this.timeout(240_000);

  describe('embedded (PGlite)', () => {
    let session: DatabaseSession;
    before(async () => {
      session = await openEmbeddedDatabase([{ path: 'schema.sql', text: ordersSql() }]);
    });
    after(async () => {
      await session?.close();
    });
    genericPlanBehaviour(() => session, 'orders');
  });

  describe('PostgreSQL 17 server without HypoPG', () => {
    let server: TestServer;
    let session: DatabaseSession;
    before(async () => {
      server = await startTestServer({ major: 17, preloadLibraries: [] });
      session = await openSession({
        kind: 'server',
        host: server.host,
        port: server.port,
        user: server.user,
        password: server.password,
        database: server.database,
        label: 'pg17',
      });
      await session.execute(ordersSql());
    });
    after(async () => {
      await session?.close();
      await server?.stop();
    });
    genericPlanBehaviour(() => session, 'orders');

    it("Bind's 08P01 ERROR response reads as the server's error, and the connection is still there", async () => {
      const client = new Client({ connectionString: server.url });
      await client.connect();
      try {
        // pg ≥ 8.23 reads queryMode; @types/pg does not declare it yet.
        const query = { text: 'SELECT $1::int AS v', values: [], queryMode: 'extended' };
        const raw: unknown = await client.query(query).then(
          () => assert.fail('Bind accepted no values'),
          (e: unknown) => e,
        );
        assert.equal((raw as { code?: string }).code, '08P01');
        const err = statementError(raw, { target: 'pg17' });
        assert.equal(err.reason, 'server-error');
        assert.doesNotMatch(err.message, /Lost the connection/);
        assert.match(err.message, /bind message supplies 0 parameters.*Give values for the \$n parameters/);
        assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      } finally {
        await client.end();
      }
    });

    it('a FATAL 08 error and a dropped connection still read as a lost connection', () => {
      const fatal = Object.assign(new Error('terminating connection'), { code: '08006', severity: 'FATAL' });
      assert.equal(statementError(fatal, { target: 't' }).reason, 'connection-failed');
      assert.match(statementError(fatal, { target: 't' }).message, /^Lost the connection to t/);
      const dropped = new Error('Connection terminated unexpectedly');
      assert.equal(statementError(dropped, { target: 't' }).reason, 'connection-failed');
    });
  });

  describe('before PostgreSQL 16 (the run server)', () => {
    let session: DatabaseSession;
    before(async () => {
      session = await sessionWithFreshSchema('unvalued_params');
      await session.execute(ordersSql('unvalued_params'));
    });
    after(async () => {
      await session?.close();
    });

    it('index advice says values are needed instead of failing', async function () {
      if ((await session.serverInfo()).versionNum >= 160000) this.skip();
      const advice = await adviseIndexes(session, lookup.replace('orders', 'unvalued_params.orders'), {
        allowMeasuredWhatIf: true,
      });
      assert.deepEqual(advice.suggestions, []);
      const note = advice.notes.find((n) => n.kind === 'parameters');
      assert.match(note?.message ?? '', /without values.*give parameter values/);
    });

    it('a plan without values in a transaction says which value is missing, not "Lost the connection"', async () => {
      const err = await rejection(planIn(session, lookup.replace('orders', 'unvalued_params.orders'), ''));
      assert.equal(err.detail.code, '42P02');
      assert.doesNotMatch(err.message, /Lost the connection/);
    });
  });
});
