/**
 * `npm run bench:embedded-data`: how often the embedded database plans a statement the way the server does.
 * A throw-away PostgreSQL server (the tests' server, $PG_TEST_MAJOR picks another) holds each schema with
 * realistic rows; its statistics are exported as a stats file would be. The embedded database (PGlite) loads the
 * schema only, then: empty tables (generation off), rows generated from defaults, rows shaped by the stats. Each
 * query is planned estimate-only on both sides, and the plan shapes compared: node types in tree order, join
 * order and methods, scan types and their relations. Parallel plans are switched off on both sides (parallelism is
 * the server's hardware, not its data). Printed: the share of equal shapes per variant (target ≥ 80 % with the
 * statistics) and the embedded database's load and generation times.
 */
import { openEmbeddedDatabase, type EmbeddedDatabaseOptions } from '../../src/core/db/embeddedDatabase';
import { embeddedDataOf } from '../../src/core/db/generateData/embeddedDataNote';
import { readServerStats, type StatsFile } from '../../src/core/db/generateData/statsFile';
import { PgSession } from '../../src/core/db/pgSession';
import type { DatabaseSession } from '../../src/core/db/session';
import { startTestServer, type TestServer } from '../../test/helpers/postgresServer';
import { createDatabase } from '../../test/helpers/testDatabase';
import { printFigures, runBench, type Figure } from '../figures';
import { benchCases, type BenchCase } from './workload';

interface PlanJsonNode {
  'Node Type': string;
  'Join Type'?: string;
  Strategy?: string;
  'Relation Name'?: string;
  Plans?: PlanJsonNode[];
}

/** The plan's shape: node types (with join type and aggregate strategy), scanned relations, children in order. */
export function planShape(node: PlanJsonNode): string {
  const parts = [node['Node Type']];
  if (node['Join Type']) parts.push(node['Join Type']);
  if (node.Strategy) parts.push(node.Strategy);
  if (node['Relation Name']) parts.push(`on ${node['Relation Name']}`);
  const children = (node.Plans ?? []).map(planShape);
  return `${parts.join(' ')}${children.length > 0 ? `(${children.join(', ')})` : ''}`;
}

async function shapeOn(session: DatabaseSession, sql: string): Promise<string> {
  const r = await session.explain({ sql, analyze: false });
  const [top] = JSON.parse(r.planJson) as Array<{ Plan: PlanJsonNode }>;
  return planShape(top.Plan);
}

interface Variant {
  name: string;
  options: (stats: StatsFile) => EmbeddedDatabaseOptions;
  target?: number;
}

const variants: Variant[] = [
  { name: 'empty tables (generation off)', options: () => ({ generateData: 'off' }) },
  { name: 'generated, defaults', options: () => ({ generateData: 'auto' }) },
  {
    name: 'generated, shaped by the stats file',
    options: (stats) => ({
      generateData: 'auto',
      generateOptions: { stats, statsSource: { kind: 'stats-file', name: 'bench' }, restoreStats: false },
    }),
  },
  {
    name: 'generated + the server statistics restored (the --stats-file default)',
    options: (stats) => ({
      generateData: 'auto',
      generateOptions: { stats, statsSource: { kind: 'stats-file', name: 'bench' } },
    }),
    target: 0.8,
  },
];

interface Tally {
  equal: number;
  total: number;
  /** Schema load, generation, VACUUM ANALYZE and restore: the open without PGlite's own start. */
  loadMs: number[];
  startMs: number[];
  generateMs: number[];
  rows: number[];
}

