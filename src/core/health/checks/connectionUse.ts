/** Client connections in use against max_connections, for the whole server (they share one limit). */
import { formatShare } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';

interface ConnectionRow extends Record<string, unknown> {
  used: number;
  max_connections: number;
  reserved: number;
  idle: number;
}

export const connectionUse: HealthCheck = {
  id: 'connection-use',
  title: 'Connection use',
  weight: 6,
  async run({ session, thresholds }) {
    const [row] = await session.query<ConnectionRow>(`
-- Other roles' sessions hide backend_type from a role without pg_read_all_stats; those in a database count.
SELECT count(*) FILTER (WHERE a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.datid IS NOT NULL))::int AS used,
       count(*) FILTER (WHERE a.backend_type = 'client backend' AND a.state = 'idle')::int AS idle,
       pg_catalog.current_setting('max_connections')::int AS max_connections,
       pg_catalog.current_setting('superuser_reserved_connections')::int AS reserved
FROM pg_catalog.pg_stat_activity a`);
    const available = Math.max(1, row.max_connections - row.reserved);
    const share = row.used / available;
    const findings: HealthFinding[] = [];
    if (share >= thresholds.connectionWarnRatio) {
      findings.push({
        checkId: 'connection-use',
        severity: share >= thresholds.connectionCriticalRatio ? 'critical' : 'warning',
        key: 'server:connections',
        title: `${row.used} of ${available} connections in use (${formatShare(share)})`,
        target: { kind: 'server', name: 'max_connections' },
        explanation:
          'When the limit is reached new connections are refused. Many connections also cost memory and lock contention; most of them are often idle.',
        evidence: [
          { label: 'Client connections', value: row.used },
          { label: 'Of which idle', value: row.idle },
          { label: 'max_connections', value: row.max_connections },
          { label: 'superuser_reserved_connections', value: row.reserved },
        ],
        suggestion:
          'Put a connection pooler (PgBouncer in transaction mode) in front, or shrink the application pools, rather than raising max_connections.',
        risk: 'Transaction pooling breaks session state (SET, advisory locks, prepared statements without protocol support); raising max_connections needs a restart and memory per connection.',
      });
    }
    return { findings };
  },
};
