/**
 * Advice-quality benchmark (`npm run bench:advisor`): the dashboard case and a TPC-H-like workload on a
 * throw-away PostgreSQL server, three arms each measured in the same run:
 *   none      – primary keys only;
 *   baseline  – one single-column index per query from its filter/join columns, kept if HypoPG's cost falls ≥ 50 %;
 *   advisor   – adviseIndexes() per query, with the rewrite advisor's proven-equivalent forms of it as alternatives
 *               (adviseRewrites(); for the dashboard, aggregate first), measured in the form the advisor chose, then
 *               consolidateWorkloadIndexes(): the pooled suggestions built together, redundant ones dropped by
 *               measurement, and the rest fitted into the baseline's total index size (BENCH_BUDGET_MB overrides).
 * Per query and in total: estimated cost ratio and measured time ratio (median of 3, real indexes) to none,
 * and the total index size. Scale: BENCH_SCALE (default 1 → 150k orders, ~600k line items; dashboard
 * 100k users / 1M orders).
 */
import { Client } from 'pg';
import { startTestServer, type TestServer } from '../../test/helpers/postgresServer';
import { PgSession } from '../../src/core/db/pgSession';
import { parsePlan } from '../../src/core/plan/parsePlan';
import { loadParser } from '../../src/core/sql/parser';
import { analyseStatement } from '../../src/core/sql/analyseStatement';
import { relationUsage } from '../../src/core/advice/index/relationUsage';
import { adviseIndexes } from '../../src/core/advice/index/adviseIndexes';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { createIndexSql } from '../../src/core/advice/index/indexDdl';
import { consolidateWorkloadIndexes, type WorkloadStatement } from '../../src/core/advice/index/workloadIndexes';
import { vacuumStatements } from '../../test/unit/indexAdvisor/advisorData';
import { dashboardSchemaSql, tpchSchemaSql, tpchTables, workloadQueries, type WorkloadQuery } from './workload';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const samples = 3;
/** BENCH_BUDGET_MB: the advisor's total index size budget; default the baseline's total (equal size). */
const budgetBytes = process.env.BENCH_BUDGET_MB ? Number(process.env.BENCH_BUDGET_MB) * 1024 * 1024 : undefined;

