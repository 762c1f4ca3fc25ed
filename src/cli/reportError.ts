/**
 * Failures as the user should read them: one sentence on stderr, plus for a syntax error the line, the
 * column and a caret under the SQL. The stack only with PG_TUNER_DEBUG=1.
 */
import { TunerError } from '../core/errors';
import { clientFailureCodes } from '../core/db/databaseErrors';
import { lineColumnAt } from '../core/positions';
import type { Colours } from './colours';
import type { ChosenStatement } from './inputs';

/** Where the statement text came from, to turn a statement offset into a line in the user's file. */
export interface ErrorContext {
  statement?: ChosenStatement;
  /** The saved plan being read, to name it when it is not a plan. */
  planPath?: string;
  /** Maps an offset in the SQL sent to the server back to the statement as written (named parameters). */
  toWritten?: (offset: number) => number;
}

/** The offending line with a caret under the column; long lines are cut around the column. */
export function caretExcerpt(text: string, offset: number): { line: number; column: number; excerpt: string } {
  const { line, column } = lineColumnAt(text, offset);
  const lineText = text.split('\n')[line] ?? '';
  const width = 100;
  const from = column > width - 20 ? column - (width - 20) : 0;
  const shown = lineText.slice(from, from + width).replace(/\t/g, ' ');
  const excerpt = `  ${from > 0 ? '…' : ''}${shown}\n  ${from > 0 ? ' ' : ''}${' '.repeat(column - from)}^`;
  return { line: line + 1, column: column + 1, excerpt };
}

export function describeError(err: unknown, ctx: ErrorContext, colours: Colours): string {
  if (!(err instanceof TunerError)) {
    const message = err instanceof Error ? err.message : String(err);
    const stack = process.env.PG_TUNER_DEBUG && err instanceof Error ? `\n${err.stack}` : '';
    return `${colours.red('pg-tuner: unexpected error:')} ${message}${stack}`;
  }
  const lines: string[] = [];
  const statement = ctx.statement;
  if (
    err.reason === 'syntax-error' ||
    (err.detail.offset !== undefined && statement && err.reason === 'server-error')
  ) {
    const written =
      err.detail.offset !== undefined ? (ctx.toWritten ?? ((o: number) => o))(err.detail.offset) : undefined;
    if (statement && written !== undefined) {
      const { line, column, excerpt } = caretExcerpt(statement.sourceText, statement.startInSource + written);
      const where = statement.path ? `${statement.path}:${line}:${column}` : `line ${line}, column ${column}`;
      const what = err.reason === 'syntax-error' ? 'Syntax error' : 'Error';
      lines.push(`${colours.red(`${what} at ${where}:`)} ${err.message}`, excerpt);
    } else {
      lines.push(colours.red(err.message));
    }
  } else if (err.reason === 'not-a-plan') {
    const name = ctx.planPath === undefined ? 'The input' : ctx.planPath === '-' ? 'Standard input' : ctx.planPath;
    const line = err.detail.line !== undefined && !/\bline\b/i.test(err.message) ? ` (line ${err.detail.line})` : '';
    lines.push(`${colours.red('pg-tuner:')} ${name} is not an EXPLAIN plan: ${err.message}${line}`);
  } else {
    lines.push(`${colours.red('pg-tuner:')} ${err.message}`);
  }
  if (err.detail.hint) lines.push(`Hint: ${err.detail.hint}`);
  if (err.detail.code === clientFailureCodes.noPassword) {
    lines.push('Give it in PGPASSWORD, in ~/.pgpass, or in the URL: postgres://user:password@host:port/database.');
  }
  if (process.env.PG_TUNER_DEBUG && err.detail.cause instanceof Error) lines.push(String(err.detail.cause.stack));
  return lines.join('\n');
}
