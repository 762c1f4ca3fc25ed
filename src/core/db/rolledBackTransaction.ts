/**
 * Several statements in one transaction that is always rolled back: what a measured what-if index needs
 * (BEGIN; CREATE INDEX …; EXPLAIN ANALYZE …; ROLLBACK). Both sessions call this from inTransaction() with
 * their own statement runner, inside their own queue, so nothing else runs on the connection meanwhile.
 */
import { TunerError } from '../errors';
import { loadParser } from '../sql/parser';
import type { StatementRunner } from './statementRunner';
import { rollbackAndUnlock, walkSettings, walkSettingsUndone } from './nonTransactional';
import { requireNothingKept } from './sideEffectCheck';
import { highestParam, requireSafeForExplain } from './statementSafety';
import type { TransactionOptions, TransactionScope } from './session';
import {
  beyondLeader,
  buildsIndex,
  explainJsonScans,
  parallelBuildShare,
  readTransactionScans,
  scansBetween,
  sumScans,
  type TableScans,
} from './ownScans';

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

function wholeMs(value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** The timeouts runRolledBack sets, for the messages of the errors it lets through. */
export function transactionTimeouts(options: TransactionOptions = {}): {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
} {
  return {
    statementTimeoutMs: wholeMs(options.statementTimeoutMs, 60_000),
    lockTimeoutMs: wholeMs(options.lockTimeoutMs, 2_000),
  };
}

/**
 * `recordScans`, when given, receives the table scans the transaction made (ownScans.ts): this backend's
 * pg_stat_xact_user_tables counts from after BEGIN to before ROLLBACK (every statement in between: the user's
 * statement run or explained with ANALYZE, index builds, row comparisons), plus what parallel workers scanned,
 * which the leader's counts leave out: what each EXPLAIN ANALYZE plan shows beyond the leader's counts across it,
 * and an estimate for each index build. A transaction left aborted by an error cannot be read: its scans go unrecorded.
 */
export async function runRolledBack<T>(
  runner: StatementRunner,
  work: (tx: TransactionScope) => Promise<T>,
  options: TransactionOptions = {},
  recordScans?: (scans: TableScans[]) => void,
): Promise<T> {
  const { signal } = options;
  throwIfAborted(signal);
  const ownQuery = {
    query: async <R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> =>
      (await runner.run(sql, params)) as R[],
  };
  /** The parallel workers' scans, which the transaction's own counts do not hold. */
  const workers: TableScans[][] = [];
  // Each user statement is checked once per transaction (a measurement runs it several times).
  // `run`: executed (checked for everything reached) or only planned (for what the planner itself may run);
  // a statement checked as run needs no check as planned.
  const checked = new Set<string>();
  const checkStatement = async (sql: string, run: boolean): Promise<void> => {
    if (checked.has(`run|${sql}`) || (!run && checked.has(`plan|${sql}`))) return;
    await runner.run(walkSettings, undefined, { mode: 'script' });
    await requireNothingKept(runner, sql, run, run ? 'Not run' : 'Not explained');
    await runner.run(walkSettingsUndone, undefined, { mode: 'script' });
    checked.add(`${run ? 'run' : 'plan'}|${sql}`);
  };
  const scope: TransactionScope = {
    checkStatement: async (sql: string): Promise<void> => {
      throwIfAborted(signal);
      await checkStatement(sql, true);
    },
    query: async <R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> => {
      throwIfAborted(signal);
      if (!recordScans || !buildsIndex(sql)) return (await runner.run(sql, params)) as R[];
      const start = await readTransactionScans(ownQuery);
      const rows = (await runner.run(sql, params)) as R[];
      workers.push(await parallelBuildShare(ownQuery, scansBetween(start, await readTransactionScans(ownQuery))));
      return rows;
    },
    explainJson: async (sql: string, explainOptions: string, params?: unknown[]): Promise<string> => {
      throwIfAborted(signal);
      // With ANALYZE the statement runs, without it only the planner may run a STABLE/IMMUTABLE function: what a
      // rollback cannot undo is refused first.
      await loadParser();
      const analyze = /\bANALYZE\b/i.test(explainOptions);
      const values = params && params.length > 0 ? params : undefined;
      const generic = /\bGENERIC_PLAN\b/i.test(explainOptions) && values === undefined;
      // Unvalued $n cannot go through the extended protocol: Bind fails with a protocol error (08P01). Say what
      // is missing instead, as the session's explain path does (42P02).
      const highest = highestParam(sql);
      if (values === undefined && !generic && highest > 0) {
        throw new TunerError(
          'server-error',
          `There is no value for parameter $${highest}. Give values for the $n parameters (or ask for a generic plan on PostgreSQL 16+).`,
          { code: '42P02' },
        );
      }
      // A generic plan goes by the simple protocol (Bind would need values, and values would be folded into
      // the plan), so the server no longer refuses a second statement for us: the text must parse as one
      // plannable statement, and checkStatement proves the server lexes it as our parser does
      // (standard_conforming_strings); the runner refuses a reply with several results.
      if (generic) requireSafeForExplain(sql, { analyze: false });
      await checkStatement(sql, analyze);
      const prefix = explainOptions.trim() === '' ? 'FORMAT JSON' : `${explainOptions}, FORMAT JSON`;
      const counting = recordScans && analyze;
      const start = counting ? await readTransactionScans(ownQuery) : [];
      const rows = await runner.run(`EXPLAIN (${prefix}) ${sql}`, values, {
        jsonAsText: true,
        mode: generic ? 'single-simple' : 'extended',
      });
      const value = rows[0]?.['QUERY PLAN'];
      const json = typeof value === 'string' ? value : JSON.stringify(value);
      if (counting) {
        const leader = scansBetween(start, await readTransactionScans(ownQuery));
        workers.push(beyondLeader(explainJsonScans(json), leader));
      }
      return json;
    },
  };
  let before: TableScans[] | undefined;
  await runner.run('BEGIN');
  try {
    const timeouts = transactionTimeouts(options);
    await runner.run(`SET LOCAL statement_timeout = ${timeouts.statementTimeoutMs}`);
    await runner.run(`SET LOCAL lock_timeout = ${timeouts.lockTimeoutMs}`);
    if (recordScans) before = await readTransactionScans(ownQuery);
    return await work(scope);
  } finally {
    if (recordScans && before) {
      try {
        recordScans(sumScans(scansBetween(before, await readTransactionScans(ownQuery)), ...workers));
      } catch {
        // An aborted transaction (the work failed): its scans cannot be read and go unrecorded.
      }
    }
    // Always: nothing built here may survive, and a failed statement leaves the transaction aborted; session
    // advisory locks, which ROLLBACK keeps, are released too.
    await runner.run(rollbackAndUnlock, undefined, { mode: 'script' });
  }
}