interface ArmResult {
  name: string;
  indexes: string[];
  sizeBytes: number;
  perQuery: Map<string, { cost: number; ms: number; sql: string }>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(session: PgSession, q: { sql: string }): Promise<{ cost: number; ms: number }> {
  const times: number[] = [];
  let cost = 0;
  for (let i = 0; i < samples; i++) {
    const r = await session.explain({ sql: q.sql, analyze: true, statementTimeoutMs: 300_000 });
    const plan = parsePlan(r.planJson);
    times.push(plan.executionTimeMs ?? plan.totals.timeMs);
    cost = plan.totals.cost;
  }
  return { cost, ms: median(times) };
}

async function publicAndTpchIndexes(session: PgSession): Promise<Array<{ name: string; schema: string; size: number; pk: boolean }>> {
  return session.query(
    `SELECT i.relname AS name, n.nspname AS schema, pg_relation_size(i.oid)::float8 AS size, x.indisprimary AS pk
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE n.nspname IN ('public', 'tpch')`,
  );
}

async function runArm(session: PgSession, name: string, ddl: string[], queries: Array<WorkloadQuery & { measuredSql?: string }>): Promise<ArmResult> {
  for (const d of ddl) await session.execute(d);
  for (const v of vacuumStatements(['users', 'orders', ...tpchTables])) await session.execute(v);
  const perQuery = new Map<string, { cost: number; ms: number; sql: string }>();
  for (const q of queries) {
    const sql = q.measuredSql ?? q.sql;
    perQuery.set(q.id, { ...(await measure(session, { sql })), sql });
  }
  const extra = (await publicAndTpchIndexes(session)).filter((i) => !i.pk);
  const result: ArmResult = { name, indexes: extra.map((i) => `${i.schema}.${i.name}`), sizeBytes: extra.reduce((s, i) => s + Number(i.size), 0), perQuery };
  for (const i of extra) await session.execute(`DROP INDEX ${i.schema}."${i.name}"`);
  return result;
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
      const columns = new Set([...u.predicates.filter((p) => p.column).map((p) => p.column as string), ...u.joinColumns.map((j) => j.column)]);
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
async function rewriteAlternatives(session: PgSession, sql: string): Promise<Array<{ label: string; sql: string }>> {
  const rewrites = await adviseRewrites(session, sql, { skipMeasurement: true, statementTimeoutMs: 300_000 });
  return rewrites.filter((r) => r.verification === 'equivalent' && !r.newParameters?.length).map((r) => ({ label: r.title, sql: r.rewrittenSql }));
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

    const none = await runArm(session, 'none', [], queries);
    const baseline = await runArm(session, 'baseline', await baselineDdl(session, queries), queries);

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
      const alt = alternatives.find((a) => a.label === advice.best?.appliesTo);
      advisorQueries.push({ ...q, measuredSql: alt?.sql });
      pooled.push({ id: q.id, sql: alt?.sql ?? q.sql, candidates: advice.suggestions.map((s) => s.candidate) });
      const warnings = advice.suggestions.flatMap((s) => s.warnings);
      console.log(`advice ${q.id} (${((performance.now() - t) / 1000).toFixed(1)} s): ${advice.suggestions.map((s) => `${s.createSql} [${s.label}]`).join(' ') || advice.notes.map((n) => n.message).join(' ') || '(none)'}${alt ? ` with rewrite "${alt.label}"` : ''}${warnings.length ? ` warnings: ${warnings.join(' | ')}` : ''}`);
    }
    // One set for the workload, at most the baseline's total index size: the comparison is at equal size.
    const t = performance.now();
    const choice = await consolidateWorkloadIndexes(session, pooled, { samples, maxTotalBytes: budgetBytes ?? baseline.sizeBytes, statementTimeoutMs: 300_000 });
    console.log(`workload merge (${((performance.now() - t) / 1000).toFixed(1)} s): pooled ${choice.kept.length + choice.dropped.length} indexes ${mb(choice.pooledBytes)} → kept ${choice.kept.length} ${mb(choice.keptBytes)} (budget ${mb(budgetBytes ?? baseline.sizeBytes)})`);
    for (const d of choice.dropped) console.log(`  dropped ${d.candidate.name}: ${d.reason}`);
    const advisorDdl = choice.kept.map((c) => createIndexSql(c));
    const advisor = await runArm(session, 'advisor', advisorDdl.map((d) => d.replace(' CONCURRENTLY', '')), advisorQueries);

    console.log('');
    console.log(['query', 'none ms', 'base cost×', 'base time×', 'ours cost×', 'ours time×'].map((h, i) => (i === 0 ? h.padEnd(28) : h.padStart(11))).join(''));
    let totals = { none: 0, base: 0, ours: 0 };
    let slower = 0;
    for (const q of queries) {
      const n = none.perQuery.get(q.id)!;
      const b = baseline.perQuery.get(q.id)!;
      const o = advisor.perQuery.get(q.id)!;
      totals = { none: totals.none + n.ms, base: totals.base + b.ms, ours: totals.ours + o.ms };
      if (o.ms > n.ms * 1.1 && o.ms - n.ms > 1) slower++;
      console.log(
        q.id.padEnd(28) +
          n.ms.toFixed(1).padStart(11) +
          ratio(b.cost, n.cost).padStart(11) +
          ratio(b.ms, n.ms).padStart(11) +
          ratio(o.cost, n.cost).padStart(11) +
          ratio(o.ms, n.ms).padStart(11),
      );
    }
    console.log('');
    console.log(`total time: none ${totals.none.toFixed(0)} ms, baseline ${totals.base.toFixed(0)} ms (${(totals.none / totals.base).toFixed(1)}× faster), advisor ${totals.ours.toFixed(0)} ms (${(totals.none / totals.ours).toFixed(1)}× faster; ${ratio(totals.ours, totals.base)}× the baseline's time)`);
    console.log(`index size: baseline ${mb(baseline.sizeBytes)} (${baseline.indexes.length} indexes), advisor ${mb(advisor.sizeBytes)} (${advisor.indexes.length} indexes)`);
    const d = { n: none.perQuery.get('dashboard')!, o: advisor.perQuery.get('dashboard')! };
    const dashboardForm = advisorQueries.find((q) => q.id === 'dashboard')?.measuredSql ? 'the rewrite advisor\'s aggregate-first form' : 'as written';
    console.log(`dashboard: ${d.n.ms.toFixed(0)} ms → ${d.o.ms.toFixed(0)} ms (${(d.n.ms / d.o.ms).toFixed(1)}× measured, ${dashboardForm} with the advisor's indexes)`);
    console.log(`queries slower than with no index (>10 %): ${slower}`);
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
