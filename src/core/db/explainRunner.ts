/**
 * The one EXPLAIN procedure both sessions follow: classify, walk the catalog for non-transactional calls (one
 * round trip), build, then BEGIN [READ ONLY] + SET LOCAL timeouts (one round trip) → EXPLAIN (extended
 * protocol) → ROLLBACK + release advisory locks, also after any error so the session stays usable.
 */
import { loadParser } from '../sql/parser';
import { TunerError } from '../errors';
import type { ServerInfo } from './catalog';
import type { ExplainRequest, ExplainResult, SafetyWrapper } from './session';
import { classifyForExplain, highestParam, requireSafeForExplain, volatilityLookup } from './statementSafety';
import { rollbackAndUnlock, walkSettings, walkSettingsUndone } from './nonTransactional';
import { requireNothingKept } from './sideEffectCheck';
import { buildExplainStatement, type ExplainStatement } from './explainStatement';
import { cancelledError, statementError, type ErrorContext } from './databaseErrors';
import { tunerTag } from './tunerTag';
import type { Row, StatementRunner } from './statementRunner';

// The runner's contract lives apart: the side-effect check takes a runner and this file calls the check.

/** The error a 'single-simple' text that came back with several results gets (the server ran them all). */
export function severalResultsError(count: number): TunerError {
  return new TunerError(
    'unsafe-statement',
    `The server ran the text as ${count} statements although it was checked as one; the tuner stops here. ` +
      'Check standard_conforming_strings on this database and send the statement alone.',
  );
}

export const defaultStatementTimeoutMs = 30_000;
export const defaultLockTimeoutMs = 2_000;

/** Wraps a runner so each statement is logged with its duration; never parameter values. */
export function loggingRunner(
  runner: StatementRunner,
  log: ((line: string) => void) | undefined,
  label: string,
): StatementRunner {
  if (!log) return runner;
  return {
    async run(sql, params, options) {
      const started = performance.now();
      const oneLine = sql.replace(/\s+/g, ' ').trim();
      const paramNote =
        params && params.length > 0 ? ` [${params.length} parameter${params.length === 1 ? '' : 's'}]` : '';
      try {
        const rows = await runner.run(sql, params, options);
        log(`[${label}] ${(performance.now() - started).toFixed(1)} ms: ${oneLine}${paramNote}`);
        return rows;
      } catch (err) {
        const code = (err as { code?: string } | null)?.code;
        log(
          `[${label}] failed after ${(performance.now() - started).toFixed(1)} ms${code ? ` (${code})` : ''}: ${oneLine}${paramNote}`,
        );
        throw err;
      }
    },
  };
}

function timeoutValue(ms: number | undefined, fallback: number, name: string): number {
  const value = ms ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TunerError(
      'bad-input',
      `${name} must be a whole number of milliseconds ≥ 0 (0 = no limit), not ${String(ms)}.`,
    );
  }
  return value;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

export interface ExplainContext {
  runner: StatementRunner;
  server: ServerInfo;
  errorContext: ErrorContext;
}

