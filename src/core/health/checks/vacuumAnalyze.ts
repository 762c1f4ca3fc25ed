/**
 * Maintenance: tables never analysed (the planner guesses), analysed long ago with many changes since, and
 * tables with a high share of dead rows (VACUUM is not keeping up).
 */
import { formatCount, formatShare } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { userSchemaFilter } from '../indexInventory';

interface MaintenanceRow extends Record<string, unknown> {
  schema: string;
  table: string;
  qualified: string;
  live: number;
  dead: number;
  modified: number;
  last_analyze: string | null;
  analyze_age_days: number | null;
  last_vacuum: string | null;
  autovacuum_enabled: boolean;
}

const never = 'never';

export const vacuumAnalyze: HealthCheck = {
  id: 'vacuum-analyze',
  title: 'Vacuum and analyse',
  weight: 10,
  async run({ session, thresholds }) {
    const rows = await session.query<MaintenanceRow>(`
SELECT s.schemaname::text AS schema, s.relname::text AS "table",
       pg_catalog.quote_ident(s.schemaname) || '.' || pg_catalog.quote_ident(s.relname) AS qualified,
       s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead, s.n_mod_since_analyze::float8 AS modified,
       to_char(greatest(s.last_analyze, s.last_autoanalyze) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS last_analyze,
       extract(epoch FROM now() - greatest(s.last_analyze, s.last_autoanalyze))::float8 / 86400 AS analyze_age_days,
       to_char(greatest(s.last_vacuum, s.last_autovacuum) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS last_vacuum,
       coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_enabled'), 'true')::boolean AS autovacuum_enabled
FROM pg_catalog.pg_stat_user_tables s
JOIN pg_catalog.pg_class c ON c.oid = s.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userSchemaFilter('n')} AND c.relkind IN ('r', 'm')
ORDER BY s.schemaname, s.relname`);
    const findings: HealthFinding[] = [];
    for (const r of rows) {
      const base = { target: { kind: 'table' as const, schema: r.schema, name: r.table, qualified: r.qualified } };
      const autovacuumNote = r.autovacuum_enabled ? [] : [{ label: 'autovacuum_enabled', value: 'false' }];
      const rowsSeen = Math.max(r.live, r.modified);
      if (r.last_analyze === null && rowsSeen >= thresholds.analyzeMinRows) {
        findings.push({
          ...base,
          checkId: 'vacuum-analyze',
          severity: 'warning',
          key: `${r.schema}.${r.table}:never-analysed`,
          title: `${r.table} has never been analysed (${formatCount(rowsSeen)} rows)`,
          explanation:
            'Without statistics the planner guesses row counts and value distributions, which leads to poor join orders and scan choices.',
          evidence: [
            { label: 'Last analyse', value: never },
            { label: 'Rows (estimate)', value: r.live },
            { label: 'Rows changed since analyse', value: r.modified },
            ...autovacuumNote,
          ],
          suggestion: `Run ANALYZE on ${r.table}${r.autovacuum_enabled ? '' : ' and turn autovacuum back on for it'}.`,
          fix: {
            ddl: `ANALYZE ${r.qualified};`,
            rollback: '-- Nothing to undo: ANALYZE only refreshes planner statistics.',
          },
          risk: 'Plans may change (for the better, as a rule) once real statistics exist; ANALYZE reads a sample and takes a light lock.',
        });
      } else if (
        r.analyze_age_days !== null &&
        r.analyze_age_days >= thresholds.staleAnalyzeDays &&
        r.modified >= thresholds.analyzeMinRows &&
        r.modified >= 0.1 * Math.max(r.live, 1)
      ) {
        findings.push({
          ...base,
          checkId: 'vacuum-analyze',
          severity: 'info',
          key: `${r.schema}.${r.table}:stale-analyse`,
          title: `${r.table} was last analysed ${Math.floor(r.analyze_age_days)} days ago; ${formatCount(r.modified)} rows changed since`,
          explanation: 'The planner works from statistics that no longer describe the table.',
          evidence: [
            { label: 'Last analyse', value: r.last_analyze ?? never },
            { label: 'Rows changed since', value: r.modified },
            { label: 'Live rows', value: r.live },
            ...autovacuumNote,
          ],
          suggestion: `ANALYZE ${r.table}, and lower autovacuum_analyze_scale_factor for it if it keeps falling behind.`,
          fix: {
            ddl: `ANALYZE ${r.qualified};`,
            rollback: '-- Nothing to undo: ANALYZE only refreshes planner statistics.',
          },
          risk: 'Plans may change once statistics are current.',
        });
      }
      const total = r.live + r.dead;
      const deadShare = total > 0 ? r.dead / total : 0;
      if (r.dead >= thresholds.deadTupleMin && deadShare >= thresholds.deadTupleRatio) {
        findings.push({
          ...base,
          checkId: 'vacuum-analyze',
          severity: deadShare >= 0.5 ? 'warning' : 'info',
          key: `${r.schema}.${r.table}:dead-tuples`,
          title: `${formatShare(deadShare)} of ${r.table}'s rows are dead (${formatCount(r.dead)})`,
          explanation:
            'Dead row versions from updates and deletes are still in the table: scans read past them until VACUUM clears them.',
          evidence: [
            { label: 'Dead rows', value: r.dead },
            { label: 'Live rows', value: r.live },
            { label: 'Last vacuum', value: r.last_vacuum ?? never },
            ...autovacuumNote,
          ],
          suggestion: `VACUUM ${r.table}${r.autovacuum_enabled ? '; if it recurs, make autovacuum visit it more often (autovacuum_vacuum_scale_factor)' : ' and turn autovacuum back on for it'}.`,
          fix: {
            ddl: `VACUUM (ANALYZE) ${r.qualified};`,
            rollback: '-- Nothing to undo: VACUUM only removes row versions no transaction can see.',
          },
          risk: 'VACUUM reads the table and its indexes and adds I/O while it runs; it does not block reads or writes.',
        });
      }
    }
    return { findings };
  },
};
