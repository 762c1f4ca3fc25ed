/**
 * Top queries from pg_stat_statements on the real PostgreSQL 15 test server, in a database of this file's
 * own, with a workload whose ordering by each key is known in advance.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { startTestServer, type TestServer } from '../../helpers/postgresServer';
import { PgSession } from '../../../src/core/db/pgSession';
import {
  loadTopQueries,
  orderValue,
  sortTopStatements,
  topQueryOrders,
  topQueriesSql,
} from '../../../src/core/workload/topQueries';
import type { TopQueriesResult, TopQueryOrder, TopStatement } from '../../../src/core/workload/topQueries';
import { chooseStatementColumns } from '../../../src/core/workload/statementColumns';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import {
  findStatementSources,
  indexStatementSources,
  sourceWithValues,
  sqlLiteralCandidates,
} from '../../../src/core/workload/statementSources';
import { loadParser } from '../../../src/core/sql/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const topDbName = `top_queries_${process.pid}`;

/** The statement each key must put first, as pg_stat_statements normalizes it. */
const expectedFirst: Record<TopQueryOrder, RegExp> = {
  total: /^SELECT pg_sleep\(\$1\)$/,
  mean: /^SELECT \$1 FROM pg_sleep\(\$2\)$/,
  calls: /^SELECT id, v FROM wl_items WHERE id = \$1$/,
  rows: /^SELECT g FROM generate_series\(\$1, \$2\) g$/,
  reads: /^SELECT count\(\*\) FROM wl_big$/,
  temp: /^SELECT count\(\*\) FROM \(SELECT g FROM generate_series/,
};

/** Runs the workload; statements run before the reset (setup) are not counted. */
export async function runWorkload(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE wl_items (id int PRIMARY KEY, v int NOT NULL);
      INSERT INTO wl_items SELECT g, g % 100 FROM generate_series(1, 1000) g;
      -- Written through a 16 MB bulk-write ring: most of its pages leave shared buffers, so reading it reads blocks.
      CREATE TABLE wl_big AS SELECT g, repeat('x', 200) AS filler FROM generate_series(1, 120000) g;`);
    await c.query('SELECT pg_stat_statements_reset()');
    // Column aliases do not change pg_stat_statements' query id, so the two sleeps differ in shape.
    for (let i = 0; i < 10; i++) await c.query('SELECT pg_sleep(0.06)');
    await c.query('SELECT 1 FROM pg_sleep(0.3)');
    for (let i = 1; i <= 200; i++) await c.query('SELECT id, v FROM wl_items WHERE id = $1', [i]);
    await c.query('SELECT g FROM generate_series(1, 50000) g');
    await c.query('SELECT count(*) FROM wl_big');
    await c.query("SET work_mem = '64kB'");
    await c.query('SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC OFFSET 0) s');
    await c.query('RESET work_mem');
  } finally {
    await c.end();
  }
}

describe('top queries (real server, pg_stat_statements)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let url: string;
  let session: PgSession;
  const results = new Map<TopQueryOrder, TopQueriesResult>();

  before(async () => {
    server = await testServer();
    url = await createDatabase(server, topDbName);
    session = await PgSession.connect({ connectionString: url });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(server, topDbName);
  });

  it('says how to create the extension when the database does not have it', async () => {
    const r = await loadTopQueries(session);
    assert.equal(r.status, 'unavailable');
    assert.deepEqual(r.statements, []);
    assert.equal(r.notes.length, 1);
    assert.equal(r.notes[0].kind, 'extension-not-installed');
    // The test server preloads the library, so creating the extension is the only step.
    assert.deepEqual(r.notes[0].steps, ['CREATE EXTENSION pg_stat_statements;']);
  });

  it('reads the workload and puts the statement built for each key first', async () => {
    await session.execute('CREATE EXTENSION pg_stat_statements');
    await runWorkload(url);
    // The tuner's own statements after the reset (a catalog read, an EXPLAIN ANALYZE) stay out of the list.
    await session.query('SELECT count(*) AS n FROM wl_items WHERE v < $1', [7]);
    await session.explain({ sql: 'SELECT v FROM wl_items WHERE id < 20', analyze: true });
    for (const orderBy of topQueryOrders) results.set(orderBy, await loadTopQueries(session, { orderBy, limit: 50 }));
    const seen = results.get('calls')!.statements.map((s) => s.query);
    assert.ok(
      !seen.some((q) => /wl_items WHERE (v <|id <)|^EXPLAIN|^BEGIN|^SET LOCAL|pg_stat_statements s/i.test(q)),
      seen.join('\n'),
    );
    for (const orderBy of topQueryOrders) {
      const r = results.get(orderBy)!;
      assert.equal(r.status, 'ok');
      assert.equal(r.database, topDbName);
      assert.equal(r.extensionVersion, '1.10');
      assert.match(r.statements[0].query, expectedFirst[orderBy], `${orderBy}: ${r.statements[0].query}`);
      const values = r.statements.map((s) => orderValue(s, orderBy));
      assert.deepEqual(
        values,
        [...values].sort((a, b) => b - a),
        `${orderBy} is descending`,
      );
      assert.deepEqual(
        r.statements.map((s) => s.rank),
        r.statements.map((_s, i) => i + 1),
      );
    }
  });

  it('gives figures and shares that match the workload', () => {
    const byCalls = results.get('calls')!;
    const lookup = byCalls.statements[0];
    assert.equal(lookup.calls, 200);
    assert.equal(lookup.rows, 200);
    assert.ok(Math.abs(lookup.share - 200 / byCalls.totals.calls) < 1e-9);
    const total = results.get('total')!.statements[0];
    assert.equal(total.calls, 10);
    assert.ok(total.totalTimeMs >= 600 && total.meanTimeMs >= 60, `${total.totalTimeMs} ms`);
    assert.ok(Math.abs(total.share - total.totalTimeMs / results.get('total')!.totals.totalTimeMs) < 1e-9);
    const mean = results.get('mean')!.statements[0];
    assert.equal(mean.calls, 1);
    assert.ok(mean.meanTimeMs >= 300);
    assert.equal(results.get('rows')!.statements[0].rows, 50_000);
    assert.ok(results.get('reads')!.statements[0].sharedBlocksRead > 500);
    assert.ok(results.get('temp')!.statements[0].tempBlocksWritten > 0);
    for (const r of results.values()) {
      const shareSum = r.statements.reduce((sum, s) => sum + s.shares.totalTime, 0);
      assert.ok(shareSum <= 1 + 1e-9 && shareSum > 0.5, `total-time shares sum to ${shareSum}`);
      assert.ok(r.statements.every((s) => s.textVisible && s.queryId !== null && s.toplevel === true));
      assert.ok(r.statsSince && /^\d{4}-\d\d-\d\dT/.test(r.statsSince));
    }
  });

  it('re-sorts on the client like the server does', () => {
    const base = results.get('total')!.statements;
    for (const orderBy of topQueryOrders) {
      const sorted = sortTopStatements(base, orderBy);
      assert.match(sorted[0].query, expectedFirst[orderBy]);
    }
  });

  it('leaves utility statements out of the list, not out of the totals', async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const user = (await c.query<{ u: string }>('SELECT current_user AS u')).rows[0].u;
      await c.query('VACUUM wl_items');
      await c.query('/* leading comment */ GRANT SELECT ON wl_items TO PUBLIC');
      await c.query(`SET ROLE "${user}"`);
      await c.query('RESET ROLE');
      // Explainable, behind a comment and parentheses: still listed.
      await c.query('/* report */ (SELECT v FROM wl_items WHERE id = 3)');
    } finally {
      await c.end();
    }
    const listed = await loadTopQueries(session, { orderBy: 'calls', limit: 100 });
    const all = await loadTopQueries(session, { orderBy: 'calls', limit: 100, includeUtility: true });
    const utility = /^\s*(\/\*.*?\*\/\s*)?(VACUUM|GRANT|SET|RESET)\b/i;
    assert.deepEqual(
      listed.statements.filter((s) => utility.test(s.query)).map((s) => s.query),
      [],
    );
    const utilityQueries = all.statements.filter((s) => utility.test(s.query)).map((s) => s.query);
    for (const expected of [/^VACUUM wl_items/, /GRANT SELECT ON wl_items/, /^SET ROLE/, /^SET work_mem/]) {
      assert.ok(
        utilityQueries.some((q) => expected.test(q)),
        `${expected} listed with includeUtility: ${utilityQueries.join(' | ')}`,
      );
    }
    assert.ok(
      listed.statements.some((s) => /\(SELECT v FROM wl_items WHERE id = \$1\)/.test(s.query)),
      'a commented, parenthesised SELECT stays',
    );
    const note = listed.notes.find((n) => n.kind === 'utility-statements');
    assert.ok(note, 'a note says utility statements are not listed');
    // Whatever else the server recorded (a session's own SET, say): the note counts exactly what was left out.
    assert.ok(all.statements.length < 100, 'both lists are whole');
    assert.match(note.message, new RegExp(`^${all.statements.length - listed.statements.length} utility statements`));
    assert.equal(
      all.notes.find((n) => n.kind === 'utility-statements'),
      undefined,
    );
    // The shares are of every statement, listed or not.
    assert.deepEqual(listed.totals, all.totals);
    assert.equal(listed.statementCount, all.statementCount);
  });

  it('honours --limit', async () => {
    const r = await loadTopQueries(session, { orderBy: 'calls', limit: 2 });
    assert.equal(r.statements.length, 2);
    assert.ok(r.statementCount > 2);
  });

  it('shows another role what it cannot see, as a note', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query("DROP ROLE IF EXISTS top_reader; CREATE ROLE top_reader LOGIN PASSWORD 'reader-pw'");
    await admin.end();
    const readerUrl = new URL(url);
    readerUrl.username = 'top_reader';
    readerUrl.password = 'reader-pw';
    const reader = await PgSession.connect({ connectionString: readerUrl.toString() });
    try {
      const r = await loadTopQueries(reader, { orderBy: 'total', limit: 100 });
      assert.equal(r.status, 'ok');
      const hidden = r.statements.filter((s: TopStatement) => !s.textVisible);
      assert.ok(hidden.length > 0);
      assert.ok(hidden.every((s) => s.query === '<insufficient privilege>' && s.queryId === null));
      const note = r.notes.find((n) => n.kind === 'insufficient-privilege');
      assert.ok(note, 'a note about hidden statements');
      assert.match(note.message, new RegExp(`^${hidden.length} of \\d+ statements belong to other roles`));
      assert.match(note.steps[0], /GRANT pg_read_all_stats/);
      // The reader's own statements stay visible.
      assert.ok(r.statements.some((s) => s.textVisible && s.userName === 'top_reader'));
    } finally {
      await reader.close();
      const cleanup = new Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query('DROP OWNED BY top_reader; DROP ROLE top_reader');
      await cleanup.end();
    }
  });

  it('finds the statement in a .sql and a .ts file of the workspace by fingerprint', async () => {
    await loadParser();
    const dir = join(__dirname, 'fixtures/workspace');
    const files = ['reports.sql', 'itemRepository.ts'].map((name) => ({
      path: name,
      text: readFileSync(join(dir, name), 'utf8'),
    }));
    const lookup = results.get('calls')!.statements[0]; // as the server normalized it: WHERE id = $1
    const sources = findStatementSources(lookup, files);
    assert.deepEqual(
      sources.map((s) => [s.path, s.line]),
      [
        ['reports.sql', 3],
        ['itemRepository.ts', 6],
      ],
    );
    const [sqlSource, tsSource] = sources;
    assert.equal(
      files[0].text.slice(sqlSource.range.start, sqlSource.range.end),
      'select id, v\n  from wl_items\n where id = 42',
    );
    assert.equal(
      files[1].text.slice(tsSource.range.start, tsSource.range.end),
      'SELECT id, v FROM wl_items\n    WHERE id = ${id}',
    );
    assert.equal(tsSource.sql, 'SELECT id, v FROM wl_items\n    WHERE id = $1');
    // Opening the statement takes the copy with values (the .sql file's 42), never one with its own $n.
    assert.equal(sourceWithValues(sources), sqlSource);
    assert.equal(sourceWithValues([tsSource, sqlSource]), sqlSource);
    assert.equal(sourceWithValues([tsSource]), undefined);
    // The count statement is not in the workload's top list, but both files have one: an index serves many lookups.
    const index = indexStatementSources(files);
    const counts = findStatementSources(
      { query: 'SELECT count(*) FROM wl_items WHERE v < $1', textVisible: true },
      index,
    );
    assert.deepEqual(
      counts.map((s) => s.path),
      ['reports.sql', 'itemRepository.ts'],
    );
    // Near misses: another comparison, prose starting with SELECT, hidden text.
    assert.deepEqual(
      findStatementSources({ query: 'SELECT id FROM wl_items WHERE v < $1', textVisible: true }, index),
      [],
    );
    // The prose literal starts like a statement, so it is a candidate, but it does not parse: the .ts file gives two.
    assert.equal(sqlLiteralCandidates('itemRepository.ts', files[1].text).length, 3);
    assert.equal([...index.values()].flat().filter((s) => s.path === 'itemRepository.ts').length, 2);
    assert.deepEqual(findStatementSources({ query: '<insufficient privilege>', textVisible: false }, index), []);
  });

  it('says how to preload the library when the extension exists but the server did not load it', async () => {
    // A second throw-away server, started without shared_preload_libraries: reading the view fails with 55000.
    const bare = await startTestServer({ preloadLibraries: [] });
    const bareSession = await PgSession.connect({ connectionString: bare.url });
    try {
      assert.ok(bare.extensions.includes('pg_stat_statements'), 'CREATE EXTENSION works without the library');
      const r = await loadTopQueries(bareSession);
      assert.equal(r.status, 'unavailable');
      assert.deepEqual(r.statements, []);
      assert.equal(r.notes[0]?.kind, 'extension-not-preloaded');
      assert.ok(
        r.notes[0].steps.some((step) => step.includes("shared_preload_libraries = 'pg_stat_statements'")),
        r.notes[0].steps.join('\n'),
      );
    } finally {
      await bareSession.close();
      await bare.stop();
    }
  });

  it('builds its query from the columns of PostgreSQL 12 and 17 as well', () => {
    const v12 = chooseStatementColumns([
      'userid',
      'dbid',
      'queryid',
      'query',
      'calls',
      'total_time',
      'min_time',
      'max_time',
      'mean_time',
      'stddev_time',
      'rows',
      'shared_blks_hit',
      'shared_blks_read',
      'temp_blks_read',
      'temp_blks_written',
      'blk_read_time',
      'blk_write_time',
    ]);
    const sql12 = topQueriesSql('public.pg_stat_statements', v12, 'mean', false);
    assert.match(sql12, /s\.total_time::float8 AS total_time/);
    assert.match(sql12, /s\.blk_read_time::float8 AS blk_read_time/);
    assert.match(sql12, /NULL::boolean AS toplevel/);
    assert.doesNotMatch(sql12, /AND s\.toplevel/);
    const v17 = chooseStatementColumns([
      'toplevel',
      'calls',
      'total_exec_time',
      'mean_exec_time',
      'total_plan_time',
      'rows',
      'shared_blks_hit',
      'shared_blks_read',
      'temp_blks_read',
      'temp_blks_written',
      'shared_blk_read_time',
      'local_blk_read_time',
    ]);
    const sql17 = topQueriesSql('public.pg_stat_statements', v17, 'total', false);
    assert.match(sql17, /s\.total_exec_time::float8 AS total_time/);
    assert.match(sql17, /s\.shared_blk_read_time::float8 AS blk_read_time/);
    assert.match(sql17, /AND s\.toplevel/);
  });
});
