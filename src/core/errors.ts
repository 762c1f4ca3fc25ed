/** Why a core operation failed, so that each front end can word it for its user. */
export type TunerErrorReason =
  | 'syntax-error'
  | 'unsafe-statement'
  | 'not-a-plan'
  | 'connection-failed'
  | 'authentication-failed'
  | 'timeout'
  | 'cancelled'
  | 'server-error'
  | 'bad-input';

/** The one error type the core throws on purpose; anything else is a bug. */
export class TunerError extends Error {
  constructor(
    readonly reason: TunerErrorReason,
    message: string,
    /** Detail for the log: server code, hint, 0-based offset in the SQL text, … */
    readonly detail: TunerErrorDetail = {},
  ) {
    super(message);
    this.name = 'TunerError';
  }
}

export interface TunerErrorDetail {
  code?: string;
  hint?: string;
  /** 0-based character offset in the statement the user gave. */
  offset?: number;
  /** 1-based line in a plan text or file that failed to parse. */
  line?: number;
  cause?: unknown;
}

export function isCancelled(err: unknown): boolean {
  return err instanceof TunerError && err.reason === 'cancelled';
}

/**
 * The statement_timeout stopped the statement (57014; not a lock_timeout, a cancel or another failure): as the
 * session reports it, or as the driver raised it inside a transaction's work (not yet worded).
 */
export function isStatementTimeout(err: unknown): boolean {
  if (err instanceof TunerError) return err.reason === 'timeout' && err.detail.code === '57014';
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === '57014' && typeof message === 'string' && /statement timeout/i.test(message);
}
