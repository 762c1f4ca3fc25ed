/**
 * Statistics carried from a real PostgreSQL server to the embedded database: pg_stats read on the test server
 * (through the stats file's JSON), rows generated in PGlite from them, and PGlite's own ANALYZE then finds the
 * same shape (row counts scaled, null fraction, distinct counts, most common values, correlation). Bad stats
 * files are refused with the file and the field named.
 */
import { strict as assert } from 'node:assert';
import { embeddedDataOptions } from '../../../src/cli/embeddedData';
import type { DatabaseOptions } from '../../../src/cli/args';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { embeddedDataOf } from '../../../src/core/db/generateData/embeddedDataNote';
import { restoreServerStats } from '../../../src/core/db/generateData/restoreStats';
import {
  formatStatsFile,
  parseStatsFile,
  readServerStats,
  type StatsFile,
} from '../../../src/core/db/generateData/statsFile';
import { openSession } from '../../../src/core/db/openSession';
import type { PgliteSession } from '../../../src/core/db/pgliteSession';
import { TunerError } from '../../../src/core/errors';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';

const schema = `
CREATE TABLE accounts (
  id int PRIMARY KEY,
  plan text NOT NULL,
  referrer int,
  score int NOT NULL,
  signup date NOT NULL
);
CREATE TABLE logins (
  id bigint PRIMARY KEY,
  account_id int NOT NULL REFERENCES accounts (id),
  at timestamptz NOT NULL
);
`;

// 70 % free, 20 % pro, 10 % team; 30 % of referrers NULL, 35 distinct others (g % 50 where g % 10 >= 3); signup in id order (correlation 1);
// account 1 has half of all logins.
const data = `
INSERT INTO accounts
SELECT g, CASE WHEN g % 10 < 7 THEN 'free' WHEN g % 10 < 9 THEN 'pro' ELSE 'team' END,
       CASE WHEN g % 10 < 3 THEN NULL ELSE g % 50 END, (g * 7919) % 1000, date '2020-01-01' + g / 20
FROM generate_series(1, 20000) AS g;
INSERT INTO logins
SELECT g, CASE WHEN g % 2 = 0 THEN 1 ELSE 1 + (g * 31) % 20000 END, timestamptz '2024-01-01' + g * interval '1 minute'
FROM generate_series(1, 40000) AS g;
ANALYZE accounts;
ANALYZE logins;
`;

interface StatsRow extends Record<string, unknown> {
  null_frac: number;
  n_distinct: number;
  mcv: string[] | null;
  mcf: number[] | null;
  correlation: number | null;
}

const database = 'generate_data_stats';

