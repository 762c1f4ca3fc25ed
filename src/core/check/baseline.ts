/**
 * Plan baselines for `pg-tuner check --baseline plans/`: one JSON file per statement, named by the
 * statement's fingerprint (so moving a query to another line or file keeps its baseline), holding the
 * EXPLAIN (FORMAT JSON) plan and, for humans, the SQL and where it was found. Pure: the CLI reads and writes
 * the files.
 */
import type { CheckedStatement } from './checkResult';

export interface BaselineEntry {
  version: 1;
  fingerprint: string;
  sql: string;
  /** Where the statement was when the baseline was taken (for a person reading the file). */
  source: { path: string; line: number };
  totalCost: number;
  /** The EXPLAIN (FORMAT JSON) output as JSON. */
  plan: unknown;
}

/** File name of a statement's baseline in the baseline folder. */
export function baselineFileName(fingerprint: string): string {
  return `${fingerprint.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
}

export function baselineEntryFor(statement: CheckedStatement): BaselineEntry | undefined {
  if (!statement.explained || statement.rawPlan === undefined || statement.totalCost === undefined) return undefined;
  return {
    version: 1,
    fingerprint: statement.fingerprint,
    sql: statement.sql,
    source: { path: statement.location.path, line: statement.location.startLine },
    totalCost: statement.totalCost,
    plan: JSON.parse(statement.rawPlan) as unknown,
  };
}

export function serialiseBaseline(entry: BaselineEntry): string {
  return `${JSON.stringify(entry, null, 2)}\n`;
}

/** A baseline file's entry, or undefined when it is not one (a stray file in the folder is not an error). */
export function parseBaseline(text: string): BaselineEntry | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const e = data as Partial<BaselineEntry>;
  if (e.version !== 1 || typeof e.fingerprint !== 'string' || typeof e.sql !== 'string' || e.plan === undefined)
    return undefined;
  return e as BaselineEntry;
}

/** The plan of an entry as parsePlan takes it. */
export function baselinePlanText(entry: BaselineEntry): string {
  return JSON.stringify(entry.plan);
}
