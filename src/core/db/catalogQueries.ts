/**
 * Catalog reads for advice: sizes, activity, indexes and column statistics of given tables. The same
 * queries serve both sessions; they use only columns present in PostgreSQL 12 through 18.
 */
import type { CatalogSnapshot, ColumnStats, IndexInfo, ServerInfo, TableStats } from './catalog';
import type { Row, StatementRunner } from './statementRunner';

/** Settings advice looks at; read by serverInfo(). */
export const relevantSettings = [
  'work_mem',
  'random_page_cost',
  'seq_page_cost',
  'shared_buffers',
  'effective_cache_size',
  'jit',
  'max_parallel_workers_per_gather',
  'default_statistics_target',
  'enable_seqscan',
  'track_io_timing',
];

export async function readServerInfo(runner: StatementRunner): Promise<ServerInfo> {
  const [version] = await runner.run("SELECT current_setting('server_version_num') AS num, version() AS text");
  const extensions = await runner.run('SELECT extname, extversion FROM pg_catalog.pg_extension ORDER BY extname');
  const settings = await runner.run(
    'SELECT name, setting, unit FROM pg_catalog.pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
    [relevantSettings],
  );
  return {
    versionNum: Number(version.num),
    versionText: String(version.text),
    extensions: Object.fromEntries(extensions.map((r) => [String(r.extname), String(r.extversion)])),
    settings: Object.fromEntries(settings.map((r) => [String(r.name), settingText(r)])),
  };
}

/** pg_settings keeps memory in units of 8kB or kB; say it the way postgresql.conf would ("4MB"). */
function settingText(row: Row): string {
  const setting = String(row.setting);
  const unit = row.unit === null || row.unit === undefined ? '' : String(row.unit);
  const m = /^(\d+)(kB|MB)$/.exec(unit);
  if (m && /^-?\d+$/.test(setting)) {
    const kb = Number(setting) * Number(m[1]) * (m[2] === 'MB' ? 1024 : 1);
    if (kb < 0) return setting;
    if (kb % (1024 * 1024) === 0 && kb > 0) return `${kb / (1024 * 1024)}GB`;
    if (kb % 1024 === 0 && kb > 0) return `${kb / 1024}MB`;
    return `${kb}kB`;
  }
  return unit && unit !== '' ? `${setting}${unit}` : setting;
}

/*
 * One statement for the whole snapshot: tables, indexes and column statistics each come back as one JSON
 * array, so a remote server costs one round trip instead of four. Each part keeps the columns and the order
 * of the query it replaced. to_regclass() returns NULL for a name that does not exist, so unknown names simply
 * drop out.
 */
const catalogQuery = `
WITH rel AS (
  SELECT coalesce(array_agg(DISTINCT c.oid), '{}') AS oids, coalesce(array_agg(DISTINCT c.relname), '{}') AS names
  FROM unnest($1::text[]) AS t(name)
  JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)
),
tbl AS (
  SELECT n.nspname AS schema, c.relname AS name,
         c.reltuples::float8 AS reltuples, c.relpages::int8 AS relpages,
         pg_total_relation_size(c.oid)::int8 AS total_bytes, pg_relation_size(c.oid)::int8 AS table_bytes,
         s.last_analyze::text AS last_analyze, s.last_autoanalyze::text AS last_autoanalyze,
         s.n_mod_since_analyze::int8 AS n_mod_since_analyze, s.seq_scan::int8 AS seq_scan,
         s.seq_tup_read::int8 AS seq_tup_read, s.n_tup_ins::int8 AS n_tup_ins,
         s.n_tup_upd::int8 AS n_tup_upd, s.n_tup_del::int8 AS n_tup_del
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
  WHERE c.oid = ANY((SELECT oids FROM rel)::oid[])
),
idx AS (
  SELECT n.nspname AS schema, t.relname AS table_name, i.relname AS name,
         pg_catalog.pg_get_indexdef(x.indexrelid) AS definition, am.amname AS method,
         x.indnkeyatts::int AS key_count,
         ARRAY(SELECT pg_catalog.pg_get_indexdef(x.indexrelid, k, true)
               FROM generate_series(1, x.indnatts::int) AS k ORDER BY k) AS columns,
         -- Per key: its operator class when not the default (text_pattern_ops), and its collation when not the
         -- column's (COLLATE "C"): pg_get_indexdef per column leaves both out.
         ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END
               FROM unnest(x.indclass::oid[]) WITH ORDINALITY AS u(cls, k)
               JOIN pg_catalog.pg_opclass oc ON oc.oid = u.cls ORDER BY u.k) AS key_opclasses,
         ARRAY(SELECT coalesce(co.collname::text, '')
               FROM unnest(x.indcollation::oid[]) WITH ORDINALITY AS u(coll, k)
               LEFT JOIN pg_catalog.pg_collation co ON co.oid = u.coll AND u.coll <> 100 ORDER BY u.k) AS key_collations,
         pg_catalog.pg_get_expr(x.indpred, x.indrelid, true) AS predicate,
         x.indisunique AS is_unique, x.indisprimary AS is_primary, x.indisvalid AS is_valid,
         pg_relation_size(x.indexrelid)::int8 AS size_bytes, s.idx_scan::int8 AS scans
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_am am ON am.oid = i.relam
  LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = x.indexrelid
  WHERE x.indrelid = ANY((SELECT oids FROM rel)::oid[])
),
col AS (
  -- A partitioned parent has only inherited = true statistics; a plain table has inherited = false ones.
  SELECT DISTINCT ON (c.oid, a.attnum)
         c.oid AS rel_oid, a.attnum AS att_num,
         n.nspname AS schema, c.relname AS table_name, a.attname AS column_name,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
         s.null_frac::float8 AS null_frac, s.n_distinct::float8 AS n_distinct, s.correlation::float8 AS correlation
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
  WHERE c.oid = ANY((SELECT oids FROM rel)::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    -- Implied by the join, but without it the planner reads the statistics of every column in the database.
    AND s.tablename = ANY((SELECT names FROM rel)::name[])
  ORDER BY c.oid, a.attnum, s.inherited
)
SELECT
  (SELECT json_agg(tbl ORDER BY tbl.schema, tbl.name) FROM tbl)::text AS tables,
  (SELECT json_agg(idx ORDER BY idx.schema, idx.table_name, idx.name) FROM idx)::text AS indexes,
  (SELECT json_agg(col ORDER BY col.rel_oid, col.att_num) FROM col)::text AS columns`;