describe('generated data shaped by a server’s statistics (PostgreSQL 15 → PGlite)', function () {
  this.timeout(300_000);
  let stats: StatsFile;
  let embedded: PgliteSession;

  const pgStats = async (table: string, column: string): Promise<StatsRow> => {
    const [row] = await embedded.query<StatsRow>(
      `SELECT null_frac::float8 AS null_frac, n_distinct::float8 AS n_distinct, most_common_vals::text::text[] AS mcv,
              most_common_freqs::float8[] AS mcf, correlation::float8 AS correlation
       FROM pg_stats WHERE schemaname = 'public' AND tablename = $1 AND attname = $2`,
      [table, column],
    );
    assert.ok(row, `${table}.${column} has statistics`);
    return row;
  };
  const near = (actual: number, expected: number, tolerance: number, what: string): void =>
    assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

  before(async () => {
    const server = await testServer();
    const url = await createDatabase(server, database);
    await runSql(url, schema + data);
    const session = await openSession({ kind: 'server', connectionString: url });
    try {
      // Through the file's text, as a user commits it.
      stats = parseStatsFile(formatStatsFile(await readServerStats(session)), '.pgtuner/stats.json');
    } finally {
      await session.close();
    }
    embedded = await openEmbeddedDatabase([{ path: 'schema.sql', text: schema }], {
      generateData: 'auto',
      // Restored statistics would hide what ANALYZE finds in the generated rows: restored in a test of their own.
      generateOptions: {
        scale: 10_000,
        stats,
        statsSource: { kind: 'stats-file', name: '.pgtuner/stats.json' },
        restoreStats: false,
      },
    });
  });
  after(async () => {
    await embedded?.close();
    await dropDatabase(await testServer(), database);
  });

  it('the stats file holds pg_class row counts and pg_stats per column, nothing else', () => {
    assert.equal(stats.tables['public.accounts'].rows, 20000);
    assert.equal(stats.tables['public.logins'].rows, 40000);
    const plan = stats.tables['public.accounts'].columns.plan;
    assert.deepEqual(plan.mostCommonValues, ['free', 'pro', 'team']);
    assert.equal(stats.source.samples, true);
    assert.match(stats.source.serverVersion ?? '', /^PostgreSQL 1\d/);
  });

  it('row counts are scaled to the largest table (logins 40,000 → 10,000, accounts in proportion)', async () => {
    const summary = embeddedDataOf(embedded);
    assert.equal(summary?.kind, 'generated');
    const rows = Object.fromEntries(summary?.tables.map((t) => [t.table, t.rows]) ?? []);
    assert.equal(rows['public.logins'], 10000);
    assert.equal(rows['public.accounts'], 5000);
  });

  it('null fraction, distinct count, most common values and correlation come through ANALYZE on PGlite', async () => {
    const plan = await pgStats('accounts', 'plan');
    assert.deepEqual(plan.mcv, ['free', 'pro', 'team']);
    near(plan.mcf?.[0] ?? 0, 0.7, 0.03, 'free');
    near(plan.mcf?.[1] ?? 0, 0.2, 0.03, 'pro');

    const referrer = await pgStats('accounts', 'referrer');
    near(referrer.null_frac, 0.3, 0.03, 'referrer null_frac');
    near(referrer.n_distinct, 35, 3, 'referrer n_distinct');

    const score = await pgStats('accounts', 'score');
    // 1,000 distinct on the server; 5,000 rows drawn between its histogram bounds keep most of them.
    // (PostgreSQL gives a count above a tenth of the rows as minus its fraction of them.)
    const scoreDistinct = score.n_distinct < 0 ? -score.n_distinct * 5000 : score.n_distinct;
    assert.ok(scoreDistinct >= 600 && scoreDistinct <= 1000, `score n_distinct ${score.n_distinct}`);

    const signup = await pgStats('accounts', 'signup');
    assert.ok((signup.correlation ?? 0) > 0.8, `signup correlation ${signup.correlation}`);

    // The foreign key's skew: one account has half of the logins, as on the server.
    const account = await pgStats('logins', 'account_id');
    near(account.mcf?.[0] ?? 0, 0.5, 0.03, 'most common account_id');
  });

  it('the plan says the rows are generated and shaped by the stats file', async () => {
    const summary = embeddedDataOf(embedded);
    assert.deepEqual(summary?.shape, { kind: 'stats-file', name: '.pgtuner/stats.json' });
  });

  it("the server's statistics restored on top (PostgreSQL 18): estimates at the server's scale, real pages kept", async () => {
    const restored = await restoreServerStats(embedded, stats, ['public.accounts', 'public.logins']);
    assert.deepEqual(restored, ['public.accounts', 'public.logins']);
    const [rel] = await embedded.query<{ tuples: number; pages: number }>(
      "SELECT reltuples::float8 AS tuples, relpages AS pages FROM pg_class WHERE relname = 'logins'",
    );
    assert.equal(Number(rel.tuples), 40000);
    const plan = await embedded.explain({ sql: 'SELECT * FROM logins WHERE account_id = 1', analyze: false });
    const rows = (JSON.parse(plan.planJson) as Array<{ Plan: { 'Plan Rows': number } }>)[0].Plan['Plan Rows'];
    // Half of the server's 40,000 logins are account 1's (its most common value), not half of the 10,000 generated.
    near(rows, 20000, 1000, 'estimated rows for account 1');
    const plain = await pgStats('accounts', 'referrer');
    near(plain.n_distinct, 35, 0, 'restored n_distinct');
  });

  it('--no-samples leaves out most common values and histogram bounds (no values of the data)', async () => {
    const session = await openSession({
      kind: 'server',
      connectionString: (await createUrl()).toString(),
    });
    try {
      const bare = await readServerStats(session, { withoutSamples: true });
      const text = formatStatsFile(bare);
      assert.doesNotMatch(text, /mostCommonValues|histogramBounds|"free"/);
      assert.equal(bare.source.samples, false);
      assert.equal(
        bare.tables['public.accounts'].columns.referrer.nullFrac,
        stats.tables['public.accounts'].columns.referrer.nullFrac,
      );
    } finally {
      await session.close();
    }
  });

  it('a bad stats file is refused naming the file and the field', () => {
    const refused = (text: string): string => {
      try {
        parseStatsFile(text, '.pgtuner/stats.json');
      } catch (err) {
        assert.ok(err instanceof TunerError);
        assert.equal(err.reason, 'bad-input');
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.match(refused('{ "format": '), /^\.pgtuner\/stats\.json: not JSON/);
    assert.match(refused('{"tables": {}}'), /not a pg-tuner statistics file/);
    assert.match(
      refused(
        JSON.stringify({
          format: 'pg-tuner-stats',
          version: 1,
          source: { server: 's' },
          tables: { 'public.a': { rows: 10, columns: { b: { nullFrac: 2, nDistinct: 3 } } } },
        }),
      ),
      /tables\["public\.a"\]\.columns\["b"\]\.nullFrac: expected a number from 0 to 1, found 2\. Write it again with `pg-tuner stats export/,
    );
    assert.match(
      refused(JSON.stringify({ format: 'pg-tuner-stats', version: 2, source: {}, tables: {} })),
      /unknown version 2/,
    );
    const db: DatabaseOptions = {
      schema: ['db'],
      analyze: false,
      params: [],
      genericPlan: false,
      embedded: true,
      statsFile: 'no/such/stats.json',
    };
    assert.throws(
      () => embeddedDataOptions(db, 'auto'),
      /Cannot read the stats file no\/such\/stats\.json: no such file/,
    );
  });
});

async function createUrl(): Promise<URL> {
  const url = new URL((await testServer()).url);
  url.pathname = `/${database}`;
  return url;
}
