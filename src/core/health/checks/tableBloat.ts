/** Estimated table bloat: space held by dead rows and free space that VACUUM cannot give back to the OS. */
import { formatBytes, formatShare } from '../../text/formatNumbers';
import { estimateTablePages, type ColumnWidth } from '../bloatEstimate';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { userSchemaFilter } from '../indexInventory';

interface TableWidthRow extends Record<string, unknown> {
  schema: string;
  table: string;
  qualified: string;
  rows: number;
  pages: number;
  fillfactor: number;
  block_size: number;
  columns: ColumnWidth[];
  columns_with_stats: number;
  column_count: number;
}

export const tableWidthsSql = `
SELECT n.nspname::text AS schema, c.relname::text AS "table",
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS qualified,
       c.reltuples::float8 AS rows, c.relpages::float8 AS pages,
       coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor'), '100')::int AS fillfactor,
       pg_catalog.current_setting('block_size')::int AS block_size,
       coalesce(json_agg(json_build_object('avgWidth', s.avg_width, 'nullFrac', s.null_frac, 'typlen', t.typlen, 'typalign', t.typalign)
                ORDER BY a.attnum) FILTER (WHERE s.attname IS NOT NULL), '[]') AS columns,
       count(s.attname)::int AS columns_with_stats, count(*)::int AS column_count
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
WHERE c.relkind IN ('r', 'm') AND ${userSchemaFilter('n')}
  AND c.relpages::float8 * pg_catalog.current_setting('block_size')::float8 >= $1
GROUP BY n.nspname, c.relname, c.reltuples, c.relpages, c.reloptions
ORDER BY n.nspname, c.relname`;

export const tableBloat: HealthCheck = {
  id: 'table-bloat',
  title: 'Table bloat (estimated)',
  weight: 10,
  async run({ session, thresholds }) {
    const rows = await session.query<TableWidthRow>(tableWidthsSql, [thresholds.bloatMinBytes]);
    const findings: HealthFinding[] = [];
    const unanalysed: string[] = [];
    for (const r of rows) {
      if (r.rows < 0 || r.columns_with_stats < r.column_count) {
        unanalysed.push(r.table);
        continue;
      }
      const e = estimateTablePages(r.rows, r.pages, r.columns, r.fillfactor, r.block_size);
      const bloatBytes = e.bloatPages * r.block_size;
      if (e.ratio < thresholds.bloatRatio || bloatBytes < thresholds.bloatMinBytes) continue;
      findings.push({
        checkId: 'table-bloat',
        severity: e.ratio >= 0.7 && bloatBytes >= 1024 ** 3 ? 'critical' : 'warning',
        key: `${r.schema}.${r.table}`,
        title: `${r.table} is about ${formatShare(e.ratio)} bloat (${formatBytes(bloatBytes)})`,
        target: { kind: 'table', schema: r.schema, name: r.table, qualified: r.qualified },
        explanation:
          'Updates and deletes leave dead row versions; VACUUM makes their space reusable but does not shrink the file, so scans read ' +
          'pages that are mostly empty and the cache holds less useful data.',
        evidence: [
          { label: 'Actual size', value: formatBytes(r.pages * r.block_size) },
          { label: 'Expected for its live rows', value: formatBytes(e.expectedPages * r.block_size) },
          { label: 'Live rows (estimate)', value: Math.round(r.rows) },
          { label: 'Fillfactor', value: r.fillfactor },
        ],
        suggestion: `Rewrite ${r.table} to its live rows (VACUUM FULL, or pg_repack without the long lock), then let autovacuum keep up.`,
        fix: {
          ddl: `VACUUM (FULL, ANALYZE) ${r.qualified};`,
          rollback: '-- Nothing to undo: VACUUM FULL rewrites the same rows into a compact file.',
        },
        risk:
          'VACUUM FULL holds an ACCESS EXCLUSIVE lock for the whole rewrite (no reads or writes) and needs free disk for a full copy; ' +
          'use pg_repack on a busy table. An estimate from statistics can be off by 10–20%.',
      });
    }
    const notes =
      unanalysed.length > 0
        ? [
            `No bloat estimate for ${unanalysed.length} table(s) without column statistics (never analysed): ${unanalysed.slice(0, 10).join(', ')}${unanalysed.length > 10 ? ', …' : ''}.`,
          ]
        : [];
    return { findings, notes };
  },
};
