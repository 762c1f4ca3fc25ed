/**
 * Duplicate and prefix-redundant indexes: two indexes of one table with the same method and predicate, where
 * one's keys equal the other's (duplicate) or are a leading part of them (prefix, btree only). The one to drop
 * never backs a constraint and never carries a uniqueness the other lacks.
 */
import { formatBytes, formatCount } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';
import type { IndexEntry } from '../indexInventory';
import { concurrentDefinition } from '../indexInventory';

export interface RedundantIndex {
  kind: 'duplicate' | 'prefix';
  /** The index to drop. */
  redundant: IndexEntry;
  /** The index that serves its queries. */
  kept: IndexEntry;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isPrefix(short: IndexEntry, long: IndexEntry): boolean {
  const n = short.keyColumns.length;
  if (n >= long.keyColumns.length) return false;
  return (
    sameList(short.keyColumns, long.keyColumns.slice(0, n)) && sameList(short.keyDetail, long.keyDetail.slice(0, n))
  );
}

/** Which of two equal indexes to drop; undefined when both must stay (both back constraints). */
function dropOfDuplicates(a: IndexEntry, b: IndexEntry): [IndexEntry, IndexEntry] | undefined {
  if (a.constraint && b.constraint) return undefined;
  if (a.constraint) return [b, a];
  if (b.constraint) return [a, b];
  if (a.unique !== b.unique) return a.unique ? [b, a] : [a, b];
  const scansA = a.scans ?? 0;
  const scansB = b.scans ?? 0;
  if (scansA !== scansB) return scansA < scansB ? [a, b] : [b, a];
  // Equal in every way: keep the older one (lower oid), which existing plans and tooling know.
  return a.oid > b.oid ? [a, b] : [b, a];
}

export function findRedundantIndexes(indexes: readonly IndexEntry[]): RedundantIndex[] {
  const byTable = new Map<number, IndexEntry[]>();
  for (const index of indexes) {
    if (!index.valid) continue;
    byTable.set(index.tableOid, [...(byTable.get(index.tableOid) ?? []), index]);
  }
  const found: RedundantIndex[] = [];
  const dropped = new Set<number>();
  for (const group of byTable.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i];
        const b = group[j];
        if (a.method !== b.method || a.predicate !== b.predicate) continue;
        if (dropped.has(a.oid) || dropped.has(b.oid)) continue;
        if (
          sameList(a.keyColumns, b.keyColumns) &&
          sameList(a.keyDetail, b.keyDetail) &&
          sameList(a.includeColumns, b.includeColumns)
        ) {
          const pair = dropOfDuplicates(a, b);
          if (!pair) continue;
          dropped.add(pair[0].oid);
          found.push({ kind: 'duplicate', redundant: pair[0], kept: pair[1] });
          continue;
        }
        if (a.method !== 'btree') continue;
        for (const [short, long] of [
          [a, b],
          [b, a],
        ] as const) {
          // A unique shorter index enforces something the longer one does not.
          if (short.unique || short.constraint || !isPrefix(short, long)) continue;
          const covered = new Set([...long.keyColumns, ...long.includeColumns]);
          if (!short.includeColumns.every((c) => covered.has(c))) continue;
          dropped.add(short.oid);
          found.push({ kind: 'prefix', redundant: short, kept: long });
          break;
        }
      }
    }
  }
  return found;
}

export const redundantIndexes: HealthCheck = {
  id: 'redundant-index',
  title: 'Duplicate and prefix-redundant indexes',
  weight: 8,
  async run({ shared }) {
    const findings = findRedundantIndexes(await shared.indexes()).map(({ kind, redundant, kept }): HealthFinding => ({
      checkId: 'redundant-index',
      severity: 'warning',
      key: `${redundant.schema}.${redundant.name}`,
      title:
        kind === 'duplicate'
          ? `Index ${redundant.name} duplicates ${kept.name} on ${redundant.table}`
          : `Index ${redundant.name} is a prefix of ${kept.name} on ${redundant.table}`,
      target: {
        kind: 'index',
        schema: redundant.schema,
        name: redundant.name,
        table: redundant.table,
        qualified: redundant.qualified,
      },
      explanation:
        kind === 'duplicate'
          ? `${redundant.name} and ${kept.name} index the same keys the same way; every write maintains both and only one is needed.`
          : `${kept.name} starts with all of ${redundant.name}'s keys, so it can serve the same lookups; ${redundant.name} only costs writes and space.`,
      evidence: [
        { label: 'Redundant', value: `${redundant.name} (${redundant.keyColumns.join(', ')})` },
        { label: 'Covered by', value: `${kept.name} (${kept.keyColumns.join(', ')})` },
        { label: 'Size', value: formatBytes(redundant.sizeBytes) },
        {
          label: 'Scans of the redundant index',
          value: redundant.scans === null ? 'unknown' : formatCount(redundant.scans),
        },
      ],
      suggestion: `Drop ${redundant.name}; queries that used it will use ${kept.name}.`,
      fix: {
        ddl: `DROP INDEX CONCURRENTLY ${redundant.qualified};`,
        rollback: `${concurrentDefinition(redundant.definition)};`,
      },
      risk:
        kind === 'duplicate'
          ? 'None for queries, which use the remaining identical index. Index hints or monitoring that name the dropped index need updating.'
          : `${kept.name} is wider, so a lookup through it reads somewhat more; if ${kept.name} is dropped later, re-create this one.`,
    }));
    return { findings };
  },
};
