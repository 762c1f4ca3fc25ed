/**
 * Dashboard-family benchmark (`npm run bench:dashboard`, issue 12 Figures): on a throw-away PostgreSQL server
 * (test/helpers/postgresServer.ts) with the dashboard data (src/core/demo/dashboardDemo.ts, users.status from
 * bench/rewrite/preAggregate.ts), for each member of the family (bench/dashboard/family.ts):
 *   floor          – an index-only scan of the qualifying orders alone through the ideal covering index (floor.ts);
 *   grouping floor – the per-user aggregate of those orders alone (no join), through its ideal partial index, as
 *                    planned and with parallel plans made free: every member computes it, so no query-time plan
 *                    beats it; when it is past 1.5× the floor, the target is out of reach (floor.ts);
 *   as written     – the statement with primary keys only;
 *   best advice    – what the product finds by itself, run as `pg-tuner advise --allow-what-if` runs it
 *                    (adviseRewrites, then adviseIndexesWithRewrites with the CLI's options and defaults): the
 *                    advisor's indexes with the form it chose, or with the fastest rewrite offered as a fix;
 *                    target ≤ 1.5× the floor;
 *   pre-aggregated – offerPreAggregate as `pg-tuner rewrite --with-index --allow-what-if` offers it, every kind it
 *                    returns, with its refresh (or write) cost beside it; target ≥ 100× over as written;
 *   advise         – wall time, and the time to its first useful answer: the first progress event, which names the
 *                    candidate the screening put first (before any index is built), with whether it is the index
 *                    finally advised.
 * Every time is measured the same way (measure.ts: rolled-back transaction, EXPLAIN ANALYZE TIMING OFF, median
 * of 3 after one unmeasured run). Nothing here asserts a time; the table says PASS/MISS against the targets.
 *
 * Scale: BENCH_ORDERS (default 2,000,000; users a tenth of it). BENCH_MEMBERS=left-join,seed runs only those.
 * BENCH_SAMPLE_COPY=left-join,seed (default left-join, `none` for none): those members are also advised with
 * --sample-copy (the default share), its wall time and first answer printed with its advice timed on the full tables.
 * BENCH_TIMEOUT_S (default 120): the statement timeout of our own timings; an as-written time past it is
 * printed as a lower bound.
 */
import { startTestServer, type TestServer } from '../../test/helpers/postgresServer';
import { PgSession } from '../../src/core/db/pgSession';
import { adviseRewrites } from '../../src/core/advice/rewrite/adviseRewrites';
import { adviseIndexesWithRewrites } from '../../src/core/pipeline/statementAdvice';
import type { AdviseProgress } from '../../src/core/advice/index/adviseIndexes';
import { alternativeForms, canStandIn } from '../../src/core/advice/rewrite/alternativeForms';
import type { IndexAdvice } from '../../src/core/advice/indexSuggestion';
import type { Rewrite } from '../../src/core/advice/rewriteSuggestion';
import { describeAppliesTo } from '../../src/core/report/indexAdviceReport';
import { dashboardDataSql, dashboardSchemaSql } from '../../src/core/demo/dashboardDemo';
import { formatMs } from '../../src/core/text/formatNumbers';
import { printFigures, runBench, type Figure } from '../figures';
import { preAggregateSetupSql } from '../rewrite/preAggregate';
import { dashboardFamily, type FamilyMember } from './family';
import { measureFloor, measureGroupingFloor, type Floor, type GroupingFloor } from './floor';
import { attempt, describeOutcome as describeOutcomeWithin, timeArm, type Outcome } from './measure';
import { preAggregatedFigures } from './preAggregated';

const orders = Number(process.env.BENCH_ORDERS ?? '2000000');
const users = Math.max(10, Math.round(orders / 10));
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? '120') * 1000;
const only = process.env.BENCH_MEMBERS?.split(',');
/** BENCH_SAMPLE_COPY=left-join,seed: the members also advised with --sample-copy (default the issue's dashboard; none). */
const sampleCopyMembers = (process.env.BENCH_SAMPLE_COPY ?? 'left-join').split(',');
const floorTarget = 1.5;

