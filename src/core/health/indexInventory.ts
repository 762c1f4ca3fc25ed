/** Every index of the user's schemas with what the index checks compare, in one catalog query. */
import type { DatabaseSession } from '../db/session';

export interface IndexEntry {
  oid: number;
  schema: string;
  table: string;
  tableOid: number;
  name: string;
  /** `schema.index`, quoted by the server. */
  qualified: string;
  qualifiedTable: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** Key columns in order, as pg_get_indexdef shows them (expressions as text). */
  keyColumns: string[];
  includeColumns: string[];
  /** Table column numbers of the key columns; 0 for an expression. */
  keyAttnums: number[];
  /** Per key: operator class, options (DESC, NULLS FIRST) and collation, compared as text. */
  keyDetail: string[];
  predicate: string | null;
  definition: string;
  sizeBytes: number;
  /** pg_stat_user_indexes.idx_scan; null when not visible. */
  scans: number | null;
  /** The constraint it backs (primary key, unique, exclusion), if any. */
  constraint: string | null;
}

interface IndexRow extends Record<string, unknown> {
  oid: number;
  schema: string;
  table: string;
  table_oid: number;
  name: string;
  qualified: string;
  qualified_table: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  key_columns: string[];
  include_columns: string[];
  key_attnums: number[];
  key_detail: string[];
  predicate: string | null;
  definition: string;
  size_bytes: number;
  scans: number | null;
  constraint: string | null;
}

/** Schemas that are PostgreSQL's own. */
export const userSchemaFilter = (alias: string): string =>
  `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname !~ '^pg_(toast|temp_)'`;

export async function readIndexInventory(session: DatabaseSession): Promise<IndexEntry[]> {
  const rows = await session.query<IndexRow>(`
SELECT i.indexrelid::int8::float8 AS oid, n.nspname::text AS schema, t.relname::text AS "table", t.oid::int8::float8 AS table_oid,
       c.relname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS qualified,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.relname) AS qualified_table,
       am.amname::text AS method, i.indisunique AS "unique", i.indisprimary AS "primary", i.indisvalid AS valid,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS key_columns,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(i.indnkeyatts + 1, i.indnatts) k ORDER BY k) AS include_columns,
       ARRAY(SELECT i.indkey[k]::int FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k) AS key_attnums,
       ARRAY(SELECT i.indclass[k]::text || '/' || i.indoption[k]::text || '/' || i.indcollation[k]::text
             FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k) AS key_detail,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       pg_catalog.pg_relation_size(i.indexrelid)::float8 AS size_bytes,
       s.idx_scan::float8 AS scans,
       con.conname::text AS "constraint"
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid AND c.relkind = 'i'
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
WHERE ${userSchemaFilter('n')}
ORDER BY n.nspname, t.relname, c.relname`);
  return rows.map((r) => ({
    oid: r.oid,
    schema: r.schema,
    table: r.table,
    tableOid: r.table_oid,
    name: r.name,
    qualified: r.qualified,
    qualifiedTable: r.qualified_table,
    method: r.method,
    unique: r.unique,
    primary: r.primary,
    valid: r.valid,
    keyColumns: r.key_columns,
    includeColumns: r.include_columns,
    keyAttnums: r.key_attnums,
    keyDetail: r.key_detail,
    predicate: r.predicate,
    definition: r.definition,
    sizeBytes: r.size_bytes,
    scans: r.scans,
    constraint: r.constraint,
  }));
}

/** `CREATE INDEX x ON …` → `CREATE INDEX CONCURRENTLY x ON …`, so a re-creation does not block writes. */
export function concurrentDefinition(definition: string): string {
  return definition.replace(
    /^CREATE (UNIQUE )?INDEX /,
    (_m, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX CONCURRENTLY `,
  );
}