export async function runExplain(ctx: ExplainContext, request: ExplainRequest): Promise<ExplainResult> {
  const started = performance.now();
  const { runner, server } = ctx;
  const signal = request.signal;
  throwIfAborted(signal);
  const statementTimeoutMs = timeoutValue(request.statementTimeoutMs, defaultStatementTimeoutMs, 'statementTimeoutMs');
  const lockTimeoutMs = timeoutValue(request.lockTimeoutMs, defaultLockTimeoutMs, 'lockTimeoutMs');
  const errorContext: ErrorContext = { ...ctx.errorContext, statementTimeoutMs, lockTimeoutMs };
  await loadParser();
  const analyze = request.analyze && !request.genericPlan;
  // Refusals that need no database (several statements, DDL, …) come first; volatility does not change them.
  const structural = classifyForExplain(request.sql, { analyze });
  if (!structural.safe) requireSafeForExplain(request.sql, { analyze });

  const params = request.params && request.params.length > 0 ? request.params : undefined;
  // The extended protocol would fail at Bind with a protocol error (08P01) that reads like a lost connection;
  // say what the server says to a simple query instead (42P02).
  const highest = highestParam(request.sql);
  if (params === undefined && !request.genericPlan && highest > 0) {
    throw new TunerError(
      'server-error',
      `There is no value for parameter $${highest}. Give values for the $n parameters (or ask for a generic plan on PostgreSQL 16+).`,
      {
        code: '42P02',
      },
    );
  }

  let planJson: string;
  let wrapper: SafetyWrapper;
  let built: ExplainStatement;
  let failed = false;
  try {
    throwIfAborted(signal);
    // A fixed text of our own (the timeouts are validated whole numbers), so one simple query for all four:
    // no user text rides on the simple protocol here. The server runs them in order and stops at the first
    // error (then the ROLLBACK below clears it). walkSettings hold only for the catalog walk that follows and
    // are put back before the EXPLAIN.
    // pg_stat_statements keeps each statement's text up to its semicolon: each carries the tunerTag there.
    await runner.run(
      `BEGIN ${tunerTag}; SET LOCAL statement_timeout = ${statementTimeoutMs} ${tunerTag}; ` +
        `SET LOCAL lock_timeout = ${lockTimeoutMs} ${tunerTag}; ${walkSettings}`,
      undefined,
      { mode: 'script' },
    );
    // The catalog walk: how the server lexes strings, the non-transactional functions the statement reaches
    // (also through views, operators, triggers and function bodies), and its functions' volatility.
    const reply = await requireNothingKept(
      runner,
      request.sql,
      analyze,
      `Not explained${analyze ? ' with ANALYZE' : ''}`,
    );
    const volatilityOf = analyze ? volatilityLookup(reply.volatility) : undefined;
    wrapper = requireSafeForExplain(request.sql, { analyze, volatilityOf }).wrapper;
    built = buildExplainStatement(request.sql, {
      analyze,
      versionNum: server.versionNum,
      genericPlan: request.genericPlan,
      hasParamValues: params !== undefined,
    });
    // Read-write → read-only may change after queries ran (the other way may not).
    await runner.run(
      `${walkSettingsUndone}${wrapper === 'rolled-back-transaction' ? '' : '; SET TRANSACTION READ ONLY'}`,
      undefined,
      { mode: 'script' },
    );
    throwIfAborted(signal);
    let rows: Row[];
    try {
      // The extended protocol, so the server runs this one statement or none. A generic plan's unvalued $n
      // cannot go that way (Bind needs values, and values would be folded into the plan): it goes simple,
      // which is sound because the check above proved the server lexes the text as our parser did.
      const simple = request.genericPlan === true && params === undefined;
      rows = await runner.run(built.text, params, { jsonAsText: true, mode: simple ? 'single-simple' : 'extended' });
    } catch (err) {
      throw statementError(err, { ...errorContext, prefixLength: built.prefixLength, aborted: signal?.aborted });
    }
    // A cancel that lands as the statement finishes still means the caller no longer wants the result.
    throwIfAborted(signal);
    const value = rows[0]?.['QUERY PLAN'];
    planJson = typeof value === 'string' ? value : JSON.stringify(value);
  } catch (err) {
    failed = true;
    throw statementError(err, { ...errorContext, aborted: signal?.aborted });
  } finally {
    // Always rolled back: nothing the statement did is kept, and an aborted transaction is cleared.
    try {
      await runner.run(rollbackAndUnlock, undefined, { mode: 'script' });
    } catch (rollbackError) {
      // A failed rollback after a good EXPLAIN must surface: the transaction state is unknown.
      // eslint-disable-next-line no-unsafe-finally
      if (!failed) throw statementError(rollbackError, errorContext);
    }
  }
  return {
    planJson,
    explainStatement: built.text,
    wrapper,
    roundTripMs: performance.now() - started,
    server,
  };
}
