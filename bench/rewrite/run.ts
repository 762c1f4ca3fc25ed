/**
 * Rewrite benchmark (`npm run bench:rewrite`): a throw-away PostgreSQL server (test/helpers/postgresServer.ts),
 * our own generated data (setseed, generate_series), and for each case the equivalence verdict and the
 * before/after median times. Stops the server at the end, also on failure.
 *
 * Scale: BENCH_SCALE=0.2 (default 1: dashboard 200k users / 2M orders, N+1 50 and 1,000 parents, 1M invoices)
 * shrinks every table, for a quick run. BENCH_ONLY=dashboard,nplus1,small runs only those cases.
 * The dashboard case asks the index advisor for the index (with the rewrite as an alternative form), builds
 * what it suggests, and times four arms: original and rewrite, each without and with the index (warm: median of
 * 3 after one unmeasured run). Then, clearly apart, a cold-cache arm: the first run of the original (no index)
 * and of the advisors' combination after restarting the server (shared_buffers empty) and dropping the OS page
 * cache (root only; otherwise it says cold figures are unavailable), 3 times each, medians printed next to the
 * warm figures. BENCH_COLD=0 skips it.
 * Pre-aggregation (BENCH_ONLY=preaggregate, bench/rewrite/preAggregate.ts): the materialized-view advice vs the
 * original at the dashboard scale, with the REFRESH … CONCURRENTLY time beside it (target ≥ 100×).
 * The rewrite families (BENCH_ONLY=family): every generated form of a rule (test/helpers/aggregateFamily.ts) on
 * small data sets, counted as rewritten and proven, declined with a reason, or wrong (targets: at least 20 forms
 * per rule, 0 wrong results).
 */
import { startTestServer, type TestServer } from '../../test/helpers/postgresServer';
import { PgSession } from '../../src/core/db/pgSession';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { adviseNPlusOne } from '../../src/core/advice/nPlusOne/adviseNPlusOne';
import { adviseIndexes } from '../../src/core/advice/index/adviseIndexes';
import { parsePlan } from '../../src/core/plan/parsePlan';
import type { IndexAdvice } from '../../src/core/advice/indexSuggestion';
import { dashboardDataSql, dashboardQuery, dashboardSchemaSql } from '../../src/core/demo/dashboardDemo';
import type { Rewrite, RewriteRef } from '../../src/core/advice/rewriteSuggestion';
import { describeAppliesTo } from '../../src/core/report/indexAdviceReport';
import { median } from '../../src/core/median';
import { dropOsCache, restarter } from './coldCache';
import { familyReport, familySessions, runFamily, type FamilyCounts } from '../../test/helpers/aggregateFamily';
import { ruleFamilies, ruleFamilyReport, ruleFamilySessions, runRuleFamily } from '../../test/helpers/ruleFamilies';
import { preAggregateCase, preAggregateSetupSql } from './preAggregate';

const scale = Number(process.env.BENCH_SCALE ?? '1');
/** BENCH_ONLY=dashboard,nplus1,small: run only those cases (default all). */
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string): boolean => !only || only.includes(name);
const n = (value: number): number => Math.max(10, Math.round(value * scale));

interface Line {
  name: string;
  equivalence: string;
  beforeMs?: number;
  afterMs?: number;
  note?: string;
}

const lines: Line[] = [];

/** What the cold-cache arm needs from the dashboard case: both statements, the index, the warm medians. */
interface ColdInput {
  database: string;
  original: string;
  best: { name: string; sql: string; indexSql: string[]; rollbackSql: string[] };
  warmOriginalMs: number;
  warmBestMs: number;
}
let coldInput: ColdInput | undefined;