const figures: Figure[] = [];

async function connect(server: TestServer, database: string): Promise<PgSession> {
  // pg lets the connection string win over a separate `database` field, so the name goes into the URL.
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return PgSession.connect({ connectionString: url.toString() });
}

function describeOutcome(o: Outcome): string {
  return describeOutcomeWithin(o, timeoutMs);
}

/** The as-written time for ratios: its median, or the timeout as a lower bound. */
function asWrittenMs(o: Outcome): { ms: number; lowerBound: boolean } | undefined {
  if ('timing' in o) return { ms: o.timing.ms, lowerBound: false };
  return o.failed.timedOut ? { ms: timeoutMs, lowerBound: true } : undefined;
}

interface AdviseRun {
  rewrites: Rewrite[];
  indexes: IndexAdvice;
  chosen?: Rewrite;
  wallMs: number;
  firstProgress?: { atMs: number; name: string };
}

/** `pg-tuner advise --allow-what-if` on a server: the same calls, options and defaults as src/cli/commands/advise.ts. */
async function advise(
  session: PgSession,
  m: FamilyMember,
  mode: { sampleCopy?: { fraction?: number }; estimatesOnly?: boolean } = {},
): Promise<AdviseRun> {
  const { sampleCopy, estimatesOnly } = mode;
  const started = performance.now();
  let firstProgress: AdviseRun['firstProgress'];
  const options = {
    // `advise --allow-what-if`, or without it (estimates only: nothing built, nothing timed).
    allowMeasuredWhatIf: estimatesOnly !== true,
    params: m.params,
    statementTimeoutMs: undefined,
    signal: undefined,
    sampleCopy,
    onProgress: (p: AdviseProgress) => {
      firstProgress ??= { atMs: performance.now() - started, name: p.name };
      console.log(`  [advise] building ${p.index}/${p.total} ${p.name}… about ${formatMs(p.etaMs)} left`);
    },
  };
  const rewrites = await adviseRewrites(session, m.sql, {
    ...options,
    mayBuildProofIndex: options.allowMeasuredWhatIf,
  }).catch((err: unknown) => {
    throw new Error(`rewrites: ${err instanceof Error ? err.message : String(err)}`);
  });
  console.log(`  [advise] rewrites judged at ${formatMs(performance.now() - started)}`);
  const { indexes, chosen } = await adviseIndexesWithRewrites(session, m.sql, rewrites, options).catch(
    (err: unknown) => {
      throw new Error(`indexes: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  return { rewrites, indexes, chosen, wallMs: performance.now() - started, firstProgress };
}

interface Arm {
  label: string;
  sql: string;
  params?: unknown[];
  setup: string[];
}

/**
 * What the user is told to do, as arms to time: the advisor's indexes with the form it chose; when it chose the
 * statement as written, also with the fastest rewrite offered as a fix (the pipeline pairs them the same way);
 * with no index to build, that rewrite alone. None: the advice is to leave the statement as it is.
 */
async function adviceArms(session: PgSession, m: FamilyMember, run: AdviseRun): Promise<Arm[]> {
  const best = run.indexes.best;
  const indexes = best ? run.indexes.suggestions.filter((s) => best.indexNames.includes(s.candidate.name)) : [];
  const setup = indexes.map((s) => s.createSql.replace(' CONCURRENTLY', ''));
  const names = indexes.map((s) => s.candidate.name).join(' + ');
  const forms = await alternativeForms(session, run.rewrites, m.params);
  const formOf = (r: Rewrite): { sql: string; params?: unknown[] } => {
    const f = forms.find((x) => x.rewrite.ref === r.ref);
    return { sql: f?.sql ?? r.executableSql ?? r.rewrittenSql, params: f?.params ?? m.params };
  };
  const arms: Arm[] = [];
  if (run.chosen && setup.length > 0) {
    arms.push({ label: `${run.chosen.id} + ${names}`, ...formOf(run.chosen), setup });
    return arms;
  }
  if (setup.length > 0) arms.push({ label: `as written + ${names}`, sql: m.sql, params: m.params, setup });
  const fixes = run.rewrites.filter((r) => r.quickFix && r.measurement && canStandIn(r));
  fixes.sort((a, b) => (a.measurement?.after.timeMs ?? Infinity) - (b.measurement?.after.timeMs ?? Infinity));
  const fix = fixes[0];
  if (fix) arms.push({ label: `${fix.id}${setup.length > 0 ? ` + ${names}` : ''}`, ...formOf(fix), setup });
  return arms;
}

/**
 * Rolled-back writes (the pre-aggregate proofs) leave dead rows and clear visibility-map bits, which would make
 * the next index-only scans fetch from the heap; INDEX_CLEANUP ON: with few dead rows VACUUM would skip the
 * indexes and leave those pages not all-visible.
 */
async function vacuum(session: PgSession): Promise<void> {
  await session.execute('VACUUM (INDEX_CLEANUP ON, ANALYZE) orders');
  await session.execute('VACUUM (INDEX_CLEANUP ON, ANALYZE) users');
}

/** The advised arms timed on the full tables; the fastest. */
async function bestArm(
  session: PgSession,
  m: FamilyMember,
  run: AdviseRun,
): Promise<{ arm: Arm; outcome: Outcome } | undefined> {
  let best: { arm: Arm; outcome: Outcome } | undefined;
  for (const arm of await adviceArms(session, m, run)) {
    const outcome = await attempt(() =>
      timeArm(session, { sql: arm.sql, params: arm.params, setup: arm.setup, timeoutMs }),
    );
    console.log(
      `  advice "${arm.label}": ${describeOutcome(outcome)}${'timing' in outcome ? ` — ${outcome.timing.shape}` : ''}`,
    );
    const better =
      'timing' in outcome && (!best || !('timing' in best.outcome) || outcome.timing.ms < best.outcome.timing.ms);
    if (!best || better) best = { arm, outcome };
  }
  return best;
}

/**
 * `advise --allow-what-if --sample-copy` (the default share): its wall time, its first answer, and what its advice
 * gives on the full tables beside the full run's best.
 */
async function sampleCopyFigure(session: PgSession, m: FamilyMember, fullBestMs: number | undefined): Promise<void> {
  const name = `${m.id}: advise --sample-copy wall time; first answer; its advice on the full tables`;
  let run: AdviseRun;
  await vacuum(session);
  const started = performance.now();
  try {
    run = await advise(session, m, { sampleCopy: {} });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    console.log(`  advise --sample-copy failed after ${formatMs(performance.now() - started)}: ${why}`);
    figures.push({
      name,
      value: `failed after ${formatMs(performance.now() - started)}: ${why.slice(0, 100)}`,
      target: '',
    });
    return;
  }
  const b = run.indexes.best;
  console.log(
    `  advise --sample-copy: ${formatMs(run.wallMs)}; best ${b ? `${b.indexNames.join(' + ')} with ${describeAppliesTo(b.appliesTo, run.rewrites)}` : '—'}`,
  );
  for (const line of [run.indexes.sampleCopy?.summary, ...(run.indexes.sampleCopy?.limitations ?? [])])
    if (line) console.log(`    sample copy: ${line}`);
  const best = await bestArm(session, m, run);
  const onFull = best && 'timing' in best.outcome ? best.outcome.timing.ms : undefined;
  figures.push({
    name,
    value: `${formatMs(run.wallMs)}; ${run.firstProgress ? formatMs(run.firstProgress.atMs) : 'no build'}; ${best ? best.arm.label : 'nothing advised'}${onFull !== undefined ? ` ${formatMs(onFull)}${fullBestMs !== undefined ? ` (full run's advice ${formatMs(fullBestMs)})` : ''}` : ''}`,
    target: '',
  });
}

async function member(session: PgSession, m: FamilyMember): Promise<void> {
  console.log(`\n## ${m.id}: ${m.title}\n${m.sql}${m.params ? `\n  params ${JSON.stringify(m.params)}` : ''}`);
  await vacuum(session);

  const asWritten = await attempt(() => timeArm(session, { sql: m.sql, params: m.params, timeoutMs }));
  console.log(
    `  as written: ${describeOutcome(asWritten)}${'timing' in asWritten ? ` — ${asWritten.timing.shape}` : ''}`,
  );
  const base = asWrittenMs(asWritten);

  let run: AdviseRun | undefined;
  let estimatedOnly = false;
  const adviseStarted = performance.now();
  try {
    run = await advise(session, m);
  } catch (err) {
    const why = `${err instanceof Error ? err.message : String(err)}`;
    console.log(`  advise failed after ${formatMs(performance.now() - adviseStarted)}: ${why}`);
    figures.push({
      name: `${m.id}: advise wall time; first useful answer`,
      value: `failed after ${formatMs(performance.now() - adviseStarted)}: ${why.slice(0, 100)}`,
      target: '',
    });
    // What the user can still get: `advise` without --allow-what-if (HypoPG's estimates, nothing timed).
    try {
      run = await advise(session, m, { estimatesOnly: true });
      estimatedOnly = true;
      figures.push({
        name: `${m.id}: advise (estimates only, no --allow-what-if) wall time`,
        value: formatMs(run.wallMs),
        target: '',
      });
    } catch (err2) {
      console.log(`  advise (estimates only) failed: ${err2 instanceof Error ? err2.message : String(err2)}`);
    }
  }
  let best: { arm: Arm; outcome: Outcome } | undefined;
  if (run) {
    const b = run.indexes.best;
    console.log(
      `  advise${estimatedOnly ? ' (estimates only)' : ''}: ${formatMs(run.wallMs)}; best ${b ? `${b.indexNames.join(' + ')} with ${describeAppliesTo(b.appliesTo, run.rewrites)}` : '—'}; rewrites ${run.rewrites.map((r) => `${r.id} [${r.verification}${r.quickFix ? ', quick fix' : ''}]`).join(', ') || 'none'}`,
    );
    for (const s of run.indexes.suggestions) console.log(`    ${s.createSql} [${s.label}]`);
    for (const n of run.indexes.notes) console.log(`    note: ${n.message}`);
    best = await bestArm(session, m, run);
  }

  let floor: Floor | undefined;
  try {
    floor = await measureFloor(session, timeoutMs);
    console.log(
      `  floor: ${formatMs(floor.ms)} — ${floor.rows} qualifying orders, heap fetches ${floor.heapFetches}, ${floor.shape}`,
    );
  } catch (err) {
    console.log(`  floor failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  let grouping: GroupingFloor | undefined;
  try {
    grouping = await measureGroupingFloor(session, timeoutMs);
    console.log(
      `  grouping floor: ${formatMs(grouping.ms)} — as planned ${describeOutcome({ timing: grouping.planned })}: ${grouping.planned.shape}; parallel made free ${describeOutcome({ timing: grouping.parallel })}: ${grouping.parallel.shape}`,
    );
  } catch (err) {
    console.log(`  grouping floor failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  // The best advice: the advised arm, or the statement as written when nothing was advised.
  const adviceMs = best && 'timing' in best.outcome ? best.outcome.timing.ms : run ? base?.ms : undefined;
  const adviceLabel = `${best ? best.arm.label : 'no change advised (as written)'}${estimatedOnly ? ', from the estimates-only advise' : ''}`;
  const ratio = adviceMs !== undefined && floor ? adviceMs / floor.ms : undefined;
  figures.push({
    name: `${m.id}: best advice (${adviceLabel}) / floor`,
    value:
      ratio !== undefined && floor && adviceMs !== undefined
        ? `${formatMs(adviceMs)} / ${formatMs(floor.ms)} = ${ratio.toFixed(2)}×${best === undefined && base?.lowerBound ? ' (as written timed out: ≥)' : ''}`
        : `${adviceMs === undefined ? (best ? describeOutcome(best.outcome) : 'no advice measured') : formatMs(adviceMs)} / ${floor ? formatMs(floor.ms) : 'no floor'}`,
    target: `≤ ${floorTarget}× floor`,
    met: ratio === undefined ? false : ratio <= floorTarget,
  });
  if (grouping && floor) {
    // Every member ranks all users by their sum: the per-user aggregate alone bounds any query-time plan. When
    // it is itself past the target, the target is out of reach at query time, whatever the advice.
    const g = grouping.ms / floor.ms;
    figures.push({
      name: `${m.id}: grouping floor (the per-user aggregate alone, no join; faster of as planned ${formatMs(grouping.planned.ms)} / parallel made free ${formatMs(grouping.parallel.ms)}) / floor`,
      value: `${formatMs(grouping.ms)} / ${formatMs(floor.ms)} = ${g.toFixed(2)}×${g > floorTarget ? ` (> ${floorTarget}×: aggregating the orders alone takes more than the target allows)` : ''}`,
      target: '',
    });
    if (adviceMs !== undefined)
      figures.push({
        name: `${m.id}: best advice / grouping floor`,
        value: `${(adviceMs / grouping.ms).toFixed(2)}×`,
        target: '',
      });
  }
  figures.push({
    name: `${m.id}: as written (no extra index)`,
    value: describeOutcome(asWritten),
    target: '',
  });

  figures.push(...(await preAggregatedFigures(session, m, base, timeoutMs)));

  if (sampleCopyMembers.includes(m.id))
    await sampleCopyFigure(session, m, best && 'timing' in best.outcome ? best.outcome.timing.ms : undefined);

  if (run && !estimatedOnly) {
    const finalIndexes = run.indexes.best?.indexNames ?? [];
    const first = run.firstProgress;
    figures.push({
      name: `${m.id}: advise wall time; first useful answer`,
      value: `${formatMs(run.wallMs)}; ${first ? `${formatMs(first.atMs)} (screened first: ${first.name}${finalIndexes.includes(first.name) ? ', the index advised' : finalIndexes.length > 0 ? `, advised: ${finalIndexes.join(' + ')}` : ', nothing advised'})` : 'no build: the result itself'}`,
      target: '',
    });
  }
}

async function main(): Promise<void> {
  const server = await startTestServer();
  const admin = await connect(server, server.database);
  let session: PgSession | undefined;
  try {
    await admin.execute('DROP DATABASE IF EXISTS bench_dashboard');
    await admin.execute('CREATE DATABASE bench_dashboard');
    session = await connect(server, 'bench_dashboard');
    const started = performance.now();
    // One INSERT … SELECT generate_series per table (dashboardDataSql), then VACUUM ANALYZE: the visibility map
    // an index-only scan needs, as autovacuum would have set it on a live database.
    await session.execute(dashboardSchemaSql + dashboardDataSql({ users, orders }) + preAggregateSetupSql);
    await session.execute('VACUUM ANALYZE users');
    await session.execute('VACUUM ANALYZE orders');
    await session
      .execute('CREATE EXTENSION IF NOT EXISTS hypopg')
      .catch(() => console.log('HypoPG not available: the advisor screens candidates by building them'));
    console.log(
      `[bench:dashboard] ${users} users, ${orders} orders loaded in ${formatMs(performance.now() - started)}; PostgreSQL ${server.versionNum}`,
    );
    for (const m of dashboardFamily) {
      if (only && !only.includes(m.id)) continue;
      await member(session, m);
    }
  } finally {
    await session?.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    await server.stop();
  }
  console.log(`\n# dashboard family at ${users} users, ${orders} orders (BENCH_ORDERS=${orders})`);
  printFigures(figures);
}

runBench(main);
