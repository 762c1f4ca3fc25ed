/**
 * Existing indexes a new one makes redundant: same table and method, their keys a leading prefix of its keys
 * (so every scan they serve it serves, a little larger), their INCLUDE columns among its columns, and no
 * predicate unless the same. Indexes that enforce something (primary key, unique) are never listed: dropping
 * them changes what the table accepts. Listed for the user to judge (their scans since the last reset are shown);
 * nothing is dropped.
 */
import type { IndexInfo } from '../../db/catalog';
import type { IndexCandidate } from '../indexSuggestion';
import { normalizeSqlText } from './existingCoverage';
import { qualifiedName } from './identifiers';

export interface RedundantIndex {
  name: string;
  schema: string;
  definition: string;
  sizeBytes: number;
  /** idx_scan since statistics were last reset, when readable. */
  scans?: number;
  reason: string;
  /** `DROP INDEX CONCURRENTLY …;`, text for the user once the new index is in place. */
  dropSql: string;
}

export function indexesMadeRedundant(candidate: IndexCandidate, existing: readonly IndexInfo[]): RedundantIndex[] {
  const keys = candidate.keys.map((k) => normalizeSqlText(k.column ?? k.expression ?? ''));
  const columns = new Set([...keys, ...candidate.include.map(normalizeSqlText)]);
  const out: RedundantIndex[] = [];
  for (const index of existing) {
    if (!index.valid || index.unique || index.primary) continue;
    if (index.table !== candidate.table || (candidate.schema && index.schema !== candidate.schema)) continue;
    if (index.method !== candidate.method || index.name === candidate.name) continue;
    if (index.predicate) {
      if (!candidate.predicate || normalizeSqlText(index.predicate) !== normalizeSqlText(candidate.predicate)) continue;
    } else if (candidate.predicate) continue;
    const have = index.keyColumns.map(normalizeSqlText);
    if (have.length === 0 || have.length > keys.length || !have.every((k, i) => keys[i] === k)) continue;
    // A key of another operator class serves other scans (`email text_pattern_ops` no ORDER BY email, the
    // default no LIKE 'abc%' under ICU): neither replaces the other.
    const sameOpclasses = have.every(
      (_, i) => index.method !== 'btree' || (index.keyOpclasses?.[i] ?? '') === (candidate.keys[i].opclass ?? ''),
    );
    if (!sameOpclasses) continue;
    if (!index.includeColumns.every((c) => columns.has(normalizeSqlText(c)))) continue;
    out.push({
      name: index.name,
      schema: index.schema,
      definition: index.definition,
      sizeBytes: index.sizeBytes,
      scans: index.scans,
      reason: `its key${have.length > 1 ? 's' : ''} (${index.keyColumns.join(', ')}) lead${have.length > 1 ? '' : 's'} ${candidate.name}: every scan it serves, the new index serves`,
      dropSql: `DROP INDEX CONCURRENTLY ${qualifiedName(index.schema, index.name)};`,
    });
  }
  return out;
}
