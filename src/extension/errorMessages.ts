/**
 * One sentence a user can act on for each way a core operation fails: what failed, where, what to try.
 * Details (stack, server code, hint) go to the output channel, never into the message. Free of `vscode`.
 */
import { TunerError, type TunerErrorReason } from '../core/errors';
import { clientFailureCodes } from '../core/db/databaseErrors';

export interface FailureContext {
  /** "Explain and Optimize", "Open Plan from File". */
  action: string;
  /** The connection's label, when a database was involved. */
  connection?: string;
}

export function userMessageFor(err: unknown, ctx: FailureContext): string {
  const on = ctx.connection ? ` on ${ctx.connection}` : '';
  if (!(err instanceof TunerError)) {
    const text = err instanceof Error ? err.message : String(err);
    return `${ctx.action} failed${on}: ${firstSentence(text)} See the output for details.`;
  }
  const what = firstSentence(err.message);
  switch (err.detail.code) {
    case clientFailureCodes.noPassword:
      return `${what} Set passwordEnv in the connection's settings to a variable holding it, or run the command again and enter it at the prompt.`;
    case clientFailureCodes.noAnswer:
      return `${err.message} Run the command again to reconnect.`;
    case clientFailureCodes.tlsRefused:
    case clientFailureCodes.tlsCertificate:
      // Both say which sslmode to pick instead; the connection's "sslmode" setting is where it goes.
      return err.message;
  }
  switch (err.reason) {
    case 'syntax-error':
      return `The statement has a syntax error: ${what} Fix it at the marked position and try again.`;
    case 'unsafe-statement':
      return `${what} Use "Explain (estimate only, no ANALYZE)" to see its plan without running it.`;
    case 'not-a-plan':
      return `This is not an EXPLAIN output: ${what} Paste the result of EXPLAIN (FORMAT JSON) or psql's text plan.`;
    case 'connection-failed':
      return `Could not connect${on}: ${what} Check host, port and that the server is running ("Select Connection" to switch).`;
    case 'authentication-failed':
      return `The password for ${ctx.connection ?? 'the connection'} was rejected. Run the command again to enter it anew.`;
    case 'timeout':
      return `The statement ran past its time limit${on}. Try "Explain (estimate only, no ANALYZE)" or raise statementTimeoutMs in the connection settings.`;
    case 'cancelled':
      return `${ctx.action} was cancelled.`;
    case 'server-error':
      return `PostgreSQL refused the statement${on}: ${what}${err.detail.hint ? ` Hint: ${err.detail.hint}` : ''}`;
    case 'bad-input':
      return `${what}`;
  }
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0].trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}

/**
 * Failures that come from what the user gave (the statement, the plan text, a file, the password) or did
 * (cancel): the output says what and where in one line; a stack would only bury it.
 */
const userMistakes: ReadonlySet<TunerErrorReason> = new Set([
  'syntax-error',
  'unsafe-statement',
  'not-a-plan',
  'authentication-failed',
  'bad-input',
  'cancelled',
]);

export interface LogEntry {
  level: 'error' | 'debug';
  text: string;
}

/**
 * What the output channel gets for a failure: one line with the reason, server code, hint and position; the
 * stacks only for what we did not expect (not a TunerError: a bug), and at debug level for the other
 * TunerErrors (connection, timeout, server), whose cause can tell a network or driver problem apart.
 */
export function logEntriesFor(context: string, err: unknown): LogEntry[] {
  if (!(err instanceof TunerError)) {
    return [{ level: 'error', text: `${context}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` }];
  }
  const d = err.detail;
  const parts = [`${context}: [${err.reason}] ${err.message}`];
  if (d.code) parts.push(`code ${d.code}`);
  if (d.hint) parts.push(`hint: ${d.hint}`);
  if (d.offset !== undefined) parts.push(`at offset ${d.offset}`);
  if (d.line !== undefined) parts.push(`at line ${d.line}`);
  const entries: LogEntry[] = [{ level: 'error', text: parts.join('; ') }];
  if (userMistakes.has(err.reason)) return entries;
  if (d.cause instanceof Error && d.cause.stack) entries.push({ level: 'debug', text: `cause: ${d.cause.stack}` });
  if (err.stack) entries.push({ level: 'debug', text: err.stack });
  return entries;
}
