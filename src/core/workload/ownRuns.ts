/**
 * How pg-tuner's own statements are told apart from the application's in pg_stat_statements.
 *
 * pg_stat_statements keys an entry by query id, a hash of the parse tree: comments, spacing and constants do
 * not change it, and the entry keeps the first text it saw. So the tag comment every statement of ours carries
 * (db/tunerTag.ts) is not enough when we run an application's own statement (`pg-tuner loops --measure` runs
 * the loop's queries): our runs would be counted in the application's entry, or — when ours came first — the
 * application's calls would be counted under our tagged text. The extension has no per-application split to
 * fall back on (no application_name in the view).
 *
 * So a statement of the application that we run (not EXPLAIN: its inner statement is nested, toplevel = false,
 * and kept apart from top-level calls on PostgreSQL 14+) is sent wrapped as a subquery: another parse tree,
 * hence its own query id and its own entry, whose text carries our tag. The server then keeps our runs apart
 * by itself, across the CLI and the editor and until the statistics are reset — no record of ours to keep in
 * step. The planner pulls a plain subquery up (and drops a trivial Subquery Scan), so the wrapped run plans and
 * times as the statement does; its rows and their order are the statement's.
 *
 * An entry whose text carries the tag therefore holds our runs only, and is counted as pg-tuner's, not as the
 * user's workload. What this cannot separate is listed in the README's Known limits.
 */
import { tunerTag } from '../db/tunerTag';

/** The alias of the wrapping subquery, which also names the entry as ours to a person reading the view. */
export const ownRunAlias = 'pg_tuner_run';

/** `sql` (one SELECT or VALUES/TABLE/WITH … SELECT, no trailing semicolon needed) as our own run of it. */
export function asOwnRun(sql: string): string {
  const body = sql.replace(/[\s;]+$/, '');
  // On lines of its own, so a trailing `-- comment` in the statement does not swallow the closing parenthesis.
  return `SELECT * FROM (\n${body}\n) AS ${ownRunAlias}`;
}

/** Whether a pg_stat_statements text is one of pg-tuner's own statements. */
export function isOwnStatementText(query: string): boolean {
  return query.includes(tunerTag);
}
