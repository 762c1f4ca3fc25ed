/** Estimated B-tree bloat: leaf pages emptied by deletes and updates stay allocated until a rebuild. */
import { formatBytes, formatShare } from '../../text/formatNumbers';
import { estimateBtreePages, type ColumnWidth } from '../bloatEstimate';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { userSchemaFilter } from '../indexInventory';

interface IndexWidthRow extends Record<string, unknown> {
  schema: string;
  index: string;
  table: string;
  qualified: string;
  entries: number;
  pages: number;
  fillfactor: number;
  block_size: number;
  keys: ColumnWidth[];
  keys_with_stats: number;
  key_count: number;
}

export const indexBloat: HealthCheck = {
  id: 'index-bloat',
  title: 'Index bloat (estimated, B-tree)',
  weight: 6,
  async run({ session, thresholds }) {
    // Expression keys (attnum 0) have no table column statistics: such indexes are not estimated.
    const rows = await session.query<IndexWidthRow>(
      `
SELECT n.nspname::text AS schema, ic.relname::text AS index, t.relname::text AS "table",
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(ic.relname) AS qualified,
       ic.reltuples::float8 AS entries, ic.relpages::float8 AS pages,
       coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(ic.reloptions) o WHERE o.option_name = 'fillfactor'), '90')::int AS fillfactor,
       pg_catalog.current_setting('block_size')::int AS block_size,
       coalesce(json_agg(json_build_object('avgWidth', s.avg_width, 'nullFrac', s.null_frac, 'typlen', ty.typlen, 'typalign', ty.typalign)
                ORDER BY k.ord) FILTER (WHERE s.attname IS NOT NULL), '[]') AS keys,
       count(s.attname)::int AS keys_with_stats, count(*)::int AS key_count
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
LEFT JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname AND NOT s.inherited
WHERE i.indisvalid AND ${userSchemaFilter('n')}
  AND ic.relpages::float8 * pg_catalog.current_setting('block_size')::float8 >= $1
GROUP BY n.nspname, ic.relname, t.relname, ic.reltuples, ic.relpages, ic.reloptions
ORDER BY n.nspname, ic.relname`,
      [thresholds.bloatMinBytes],
    );
    const findings: HealthFinding[] = [];
    let unestimated = 0;
    for (const r of rows) {
      if (r.entries < 0 || r.keys_with_stats < r.key_count) {
        unestimated++;
        continue;
      }
      const e = estimateBtreePages(r.entries, r.pages, r.keys, r.fillfactor, r.block_size);
      const bloatBytes = e.bloatPages * r.block_size;
      if (e.ratio < thresholds.bloatRatio || bloatBytes < thresholds.bloatMinBytes) continue;
      findings.push({
        checkId: 'index-bloat',
        severity: e.ratio >= 0.7 && bloatBytes >= 1024 ** 3 ? 'critical' : 'warning',
        key: `${r.schema}.${r.index}`,
        title: `Index ${r.index} on ${r.table} is about ${formatShare(e.ratio)} bloat (${formatBytes(bloatBytes)})`,
        target: { kind: 'index', schema: r.schema, name: r.index, table: r.table, qualified: r.qualified },
        explanation:
          'Index pages emptied by updates and deletes stay part of the index; scans walk more pages than the entries need and the cache holds less.',
        evidence: [
          { label: 'Actual size', value: formatBytes(r.pages * r.block_size) },
          { label: 'Expected for its entries', value: formatBytes(e.expectedPages * r.block_size) },
          { label: 'Entries (estimate)', value: Math.round(r.entries) },
        ],
        suggestion: `Rebuild ${r.index} without blocking writes.`,
        fix: {
          ddl: `REINDEX INDEX CONCURRENTLY ${r.qualified};`,
          rollback: '-- Nothing to undo: REINDEX builds the same index again.',
        },
        risk:
          'REINDEX CONCURRENTLY needs disk for a second copy while it runs and takes longer than a plain REINDEX; if it fails it leaves an ' +
          'invalid "_ccnew" index to drop. The estimate can be off by 10–20%.',
      });
    }
    const notes =
      unestimated > 0
        ? [`${unestimated} B-tree index(es) not estimated: expression keys or no column statistics.`]
        : [];
    return { findings, notes };
  },
};