function ms(value: number | undefined): string {
  return value === undefined ? '—' : value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function record(name: string, r: Rewrite | undefined, note?: string): void {
  if (!r) {
    lines.push({ name, equivalence: 'no rewrite offered', note });
    return;
  }
  lines.push({
    name,
    equivalence: `${r.verification}${r.quickFix ? ' (quick fix)' : ''}`,
    beforeMs: r.measurement?.before.timeMs,
    afterMs: r.measurement?.after.timeMs,
    note: note ?? r.verificationReason,
  });
  console.log(`\n## ${name}\n${r.rewrittenSql}\n→ ${r.verification}: ${r.verificationReason}`);
}

async function session(server: TestServer, database: string): Promise<PgSession> {
  // pg lets the connection string win over a separate `database` field, so the name goes into the URL.
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return PgSession.connect({ connectionString: url.toString() });
}

async function freshDatabase(server: TestServer, admin: PgSession, name: string, setup: string): Promise<PgSession> {
  await admin.execute(`DROP DATABASE IF EXISTS ${name}`);
  await admin.execute(`CREATE DATABASE ${name}`);
  const s = await session(server, name);
  const started = performance.now();
  await s.execute(setup);
  console.log(`[${name}] data loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return s;
}

interface Timed {
  ms: number;
  samplesMs: number[];
  buffers: number;
  tempBlocks: number;
  shape: string;
}

/** Median of 3 EXPLAIN (ANALYZE, BUFFERS) after one unmeasured warm-up run, with the plan's shape. */
async function timed(s: PgSession, sql: string): Promise<Timed> {
  const runs: Array<{ ms: number; plan: ReturnType<typeof parsePlan> }> = [];
  for (let i = 0; i < 4; i++) {
    const plan = parsePlan((await s.explain({ sql, analyze: true, statementTimeoutMs: 600_000 })).planJson);
    if (i > 0) runs.push({ ms: plan.executionTimeMs ?? plan.totals.timeMs, plan });
  }
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const mid = sorted[1];
  const b = mid.plan.totals.buffers;
  // The nodes that do the work, top-down, with what tells an index-only scan from a disguised heap scan.
  const shape = mid.plan.nodes
    .filter((n) => !['Limit', 'Gather', 'Gather Merge', 'Hash', 'Memoize'].includes(String(n.fields['Node Type'])))
    .map((n) => {
      const type = String(n.fields['Node Type']);
      const strategy = n.fields['Strategy'] && n.fields['Strategy'] !== 'Plain' ? `${n.fields['Strategy']} ` : '';
      const index = n.fields['Index Name']
        ? ` ${n.fields['Index Name']}`
        : n.fields['Relation Name']
          ? ` ${n.fields['Relation Name']}`
          : '';
      const heap = n.fields['Heap Fetches'] !== undefined ? ` heap fetches ${n.fields['Heap Fetches']}` : '';
      const sort = n.fields['Sort Method'] ? ` (${n.fields['Sort Method']})` : '';
      return `${type === 'Aggregate' ? `${strategy}Aggregate` : type}${index}${heap}${sort}`;
    })
    .join(' > ');
  return {
    ms: mid.ms,
    samplesMs: runs.map((r) => r.ms),
    buffers: b.sharedHit + b.sharedRead,
    tempBlocks: b.tempRead + b.tempWritten,
    shape,
  };
}

async function dashboardCase(server: TestServer, admin: PgSession): Promise<void> {
  const users = n(200_000);
  const orders = n(2_000_000);
  const s = await freshDatabase(
    server,
    admin,
    'bench_dashboard',
    dashboardSchemaSql + dashboardDataSql({ users, orders }),
  );
  try {
    // HypoPG screens the candidates where installed (per database); without it the planner what-if builds them.
    await s
      .execute('CREATE EXTENSION IF NOT EXISTS hypopg')
      .catch(() => console.log('HypoPG not available: candidates are screened by building them'));
    // What autovacuum does on a live database; a just-loaded table has no visibility map, and without one no
    // index-only scan skips the heap ("Heap Fetches" = every row).
    await s.execute('VACUUM ANALYZE orders');
    await s.execute('VACUUM ANALYZE users');
    const label = `dashboard (${users} users, ${orders} orders)`;
    const [r] = await adviseRewrites(s, dashboardQuery, { only: ['aggregate-before-join'] });
    record(`${label}: rewrite only`, r);
    if (!r) return;

    // The index advisor twice: for the statement alone (the best an index can do for it), and with the rewrite
    // as an alternative form, where it picks the form and the index by itself.
    const advise = async (
      title: string,
      alternatives: Array<{ label: string; rewrite: RewriteRef; sql: string }>,
    ): Promise<IndexAdvice> => {
      const started = performance.now();
      const advice = await adviseIndexes(s, dashboardQuery, {
        allowMeasuredWhatIf: true,
        alternatives,
        statementTimeoutMs: 600_000,
      });
      console.log(
        `\n## index advice, ${title} (${((performance.now() - started) / 1000).toFixed(0)} s): best for "${advice.best ? describeAppliesTo(advice.best.appliesTo, [r]) : '—'}"`,
      );
      for (const x of advice.suggestions) {
        const m = x.measurement;
        console.log(
          `${x.createSql}  [${x.label}${m ? `, ${ms(m.timeBeforeMs)} → ${ms(m.timeAfterMs)} ms, ${(m.sizeBytes / 1048576).toFixed(1)} MB, built in ${ms(m.buildMs)} ms` : ''}]`,
        );
      }
      for (const note of advice.notes) console.log(`  note: ${note.message}`);
      return advice;
    };
    const alone = await advise('statement as written', []);
    const combined = await advise('with the rewrite as an alternative', [
      { label: 'aggregate first', rewrite: r.ref, sql: r.rewrittenSql },
    ]);
    const rewriteWins = combined.best?.appliesTo.kind === 'rewrite';

    // The four arms, each median of 3 in this run: which change gives what.
    const original = dashboardQuery.replace(/;\s*$/, '');
    const arms: Array<[string, Timed]> = [];
    arms.push(['original, no index', await timed(s, original)]);
    arms.push(['rewrite, no index', await timed(s, r.rewrittenSql)]);
    const withIndexes = async (advice: IndexAdvice, name: string, sql: string): Promise<void> => {
      if (advice.suggestions.length === 0) return;
      for (const x of advice.suggestions) await s.execute(x.createSql.replace(' CONCURRENTLY', ''));
      arms.push([`${name} + ${advice.suggestions.map((x) => x.candidate.name).join(', ')}`, await timed(s, sql)]);
      for (const x of advice.suggestions) await s.execute(x.rollbackSql.replace(' CONCURRENTLY', ''));
    };
    await withIndexes(alone, 'original', original);
    await withIndexes(combined, rewriteWins ? 'rewrite' : 'original', rewriteWins ? r.rewrittenSql : original);
    const base = arms[0][1].ms;
    console.log('\n| dashboard arm | median ms (3 runs) | ratio | shared buffers | temp blocks | plan |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const [name, t] of arms) {
      console.log(
        `| ${name} | ${ms(t.ms)} (${t.samplesMs.map((x) => x.toFixed(0)).join(', ')}) | ${(base / t.ms).toFixed(1)}× | ${t.buffers} | ${t.tempBlocks} | ${t.shape} |`,
      );
    }
    const best = arms[arms.length - 1];
    if (combined.suggestions.length > 0) {
      coldInput = {
        database: 'bench_dashboard',
        original,
        best: {
          name: best[0],
          sql: rewriteWins ? r.rewrittenSql : original,
          indexSql: combined.suggestions.map((x) => x.createSql.replace(' CONCURRENTLY', '')),
          rollbackSql: combined.suggestions.map((x) => x.rollbackSql.replace(' CONCURRENTLY', '')),
        },
        warmOriginalMs: base,
        warmBestMs: best[1].ms,
      };
    }
    lines.push({
      name: `${label}: original (no index) vs the advisors' combination (${best[0]})`,
      equivalence: r.verification,
      beforeMs: base,
      afterMs: best[1].ms,
      note: `rewrite alone ${ms(arms[1][1].ms)} ms; ${arms.length > 3 ? `index alone ${ms(arms[2][1].ms)} ms; ` : ''}advisor chose "${combined.best ? describeAppliesTo(combined.best.appliesTo, [r]) : '—'}"`,
    });
  } finally {
    await s.close();
  }
}

