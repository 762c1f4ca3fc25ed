/**
 * Sessions of this database running one statement for long, or idle inside an open transaction: both hold
 * back VACUUM's horizon and may hold locks. Other roles' sessions hide their state without pg_read_all_stats.
 */
import { formatMs } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';

interface SessionRow extends Record<string, unknown> {
  pid: number;
  user_name: string | null;
  application: string | null;
  state: string | null;
  query: string | null;
  running_seconds: number | null;
  idle_seconds: number | null;
  xact_seconds: number | null;
  hidden: boolean;
}

function shorten(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export const longRunningSessions: HealthCheck = {
  id: 'long-running-session',
  title: 'Long-running and idle-in-transaction sessions',
  weight: 6,
  async run({ session, thresholds }) {
    const rows = await session.query<SessionRow>(`
SELECT a.pid, a.usename::text AS user_name, a.application_name AS application, a.state, a.query,
       extract(epoch FROM now() - a.query_start)::float8 AS running_seconds,
       extract(epoch FROM now() - a.state_change)::float8 AS idle_seconds,
       extract(epoch FROM now() - a.xact_start)::float8 AS xact_seconds,
       (a.state IS NULL) AS hidden
FROM pg_catalog.pg_stat_activity a
-- Another role's session shows no backend_type to this role; it is counted as hidden.
WHERE a.datname = pg_catalog.current_database() AND (a.backend_type = 'client backend' OR a.backend_type IS NULL)
  AND a.pid <> pg_catalog.pg_backend_pid()
ORDER BY a.pid`);
    const findings: HealthFinding[] = [];
    const hidden = rows.filter((r) => r.hidden);
    for (const r of rows) {
      const who = `pid ${r.pid}${r.user_name ? ` (${r.user_name}${r.application ? `, ${r.application}` : ''})` : ''}`;
      const evidenceBase = [
        { label: 'pid', value: r.pid },
        { label: 'User', value: r.user_name ?? '' },
        { label: 'Statement', value: shorten(r.query ?? '') },
      ];
      if (r.state === 'active' && r.running_seconds !== null && r.running_seconds >= thresholds.longRunningSeconds) {
        findings.push({
          checkId: 'long-running-session',
          severity: r.running_seconds >= 12 * thresholds.longRunningSeconds ? 'critical' : 'warning',
          key: `pid:${r.pid}:active`,
          title: `Statement running for ${formatMs(r.running_seconds * 1000)} in ${who}`,
          target: { kind: 'session', name: String(r.pid) },
          explanation:
            'A long statement keeps its snapshot: VACUUM cannot remove rows deleted since it began, and its locks block DDL.',
          evidence: [...evidenceBase, { label: 'Running for', value: formatMs(r.running_seconds * 1000) }],
          suggestion:
            'Find out whether it is expected (a report, a migration); otherwise cancel it and tune the statement.',
          fix: {
            ddl: `SELECT pg_catalog.pg_cancel_backend(${r.pid});`,
            rollback:
              '-- Cannot be undone: the statement is cancelled and its transaction rolled back; rerun it if it was needed.',
          },
          risk: 'The cancelled work is lost and the client sees an error.',
        });
      } else if (
        r.state?.startsWith('idle in transaction') &&
        r.idle_seconds !== null &&
        r.idle_seconds >= thresholds.idleInTransactionSeconds
      ) {
        findings.push({
          checkId: 'long-running-session',
          severity: r.idle_seconds >= 10 * thresholds.idleInTransactionSeconds ? 'critical' : 'warning',
          key: `pid:${r.pid}:idle-in-transaction`,
          title: `Session ${who} idle in a transaction for ${formatMs(r.idle_seconds * 1000)}`,
          target: { kind: 'session', name: String(r.pid) },
          explanation:
            'An open transaction that does nothing keeps its locks and holds back VACUUM for the whole server; usually an application that forgot to commit.',
          evidence: [
            ...evidenceBase,
            { label: 'State', value: r.state },
            { label: 'Idle for', value: formatMs(r.idle_seconds * 1000) },
            { label: 'Transaction open for', value: formatMs((r.xact_seconds ?? 0) * 1000) },
          ],
          suggestion:
            'Fix the code path that leaves the transaction open; set idle_in_transaction_session_timeout as a backstop.',
          fix: {
            ddl: `SELECT pg_catalog.pg_terminate_backend(${r.pid});`,
            rollback: '-- Cannot be undone: the session ends and its open transaction is rolled back.',
          },
          risk: 'The session is disconnected and its uncommitted work is lost; the application must reconnect.',
        });
      }
    }
    const notes =
      hidden.length > 0
        ? [
            `${hidden.length} session(s) of other roles hide their state and statement from this role (GRANT pg_read_all_stats to see them).`,
          ]
        : [];
    return { findings, notes };
  },
};
