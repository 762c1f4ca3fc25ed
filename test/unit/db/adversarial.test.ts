/**
 * Adversarial statements (adversarialStatements.ts) explained through PgSession on the real test server: each
 * non-transactional call is refused, naming the function and the way it was reached, and nothing is kept;
 * the standard_conforming_strings = off attack changes no row, set on the database or in the connection's
 * options, with and without ANALYZE.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import { PgSession } from '../../../src/core/db/pgSession';
import { TunerError } from '../../../src/core/errors';
import {
  adversarialStatements,
  availableExtensions,
  baseSetup,
  caseReset,
  cleanUp,
  connectVictim,
  dblinkCase,
  keptEffects,
  probe,
  wireAttack,
  type AdversarialStatement,
} from './adversarialStatements';

const dbName = 'tuner_adversarial';

async function explainError(session: PgSession, sql: string, analyze: boolean): Promise<unknown> {
  try {
    await session.explain({ sql, analyze });
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('adversarial statements (real server)', function () {
  this.timeout(120_000);
  let url: string;
  let admin: Client;
  let victim: Client;
  let session: PgSession;
  let extensions: Set<string>;

  before(async () => {
    const server = await testServer();
    url = await createDatabase(server, dbName);
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(baseSetup);
    extensions = await availableExtensions(admin);
    session = await PgSession.connect({ connectionString: url });
  });
  beforeEach(async () => {
    await cleanUp(admin);
    victim = await connectVictim(url);
  });
  afterEach(async () => {
    await victim.end().catch(() => undefined);
  });
  after(async () => {
    await session?.close();
    await admin?.end();
    const server = await testServer();
    await dropDatabase(server, dbName);
  });

  function check(
    c: AdversarialStatement | (() => AdversarialStatement),
    name = typeof c === 'function' ? '' : c.name,
  ): void {
    for (const analyze of [true, false]) {
      it(`${name} (${analyze ? 'ANALYZE' : 'estimate only'})`, async function () {
        const adv = typeof c === 'function' ? c() : c;
        if (adv.extension && !extensions.has(adv.extension)) this.skip();
        await admin.query(caseReset);
        if (adv.extension) await admin.query(`CREATE EXTENSION IF NOT EXISTS ${adv.extension}`);
        if (adv.setup) await admin.query(adv.setup);
        const before = await probe(admin, victim);
        const err = await explainError(session, adv.sql, analyze);
        const after = await probe(admin, victim);
        assert.deepEqual(keptEffects(before, after), [], `kept: ${keptEffects(before, after).join(', ')}`);
        // Estimate only refuses what the planner may run itself: a STABLE or IMMUTABLE function on the way.
        const mustRefuse = analyze || adv.path === 'immutable-sql-function' || adv.path === 'stable-function';
        if (mustRefuse) {
          assert.ok(err instanceof TunerError && err.reason === 'unsafe-statement', `not refused: ${String(err)}`);
          assert.match(err.message, new RegExp(adv.refusal ?? `${adv.fn}\\(\\)`));
          for (const word of adv.pathWords)
            assert.ok(err.message.includes(word), `${err.message} does not name ${word}`);
        }
        // The session keeps no advisory lock, whatever happened.
        const [held] = await session.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        );
        assert.equal(held.n, 0);
      });
    }
  }

  for (const c of adversarialStatements) check(c);
  check(() => {
    const u = new URL(url);
    return dblinkCase(
      `host=${u.hostname} port=${u.port} dbname=${dbName} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)}`,
    );
  }, 'dblink_exec from a STABLE function');

  it('an advisory lock taken despite the checks (a name built at run time) is released after the explain', async () => {
    await admin.query(caseReset);
    await admin.query(`CREATE FUNCTION adv.sneaky() RETURNS text LANGUAGE plpgsql AS $$
      DECLARE r text; BEGIN EXECUTE 'SELECT pg_advisory_' || 'lock(77)::text' INTO r; RETURN r; END $$;`);
    await session.explain({ sql: 'SELECT adv.sneaky()', analyze: true });
    const [held] = await session.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
    );
    assert.equal(held.n, 0);
  });

  it("the advisors' measurements (inTransaction) refuse a non-transactional call too, and keep no lock", async () => {
    await admin.query(caseReset);
    await admin.query(
      `CREATE FUNCTION adv.g() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN pg_advisory_lock(4244)::text; END $$;`,
    );
    const before = await probe(admin, victim);
    const viaExplain = await session
      .inTransaction((tx) => tx.explainJson('SELECT adv.g()', 'ANALYZE, BUFFERS'))
      .catch((err: unknown) => err);
    assert.ok(viaExplain instanceof TunerError && viaExplain.reason === 'unsafe-statement', String(viaExplain));
    assert.match(viaExplain.message, /function g → function pg_advisory_lock/);
    const viaQuery = await session
      .inTransaction(async (tx) => {
        await tx.checkStatement('SELECT adv.g()');
        return tx.query('SELECT adv.g()');
      })
      .catch((err: unknown) => err);
    assert.ok(viaQuery instanceof TunerError && viaQuery.reason === 'unsafe-statement', String(viaQuery));
    assert.deepEqual(keptEffects(before, await probe(admin, victim)), []);
    // Our own statements in the same scope are not held up.
    const rows = await session.inTransaction(async (tx) => {
      await tx.checkStatement('SELECT id FROM adv_t');
      return tx.query<{ id: number }>('SELECT id FROM adv_t ORDER BY id');
    });
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2, 3],
    );
  });

  it('a plain statement on tables and functions of its own is still explained with ANALYZE', async () => {
    await admin.query(caseReset);
    await admin.query(`CREATE VIEW adv.v AS SELECT id, lower(v) AS v FROM adv_t;
      CREATE FUNCTION adv.f(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 + 1 $$;`);
    const r = await session.explain({
      sql: 'SELECT adv.f(id), v FROM adv.v WHERE v <> $1',
      params: ['x'],
      analyze: true,
    });
    assert.equal(r.wrapper, 'read-only-transaction');
  });

  describe('standard_conforming_strings = off', () => {
    async function attack(s: PgSession, analyze: boolean): Promise<void> {
      const before = await probe(admin, victim);
      const err = await explainError(s, wireAttack, analyze);
      const after = await probe(admin, victim);
      assert.deepEqual(keptEffects(before, after), []);
      assert.ok(err instanceof TunerError && err.reason === 'unsafe-statement', String(err));
      assert.match(err.message, /standard_conforming_strings = off/);
    }

    for (const analyze of [true, false]) {
      it(`set on the database: rows unchanged (${analyze ? 'ANALYZE' : 'estimate only'})`, async () => {
        await admin.query(`ALTER DATABASE ${dbName} SET standard_conforming_strings = off`);
        const s = await PgSession.connect({ connectionString: url });
        try {
          await attack(s, analyze);
        } finally {
          await s.close();
          await admin.query(`ALTER DATABASE ${dbName} RESET standard_conforming_strings`);
        }
      });

      it(`set in the connection's options: rows unchanged (${analyze ? 'ANALYZE' : 'estimate only'})`, async () => {
        const u = new URL(url);
        u.searchParams.set('options', '-c standard_conforming_strings=off');
        const s = await PgSession.connect({ connectionString: u.toString() });
        try {
          await attack(s, analyze);
          // A statement whose strings hold no backslash is still explained.
          const r = await s.explain({ sql: "SELECT * FROM adv_t WHERE v = 'a'", analyze });
          assert.ok(r.planJson.includes('adv_t'));
        } finally {
          await s.close();
        }
      });
    }

    it('several statements in one text never reach the server as several (extended protocol)', async () => {
      const err = await explainError(session, 'SELECT 1; DELETE FROM adv_t', true);
      assert.ok(err instanceof TunerError && err.reason === 'unsafe-statement');
      const rows = await session.query<{ n: number }>('SELECT count(*)::int AS n FROM adv_t');
      assert.equal(rows[0].n, 3);
      // Below the classification: the session's query() refuses a second statement outright.
      await assert.rejects(session.query('SELECT 1; DELETE FROM adv_t'), /multiple commands/);
      const again = await session.query<{ n: number }>('SELECT count(*)::int AS n FROM adv_t');
      assert.equal(again[0].n, 3);
    });
  });
});
