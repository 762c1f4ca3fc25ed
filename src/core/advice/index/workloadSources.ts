/**
 * Where a workload comes from: the statements of `.sql` files (each as written), or pg_stat_statements' top
 * statements by total time. pg_stat_statements keeps normalised texts (`$1` for every constant); a statement
 * with `$n` is given values only from a copy with values that the caller found (the workspace's, by
 * fingerprint), never guessed. The rest are planned generically on PostgreSQL 16+ or skipped, by the advisor.
 */
import type { DatabaseSession } from '../../db/session';
import { lineColumnAt } from '../../positions';
import { splitStatements } from '../../sql/splitStatements';
import { loadTopQueries, type TopStatement, type WorkloadNote } from '../../workload/topQueries';

/** One statement of a workload, as found. */
export interface WorkloadEntry {
  /** Stable within one run: `#3` (rank in pg_stat_statements) or `queries/report.sql:12`. */
  id: string;
  /** The text to run: as written, or a copy with values in place of pg_stat_statements' `$n`. */
  sql: string;
  origin: WorkloadOrigin;
  /** Where the values came from when `sql` is a copy of a normalised text ("src/orders.ts:14"). */
  valuesFrom?: string;
}

export type WorkloadOrigin =
  | { kind: 'file'; path: string; line: number }
  /** Given as a list (an agent's workload): its 1-based position. */
  | { kind: 'given'; position: number }
  | {
      kind: 'pg_stat_statements';
      queryId: string | null;
      /** The normalised text pg_stat_statements shows. */
      normalised: string;
      calls: number;
      totalTimeMs: number;
      meanTimeMs: number;
    };

/** The statements of `.sql` files, in file order; `line` is 1-based. Needs loadParser() done. */
export function entriesFromFiles(files: ReadonlyArray<{ path: string; text: string }>): WorkloadEntry[] {
  const out: WorkloadEntry[] = [];
  for (const file of files) {
    for (const statement of splitStatements(file.text)) {
      const sql = statement.text.trim();
      if (sql === '') continue;
      const line = lineColumnAt(file.text, statement.start).line + 1;
      out.push({ id: `${file.path}:${line}`, sql, origin: { kind: 'file', path: file.path, line } });
    }
  }
  return out;
}

export interface StatStatementsOptions {
  /** The top statements by total time that make the workload (default 10). */
  top?: number;
  /**
   * How many statements by total time are searched for writes (INSERT/UPDATE/DELETE) to sample for the write
   * cost, beyond the top ones (default 100).
   */
  writeSearch?: number;
  /** A copy of a normalised statement with values (the workspace's), and where it was found. */
  valuesFor?: (statement: TopStatement) => { sql: string; where: string } | undefined;
}

export interface StatStatementsWorkload {
  status: 'ok' | 'unavailable';
  database: string;
  /** The top statements by total time, then writes further down the list (sampled for the write cost). */
  entries: WorkloadEntry[];
  /** How many of `entries` are the top ones (the rest are writes found further down). */
  topCount: number;
  /** Visible statements pg_stat_statements holds for this database. */
  statementCount: number;
  notes: WorkloadNote[];
}

const writeStart = /^\s*(?:with\b[\s\S]*?\)\s*)?(insert|update|delete)\b/i;

function entryOf(s: TopStatement, valuesFor: StatStatementsOptions['valuesFor']): WorkloadEntry {
  const copy = valuesFor?.(s);
  return {
    id: `#${s.rank}`,
    sql: copy?.sql ?? s.query,
    valuesFrom: copy?.where,
    origin: {
      kind: 'pg_stat_statements',
      queryId: s.queryId,
      normalised: s.query,
      calls: s.calls,
      totalTimeMs: s.totalTimeMs,
      meanTimeMs: s.meanTimeMs,
    },
  };
}

/**
 * The `top` statements by total time (texts visible to this role), then the writes among the next ones up
 * to `writeSearch`: the write cost is measured on the workload's own writes even when none is in the top.
 */
export async function entriesFromStatStatements(
  session: DatabaseSession,
  options: StatStatementsOptions = {},
): Promise<StatStatementsWorkload> {
  const top = options.top ?? 10;
  const result = await loadTopQueries(session, { orderBy: 'total', limit: Math.max(top, options.writeSearch ?? 100) });
  const visible = result.statements.filter((s) => s.textVisible);
  const head = visible.slice(0, top);
  const writes = visible.slice(top).filter((s) => writeStart.test(s.query));
  return {
    status: result.status,
    database: result.database,
    entries: [...head, ...writes].map((s) => entryOf(s, options.valuesFor)),
    topCount: head.length,
    statementCount: result.statementCount,
    notes: result.notes,
  };
}
