/**
 * "What would the planner (or the clock) say with these indexes?" Two ways to ask: HypoPG's hypothetical
 * indexes (nothing is built; reset afterwards, always), or real indexes built in a transaction that is
 * rolled back (only where the caller allows building). Both return plans of the given statements.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { statementBody } from '../../db/explainStatement';
import { TunerError } from '../../errors';
import type { Plan } from '../../plan/planNode';
import { parsePlan } from '../../plan/parsePlan';
import type { EstimateMethod, IndexCandidate } from '../indexSuggestion';
import { createHypothetical, resetHypothetical } from './hypopg';
import { transactionalCreateSql } from './indexDdl';
import { quoteIdentifier } from './identifiers';
import { median } from '../../median';

export interface StatementToPlan {
  sql: string;
  params?: unknown[];
  /** Plan without parameter values (PostgreSQL 16+), when the statement has `$n` and no values. */
  genericPlan?: boolean;
}

export interface WhatIfPlans {
  /** One per statement, in order; undefined where planning failed. */
  plans: Array<Plan | undefined>;
  /** Index name as it appears in plans (HypoPG's `<oid>btree_…` names), per candidate. */
  planNames: string[];
  /** HypoPG's size estimate or the real size, per candidate. */
  sizes: Array<number | undefined>;
  /** Candidates that could not be created (HypoPG does not know GIN, …), with the reason. */
  failed: Array<{ candidate: IndexCandidate; reason: string }>;
}

