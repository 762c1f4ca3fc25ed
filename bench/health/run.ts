/**
 * Workload and health figures: a generated database of 1,000 tables and 3,000 indexes on a throw-away
 * server, then the time to load the top-queries list and to run all health checks (target ≤ 2 s each).
 * `benchHealth()` returns the figures for bench/run.ts; run directly, it prints them.
 */
import { Client } from 'pg';
import { PgSession } from '../../src/core/db/pgSession';
import { runHealthChecks } from '../../src/core/health/runHealthChecks';
import { loadTopQueries } from '../../src/core/workload/topQueries';
import { startTestServer } from '../../test/helpers/postgresServer';
import { median } from '../../src/core/median';

export interface BenchFigure {
  label: string;
  ms: number;
  target: string;
}

const tableCount = 1000;

/**
 * 1,000 tables, each with a primary key and two more indexes (3,000), every tenth with a foreign key;
 * 100 tables per transaction so the locks fit max_locks_per_transaction.
 */
const generateSql = (from: number, to: number): string => `
DO $$
BEGIN
  FOR i IN ${from}..${to} LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, a int NOT NULL, b int, c text, parent int)', i);
    EXECUTE format('CREATE INDEX t%s_a_idx ON t%s (a)', i, i);
    EXECUTE format('CREATE INDEX t%s_b_a_idx ON t%s (b, a)', i, i);
    IF i % 10 = 0 THEN
      EXECUTE format('ALTER TABLE t%s ADD FOREIGN KEY (parent) REFERENCES t%s (id)', i, i - 1);
    END IF;
    EXECUTE format('INSERT INTO t%s SELECT g, g %% 7, g %% 11, ''row '' || g, NULL FROM generate_series(1, 20) g', i);
  END LOOP;
END $$;`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function benchHealth(): Promise<BenchFigure[]> {
  const server = await startTestServer();
  try {
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS bench_health');
    await admin.query('CREATE DATABASE bench_health');
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/bench_health';
    const setup = new Client({ connectionString: url.toString() });
    await setup.connect();
    const generateMs = await timed(async () => {
      for (let from = 1; from <= tableCount; from += 100) await setup.query(generateSql(from, from + 99));
      await setup.query('ANALYZE');
    });
    await setup.query('CREATE EXTENSION pg_stat_statements');
    // A workload of 1,000 distinct statements for the top-queries list.
    for (let i = 1; i <= tableCount; i++) await setup.query(`SELECT count(*) FROM t${i} WHERE a = $1`, [i % 7]);
    await setup.end();
    const session = await PgSession.connect({ connectionString: url.toString() });
    try {
      const counts = await session.query<{ tables: number; indexes: number }>(
        'SELECT (SELECT count(*) FROM pg_stat_user_tables)::int AS tables, (SELECT count(*) FROM pg_stat_user_indexes)::int AS indexes',
      );
      const topFirst = await timed(() => loadTopQueries(session, { orderBy: 'total', limit: 50 }));
      const topRuns: number[] = [];
      for (let i = 0; i < 5; i++)
        topRuns.push(await timed(() => loadTopQueries(session, { orderBy: 'reads', limit: 50 })));
      const healthFirst = await timed(() => runHealthChecks(session));
      const healthRuns: number[] = [];
      for (let i = 0; i < 3; i++) healthRuns.push(await timed(() => runHealthChecks(session)));
      const what = `${counts[0].tables.toLocaleString('en-US')} tables, ${counts[0].indexes.toLocaleString('en-US')} indexes`;
      return [
        { label: `generate the database (${what})`, ms: generateMs, target: '' },
        { label: 'top queries (1,000 statements, limit 50), first load', ms: topFirst, target: '≤ 2000 ms' },
        { label: 'top queries, median of 5', ms: median(topRuns), target: '≤ 2000 ms' },
        { label: `all 12 health checks (${what}), first run`, ms: healthFirst, target: '≤ 2000 ms' },
        { label: 'all 12 health checks, median of 3', ms: median(healthRuns), target: '≤ 2000 ms' },
      ];
    } finally {
      await session.close();
    }
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  benchHealth().then(
    (figures) => {
      for (const f of figures) {
        const over = f.target && f.ms > Number(/\d+/.exec(f.target)?.[0] ?? Infinity) ? '  over' : '';
        console.log(`${f.label.padEnd(70)} ${`${f.ms.toFixed(0)} ms`.padStart(9)}  ${f.target}${over}`);
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
