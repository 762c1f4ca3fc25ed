/**
 * HypoPG present but unusable, on the real PostgreSQL 15 test server, in a database of its own (data from
 * our generator): the extension is installed, then (a) its functions are replaced by ones that raise, as a
 * library that does not match its SQL objects does, and (b) its catalog version is set below 1.1. The advisor
 * must say why HypoPG is not used and fall back (rules only, or the planner with real indexes), never fail.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import { hypopgStatus } from '../../../../src/core/advice/index/hypopg';

const database = 'advisor_hypopg_broken';
const query = "SELECT id, qty FROM items WHERE code = 'c77'";

async function realIndexNames(session: PgSession): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

describe('adviseIndexes with HypoPG present but unusable', function () {
  this.timeout(120_000);
  let session: PgSession;

  before(async function () {
    const s = await testServer();
    // Only servers with HypoPG installed can have it broken (`npm run test:versions` runs others without it).
    if (!s.extensions.includes('hypopg')) this.skip();
    session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
    await session.execute(`CREATE EXTENSION hypopg;
      SELECT setseed(0.3);
      CREATE TABLE items (id bigint PRIMARY KEY, code text NOT NULL, qty int NOT NULL);
      INSERT INTO items SELECT g, 'c' || (g % 20000), (random() * 100)::int FROM generate_series(1, 100000) g;
      ANALYZE items;`);
    const working = await hypopgStatus(session);
    assert.equal(working.available, true, 'HypoPG works before it is broken');
    // What a library that does not match the installed SQL objects looks like from SQL: every call raises.
    await session.execute(`
      CREATE OR REPLACE FUNCTION hypopg_reset() RETURNS void LANGUAGE plpgsql AS
        $$BEGIN RAISE EXCEPTION 'could not find function "hypopg_reset" in file "$libdir/hypopg"'; END$$;
      CREATE OR REPLACE FUNCTION hypopg_create_index(sql_order text, OUT indexrelid oid, OUT indexname text) RETURNS SETOF record
        LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'could not find function "hypopg_create_index" in file "$libdir/hypopg"'; END$$;`);
  });
  after(async () => {
    await session?.close();
  });

  it('functions that raise: HypoPG reported as not working, with the error and the fix', async () => {
    const status = await hypopgStatus(session);
    assert.equal(status.available, false);
    assert.ok(status.version && /^\d+\.\d+/.test(status.version));
    assert.match(
      status.reason ?? '',
      /installed but does not work \(could not find function "hypopg_reset".*\); ALTER EXTENSION hypopg UPDATE/,
    );
  });

  it('no building allowed: rule suggestions labelled "estimated only", without figures, and a note why', async () => {
    const advice = await adviseIndexes(session, query, { allowMeasuredWhatIf: false });
    assert.equal(advice.hypopg?.available, false);
    assert.ok(advice.notes.some((n) => n.kind === 'hypopg-unavailable' && /does not work/.test(n.message)));
    assert.ok(advice.notes.some((n) => n.kind === 'measurement-skipped'));
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.candidate.keys[0].column, 'code');
    assert.equal(s.label, 'estimated only');
    assert.equal(s.estimate, undefined);
    assert.equal(s.measurement, undefined);
    assert.match(s.createSql, /^CREATE INDEX CONCURRENTLY items_code\w*_idx ON public\.items \(code\)/);
  });

  it('building allowed: the planner with real indexes in rolled-back transactions replaces HypoPG', async () => {
    const advice = await adviseIndexes(session, query, { allowMeasuredWhatIf: true });
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.estimate?.method, 'planner');
    assert.ok(s.estimate && s.estimate.usedInPlan && s.estimate.costAfter < s.estimate.costBefore / 10);
    assert.equal(s.label, 'measured');
    assert.ok(s.measurement && s.measurement.timeAfterMs < s.measurement.timeBeforeMs);
    assert.deepEqual(await realIndexNames(session), ['items_pkey']);
  });

  it('a catalog version below 1.1: "too old", with the update to run', async () => {
    await session.execute("UPDATE pg_catalog.pg_extension SET extversion = '1.0.0' WHERE extname = 'hypopg'");
    const status = await hypopgStatus(session);
    assert.equal(status.available, false);
    assert.equal(status.version, '1.0.0');
    assert.match(
      status.reason ?? '',
      /HypoPG 1\.0\.0 is too old \(1\.1 or later needed\): ALTER EXTENSION hypopg UPDATE/,
    );
    const advice = await adviseIndexes(session, query, { allowMeasuredWhatIf: false });
    assert.ok(advice.notes.some((n) => n.kind === 'hypopg-unavailable' && /too old/.test(n.message)));
    assert.ok(advice.suggestions.every((s) => s.label === 'estimated only'));
  });
});
