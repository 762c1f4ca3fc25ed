/**
 * Foreign keys with no index on the referencing columns: every DELETE or key UPDATE on the referenced table
 * scans the referencing table to check for rows, and joins along the key cannot use an index. An index
 * counts when its leading key columns are exactly the foreign key's columns, in any order.
 */
import { indexName, quoteIdentifier } from '../../advice/index/identifiers';
import { formatBytes } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import type { IndexEntry } from '../indexInventory';
import { userSchemaFilter } from '../indexInventory';

interface ForeignKeyRow extends Record<string, unknown> {
  schema: string;
  table: string;
  table_oid: number;
  qualified_table: string;
  name: string;
  columns: string[];
  attnums: number[];
  referenced: string;
  rows: number;
  table_bytes: number;
}

/** True when some valid, non-partial index starts with exactly these columns (in any order). */
export function hasSupportingIndex(attnums: readonly number[], indexes: readonly IndexEntry[]): boolean {
  const wanted = new Set(attnums);
  return indexes.some((index) => {
    if (!index.valid || index.predicate !== null || index.keyAttnums.length < wanted.size) return false;
    const leading = index.keyAttnums.slice(0, wanted.size);
    return leading.every((a) => wanted.has(a)) && new Set(leading).size === wanted.size;
  });
}

export const foreignKeysSql = `
SELECT n.nspname::text AS schema, t.relname::text AS "table", t.oid::int8::float8 AS table_oid,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.relname) AS qualified_table,
       con.conname::text AS name,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       con.conkey::int[] AS attnums,
       con.confrelid::regclass::text AS referenced,
       greatest(t.reltuples, 0)::float8 AS rows,
       pg_catalog.pg_relation_size(t.oid)::float8 AS table_bytes
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class t ON t.oid = con.conrelid AND t.relkind = 'r'
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND ${userSchemaFilter('n')}
ORDER BY n.nspname, t.relname, con.conname`;

export const unindexedForeignKeys: HealthCheck = {
  id: 'unindexed-foreign-key',
  title: 'Foreign keys without an index',
  weight: 12,
  async run({ session, shared }) {
    const [keys, indexes] = [await session.query<ForeignKeyRow>(foreignKeysSql), await shared.indexes()];
    const byTable = new Map<number, IndexEntry[]>();
    for (const index of indexes) byTable.set(index.tableOid, [...(byTable.get(index.tableOid) ?? []), index]);
    const taken = new Set(indexes.map((i) => i.name));
    const findings: HealthFinding[] = [];
    for (const fk of keys) {
      if (hasSupportingIndex(fk.attnums, byTable.get(fk.table_oid) ?? [])) continue;
      const name = indexName(fk.table, fk.columns, 'idx', taken);
      taken.add(name);
      const qualifiedIndex = `${quoteIdentifier(fk.schema)}.${quoteIdentifier(name)}`;
      const columnList = fk.columns.map(quoteIdentifier).join(', ');
      findings.push({
        checkId: 'unindexed-foreign-key',
        severity: fk.rows >= 10_000 ? 'warning' : 'info',
        key: `${fk.schema}.${fk.table}.${fk.name}`,
        title: `Foreign key ${fk.name} on ${fk.table} (${fk.columns.join(', ')}) has no index`,
        target: {
          kind: 'foreign-key',
          schema: fk.schema,
          name: fk.name,
          table: fk.table,
          qualified: fk.qualified_table,
        },
        explanation:
          `Deleting or changing a key in ${fk.referenced} makes PostgreSQL look for referencing rows in ${fk.table}; ` +
          'with no index on the referencing columns that is a sequential scan per row, and joins on the key cannot use an index either.',
        evidence: [
          { label: 'Referencing columns', value: fk.columns.join(', ') },
          { label: 'References', value: fk.referenced },
          { label: 'Rows in the referencing table (estimate)', value: Math.round(fk.rows) },
          { label: 'Table size', value: formatBytes(fk.table_bytes) },
        ],
        suggestion: `Create an index on ${fk.table} (${fk.columns.join(', ')}).`,
        fix: {
          ddl: `CREATE INDEX CONCURRENTLY ${qualifiedIndex} ON ${fk.qualified_table} (${columnList});`,
          rollback: `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedIndex};`,
        },
        risk:
          'CREATE INDEX CONCURRENTLY does not block reads or writes but takes longer and cannot run inside a transaction; ' +
          'if it fails it leaves an invalid index to drop. The index costs disk space and a little time on every write to the table.',
      });
    }
    return { findings };
  },
};
