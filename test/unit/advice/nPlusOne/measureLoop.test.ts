/**
 * `loops --measure` on the real test server, in a database of its own with pg_stat_statements: a loop whose
 * child query scans a table without an index (each run takes milliseconds, over 400 parents). The measurement
 * runs a spread sample of the parents sized by the time budget, carries its time to all of them, reports
 * progress, stops once the ratio is clear, returns the best result so far when cancelled, counts its own scans,
 * and keeps its runs of the application's statements out of the application's pg_stat_statements entries.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseNPlusOne, type NPlusOneProgress } from '../../../../src/core/advice/nPlusOne/adviseNPlusOne';
import { spreadOrder } from '../../../../src/core/advice/nPlusOne/measureLoop';
import { loadTopQueries } from '../../../../src/core/workload/topQueries';
import { asOwnRun, ownRunAlias } from '../../../../src/core/workload/ownRuns';
import { tunerTag } from '../../../../src/core/db/tunerTag';
import { formatTopQueries } from '../../../../src/cli/commands/top';
import { createColours } from '../../../../src/cli/colours';

const dbName = `measure_loop_${process.pid}`;

const source = `import type { Pool } from 'pg';

export async function listPrograms(pool: Pool) {
  const programs = await pool.query(\`SELECT * FROM programs WHERE status = 'active'\`);
  for (const program of programs.rows) {
    program.tasks = (await pool.query(\`SELECT * FROM tasks WHERE program_id = $1\`, [program.id])).rows;
  }
  return programs.rows;
}
`;

const childSql = 'SELECT * FROM tasks WHERE program_id = $1';

describe('N+1 measurement: a sample, progress, early stop, cancel, and our runs apart (real server)', function () {
  this.timeout(180_000);
  let url: string;
  let session: PgSession;

  before(async () => {
    url = await createDatabase(await testServer(), dbName);
    await runSql(
      url,
      `CREATE EXTENSION pg_stat_statements;
       CREATE TABLE programs (id int PRIMARY KEY, title text NOT NULL, status text NOT NULL);
       INSERT INTO programs SELECT g, 'program ' || g, 'active' FROM generate_series(1, 400) g;
       CREATE TABLE tasks (id int PRIMARY KEY, program_id int NOT NULL REFERENCES programs (id), title text NOT NULL);
       INSERT INTO tasks SELECT g, 1 + g % 400, 'task ' || g FROM generate_series(1, 200000) g;
       ANALYZE programs; ANALYZE tasks;`,
    );
    session = await PgSession.connect({ connectionString: url });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), dbName);
  });

  it('spreadOrder: a permutation whose prefixes are spread over the range', () => {
    const order = spreadOrder(10);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(order.slice(0, 4), [0, 8, 4, 2]);
    assert.deepEqual(spreadOrder(0), []);
    assert.deepEqual(spreadOrder(1), [0]);
  });

  it('runs a sample sized by the budget, carries it to all 400 parents, reports progress and counts its scans', async () => {
    const progress: NPlusOneProgress[] = [];
    const [advice] = await adviseNPlusOne(session, source, 'programs.ts', {
      budgetMs: 2_000,
      onProgress: (p) => progress.push(p),
    });
    const m = advice?.measurement;
    assert.ok(m, advice?.measurementNote);
    assert.equal(m.parents, 400);
    assert.equal(m.roundTripsBefore, 401);
    // Each child query scans 200,000 rows: the budget allows far fewer than 400 of them per round.
    assert.ok(m.sampledParents >= 1 && m.sampledParents < 400, `sampled ${m.sampledParents}`);
    assert.equal(m.extrapolated, true);
    assert.match(
      m.scaling,
      new RegExp(`for ${m.sampledParents} of 400 parents .*the first child query's plus the mean of the others × 399`),
    );
    assert.ok(m.loopMs > m.singleMs, `loop ${m.loopMs} vs single ${m.singleMs}`);
    assert.ok(['clear-ratio', 'max-rounds', 'time-budget'].includes(m.stoppedBy), m.stoppedBy);
    assert.ok(m.samplesLoopMs.length >= 1 && m.samplesLoopMs.length <= 5);
    if (m.stoppedBy === 'clear-ratio') assert.ok(m.samplesLoopMs.length >= 3 && m.ratioSpread <= 0.25);
    assert.equal(m.sameShape, true, m.shapeNote);
    assert.match(m.shapeNote, new RegExp(`checked for the ${m.sampledParents} sampled`));
    // Progress: the warm-up, then each round in order, each with a message.
    assert.equal(progress[0]?.phase, 'warm-up');
    const rounds = progress.filter((p) => p.phase === 'round').map((p) => p.round);
    assert.deepEqual(
      rounds,
      rounds.map((_r, i) => i + 1),
    );
    assert.equal(rounds.length, m.samplesLoopMs.length);
    assert.ok(progress.every((p) => p.message.length > 0 && p.parents === 400));
    assert.match(progress[progress.length - 1].message, /^round \d of ≤ 5: loop ≈ .* vs single query/);
    // Its own scans: one sequential scan of tasks per child query run, and more for the single query.
    const tasks = m.scans.find((s) => s.name === 'tasks');
    assert.ok(tasks, JSON.stringify(m.scans));
    const childRuns = m.sampledParents * (m.samplesLoopMs.length + 1);
    assert.ok(tasks.seqScans >= childRuns, `${tasks.seqScans} scans for ${childRuns} child queries`);
    assert.ok(tasks.seqRowsRead >= childRuns * 200_000);
  });

  it('a cancel during the rounds returns the best result so far', async () => {
    const controller = new AbortController();
    const [advice] = await adviseNPlusOne(session, source, 'programs.ts', {
      budgetMs: 2_000,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'round' && p.round === 1) controller.abort();
      },
    });
    const m = advice?.measurement;
    assert.ok(m, advice?.measurementNote);
    assert.equal(m.stoppedBy, 'cancelled');
    assert.equal(m.samplesLoopMs.length, 1);
    assert.ok(m.loopMs > 0 && m.singleMs > 0);
    // Cancelled before the warm-up ended: nothing to show, said as a cancel.
    const early = new AbortController();
    early.abort();
    const [none] = await adviseNPlusOne(session, source, 'programs.ts', { signal: early.signal });
    assert.equal(none.measurement, undefined);
    assert.match(none.measurementNote ?? '', /cancelled/);
  });

  it("our runs of the application's statements have their own query id: the application's entry holds its calls only, and is listed", async () => {
    const app = new Client({ connectionString: url });
    await app.connect();
    try {
      await app.query('SELECT pg_stat_statements_reset()');
      // Ours first: pg_stat_statements keeps the first text it sees for a query id.
      const [advice] = await adviseNPlusOne(session, source, 'programs.ts', { budgetMs: 1_000 });
      assert.ok(advice?.measurement, advice?.measurementNote);
      for (let id = 1; id <= 25; id++) await app.query(childSql, [id]);
      const top = await loadTopQueries(session, { orderBy: 'calls', limit: 100, includeUtility: true });
      assert.equal(top.status, 'ok');
      const child = top.statements.find((s) => /FROM tasks WHERE program_id = \$1$/.test(s.query));
      assert.ok(child, top.statements.map((s) => s.query).join('\n'));
      // Only the application's 25 calls, under the application's text.
      assert.equal(child.calls, 25);
      assert.equal(child.ranBy, 'application');
      assert.ok(!child.query.includes(tunerTag));
      // None of ours in the ranking; all of them kept apart, the largest shown, with a note.
      assert.ok(top.statements.every((s) => s.ranBy === 'application' && !s.query.includes(tunerTag)));
      assert.ok(top.own.statementCount > 0);
      assert.ok(top.own.largest.length > 0 && top.own.largest.every((s) => s.ranBy === 'pg-tuner'));
      const note = top.notes.find((n) => n.kind === 'own-statements');
      assert.ok(note);
      assert.match(note.message, new RegExp(`^${top.own.statementCount} entr(y is|ies are) pg-tuner's own`));
      // Our wrapped run of the child query is its own entry, with our tag.
      const all = await app.query<{ query: string; calls: string; total: number }>(
        `SELECT query, calls::text AS calls, total_exec_time AS total FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      const ours = all.rows.find((r) => r.query.includes(ownRunAlias) && r.query.includes('program_id = $1'));
      assert.ok(ours, all.rows.map((r) => r.query).join('\n'));
      assert.ok(ours.query.includes(tunerTag));
      assert.ok(Number(ours.calls) >= 2);
      // The shares are of the application's workload: every entry without our tag, listed or not.
      const appRows = all.rows.filter((r) => !r.query.includes(tunerTag));
      const appCalls = appRows.reduce((n, r) => n + Number(r.calls), 0);
      const ownCalls = all.rows.filter((r) => r.query.includes(tunerTag)).reduce((n, r) => n + Number(r.calls), 0);
      // The reads above add their own calls between the two reads; the view read before them is what top saw.
      assert.ok(top.totals.calls <= appCalls && top.totals.calls >= 25, `${top.totals.calls} vs ${appCalls}`);
      assert.ok(top.own.calls <= ownCalls && top.own.calls > 0);
      assert.ok(Math.abs(child.shares.calls - 25 / top.totals.calls) < 1e-9);
      // The terminal: the ranking without our entries, then the note and the largest of ours, never hidden.
      const text = formatTopQueries(top, createColours(false), 200);
      const [ranking, ownPart] = text.split(note.message);
      assert.ok(ownPart !== undefined, text);
      assert.ok(!ranking.includes(tunerTag), ranking);
      assert.equal(
        ownPart.split('\n').filter((l) => /^ {2}\s*[\d.]+ [µm]?s\s+[\d,]+ calls\s+[\d.]+%\s+\S/.test(l)).length,
        top.own.largest.length,
      );
      assert.match(ranking, /across all \d+ statements of the application \(pg-tuner's own not counted\)/);
    } finally {
      await app.end();
    }
  });

  it('asOwnRun keeps the rows and their order, and survives a trailing comment and semicolon', async () => {
    const sql = 'SELECT id, title FROM programs WHERE id <= $1 ORDER BY id DESC -- newest first\n;';
    const plain = await session.query('SELECT id, title FROM programs WHERE id <= $1 ORDER BY id DESC', [5]);
    const wrapped = await session.query(asOwnRun(sql), [5]);
    assert.deepEqual(wrapped, plain);
  });
});