/** One json_agg column as rows; NULL (no row matched) is no rows. Text, not json: both drivers pass it as is. */
function jsonRows(value: unknown): Row[] {
  return typeof value === 'string' ? (JSON.parse(value) as Row[]) : [];
}

function num(value: unknown): number {
  return Number(value);
}

function optionalNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

function optionalText(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** Sizes, activity, indexes and column statistics for `tables` (`schema.name` or names on the search_path). */
export async function readCatalog(
  runner: StatementRunner,
  server: ServerInfo,
  tables: string[],
): Promise<CatalogSnapshot> {
  if (tables.length === 0) return { server, tables: [], indexes: [], columns: [] };
  const [snapshot] = await runner.run(catalogQuery, [tables]);
  const tableRows = jsonRows(snapshot?.tables);
  const indexRows = jsonRows(snapshot?.indexes);
  const columnRows = jsonRows(snapshot?.columns);

  const tableStats: TableStats[] = tableRows.map((r) => ({
    schema: String(r.schema),
    name: String(r.name),
    estimatedRows: num(r.reltuples),
    relPages: num(r.relpages),
    totalBytes: num(r.total_bytes),
    tableBytes: num(r.table_bytes),
    lastAnalyze: optionalText(r.last_analyze),
    lastAutoAnalyze: optionalText(r.last_autoanalyze),
    modificationsSinceAnalyze: optionalNum(r.n_mod_since_analyze),
    seqScans: optionalNum(r.seq_scan),
    seqTuplesRead: optionalNum(r.seq_tup_read),
    inserts: optionalNum(r.n_tup_ins),
    updates: optionalNum(r.n_tup_upd),
    deletes: optionalNum(r.n_tup_del),
  }));
  const indexes: IndexInfo[] = indexRows.map((r) => {
    const columns = (r.columns as unknown[]).map(String);
    const keyCount = num(r.key_count);
    return {
      schema: String(r.schema),
      table: String(r.table_name),
      name: String(r.name),
      definition: String(r.definition),
      method: String(r.method),
      keyColumns: columns.slice(0, keyCount),
      keyOpclasses: Array.isArray(r.key_opclasses) ? r.key_opclasses.map(String) : undefined,
      keyCollations: Array.isArray(r.key_collations) ? r.key_collations.map(String) : undefined,
      includeColumns: columns.slice(keyCount),
      predicate: optionalText(r.predicate),
      unique: r.is_unique === true,
      primary: r.is_primary === true,
      valid: r.is_valid === true,
      sizeBytes: num(r.size_bytes),
      scans: optionalNum(r.scans),
    };
  });
  const columns: ColumnStats[] = columnRows.map((r) => ({
    schema: String(r.schema),
    table: String(r.table_name),
    column: String(r.column_name),
    nullFrac: num(r.null_frac),
    nDistinct: num(r.n_distinct),
    correlation: optionalNum(r.correlation),
    dataType: String(r.data_type),
  }));
  return { server, tables: tableStats, indexes, columns };
}