const programsCode = `const programs = await pool.query(\`SELECT * FROM programs WHERE status = 'active'\`);
for (const program of programs.rows) {
  program.tasks = await pool.query(\`SELECT * FROM tasks WHERE program_id = $1\`, [program.id]);
}
`;

async function nPlusOneCase(server: TestServer, admin: PgSession, parents: number): Promise<void> {
  const tasks = parents * 20;
  const setup = `SELECT setseed(0.7);
CREATE TABLE programs (id int PRIMARY KEY, title text NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO programs SELECT g, 'program ' || g, CASE WHEN g <= ${parents} THEN 'active' ELSE 'archived' END,
  timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour' FROM generate_series(1, ${parents * 2}) g;
CREATE TABLE tasks (id int PRIMARY KEY, program_id int NOT NULL REFERENCES programs (id), title text NOT NULL, done boolean NOT NULL, due date);
INSERT INTO tasks SELECT g, 1 + floor(random() * ${parents * 2})::int, 'task ' || g, random() < 0.3, date '2024-01-01' + (g % 365)
FROM generate_series(1, ${tasks * 2}) g;
ANALYZE;`;
  const s = await freshDatabase(server, admin, `bench_nplus1_${parents}`, setup);
  try {
    const [advice] = await adviseNPlusOne(s, programsCode, 'programs.ts', { maxParents: 1_000 });
    const m = advice?.measurement;
    lines.push({
      name: `N+1 programs/tasks, ${parents} parents (no FK index)`,
      equivalence: m ? (m.sameShape ? 'same shape' : 'DIFFERENT') : 'not measured',
      beforeMs: m?.loopMs,
      afterMs: m?.singleMs,
      note: m
        ? `${m.roundTripsBefore} → ${m.roundTripsAfter} round trips; ${advice.combined.indexDdl?.create ?? 'FK indexed'}`
        : advice?.measurementNote,
    });
    if (advice?.combined.indexDdl) {
      await s.execute(advice.combined.indexDdl.create.replace(' CONCURRENTLY', ''));
      await s.execute('ANALYZE tasks');
      const [withIndex] = await adviseNPlusOne(s, programsCode, 'programs.ts', { maxParents: 1_000 });
      const mi = withIndex?.measurement;
      lines.push({
        name: `N+1 programs/tasks, ${parents} parents (with the FK index)`,
        equivalence: mi ? (mi.sameShape ? 'same shape' : 'DIFFERENT') : 'not measured',
        beforeMs: mi?.loopMs,
        afterMs: mi?.singleMs,
        note: mi ? `${mi.roundTripsBefore} → 1 round trips` : undefined,
      });
    }
  } finally {
    await s.close();
  }
}

