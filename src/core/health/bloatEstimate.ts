/**
 * Bloat estimates from the catalog alone (no pgstattuple, no table reads): the pages a relation would need
 * for its live rows, from pg_stats average column widths, alignment and fillfactor, against the pages it has.
 * The approach of the well-known community queries, written here with per-column alignment.
 */

export interface ColumnWidth {
  /** pg_stats.avg_width, bytes. */
  avgWidth: number;
  nullFrac: number;
  /** pg_type.typlen: -1 varlena, -2 cstring, else fixed size. */
  typlen: number;
  /** pg_type.typalign: c, s, i, d. */
  typalign: string;
}

const MAXALIGN = 8;
const PAGE_HEADER = 24;
const LINE_POINTER = 4;
const HEAP_TUPLE_HEADER = 23;
const INDEX_TUPLE_HEADER = 8;
const BTREE_SPECIAL = 16;

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

function alignmentOf(column: ColumnWidth): number {
  // A short varlena (under 127 bytes) has a 1-byte header and is not aligned.
  if (column.typlen === -1 && column.avgWidth < 127) return 1;
  switch (column.typalign) {
    case 'd':
      return 8;
    case 'i':
      return 4;
    case 's':
      return 2;
    default:
      return 1;
  }
}

/** Bytes of the column data of an average row, with alignment padding between columns. */
export function dataWidth(columns: readonly ColumnWidth[]): number {
  let offset = 0;
  for (const c of columns) {
    if (c.nullFrac >= 1) continue;
    offset = alignUp(offset, alignmentOf(c)) + c.avgWidth * (1 - c.nullFrac);
  }
  return offset;
}

export interface PageEstimate {
  expectedPages: number;
  actualPages: number;
  bloatPages: number;
  /** bloatPages / actualPages, 0 when the relation is not larger than expected. */
  ratio: number;
}

function estimate(expected: number, actualPages: number): PageEstimate {
  const expectedPages = Math.max(1, Math.ceil(expected));
  const bloatPages = Math.max(0, actualPages - expectedPages);
  return { expectedPages, actualPages, bloatPages, ratio: actualPages > 0 ? bloatPages / actualPages : 0 };
}

export function estimateTablePages(
  rows: number,
  actualPages: number,
  columns: readonly ColumnWidth[],
  fillfactor: number,
  blockSize: number,
): PageEstimate {
  const hasNulls = columns.some((c) => c.nullFrac > 0);
  const header = alignUp(HEAP_TUPLE_HEADER + (hasNulls ? Math.ceil(columns.length / 8) : 0), MAXALIGN);
  const tuple = alignUp(header + dataWidth(columns), MAXALIGN) + LINE_POINTER;
  const usable = (blockSize - PAGE_HEADER) * (fillfactor / 100);
  const perPage = Math.max(1, Math.floor(usable / tuple));
  return estimate(rows / perPage, actualPages);
}

/** B-tree only: leaf pages for the entries, one internal level's worth on top, and the meta page. */
export function estimateBtreePages(
  entries: number,
  actualPages: number,
  keys: readonly ColumnWidth[],
  fillfactor: number,
  blockSize: number,
): PageEstimate {
  const hasNulls = keys.some((c) => c.nullFrac > 0);
  const header = INDEX_TUPLE_HEADER + (hasNulls ? 4 : 0);
  const tuple = alignUp(header + dataWidth(keys), MAXALIGN) + LINE_POINTER;
  const usable = blockSize - PAGE_HEADER - BTREE_SPECIAL;
  const perLeaf = Math.max(1, Math.floor((usable * fillfactor) / 100 / tuple));
  const leaves = Math.ceil(entries / perLeaf);
  const internal = leaves > 1 ? Math.ceil(leaves / Math.max(2, Math.floor(usable / tuple))) : 0;
  return estimate(leaves + internal + 1, actualPages);
}
