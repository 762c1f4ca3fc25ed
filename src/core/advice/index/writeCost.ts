/**
 * What an index costs the workload's writes, measured: each sampled INSERT/UPDATE/DELETE on the index's table
 * runs (EXPLAIN ANALYZE, TIMING OFF, median of `samples`) without the index, then with it built, every run
 * inside a savepoint rolled back at once, the whole inside one transaction that is rolled back: no row and no
 * index outlives it. The statement is checked by the same rules as any ANALYZE of a write (see
 * rolledBackTransaction.ts): a write reaching something a rollback cannot undo is refused, not run.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { statementBody } from '../../db/explainStatement';
import { isCancelled, TunerError } from '../../errors';
import { median } from '../../median';
import { parsePlan } from '../../plan/parsePlan';
import type { IndexCandidate } from '../indexSuggestion';
import { transactionalCreateSql } from './indexDdl';

export interface WriteStatement {
  id: string;
  sql: string;
  params?: unknown[];
  /** The table it writes (schema when written), from its parse tree. */
  table: { schema?: string; name: string };
}

export interface WriteTiming {
  statementId: string;
  /** Median ms without and with the index. */
  beforeMs: number;
  afterMs: number;
}

export interface WriteCost {
  /** Index name. */
  index: string;
  timings: WriteTiming[];
  /** Writes on its table that could not be timed, and why. */
  failed: Array<{ statementId: string; reason: string }>;
}

export interface WriteCostOptions {
  samples?: number;
  /** Writes timed per table at most (default 3): a sample, in the order given (most total time first). */
  perTable?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
}

function sameTable(c: IndexCandidate, t: WriteStatement['table']): boolean {
  return c.table === t.name && (c.schema === undefined || t.schema === undefined || c.schema === t.schema);
}

async function timeWrite(tx: TransactionScope, w: WriteStatement, samples: number): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < samples; i++) {
    await tx.query('SAVEPOINT workload_write');
    try {
      const plan = parsePlan(await tx.explainJson(statementBody(w.sql), 'ANALYZE, TIMING OFF', w.params));
      runs.push(plan.executionTimeMs ?? plan.totals.timeMs);
    } finally {
      // The write's rows go at once: the next run (and the next index) starts from the same data.
      await tx.query('ROLLBACK TO SAVEPOINT workload_write');
    }
  }
  return median(runs);
}

/** The writes each index's table receives, timed without and with it; indexes with no write on their table get none. */
export async function measureWriteCost(
  session: DatabaseSession,
  indexes: IndexCandidate[],
  writes: WriteStatement[],
  options: WriteCostOptions = {},
): Promise<WriteCost[]> {
  const run = session.inTransaction?.bind(session);
  if (!run) throw new TunerError('bad-input', `The session ${session.label} cannot run a rolled-back transaction.`);
  const samples = options.samples ?? 3;
  const perTable = options.perTable ?? 3;
  return run(
    async (tx) => {
      const out: WriteCost[] = [];
      for (const c of indexes) {
        const mine = writes.filter((w) => sameTable(c, w.table)).slice(0, perTable);
        const cost: WriteCost = { index: c.name, timings: [], failed: [] };
        out.push(cost);
        for (const w of mine) {
          if (options.signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
          await tx.query('SAVEPOINT workload_index');
          try {
            const beforeMs = await timeWrite(tx, w, samples);
            await tx.query(transactionalCreateSql(c));
            const afterMs = await timeWrite(tx, w, samples);
            cost.timings.push({ statementId: w.id, beforeMs, afterMs });
          } catch (err) {
            if (isCancelled(err)) throw err;
            cost.failed.push({ statementId: w.id, reason: (err as Error).message });
          } finally {
            await tx.query('ROLLBACK TO SAVEPOINT workload_index');
          }
        }
      }
      return out;
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}
