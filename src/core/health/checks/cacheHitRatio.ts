/** Share of block reads served from shared buffers, for the database and per table, once enough was read. */
import { formatBytes, formatCount, formatShare } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { userSchemaFilter } from '../indexInventory';

interface DatabaseHitRow extends Record<string, unknown> {
  hit: number;
  read: number;
  shared_buffers_bytes: number;
  database_bytes: number;
}

interface TableHitRow extends Record<string, unknown> {
  schema: string;
  table: string;
  qualified: string;
  hit: number;
  read: number;
}

export const cacheHitRatio: HealthCheck = {
  id: 'cache-hit-ratio',
  title: 'Cache hit ratio',
  weight: 10,
  async run({ session, thresholds, database }) {
    const [db] = await session.query<DatabaseHitRow>(`
SELECT d.blks_hit::float8 AS hit, d.blks_read::float8 AS read,
       (SELECT p.setting::float8 * pg_catalog.current_setting('block_size')::float8 FROM pg_catalog.pg_settings p WHERE p.name = 'shared_buffers') AS shared_buffers_bytes,
       pg_catalog.pg_database_size(d.datid)::float8 AS database_bytes
FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database()`);
    const findings: HealthFinding[] = [];
    if (db && db.read >= thresholds.databaseMinBlocksRead) {
      const ratio = db.hit / (db.hit + db.read);
      if (ratio < thresholds.databaseHitRatio) {
        const suggested = Math.min(db.database_bytes, Math.max(db.shared_buffers_bytes * 2, 256 * 1024 * 1024));
        const suggestedMb = Math.ceil(suggested / (1024 * 1024));
        findings.push({
          checkId: 'cache-hit-ratio',
          severity: ratio < thresholds.databaseHitRatio - 0.1 ? 'warning' : 'info',
          key: `database:${database}`,
          title: `Database ${database} finds ${formatShare(ratio)} of blocks in shared buffers`,
          target: { kind: 'database', name: database },
          explanation:
            'Blocks not in shared buffers come from the OS cache or disk. A low ratio means the working set does not fit, or queries read ' +
            'far more than they need (see the sequential scan check).',
          evidence: [
            { label: 'Blocks hit', value: db.hit },
            { label: 'Blocks read', value: db.read },
            { label: 'shared_buffers', value: formatBytes(db.shared_buffers_bytes) },
            { label: 'Database size', value: formatBytes(db.database_bytes) },
          ],
          suggestion:
            'First cut what queries read (indexes for the top statements by reads); then give shared_buffers more memory, up to about 25% of the RAM.',
          fix: {
            ddl: `ALTER SYSTEM SET shared_buffers = '${suggestedMb}MB';  -- takes effect after a restart`,
            rollback: 'ALTER SYSTEM RESET shared_buffers;  -- then restart',
          },
          risk: 'Needs a restart; memory given to shared_buffers is taken from the OS cache and other processes — check the server has it.',
        });
      }
    }
    const tables = await session.query<TableHitRow>(
      `
SELECT s.schemaname::text AS schema, s.relname::text AS "table",
       pg_catalog.quote_ident(s.schemaname) || '.' || pg_catalog.quote_ident(s.relname) AS qualified,
       s.heap_blks_hit::float8 AS hit, s.heap_blks_read::float8 AS read
FROM pg_catalog.pg_statio_user_tables s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
WHERE ${userSchemaFilter('n')} AND s.heap_blks_read >= $1
  AND s.heap_blks_hit::float8 / nullif(s.heap_blks_hit + s.heap_blks_read, 0) < $2
ORDER BY s.heap_blks_read DESC`,
      [thresholds.tableMinBlocksRead, thresholds.tableHitRatio],
    );
    for (const t of tables) {
      const ratio = t.hit / (t.hit + t.read);
      findings.push({
        checkId: 'cache-hit-ratio',
        severity: 'info',
        key: `${t.schema}.${t.table}`,
        title: `${t.table}: ${formatShare(ratio)} of its blocks found in shared buffers (${formatCount(t.read)} read)`,
        target: { kind: 'table', schema: t.schema, name: t.table, qualified: t.qualified },
        explanation: `Reads of ${t.table} mostly miss the cache: usually large scans of it, which an index or a smaller result would avoid.`,
        evidence: [
          { label: 'Heap blocks hit', value: t.hit },
          { label: 'Heap blocks read', value: t.read },
        ],
        suggestion: `Look at the statements that read ${t.table} (pg-tuner top --by reads).`,
        risk: 'None from looking; caching a table that is scanned in full only moves the problem.',
      });
    }
    return { findings };
  },
};
