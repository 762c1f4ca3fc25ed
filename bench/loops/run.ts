/**
 * `loops --measure` on a loop too slow to run whole (issue 12): 1,000 parents whose child query scans a
 * 1,000,000-row table without an index, on a throw-away server. Figures: how long the measurement takes (target
 * ≤ 45 s: the 30 s budget and one round's slack), the sample and rounds it used, and how close its carried loop
 * time comes to the loop run whole, query by query (target within 1.25× either way; run once before and once after
 * the measurement and averaged, so a machine whose load drifts meanwhile weighs on both alike).
 * `benchLoops()` returns the figures for bench/run.ts; run directly (`npx tsx bench/loops/run.ts`), it prints them.
 */
import { Client } from 'pg';
import { PgSession } from '../../src/core/db/pgSession';
import { adviseNPlusOne } from '../../src/core/advice/nPlusOne/adviseNPlusOne';
import { stopText } from '../../src/core/advice/nPlusOne/measureLoop';
import { formatMs } from '../../src/core/text/formatNumbers';
import { startTestServer } from '../../test/helpers/postgresServer';
import { printFigures, runBench, type Figure } from '../figures';

const parents = 1_000;
const childRows = 1_000_000;

const source = `export async function listPrograms(pool) {
  const programs = await pool.query('SELECT * FROM programs');
  for (const program of programs.rows) {
    program.tasks = (await pool.query('SELECT * FROM tasks WHERE program_id = $1', [program.id])).rows;
  }
  return programs.rows;
}
`;

export async function benchLoops(): Promise<Figure[]> {
  const server = await startTestServer();
  try {
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS bench_loops');
    await admin.query('CREATE DATABASE bench_loops');
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/bench_loops';
    const setup = new Client({ connectionString: url.toString() });
    await setup.connect();
    await setup.query(`
      CREATE TABLE programs (id int PRIMARY KEY, title text NOT NULL);
      INSERT INTO programs SELECT g, 'program ' || g FROM generate_series(1, ${parents}) g;
      CREATE TABLE tasks (id int PRIMARY KEY, program_id int NOT NULL, title text NOT NULL);
      INSERT INTO tasks SELECT g, 1 + g % ${parents}, 'task ' || g FROM generate_series(1, ${childRows}) g;
      ANALYZE programs; ANALYZE tasks;`);
    // The loop run whole, query by query, as the application would (after one warming scan).
    await setup.query('SELECT count(*) FROM tasks');
    const runWhole = async (): Promise<number> => {
      const wholeStarted = performance.now();
      const rows = (await setup.query<{ id: number }>('SELECT * FROM programs')).rows;
      for (const row of rows) await setup.query('SELECT * FROM tasks WHERE program_id = $1', [row.id]);
      return performance.now() - wholeStarted;
    };
    const wholeBefore = await runWhole();

    const session = await PgSession.connect({ connectionString: url.toString() });
    try {
      const started = performance.now();
      const [advice] = await adviseNPlusOne(session, source, 'programs.js', {});
      const tookMs = performance.now() - started;
      const m = advice?.measurement;
      if (!m) throw new Error(advice?.measurementNote ?? 'no loop found');
      const wholeMs = (wholeBefore + (await runWhole())) / 2;
      const accuracy = m.loopMs / wholeMs;
      return [
        {
          name: `loops --measure, ${parents.toLocaleString('en-US')} parents × a ${childRows.toLocaleString('en-US')}-row scan`,
          value: formatMs(tookMs),
          target: '≤ 45 s',
          met: tookMs <= 45_000,
        },
        {
          name: 'its sample and rounds',
          value: `${m.sampledParents} of ${m.parents} parents; ${stopText(m)}`,
          target: '',
        },
        {
          name: 'carried loop time vs the loop run whole (mean of 2)',
          value: `${formatMs(m.loopMs)} vs ${formatMs(wholeMs)} (${accuracy.toFixed(2)}×)`,
          target: 'within 1.25× either way',
          met: accuracy >= 0.8 && accuracy <= 1.25,
        },
        { name: 'single query (median)', value: formatMs(m.singleMs), target: '' },
      ];
    } finally {
      await session.close();
      await setup.end();
    }
  } finally {
    await server.stop();
  }
}

if (require.main === module) runBench(async () => printFigures(await benchLoops()));