export interface WhatIf {
  readonly method: EstimateMethod;
  plan(indexes: IndexCandidate[], statements: StatementToPlan[], signal?: AbortSignal): Promise<WhatIfPlans>;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export function planUses(plan: Plan | undefined, indexName: string): boolean {
  return plan?.nodes.some((n) => n.fields['Index Name'] === indexName) ?? false;
}

/**
 * Heap Fetches over rows of the index-only scan on `indexName`, when more than a tenth: most pages are not
 * all-visible (no VACUUM since the rows were written), so the "index-only" scan reads the table after all.
 */
export function heapFetchShare(plan: Plan | undefined, indexName: string): number | undefined {
  for (const n of plan?.nodes ?? []) {
    if (n.fields['Node Type'] !== 'Index Only Scan' || n.fields['Index Name'] !== indexName) continue;
    const fetches = Number(n.fields['Heap Fetches'] ?? 0);
    const rows = Number(n.fields['Actual Rows'] ?? 0) * Number(n.fields['Actual Loops'] ?? 1);
    if (rows > 0 && fetches > rows * 0.1) return Math.min(1, fetches / rows);
  }
  return undefined;
}

export function hypopgWhatIf(session: DatabaseSession): WhatIf {
  return {
    method: 'hypopg',
    async plan(indexes, statements, signal) {
      const result: WhatIfPlans = { plans: [], planNames: [], sizes: [], failed: [] };
      try {
        for (const c of indexes) {
          throwIfAborted(signal);
          try {
            const h = await createHypothetical(session, c);
            result.planNames.push(h.name);
            result.sizes.push(h.sizeBytes);
          } catch (err) {
            result.planNames.push('');
            result.sizes.push(undefined);
            result.failed.push({ candidate: c, reason: message(err) });
          }
        }
        for (const s of statements) {
          throwIfAborted(signal);
          try {
            const explained = await session.explain({
              sql: s.sql,
              analyze: false,
              params: s.params,
              genericPlan: s.genericPlan,
              signal,
            });
            result.plans.push(parsePlan(explained.planJson));
          } catch (err) {
            if (err instanceof TunerError && err.reason === 'cancelled') throw err;
            result.plans.push(undefined);
          }
        }
      } finally {
        await resetHypothetical(session);
      }
      return result;
    },
  };
}

async function buildAll(tx: TransactionScope, indexes: IndexCandidate[], result: WhatIfPlans): Promise<number> {
  let buildMs = 0;
  for (const c of indexes) {
    // A savepoint per index: one that fails to build (a type without an operator class) spares the others.
    await tx.query('SAVEPOINT what_if_index');
    const started = performance.now();
    try {
      await tx.query(transactionalCreateSql(c));
      buildMs += performance.now() - started;
      await tx.query('RELEASE SAVEPOINT what_if_index');
      const size = await tx.query<{ size: string }>(
        'SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size',
        [c.schema ? `${quoteIdentifier(c.schema)}.${quoteIdentifier(c.name)}` : quoteIdentifier(c.name)],
      );
      result.planNames.push(c.name);
      result.sizes.push(Number(size[0]?.size));
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT what_if_index');
      result.planNames.push('');
      result.sizes.push(undefined);
      result.failed.push({ candidate: c, reason: message(err) });
    }
  }
  return buildMs;
}

async function explainIn(tx: TransactionScope, s: StatementToPlan, options: string): Promise<Plan | undefined> {
  await tx.query('SAVEPOINT what_if_explain');
  try {
    const generic = s.genericPlan ? 'GENERIC_PLAN' : '';
    const opts = [options, generic].filter((o) => o !== '').join(', ');
    const plan = parsePlan(await tx.explainJson(statementBody(s.sql), opts, s.params));
    await tx.query('RELEASE SAVEPOINT what_if_explain');
    return plan;
  } catch (err) {
    if (err instanceof TunerError && err.reason === 'cancelled') throw err;
    await tx.query('ROLLBACK TO SAVEPOINT what_if_explain');
    return undefined;
  }
}

function requireTransactions(session: DatabaseSession): NonNullable<DatabaseSession['inTransaction']> {
  const run = session.inTransaction?.bind(session);
  if (!run) throw new TunerError('bad-input', `The session ${session.label} cannot run a rolled-back transaction.`);
  return run;
}

/** Real indexes in a rolled-back transaction, planned with plain EXPLAIN: the planner's cost with a real index. */
export function plannerWhatIf(session: DatabaseSession): WhatIf {
  const inTransaction = requireTransactions(session);
  return {
    method: 'planner',
    plan(indexes, statements, signal) {
      return inTransaction(
        async (tx) => {
          const result: WhatIfPlans = { plans: [], planNames: [], sizes: [], failed: [] };
          await buildAll(tx, indexes, result);
          for (const s of statements) result.plans.push(await explainIn(tx, s, ''));
          return result;
        },
        { signal },
      );
    },
  };
}

export interface Measurement {
  /** EXPLAIN ANALYZE of the median run. */
  plan?: Plan;
  /** The statement did not finish within the statement_timeout: medianMs is that bound (a lower bound). */
  timedOut?: boolean;
  samplesMs: number[];
  medianMs: number;
  sizes: Array<number | undefined>;
  buildMs: number;
  failed: WhatIfPlans['failed'];
  planNames: string[];
}

/** One EXPLAIN (ANALYZE, BUFFERS) of the statement in `tx`: its plan and execution time. */
async function analyzedRun(tx: TransactionScope, statement: StatementToPlan): Promise<{ ms: number; plan: Plan }> {
  const plan = parsePlan(await tx.explainJson(statementBody(statement.sql), 'ANALYZE, BUFFERS', statement.params));
  return { ms: plan.executionTimeMs ?? plan.totals.timeMs, plan };
}

/**
 * Builds `indexes` for real in a transaction, runs EXPLAIN (ANALYZE, BUFFERS) `samples` times, rolls back.
 * Only for SELECT statements (the caller checks): nothing they do outlives the transaction anyway.
 */
export async function measureWithIndexes(
  session: DatabaseSession,
  indexes: IndexCandidate[],
  statement: StatementToPlan,
  samples: number,
  options: { signal?: AbortSignal; statementTimeoutMs?: number },
): Promise<Measurement> {
  const inTransaction = requireTransactions(session);
  return inTransaction(
    async (tx) => {
      const built: WhatIfPlans = { plans: [], planNames: [], sizes: [], failed: [] };
      const buildMs = await buildAll(tx, indexes, built);
      // Plan statistics of a fresh index (pages, tuples) are what the planner uses right after CREATE INDEX.
      const runs: Array<{ ms: number; plan: Plan }> = [];
      for (let i = 0; i < samples; i++) runs.push(await analyzedRun(tx, statement));
      const samplesMs = runs.map((r) => r.ms);
      const mid = median(samplesMs);
      const medianRun = runs.reduce((best, r) => (Math.abs(r.ms - mid) < Math.abs(best.ms - mid) ? r : best), runs[0]);
      return {
        plan: medianRun?.plan,
        samplesMs,
        medianMs: mid,
        sizes: built.sizes,
        buildMs,
        failed: built.failed,
        planNames: built.planNames,
      };
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}

/**
 * Several forms of one statement timed with the same indexes: built once in one rolled-back transaction, then
 * `rounds` rounds in which each form runs once, in turn, so that drift falls on every form alike.
 */
export async function timeForms(
  session: DatabaseSession,
  indexes: IndexCandidate[],
  statements: StatementToPlan[],
  rounds: number,
  options: { signal?: AbortSignal; statementTimeoutMs?: number },
): Promise<{ samplesMs: number[][] }> {
  const inTransaction = requireTransactions(session);
  return inTransaction(
    async (tx) => {
      const built: WhatIfPlans = { plans: [], planNames: [], sizes: [], failed: [] };
      await buildAll(tx, indexes, built);
      if (built.failed.length > 0)
        throw new TunerError('bad-input', `It could not be built: ${built.failed[0].reason}`);
      const samplesMs = statements.map((): number[] => []);
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < statements.length; i++) {
          throwIfAborted(options.signal);
          samplesMs[i].push((await analyzedRun(tx, statements[i])).ms);
        }
      }
      return { samplesMs };
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}

export interface PairedMeasurement {
  /** Per pair: the statement without the index, then with it, run back to back. */
  beforeMs: number[];
  afterMs: number[];
  /** Pages read (shared hit + read) without and with it, in the last pair. */
  beforePages?: number;
  afterPages?: number;
  /** The last pair's runs without and with it: what they read (the base indexes in both, the index after). */
  beforePlan?: Plan;
  afterPlan?: Plan;
  /** The index's size as built, bytes. */
  sizeBytes?: number;
}

/**
 * Times the statement without and with `index` alternately, in one rolled-back transaction (the index is built
 * under a savepoint and rolled back to it each pair). Back-to-back pairs cancel the drift of a busy machine that
 * makes a "before" taken minutes earlier a poor yardstick. `base`: indexes built once first and kept through
 * every pair (the index is then judged on top of them).
 */
export async function measurePaired(
  session: DatabaseSession,
  index: IndexCandidate,
  statement: StatementToPlan,
  pairs: number,
  options: { signal?: AbortSignal; statementTimeoutMs?: number; base?: IndexCandidate[] },
): Promise<PairedMeasurement> {
  const inTransaction = requireTransactions(session);
  return inTransaction(
    async (tx) => {
      const result: PairedMeasurement = { beforeMs: [], afterMs: [] };
      const base: WhatIfPlans = { plans: [], planNames: [], sizes: [], failed: [] };
      await buildAll(tx, options.base ?? [], base);
      if (base.failed.length > 0) throw new TunerError('bad-input', `It could not be built: ${base.failed[0].reason}`);
      for (let i = 0; i < pairs; i++) {
        throwIfAborted(options.signal);
        const before = await analyzedRun(tx, statement);
        await tx.query('SAVEPOINT what_if_pair');
        await tx.query(transactionalCreateSql(index));
        if (result.sizeBytes === undefined) {
          const name = index.schema
            ? `${quoteIdentifier(index.schema)}.${quoteIdentifier(index.name)}`
            : quoteIdentifier(index.name);
          const size = await tx.query<{ size: string }>(
            'SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size',
            [name],
          );
          result.sizeBytes = Number(size[0]?.size);
        }
        const after = await analyzedRun(tx, statement);
        await tx.query('ROLLBACK TO SAVEPOINT what_if_pair');
        result.beforeMs.push(before.ms);
        result.afterMs.push(after.ms);
        result.beforePages = pagesTouched(before.plan);
        result.afterPages = pagesTouched(after.plan);
        result.beforePlan = before.plan;
        result.afterPlan = after.plan;
      }
      return result;
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}

export interface HeadToHead {
  /** Per pair: the statement with `first` alone, then with `second` alone, run back to back. */
  firstMs: number[];
  secondMs: number[];
  /** Pages read (shared + local buffers) with each, from the last pair: deterministic where times are not. */
  firstPages?: number;
  secondPages?: number;
}

/** Pages read (shared + local buffers, hit or read) by the whole plan; undefined without BUFFERS figures. */
export function pagesTouched(plan: Plan | undefined): number | undefined {
  const b = plan?.totals.buffers;
  return b ? b.sharedHit + b.sharedRead + b.localHit + b.localRead : undefined;
}

/**
 * Times the statement with `first` alone and with `second` alone, alternately, in one rolled-back transaction
 * (each index built under a savepoint and rolled back to it). Two forms of an index measured minutes apart on a
 * busy machine are compared by drift as much as by themselves; back to back, the drift falls on both.
 */
export async function measureHeadToHead(
  session: DatabaseSession,
  first: IndexCandidate,
  second: IndexCandidate,
  statement: StatementToPlan,
  pairs: number,
  options: { signal?: AbortSignal; statementTimeoutMs?: number },
): Promise<HeadToHead> {
  const inTransaction = requireTransactions(session);
  const timeWith = async (tx: TransactionScope, index: IndexCandidate): Promise<{ ms: number; pages?: number }> => {
    await tx.query('SAVEPOINT what_if_head_to_head');
    try {
      await tx.query(transactionalCreateSql(index));
      const { ms, plan } = await analyzedRun(tx, statement);
      return { ms, pages: pagesTouched(plan) };
    } finally {
      await tx.query('ROLLBACK TO SAVEPOINT what_if_head_to_head');
    }
  };
  return inTransaction(
    async (tx) => {
      const result: HeadToHead = { firstMs: [], secondMs: [] };
      for (let i = 0; i < pairs; i++) {
        throwIfAborted(options.signal);
        // Alternate which goes first, so neither always runs on the caches the other warmed.
        const order = i % 2 === 0 ? [first, second] : [second, first];
        for (const index of order) {
          const r = await timeWith(tx, index);
          if (index === first) {
            result.firstMs.push(r.ms);
            result.firstPages = r.pages;
          } else {
            result.secondMs.push(r.ms);
            result.secondPages = r.pages;
          }
        }
      }
      return result;
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}