async function main(): Promise<void> {
  let server: TestServer | undefined;
  const tallies = new Map<string, Tally>(
    variants.map((v) => [v.name, { equal: 0, total: 0, loadMs: [], startMs: [], generateMs: [], rows: [] }]),
  );
  const mismatches: string[] = [];
  try {
    server = await startTestServer();
    const cases = benchCases();
    for (const [i, c] of cases.entries()) {
      const url = await createDatabase(server, `embedded_data_bench_${i}`);
      const serverSession = await PgSession.connect({ connectionString: url });
      let serverShapes: Map<string, string>;
      let stats: StatsFile;
      try {
        await serverSession.execute(c.schemaSql);
        await serverSession.execute(c.serverDataSql);
        await serverSession.execute('VACUUM ANALYZE');
        await serverSession.execute('SET max_parallel_workers_per_gather = 0');
        stats = await readServerStats(serverSession);
        serverShapes = new Map();
        for (const q of c.queries) serverShapes.set(q.id, await shapeOn(serverSession, q.sql));
      } finally {
        await serverSession.close();
      }
      for (const v of variants) await runVariant(c, v, stats, serverShapes, tallies, mismatches);
    }
  } finally {
    await server?.stop();
  }
  if (process.env.BENCH_VERBOSE) for (const m of mismatches) console.log(m);
  const figures: Figure[] = [];
  for (const v of variants) {
    const t = tallies.get(v.name) as Tally;
    const share = t.total === 0 ? 0 : t.equal / t.total;
    figures.push({
      name: `plan shape equal to the server's: ${v.name}`,
      value: `${(share * 100).toFixed(0)} % (${t.equal}/${t.total})`,
      target: v.target === undefined ? '' : `≥ ${(v.target * 100).toFixed(0)} %`,
      met: v.target === undefined ? undefined : share >= v.target,
    });
  }
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  for (const v of variants) {
    const t = tallies.get(v.name) as Tally;
    // The default scale is chosen to load in a few seconds on 2 cores: the target is on the slowest schema.
    const slowest = Math.max(...t.loadMs);
    figures.push({
      name: `load after PGlite's start (schema, generate, VACUUM ANALYZE, restore), slowest schema: ${v.name}`,
      value: `${seconds(slowest)} (generation ${seconds(Math.max(...t.generateMs))}, ${Math.max(...t.rows).toLocaleString('en-US')} rows)`,
      target: v.name.startsWith('empty') ? '' : '≤ 5 s',
      met: v.name.startsWith('empty') ? undefined : slowest <= 5_000,
    });
  }
  figures.push({
    name: "PGlite's own start (initdb from source; the build's prepared data directory skips it)",
    value: `${seconds(Math.min(...[...tallies.values()].flatMap((t) => t.startMs)))} – ${seconds(Math.max(...[...tallies.values()].flatMap((t) => t.startMs)))}`,
    target: '',
  });
  printFigures(figures);
}

async function runVariant(
  c: BenchCase,
  v: Variant,
  stats: StatsFile,
  serverShapes: Map<string, string>,
  tallies: Map<string, Tally>,
  mismatches: string[],
): Promise<void> {
  const tally = tallies.get(v.name) as Tally;
  const started = performance.now();
  let startMs = 0;
  const log = (line: string): void => {
    const m = /PGlite started .* in (\d+) ms/.exec(line);
    if (m) startMs = Number(m[1]);
  };
  const embedded = await openEmbeddedDatabase([{ path: 'schema.sql', text: c.schemaSql }], {
    ...v.options(stats),
    log,
  });
  try {
    tally.loadMs.push(performance.now() - started - startMs);
    tally.startMs.push(startMs);
    const summary = embeddedDataOf(embedded);
    tally.generateMs.push(summary?.kind === 'generated' ? summary.ms : 0);
    tally.rows.push(summary?.tables.reduce((n, t) => n + t.rows, 0) ?? 0);
    await embedded.execute('SET max_parallel_workers_per_gather = 0');
    let equal = 0;
    for (const q of c.queries) {
      const shape = await shapeOn(embedded, q.sql);
      const expected = serverShapes.get(q.id);
      tally.total++;
      if (shape === expected) {
        equal++;
        tally.equal++;
      } else {
        mismatches.push(`[${v.name}] ${q.id}\n  server:   ${expected}\n  embedded: ${shape}`);
      }
    }
    console.log(
      `${c.name} — ${v.name}: ${equal}/${c.queries.length} equal; loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await embedded.close();
  }
}

runBench(main);