async function smallCases(server: TestServer, admin: PgSession): Promise<void> {
  const invoices = n(1_000_000);
  const customers = n(50_000);
  const setup = `SELECT setseed(0.9);
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text);
INSERT INTO customers SELECT g, 'c' || g, (ARRAY['north', 'south', 'east', NULL])[1 + g % 4] FROM generate_series(1, ${customers}) g;
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int NOT NULL, amount int NOT NULL, issued_on timestamptz NOT NULL, note text);
INSERT INTO invoices SELECT g, 1 + floor(random() * ${customers})::int, (random() * 1000)::int,
  timestamptz '2023-01-01 00:00:00+00' + floor(random() * 730) * interval '1 day', 'n' || g FROM generate_series(1, ${invoices}) g;
CREATE INDEX invoices_customer ON invoices (customer_id);
CREATE TABLE blocked (customer_ref int);
INSERT INTO blocked SELECT CASE WHEN g % 100 = 0 THEN NULL ELSE g * 7 END FROM generate_series(1, ${n(2_000)}) g;
ANALYZE;`;
  const s = await freshDatabase(server, admin, 'bench_small', setup);
  await s.execute('VACUUM ANALYZE');
  try {
    const offset = Math.floor(invoices * 0.8);
    const [keyset] = await adviseRewrites(
      s,
      `SELECT id, customer_id, amount FROM invoices ORDER BY id LIMIT 25 OFFSET ${offset}`,
      { only: ['keyset-pagination'] },
    );
    record(`deep OFFSET page (OFFSET ${offset} of ${invoices})`, keyset);
    const [correlated] = await adviseRewrites(
      s,
      "SELECT c.id, c.name, (SELECT sum(i.amount) FROM invoices i WHERE i.customer_id = c.id) AS billed FROM customers c WHERE c.region = 'north'",
      { only: ['correlated-subquery-to-join'] },
    );
    record(`correlated subquery (${customers} customers, ${invoices} invoices)`, correlated);
    const notIn = await adviseRewrites(
      s,
      'SELECT c.id FROM customers c WHERE c.id NOT IN (SELECT b.customer_ref FROM blocked b)',
      { only: ['not-in-to-not-exists'] },
    );
    record(
      'NOT IN with NULLs in the subquery column',
      notIn[0],
      notIn[0] ? `not offered as equivalent: ${notIn[0].verification}, quick fix ${notIn[0].quickFix}` : undefined,
    );
  } finally {
    await s.close();
  }
}

