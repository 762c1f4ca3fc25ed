/**
 * The one EXPLAIN procedure both sessions follow: classify, build, then BEGIN [READ ONLY] + SET LOCAL
 * timeouts (one round trip) → EXPLAIN → ROLLBACK, with ROLLBACK also after any error so the session stays usable.
 */
import { loadParser } from '../sql/parser';
import { TunerError } from '../errors';
import type { ServerInfo } from './catalog';
import type { ExplainRequest, ExplainResult } from './session';
import { calledFunctions, requireSafeForExplain, volatilityLookup, volatilityQuery } from './statementSafety';
import { buildExplainStatement } from './explainStatement';
import { cancelledError, statementError, type ErrorContext } from './databaseErrors';
import { tunerTag } from './tunerTag';

export type Row = Record<string, unknown>;

/** Runs one statement on the session's connection and returns its rows; errors are the driver's own. */
export interface StatementRunner {
  run(sql: string, params?: unknown[], options?: { jsonAsText?: boolean }): Promise<Row[]>;
}

export const defaultStatementTimeoutMs = 30_000;
export const defaultLockTimeoutMs = 2_000;

/** Wraps a runner so each statement is logged with its duration; never parameter values. */
export function loggingRunner(runner: StatementRunner, log: ((line: string) => void) | undefined, label: string): StatementRunner {
  if (!log) return runner;
  return {
    async run(sql, params, options) {
      const started = performance.now();
      const oneLine = sql.replace(/\s+/g, ' ').trim();
      const paramNote = params && params.length > 0 ? ` [${params.length} parameter${params.length === 1 ? '' : 's'}]` : '';
      try {
        const rows = await runner.run(sql, params, options);
        log(`[${label}] ${(performance.now() - started).toFixed(1)} ms: ${oneLine}${paramNote}`);
        return rows;
      } catch (err) {
        const code = (err as { code?: string } | null)?.code;
        log(`[${label}] failed after ${(performance.now() - started).toFixed(1)} ms${code ? ` (${code})` : ''}: ${oneLine}${paramNote}`);
        throw err;
      }
    },
  };
}

function timeoutValue(ms: number | undefined, fallback: number, name: string): number {
  const value = ms ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TunerError('bad-input', `${name} must be a whole number of milliseconds ≥ 0 (0 = no limit), not ${String(ms)}.`);
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

  let volatilityOf;
  if (analyze) {
    const names = calledFunctions(request.sql);
    if (names.length > 0) {
      try {
        const rows = await runner.run(volatilityQuery, [[...new Set(names.map((n) => n.name))]]);
        volatilityOf = volatilityLookup(rows.map((r) => ({ schema: String(r.schema), name: String(r.name), provolatile: String(r.provolatile) })));
      } catch (err) {
        throw statementError(err, errorContext);
      }
    }
  }
  const { wrapper } = requireSafeForExplain(request.sql, { analyze, volatilityOf });
  const params = request.params && request.params.length > 0 ? request.params : undefined;
  const built = buildExplainStatement(request.sql, {
    analyze,
    versionNum: server.versionNum,
    genericPlan: request.genericPlan,
    hasParamValues: params !== undefined,
  });

  let planJson: string;
  let failed = false;
  try {
    throwIfAborted(signal);
    // One round trip for the three: without parameters both drivers send a multi-statement string as one simple
    // query, which the server runs in order and stops at the first error (then the ROLLBACK below clears it).
    // The timeouts are validated whole numbers, so nothing from the caller is spliced into SQL text.
    // pg_stat_statements keeps each statement's text up to its semicolon: each carries the tunerTag there.
    await runner.run(
      `${wrapper === 'rolled-back-transaction' ? 'BEGIN' : 'BEGIN READ ONLY'} ${tunerTag}; ` +
        `SET LOCAL statement_timeout = ${statementTimeoutMs} ${tunerTag}; SET LOCAL lock_timeout = ${lockTimeoutMs}`,
    );
    throwIfAborted(signal);
    let rows: Row[];
    try {
      rows = await runner.run(built.text, params, { jsonAsText: true });
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
      await runner.run('ROLLBACK');
    } catch (rollbackError) {
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
