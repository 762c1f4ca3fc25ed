/**
 * Indexes never scanned since the statistics were reset: they cost every write and their disk space and
 * serve no query. Unique, primary-key and constraint indexes are kept (they enforce rules), so are indexes
 * that alone support a foreign key (used by the referenced table's deletes, which idx_scan does not show),
 * invalid ones (their own check) and redundant ones (the redundant-index check says which to keep).
 */
import { formatBytes } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import type { IndexEntry } from '../indexInventory';
import { concurrentDefinition, userSchemaFilter } from '../indexInventory';
import { findRedundantIndexes } from './redundantIndexes';
import { hasSupportingIndex } from './unindexedForeignKeys';

interface ForeignKeyColumnsRow extends Record<string, unknown> {
  table_oid: number;
  attnums: number[];
}

export const unusedIndexes: HealthCheck = {
  id: 'unused-index',
  title: 'Unused indexes',
  weight: 8,
  async run({ session, shared }) {
    const indexes = await shared.indexes();
    const foreignKeys = await session.query<ForeignKeyColumnsRow>(`
SELECT con.conrelid::int8::float8 AS table_oid, con.conkey::int[] AS attnums
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class t ON t.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND ${userSchemaFilter('n')}`);
    const redundant = new Set(findRedundantIndexes(indexes).map((r) => r.redundant.oid));
    const byTable = new Map<number, IndexEntry[]>();
    for (const index of indexes) byTable.set(index.tableOid, [...(byTable.get(index.tableOid) ?? []), index]);
    const needsForForeignKey = (index: IndexEntry): boolean =>
      foreignKeys.some(
        (fk) =>
          fk.table_oid === index.tableOid &&
          hasSupportingIndex(fk.attnums, [index]) &&
          !hasSupportingIndex(
            fk.attnums,
            (byTable.get(index.tableOid) ?? []).filter((other) => other.oid !== index.oid),
          ),
      );
    const findings: HealthFinding[] = [];
    for (const index of indexes) {
      if (index.scans !== 0 || !index.valid || index.unique || index.primary || index.constraint) continue;
      if (redundant.has(index.oid) || needsForForeignKey(index)) continue;
      findings.push({
        checkId: 'unused-index',
        severity: index.sizeBytes >= 100 * 1024 * 1024 ? 'warning' : 'info',
        key: `${index.schema}.${index.name}`,
        title: `Index ${index.name} on ${index.table} has never been scanned (${formatBytes(index.sizeBytes)})`,
        target: {
          kind: 'index',
          schema: index.schema,
          name: index.name,
          table: index.table,
          qualified: index.qualified,
        },
        explanation:
          'No query has used this index since the statistics were last reset, yet every insert and update of the table maintains it.',
        evidence: [
          { label: 'Index scans', value: 0 },
          { label: 'Size', value: formatBytes(index.sizeBytes) },
          { label: 'Definition', value: index.definition },
        ],
        suggestion: `Drop ${index.name} if it is not used on a replica or by a rare job (monthly reports) either.`,
        fix: {
          ddl: `DROP INDEX CONCURRENTLY ${index.qualified};`,
          rollback: `${concurrentDefinition(index.definition)};`,
        },
        risk:
          'Usage counts are per server and since the last statistics reset: a replica, a recent reset or a rare job may still need it. ' +
          'Re-creating it takes time on a large table.',
      });
    }
    return { findings };
  },
};