interface ColdRun {
  ms: number;
  sharedRead: number;
  sharedHit: number;
  ioReadMs?: number;
}

/**
 * The first run after a restart and a dropped OS cache, `repeats` times for each form: original without the index,
 * then (index built once, CHECKPOINT) the advisors' combination. Each run reconnects: the restart ends every
 * connection. Runs after the other cases, since the restart ends theirs too.
 */
async function coldCase(server: TestServer, input: ColdInput, repeats = 3): Promise<void> {
  const unavailable = dropOsCache();
  if (unavailable) {
    console.log(`\n## cold cache: figures unavailable here: ${unavailable}`);
    return;
  }
  const first = await session(server, input.database);
  const dataDirectory = (await first.query<{ data_directory: string }>('SHOW data_directory'))[0].data_directory;
  await first.close();
  const r = restarter(server, dataDirectory);
  const coldRun = async (sql: string): Promise<ColdRun> => {
    r.restart();
    const why = dropOsCache();
    if (why) throw new Error(why);
    const s = await session(server, input.database);
    try {
      const plan = parsePlan((await s.explain({ sql, analyze: true, statementTimeoutMs: 900_000 })).planJson);
      const io = plan.root.fields['I/O Read Time'];
      return {
        ms: plan.executionTimeMs ?? plan.totals.timeMs,
        sharedRead: plan.totals.buffers.sharedRead,
        sharedHit: plan.totals.buffers.sharedHit,
        ioReadMs: typeof io === 'number' ? io : undefined,
      };
    } finally {
      await s.close();
    }
  };
  const onDb = async (statements: string[]): Promise<void> => {
    const s = await session(server, input.database);
    try {
      for (const sql of statements) await s.execute(sql);
    } finally {
      await s.close();
    }
  };
  try {
    const original: ColdRun[] = [];
    for (let i = 0; i < repeats; i++) original.push(await coldRun(input.original));
    await onDb([...input.best.indexSql, 'CHECKPOINT']);
    const best: ColdRun[] = [];
    for (let i = 0; i < repeats; i++) best.push(await coldRun(input.best.sql));
    await onDb(input.best.rollbackSql);
    const show = (name: string, warmMs: number, runs: ColdRun[]): string => {
      const m = median(runs.map((x) => x.ms));
      const mid = runs.find((x) => x.ms === m) ?? runs[0];
      const io = mid.ioReadMs !== undefined ? ms(mid.ioReadMs) : '—';
      return `| ${name} | ${ms(warmMs)} | ${ms(m)} (${runs.map((x) => x.ms.toFixed(0)).join(', ')}) | ${mid.sharedRead} / ${mid.sharedHit} | ${io} |`;
    };
    const coldOriginal = median(original.map((x) => x.ms));
    const coldBest = median(best.map((x) => x.ms));
    console.log(
      '\n## dashboard, COLD cache: first run after a server restart and `echo 1 > /proc/sys/vm/drop_caches` (median of 3)',
    );
    console.log('| arm | warm median ms | cold first run ms (3 runs) | shared read / hit blocks | I/O read ms |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(show('original, no index', input.warmOriginalMs, original));
    console.log(show(input.best.name, input.warmBestMs, best));
    console.log(
      `ratio warm ${(input.warmOriginalMs / input.warmBestMs).toFixed(1)}×, cold ${(coldOriginal / coldBest).toFixed(1)}×`,
    );
    lines.push({
      name: `dashboard COLD cache (restart + dropped OS cache): original (no index) vs ${input.best.name}`,
      equivalence: 'equivalent (above)',
      beforeMs: coldOriginal,
      afterMs: coldBest,
      note: `first run after restart, median of ${repeats}; warm ${ms(input.warmOriginalMs)} → ${ms(input.warmBestMs)} ms`,
    });
  } finally {
    r.stopRestarted();
  }
}

/** The forms of each rule's family: how many, and how many gave a wrong result (targets ≥ 20 and 0). */
async function familyCase(server: TestServer, admin: PgSession): Promise<FamilyCounts> {
  const started = performance.now();
  const sessions = await familySessions((name, setup) => freshDatabase(server, admin, name, setup));
  try {
    const counts = await runFamily(sessions);
    console.log(`\n## rewrite families\n${familyReport(counts).join('\n')}`);
    console.log(`[family] ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return counts;
  } finally {
    for (const { session: s } of sessions) await s.close();
  }
}

/** The other rules' families (test/helpers/ruleFamilies.ts), one line each in the family table. */
const ruleFamilyCounts: Array<{ id: string; counts: FamilyCounts }> = [];
async function ruleFamiliesCase(server: TestServer, admin: PgSession): Promise<void> {
  const sessions = await ruleFamilySessions((name, setup) => freshDatabase(server, admin, name, setup));
  try {
    for (const family of ruleFamilies) {
      const counts = await runRuleFamily(family, sessions);
      console.log(ruleFamilyReport(family.id, counts, false).join('\n'));
      ruleFamilyCounts.push({ id: family.id, counts });
    }
  } finally {
    for (const { session: s } of sessions) await s.close();
  }
}

function familyLine(rule: string, counts: FamilyCounts): string {
  const forms = `${counts.variants} (target ≥ 20: ${counts.variants >= 20 ? 'PASS' : 'MISS'})`;
  const wrong = `${counts.wrong} (target 0: ${counts.wrong === 0 ? 'PASS' : 'MISS'})`;
  return `| ${rule} | ${forms} | ${counts.rewritten} | ${counts.declined} | ${wrong} |`;
}

async function main(): Promise<void> {
  const server = await startTestServer();
  const admin = await session(server, server.database);
  let family: FamilyCounts | undefined;
  try {
    if (wanted('family')) {
      family = await familyCase(server, admin);
      await ruleFamiliesCase(server, admin);
    }
    if (wanted('dashboard')) await dashboardCase(server, admin);
    if (wanted('nplus1')) {
      await nPlusOneCase(server, admin, 50);
      await nPlusOneCase(server, admin, 1_000);
    }
    if (wanted('small')) await smallCases(server, admin);
    if (wanted('preaggregate')) {
      // Issue 12 §2: the materialized view of the per-user aggregates vs the original (bench/rewrite/preAggregate.ts).
      const [users, orders] = [n(200_000), n(2_000_000)];
      const setup = dashboardSchemaSql + dashboardDataSql({ users, orders }) + preAggregateSetupSql;
      const s = await freshDatabase(server, admin, 'bench_preaggregate', setup);
      lines.push(
        ...(await preAggregateCase(s, `dashboard (${users} users, ${orders} orders)`).finally(() => s.close())),
      );
    }
    await admin.close();
    if (coldInput && process.env.BENCH_COLD !== '0') await coldCase(server, coldInput);
  } finally {
    await admin.close().catch(() => undefined);
    await server.stop();
  }
  if (lines.length > 0) {
    console.log('\n| case | equivalence | before (median ms) | after (median ms) | ratio | note |');
    console.log('|---|---|---:|---:|---:|---|');
  }
  for (const l of lines) {
    const ratio =
      l.beforeMs !== undefined && l.afterMs !== undefined && l.afterMs > 0
        ? `${(l.beforeMs / l.afterMs).toFixed(1)}×`
        : '—';
    console.log(
      `| ${l.name} | ${l.equivalence} | ${ms(l.beforeMs)} | ${ms(l.afterMs)} | ${ratio} | ${(l.note ?? '').replace(/\|/g, '/').slice(0, 160)} |`,
    );
  }
  if (family) {
    console.log('\n| rule family | forms | rewritten and proven | declined with a reason | wrong results |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(familyLine('aggregate-before-join', family));
    for (const r of ruleFamilyCounts) console.log(familyLine(r.id, r.counts));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
