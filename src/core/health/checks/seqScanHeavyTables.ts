/**
 * Tables that sequential scans read many rows of (pg_stat_user_tables.seq_tup_read): a missing index or a
 * query that cannot use one. The DDL depends on the queries, so the fix points at them. The scans pg-tuner's
 * own measurements made (ownScans.ts) are taken off first: a table scanned heavily only by us is not reported,
 * only named in a note, and a finding says how many of the scans were ours.
 */
import { formatBytes, formatCount } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { userSchemaFilter } from '../indexInventory';

interface SeqScanRow extends Record<string, unknown> {
  schema: string;
  table: string;
  qualified: string;
  seq_scan: number;
  seq_tup_read: number;
  idx_scan: number | null;
  live_rows: number;
  table_bytes: number;
}

export const seqScanHeavyTables: HealthCheck = {
  id: 'seq-scan-heavy-table',
  title: 'Tables read by large sequential scans',
  weight: 10,
  async run({ session, thresholds, ownScans }) {
    const rows = await session.query<SeqScanRow>(
      `
SELECT s.schemaname::text AS schema, s.relname::text AS "table",
       pg_catalog.quote_ident(s.schemaname) || '.' || pg_catalog.quote_ident(s.relname) AS qualified,
       s.seq_scan::float8 AS seq_scan, s.seq_tup_read::float8 AS seq_tup_read, s.idx_scan::float8 AS idx_scan,
       s.n_live_tup::float8 AS live_rows, pg_catalog.pg_relation_size(s.relid)::float8 AS table_bytes
FROM pg_catalog.pg_stat_user_tables s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
WHERE ${userSchemaFilter('n')} AND s.seq_scan > 0 AND s.seq_tup_read >= $1 AND s.seq_tup_read / s.seq_scan >= $2
ORDER BY s.seq_tup_read DESC`,
      [thresholds.seqScanRowsRead, thresholds.seqScanRowsPerScan],
    );
    const findings: HealthFinding[] = [];
    const onlyOurs: string[] = [];
    for (const raw of rows) {
      // Matched by schema and name, or by name alone for plans that did not name the schema; never more than the counter.
      const mine = [ownScans?.get(`${raw.schema}.${raw.table}`), ownScans?.get(`.${raw.table}`)];
      const ourScans = Math.min(
        raw.seq_scan,
        mine.reduce((n, t) => n + (t?.seqScans ?? 0), 0),
      );
      const ourRows = Math.min(
        raw.seq_tup_read,
        mine.reduce((n, t) => n + (t?.seqRowsRead ?? 0), 0),
      );
      const r = { ...raw, seq_scan: raw.seq_scan - ourScans, seq_tup_read: raw.seq_tup_read - ourRows };
      if (
        r.seq_scan <= 0 ||
        r.seq_tup_read < thresholds.seqScanRowsRead ||
        r.seq_tup_read / r.seq_scan < thresholds.seqScanRowsPerScan
      ) {
        onlyOurs.push(
          `${r.table} (${formatCount(ourScans)} of its ${formatCount(raw.seq_scan)} scans, ${formatCount(ourRows)} rows)`,
        );
        continue;
      }
      const perScan = r.seq_tup_read / r.seq_scan;
      const ours =
        ourScans > 0
          ? ` pg-tuner's own measurements made ${formatCount(ourScans)} more (${formatCount(ourRows)} rows), not counted here.`
          : '';
      findings.push({
        checkId: 'seq-scan-heavy-table',
        severity: r.seq_tup_read >= 100 * thresholds.seqScanRowsRead ? 'critical' : 'warning',
        key: `${r.schema}.${r.table}`,
        title: `Sequential scans of ${r.table} read ${formatCount(r.seq_tup_read)} rows (${formatCount(r.seq_scan)} scans)`,
        target: { kind: 'table', schema: r.schema, name: r.table, qualified: r.qualified },
        explanation:
          `Queries read ${r.table} from start to end ${formatCount(r.seq_scan)} times, about ${formatCount(perScan)} rows each time. ` +
          'When they keep only a few of those rows, an index on their filter columns would read far less.' +
          ours,
        evidence: [
          { label: 'Sequential scans', value: r.seq_scan },
          { label: 'Rows read by them', value: r.seq_tup_read },
          { label: 'Rows per scan', value: Math.round(perScan) },
          { label: 'Index scans', value: r.idx_scan ?? 0 },
          { label: 'Table size', value: formatBytes(r.table_bytes) },
          ...(ourScans > 0 ? [{ label: "pg-tuner's own sequential scans (not counted)", value: ourScans }] : []),
        ],
        suggestion: `Find the statements that scan ${r.table} (pg-tuner top --by reads), explain them and add the index the advisor proposes.`,
        risk: 'An index speeds selective queries but costs writes and space; a query that needs most of the table is right to scan it.',
      });
    }
    const notes =
      onlyOurs.length > 0
        ? [
            `Not reported: sequential scans of ${onlyOurs.join(', ')} were pg-tuner's own (its EXPLAIN ANALYZE runs, timed measurements and what-if index builds); without them the table is under the thresholds.`,
          ]
        : [];
    return { findings, notes };
  },
};
