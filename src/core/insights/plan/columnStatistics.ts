/** How the statistics advice quotes pg_stats: one column's figures, and n_distinct as a count. */
import type { ColumnStats } from '../../db/catalog';
import { formatCount, formatPercent } from '../../text/formatNumbers';

/** "100 distinct (n_distinct 100), correlation 0.01, null_frac 0": the pg_stats figures a statistics advice rests on. */
export function columnFigures(c: ColumnStats): string {
  const nd =
    c.nDistinct < 0 ? `${formatPercent(-c.nDistinct)} of rows distinct` : `${formatCount(c.nDistinct)} distinct`;
  const corr = c.correlation !== undefined ? `, correlation ${c.correlation.toFixed(2)}` : '';
  return `${nd} (n_distinct ${c.nDistinct})${corr}, null_frac ${c.nullFrac}`;
}

/** Distinct values as a count (pg_stats gives a negative fraction of rows for columns that grow with the table). */
export function distinctCount(c: ColumnStats, rows: number): number {
  return c.nDistinct < 0 ? -c.nDistinct * rows : c.nDistinct;
}
