/**
 * Advice-quality benchmark (`npm run bench:advisor`): the dashboard case and a TPC-H-like workload on a
 * throw-away PostgreSQL server, four arms each measured in the same run:
 *   none      – primary keys only;
 *   baseline  – one single-column index per query from its filter/join columns, kept if HypoPG's cost falls ≥ 50 %;
 *   advisor   – adviseIndexes() per query, with the rewrite advisor's proven-equivalent forms of it as alternatives
 *               (adviseRewrites(); for the dashboard, aggregate first), measured in the form the advisor chose, then
 *               consolidateWorkloadIndexes(): the pooled suggestions built together, redundant ones dropped by
 *               measurement, and the rest fitted into the baseline's total index size (BENCH_BUDGET_MB overrides),
 *               smaller forms of an index (without INCLUDE, leading key only) competing with it for the room.
 *   every     – every candidate the advisor suggested for any statement, without a size budget.
 * The arms' indexes are built side by side and timed per query back to back (measureArms()); then the workload's
 * writes (bench/advisor/workload.ts) are timed with each arm's indexes, and the workload's total (each read and each
 * write once) is printed per arm with its targets.
 * Per query and in total: estimated cost ratio and measured time ratio (EXPLAIN ANALYZE with TIMING OFF, one warm-up
 * round, then the median of 3, real indexes) to none, and the total index size. Scale: BENCH_SCALE (default 1 → 150k orders, ~600k line items; dashboard
 * 100k users / 1M orders).
 */
import { Client } from 'pg';
import type { RewriteRef } from '../../src/core/advice/rewriteSuggestion';
import { startTestServer, type TestServer } from '../../test/helpers/postgresServer';
import { PgSession } from '../../src/core/db/pgSession';
import { parsePlan } from '../../src/core/plan/parsePlan';
import { loadParser } from '../../src/core/sql/parser';
import { analyseStatement } from '../../src/core/sql/analyseStatement';
import { relationUsage } from '../../src/core/advice/index/relationUsage';
import { adviseIndexes } from '../../src/core/advice/index/adviseIndexes';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { candidateKey, createIndexSql, hypotheticalCreateSql } from '../../src/core/advice/index/indexDdl';
import { consolidateWorkloadIndexes, type WorkloadStatement } from '../../src/core/advice/index/workloadIndexes';
import { vacuumStatements } from '../../test/unit/advice/index/advisorData';
import {
  dashboardSchemaSql,
  measureWriteArms,
  tpchSchemaSql,
  tpchTables,
  workloadQueries,
  workloadWrites,
  type WorkloadQuery,
} from './workload';
import { median } from '../../src/core/median';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const samples = 3;
/** BENCH_BUDGET_MB: the advisor's total index size budget; default the baseline's total (equal size). */
const budgetBytes = process.env.BENCH_BUDGET_MB ? Number(process.env.BENCH_BUDGET_MB) * 1024 * 1024 : undefined;

interface ArmResult {
  name: string;
  indexes: string[];
  sizeBytes: number;
  perQuery: Map<string, QueryResult>;
}

interface QueryResult {
  cost: number;
  ms: number;
  sql: string;
  /** Index names in the plan of the median run. */
  uses: string[];
}

