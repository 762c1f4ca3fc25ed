/**
 * Invalid indexes (pg_index.indisvalid = false), left by a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY
 * that failed: the planner never uses them, but writes may still maintain them. One being built right now is
 * also invalid, so those in pg_stat_progress_create_index are left out.
 */
import { formatBytes } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import { concurrentDefinition } from '../indexInventory';

export const invalidIndexes: HealthCheck = {
  id: 'invalid-index',
  title: 'Invalid indexes',
  weight: 6,
  async run({ session, shared }) {
    const building = await session.query<{ oid: number }>(
      'SELECT index_relid::int8::float8 AS oid FROM pg_catalog.pg_stat_progress_create_index WHERE index_relid <> 0',
    );
    const inProgress = new Set(building.map((b) => b.oid));
    const findings = (await shared.indexes())
      .filter((index) => !index.valid && !inProgress.has(index.oid))
      .map((index): HealthFinding => ({
        checkId: 'invalid-index',
        severity: 'warning',
        key: `${index.schema}.${index.name}`,
        title: `Index ${index.name} on ${index.table} is invalid`,
        target: {
          kind: 'index',
          schema: index.schema,
          name: index.name,
          table: index.table,
          qualified: index.qualified,
        },
        explanation:
          'A concurrent index build failed (often a unique index over duplicate values, or a cancelled build) and left this index behind. ' +
          'Queries never use it, but inserts and updates may still write to it.',
        evidence: [
          { label: 'indisvalid', value: 'false' },
          { label: 'Unique', value: index.unique ? 'yes' : 'no' },
          { label: 'Size', value: formatBytes(index.sizeBytes) },
          { label: 'Definition', value: index.definition },
        ],
        suggestion: index.unique
          ? `Drop it, remove the duplicate values in ${index.table}, then create it again; REINDEX INDEX CONCURRENTLY ${index.qualified} works only once the duplicates are gone.`
          : `Drop it and create it again, or rebuild it in place with REINDEX INDEX CONCURRENTLY ${index.qualified}.`,
        fix: {
          ddl: `DROP INDEX CONCURRENTLY ${index.qualified};\n${concurrentDefinition(index.definition)};`,
          rollback: `-- The index was unusable before; if the re-creation fails, drop what it left:\nDROP INDEX CONCURRENTLY IF EXISTS ${index.qualified};`,
        },
        risk: index.unique
          ? 'The re-creation fails again while duplicate values remain, leaving a new invalid index.'
          : 'The re-creation reads the whole table; CONCURRENTLY avoids blocking writes but takes longer.',
      }));
    return { findings };
  },
};
