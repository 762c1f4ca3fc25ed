/**
 * pg_stat_statements renamed its columns over the years (1.8: total_time → total_exec_time; 1.11:
 * blk_read_time → shared_blk_read_time). We read the view's columns from the catalog and pick, for each
 * figure, the name this installation has, so one query text serves PostgreSQL 12 to 18.
 */

/** The figures we read, each with the column names that held it, newest first. */
const figureColumns = {
  totalTime: ['total_exec_time', 'total_time'],
  meanTime: ['mean_exec_time', 'mean_time'],
  minTime: ['min_exec_time', 'min_time'],
  maxTime: ['max_exec_time', 'max_time'],
  stddevTime: ['stddev_exec_time', 'stddev_time'],
  planTime: ['total_plan_time'],
  calls: ['calls'],
  rows: ['rows'],
  sharedBlocksHit: ['shared_blks_hit'],
  sharedBlocksRead: ['shared_blks_read'],
  tempBlocksRead: ['temp_blks_read'],
  tempBlocksWritten: ['temp_blks_written'],
  blockReadTime: ['shared_blk_read_time', 'blk_read_time'],
} as const;

export type StatementFigure = keyof typeof figureColumns;

export interface StatementColumns {
  /** Column name per figure; absent when this version does not have it (planning time before 1.8). */
  figures: Partial<Record<StatementFigure, string>>;
  /** `toplevel` exists from 1.9 (PostgreSQL 14). */
  hasToplevel: boolean;
}

export function chooseStatementColumns(present: Iterable<string>): StatementColumns {
  const names = new Set(present);
  const figures: Partial<Record<StatementFigure, string>> = {};
  for (const [figure, candidates] of Object.entries(figureColumns) as Array<[StatementFigure, readonly string[]]>) {
    const found = candidates.find((c) => names.has(c));
    if (found) figures[figure] = found;
  }
  return { figures, hasToplevel: names.has('toplevel') };
}

/** The figures every supported version has; without them the view is not one we understand. */
export const requiredFigures: StatementFigure[] = [
  'totalTime',
  'meanTime',
  'calls',
  'rows',
  'sharedBlocksRead',
  'tempBlocksWritten',
];
