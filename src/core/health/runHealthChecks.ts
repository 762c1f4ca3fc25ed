/**
 * Runs the health checks over one session, read-only: catalog and statistics views only. A check whose
 * view this role may not read is skipped with a note instead of failing the report.
 */
import type { DatabaseSession } from '../db/session';
import { TunerError } from '../errors';
import { severityOrder } from '../insights/insight';
import { shortServerVersion } from '../text/formatNumbers';
import type { HealthCheckId, HealthCheckResult, HealthContext, HealthResult } from './healthFinding';
import { healthChecks } from './healthChecks';
import { checkPenalty, healthScore, scoreRule } from './healthScore';
import { readIndexInventory, type IndexEntry } from './indexInventory';
import { defaultHealthThresholds, type HealthThresholds } from './thresholds';
import { databaseKey, type OwnScanLedger, type TableScans } from '../db/ownScans';

export interface HealthOptions {
  thresholds?: Partial<HealthThresholds>;
  /** Run only these checks (default all). */
  only?: HealthCheckId[];
  /** Checked between checks. */
  signal?: AbortSignal;
  /** pg-tuner's own measurement scans, recorded as they ran: subtracted from the tables' counters. */
  ownScans?: OwnScanLedger;
}

function skipReason(err: unknown): string | undefined {
  if (!(err instanceof TunerError)) return undefined;
  if (err.detail.code === '42501') return `skipped: this role may not read what the check needs (${err.message}).`;
  return undefined;
}

export async function runHealthChecks(session: DatabaseSession, options: HealthOptions = {}): Promise<HealthResult> {
  const started = performance.now();
  const thresholds: HealthThresholds = { ...defaultHealthThresholds, ...options.thresholds };
  const server = await session.serverInfo();
  const [meta] = await session.query<{ database: string; stats_since: string | null }>(`
SELECT pg_catalog.current_database()::text AS database,
       (SELECT to_char(d.stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM pg_catalog.pg_stat_database d
        WHERE d.datname = pg_catalog.current_database()) AS stats_since`);
  let indexes: Promise<IndexEntry[]> | undefined;
  // Only what was recorded since this database's statistics were last reset is still in its counters.
  let ownScans = new Map<string, TableScans>();
  if (options.ownScans && session.kind === 'server')
    ownScans = options.ownScans.totals(await databaseKey(session), meta.stats_since ?? undefined);
  const context: HealthContext = {
    session,
    thresholds,
    ownScans,
    database: meta.database,
    shared: { indexes: () => (indexes ??= readIndexInventory(session)) },
  };
  const checks: HealthCheckResult[] = [];
  for (const check of healthChecks) {
    if (options.only && !options.only.includes(check.id)) continue;
    if (options.signal?.aborted) throw new TunerError('cancelled', 'The health check was cancelled.');
    const checkStarted = performance.now();
    try {
      const outcome = await check.run(context);
      const findings = outcome.findings;
      checks.push({
        id: check.id,
        title: check.title,
        weight: check.weight,
        status: findings.length > 0 ? 'findings' : 'ok',
        findings,
        notes: outcome.notes ?? [],
        penalty: checkPenalty(findings),
        ms: performance.now() - checkStarted,
      });
    } catch (err) {
      const reason = skipReason(err);
      if (!reason) throw err;
      if (
        check.id === 'unindexed-foreign-key' ||
        check.id === 'unused-index' ||
        check.id === 'redundant-index' ||
        check.id === 'invalid-index'
      ) {
        indexes = undefined; // a failed shared read is retried by the next check that needs it
      }
      checks.push({
        id: check.id,
        title: check.title,
        weight: check.weight,
        status: 'skipped',
        findings: [],
        notes: [reason],
        penalty: 0,
        ms: performance.now() - checkStarted,
      });
    }
  }
  const findings = checks
    .flatMap((c) => c.findings)
    .sort((a, b) => severityOrder[b.severity] - severityOrder[a.severity]);
  return {
    database: meta.database,
    serverVersion: shortServerVersion(server.versionText),
    serverVersionNum: server.versionNum,
    checkedAt: new Date().toISOString(),
    statsSince: meta.stats_since ?? undefined,
    score: healthScore(checks),
    scoreRule,
    checks,
    findings,
    notes: checks.filter((c) => c.status === 'skipped').map((c) => `${c.title}: ${c.notes.join(' ')}`),
    ms: performance.now() - started,
  };
}