async function extraIndexes(session: PgSession): Promise<Array<{ name: string; size: number }>> {
  const rows = await session.query<{ name: string; size: number }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) AS name, pg_relation_size(i.oid)::float8 AS size
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE n.nspname IN ('public', 'tpch') AND NOT x.indisprimary`,
  );
  return rows.map((r) => ({ name: r.name, size: Number(r.size) }));
}

interface ArmSpec {
  name: string;
  ddl: string[];
  queries: Array<WorkloadQuery & { measuredSql?: string }>;
}

/** The total size of `ddl`'s indexes, built and dropped again (the advisor's budget, before anything is advised). */
async function sizeOf(session: PgSession, ddl: string[]): Promise<number> {
  for (const d of ddl) await session.execute(d);
  const extra = await extraIndexes(session);
  for (const i of extra) await session.execute(`DROP INDEX ${i.name}`);
  return extra.reduce((sum, i) => sum + i.size, 0);
}

/**
 * Every arm's indexes built side by side, then per query the arms timed back to back, round after round: each run
 * in a rolled-back transaction that drops the indexes of the other arms, so the planner sees exactly this arm's.
 * Arms timed minutes apart on a shared machine compare the machine's load as much as the indexes; interleaved,
 * the drift falls on all of them. EXPLAIN ANALYZE with TIMING OFF: per-row clock reads cost a plan that streams
 * 333k index entries into an aggregate ~70 % of its time here, against ~20 % for the original's hash join, so
 * with TIMING on the ratio would partly measure EXPLAIN. One warm-up round, then the median of `samples`.
 */
async function measureArms(session: PgSession, arms: ArmSpec[]): Promise<ArmResult[]> {
  const owned = new Map<string, Array<{ name: string; size: number }>>();
  for (const arm of arms) {
    const before = new Set((await extraIndexes(session)).map((i) => i.name));
    for (const d of arm.ddl) await session.execute(d);
    owned.set(
      arm.name,
      (await extraIndexes(session)).filter((i) => !before.has(i.name)),
    );
  }
  for (const v of vacuumStatements(['users', 'orders', ...tpchTables])) await session.execute(v);
  const all = [...owned.values()].flat().map((i) => i.name);
  const runs = new Map<string, Map<string, Array<{ ms: number; cost: number; uses: string[] }>>>(
    arms.map((a) => [a.name, new Map()]),
  );
  const ids = arms[0].queries.map((q) => q.id);
  for (const id of ids) {
    for (let round = 0; round <= samples; round++) {
      // Rotate the order so that no arm always runs right after another's warm-up of the same pages.
      for (let k = 0; k < arms.length; k++) {
        const arm = arms[(k + round) % arms.length];
        const mine = new Set((owned.get(arm.name) ?? []).map((i) => i.name));
        const q = arm.queries.find((x) => x.id === id)!;
        const planJson = await session.inTransaction!(
          async (tx) => {
            for (const name of all) if (!mine.has(name)) await tx.query(`DROP INDEX ${name}`);
            return tx.explainJson(q.measuredSql ?? q.sql, 'ANALYZE, TIMING OFF');
          },
          { statementTimeoutMs: 300_000 },
        );
        if (round === 0) continue;
        const plan = parsePlan(planJson);
        const uses = plan.nodes.map((n) => n.fields['Index Name']).filter((n): n is string => typeof n === 'string');
        const list = runs.get(arm.name)!.get(id) ?? [];
        list.push({ ms: plan.executionTimeMs ?? plan.totals.timeMs, cost: plan.totals.cost, uses });
        runs.get(arm.name)!.set(id, list);
      }
    }
  }
  for (const name of all) await session.execute(`DROP INDEX ${name}`);
  return arms.map((arm) => {
    const perQuery = new Map<string, QueryResult>();
    for (const q of arm.queries) {
      const list = runs.get(arm.name)!.get(q.id)!;
      const mid = median(list.map((r) => r.ms));
      const run = list.find((r) => r.ms === mid) ?? list[0];
      perQuery.set(q.id, { cost: run.cost, ms: mid, uses: run.uses, sql: q.measuredSql ?? q.sql });
    }
    const mine = owned.get(arm.name) ?? [];
    return {
      name: arm.name,
      indexes: mine.map((i) => i.name),
      sizeBytes: mine.reduce((sum, i) => sum + i.size, 0),
      perQuery,
    };
  });
}

/** The single-column baseline: per query, the one filter/join column whose hypothetical index cuts cost most, if ≥ 50 %. */
async function baselineDdl(session: PgSession, queries: WorkloadQuery[]): Promise<string[]> {
  const out = new Set<string>();
  for (const q of queries) {
    const facts = analyseStatement(q.sql);
    const schemaOf = new Map(facts.relations.map((r) => [r.name, r.schema]));
    const base = parsePlan((await session.explain({ sql: q.sql, analyze: false })).planJson).totals.cost;
    let best: { ddl: string; cost: number } | undefined;
    for (const u of relationUsage(facts).values()) {
      const columns = new Set([
        ...u.predicates.filter((p) => p.column).map((p) => p.column as string),
        ...u.joinColumns.map((j) => j.column),
      ]);
      for (const c of columns) {
        const table = schemaOf.get(u.table) ? `${schemaOf.get(u.table)}.${u.table}` : u.table;
        const ddl = `CREATE INDEX ON ${table} (${c})`;
        await session.query('SELECT * FROM hypopg_create_index($1)', [ddl]);
        const cost = parsePlan((await session.explain({ sql: q.sql, analyze: false })).planJson).totals.cost;
        await session.query('SELECT count(*) FROM hypopg_reset()');
        if (!best || cost < best.cost) best = { ddl, cost };
      }
    }
    if (best && best.cost <= base * 0.5) out.add(best.ddl);
  }
  return [...out];
}

/**
 * The rewrite advisor's forms of `sql` that it proved equivalent on this data (no measurement: the index
 * advisor times them with and without its indexes). Forms with new parameters (keyset) are not the same query.
 */
async function rewriteAlternatives(
  session: PgSession,
  sql: string,
): Promise<Array<{ label: string; rewrite: RewriteRef; sql: string }>> {
  const rewrites = await adviseRewrites(session, sql, { skipMeasurement: true, statementTimeoutMs: 300_000 });
  return rewrites
    .filter((r) => r.verification === 'equivalent' && !r.newParameters?.length)
    .map((r) => ({ label: r.title, rewrite: r.ref, sql: r.rewrittenSql }));
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

/**
 * The workload as one figure per arm: each read once plus each write once (workloadWrites(), timed with the arm's
 * indexes in rolled-back savepoints), with the targets: ours at most the single-column baseline's time at equal
 * size, within 1.1× of every candidate's time (at its larger size), and no more write cost than every candidate.
 */
async function printWorkloadWithWrites(
  session: PgSession,
  arms: Record<'none' | 'advisor' | 'baseline' | 'every', ArmResult>,
  reads: { none: number; base: number; ours: number; every: number },
  ddl: { advisor: string[]; baseline: string[]; every: string[] },
): Promise<void> {
  const writes = workloadWrites();
  const times = await measureWriteArms(
    session,
    [
      { name: 'none', ddl: [] },
      { name: 'advisor', ddl: ddl.advisor },
      { name: 'baseline', ddl: ddl.baseline },
      { name: 'every', ddl: ddl.every },
    ],
    writes,
  );
  const writeMs = (arm: string): number => [...(times.get(arm)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const rows: Array<[string, number, ArmResult]> = [
    ['none', reads.none, arms.none],
    ['advisor', reads.ours, arms.advisor],
    ['baseline', reads.base, arms.baseline],
    ['every', reads.every, arms.every],
  ];
  console.log('');
  console.log(
    `workload: ${arms.none.perQuery.size} reads + ${writes.length} writes (batches of ~1,000 rows), each once`,
  );
  console.log(
    ['arm'.padEnd(10), 'reads ms', 'writes ms', 'total ms', 'writes +ms', 'size', 'indexes']
      .map((h, i) => (i === 0 ? h : h.padStart(11)))
      .join(''),
  );
  for (const [name, readMs, arm] of rows)
    console.log(
      name.padEnd(10) +
        readMs.toFixed(0).padStart(11) +
        writeMs(name).toFixed(1).padStart(11) +
        (readMs + writeMs(name)).toFixed(0).padStart(11) +
        (writeMs(name) - writeMs('none')).toFixed(1).padStart(11) +
        mb(arm.sizeBytes).padStart(11) +
        String(arm.indexes.length).padStart(11),
    );
  for (const w of writes)
    console.log(
      `  ${w.id.padEnd(28)}${['none', 'advisor', 'baseline', 'every'].map((a) => `${a} ${(times.get(a)?.get(w.id) ?? NaN).toFixed(2)} ms`).join(', ')}`,
    );
  const total = (name: string, readMs: number): number => readMs + writeMs(name);
  const ours = total('advisor', reads.ours);
  console.log(
    `target: workload total with our set ≤ the single-column baseline's at equal size: ${ours.toFixed(0)} vs ${total('baseline', reads.base).toFixed(0)} ms ${verdict(ours <= total('baseline', reads.base))}`,
  );
  console.log(
    `target: within 1.1× of every candidate (${mb(arms.every.sizeBytes)}): ${ours.toFixed(0)} vs ${total('every', reads.every).toFixed(0)} ms (${ratio(ours, total('every', reads.every))}×) ${verdict(ours <= 1.1 * total('every', reads.every))}`,
  );
  console.log(
    `target: write cost of our set ≤ every candidate's: +${(writeMs('advisor') - writeMs('none')).toFixed(1)} vs +${(writeMs('every') - writeMs('none')).toFixed(1)} ms ${verdict(writeMs('advisor') <= writeMs('every'))}`,
  );
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(3) : '–';
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const started = performance.now();
  let server: TestServer | undefined;
  let session: PgSession | undefined;
  try {
    server = await startTestServer();
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE advisor_bench');
    await admin.end();
    const url = server.url.replace(/\/[^/]+$/, '/advisor_bench');
    session = await PgSession.connect({ connectionString: url });
    await session.execute('CREATE EXTENSION hypopg');
    await session.execute(dashboardSchemaSql(100_000 * scale, 1_000_000 * scale));
    await session.execute(tpchSchemaSql(scale));
    for (const v of vacuumStatements(['users', 'orders', ...tpchTables])) await session.execute(v);
    console.log(`data loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    await loadParser();
    const queries = workloadQueries();

    const baseDdl = await baselineDdl(session, queries);
    const baselineBytes = await sizeOf(session, baseDdl);

    const advisorQueries: Array<WorkloadQuery & { measuredSql?: string }> = [];
    const pooled: WorkloadStatement[] = [];
    for (const q of queries) {
      const t = performance.now();
      // The rewrite advisor's proven-equivalent forms are the index advisor's alternatives: neither is told the answer.
      const alternatives = await rewriteAlternatives(session, q.sql);
      const advice = await adviseIndexes(session, q.sql, {
        allowMeasuredWhatIf: true,
        alternatives,
        siblings: queries.filter((o) => o !== q).map((o) => o.sql),
      });
      const best = advice.best?.appliesTo;
      const alt = alternatives.find((a) => best?.kind === 'rewrite' && a.rewrite === best.rewrite);
      advisorQueries.push({ ...q, measuredSql: alt?.sql });
      pooled.push({ id: q.id, sql: alt?.sql ?? q.sql, candidates: advice.suggestions.map((s) => s.candidate) });
      const warnings = advice.suggestions.flatMap((s) => s.warnings);
      console.log(
        `advice ${q.id} (${((performance.now() - t) / 1000).toFixed(1)} s): ${advice.suggestions.map((s) => `${s.createSql} [${s.label}]`).join(' ') || advice.notes.map((n) => n.message).join(' ') || '(none)'}${alt ? ` with rewrite "${alt.label}"` : ''}${warnings.length ? ` warnings: ${warnings.join(' | ')}` : ''}`,
      );
    }
    // One set for the workload, at most the baseline's total index size: the comparison is at equal size.
    const t = performance.now();
    const choice = await consolidateWorkloadIndexes(session, pooled, {
      samples,
      maxTotalBytes: budgetBytes ?? baselineBytes,
      statementTimeoutMs: 300_000,
    });
    console.log(
      `workload merge (${((performance.now() - t) / 1000).toFixed(1)} s): pooled ${choice.kept.length + choice.dropped.length} indexes ${mb(choice.pooledBytes)} → kept ${choice.kept.length} ${mb(choice.keptBytes)} (budget ${mb(budgetBytes ?? baselineBytes)})`,
    );
    for (const d of choice.dropped) console.log(`  dropped ${d.candidate.name}: ${d.reason}`);
    for (const s of choice.slower ?? [])
      console.log(
        `  SLOWER with kept ${s.indexes.join(', ')}: ${s.id} ${s.noneMs.toFixed(1)} → ${s.keptMs.toFixed(1)} ms`,
      );
    const advisorDdl = choice.kept.map((c) => createIndexSql(c));
    // Ours first: they carry names; the baseline's unnamed indexes then take free ones.
    // Every candidate the advisor suggested for any statement, unnamed (no clash with ours), without a size budget.
    const everyDdl = [...new Map(pooled.flatMap((p) => p.candidates).map((c) => [candidateKey(c), c])).values()].map(
      (c) => hypotheticalCreateSql(c),
    );
    const [advisor, baseline, every, none] = await measureArms(session, [
      { name: 'advisor', ddl: advisorDdl.map((d) => d.replace(' CONCURRENTLY', '')), queries: advisorQueries },
      { name: 'baseline', ddl: baseDdl, queries },
      { name: 'every', ddl: everyDdl, queries: advisorQueries },
      { name: 'none', ddl: [], queries },
    ]);

    console.log('');
    console.log(
      [
        ...['query', 'none ms', 'base cost×', 'base time×', 'ours cost×', 'ours time×'].map((h, i) =>
          i === 0 ? h.padEnd(28) : h.padStart(11),
        ),
        '  our indexes in its plan',
      ].join(''),
    );
    let totals = { none: 0, base: 0, ours: 0, every: 0 };
    const slower: string[] = [];
    const noise: string[] = [];
    const ourNames = new Set(choice.kept.map((c) => c.name));
    for (const q of queries) {
      const n = none.perQuery.get(q.id)!;
      const b = baseline.perQuery.get(q.id)!;
      const o = advisor.perQuery.get(q.id)!;
      totals = {
        none: totals.none + n.ms,
        base: totals.base + b.ms,
        ours: totals.ours + o.ms,
        every: totals.every + every.perQuery.get(q.id)!.ms,
      };
      const ours = o.uses.filter((u) => ourNames.has(u));
      if (o.ms > n.ms * 1.1 && o.ms - n.ms > 1) {
        // Slower with the same SQL and none of our indexes in its plan is the machine, not the advice.
        if (ours.length === 0 && o.sql === n.sql) noise.push(q.id);
        else slower.push(q.id);
      }
      console.log(
        q.id.padEnd(28) +
          n.ms.toFixed(1).padStart(11) +
          ratio(b.cost, n.cost).padStart(11) +
          ratio(b.ms, n.ms).padStart(11) +
          ratio(o.cost, n.cost).padStart(11) +
          ratio(o.ms, n.ms).padStart(11) +
          `  ${ours.join(', ') || '(none of ours)'}`,
      );
    }
    console.log('');
    console.log(
      `total time: none ${totals.none.toFixed(0)} ms, baseline ${totals.base.toFixed(0)} ms (${(totals.none / totals.base).toFixed(1)}× faster), advisor ${totals.ours.toFixed(0)} ms (${(totals.none / totals.ours).toFixed(1)}× faster; ${ratio(totals.ours, totals.base)}× the baseline's time)`,
    );
    console.log(
      `index size: baseline ${mb(baseline.sizeBytes)} (${baseline.indexes.length} indexes), advisor ${mb(advisor.sizeBytes)} (${advisor.indexes.length} indexes)`,
    );
    const d = { n: none.perQuery.get('dashboard')!, o: advisor.perQuery.get('dashboard')! };
    const dashboardForm = advisorQueries.find((q) => q.id === 'dashboard')?.measuredSql
      ? "the rewrite advisor's aggregate-first form"
      : 'as written';
    console.log(
      `dashboard: ${d.n.ms.toFixed(0)} ms → ${d.o.ms.toFixed(0)} ms (${(d.n.ms / d.o.ms).toFixed(1)}× measured, ${dashboardForm} with the advisor's indexes)`,
    );
    console.log(
      `queries slower than with no index (>10 %): ${slower.length}${slower.length ? ` (${slower.join(', ')})` : ''}${noise.length ? `; and ${noise.length} slower with the same SQL and no index of ours in their plan (timing noise): ${noise.join(', ')}` : ''}`,
    );
    const pooledNone = [...choice.times.values()].reduce((sum, t) => sum + t.noneMs, 0);
    const pooledAll = [...choice.times.values()].reduce((sum, t) => sum + t.allMs, 0);
    console.log(
      `without the size budget (every pooled index, ${mb(choice.pooledBytes)}, timed inside the merge): ${pooledNone.toFixed(0)} → ${pooledAll.toFixed(0)} ms (${(pooledNone / pooledAll).toFixed(1)}×)`,
    );
    await printWorkloadWithWrites(session, { none, advisor, baseline, every }, totals, {
      advisor: advisorDdl,
      baseline: baseDdl,
      every: everyDdl,
    });
    console.log(`bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await session?.close();
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
