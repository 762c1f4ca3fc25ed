/**
 * Turns driver errors (pg's DatabaseError, PGlite's error, Node socket errors) into TunerErrors with a
 * sentence a user can act on; the server's code, hint and position go into the detail.
 */
import { TunerError } from '../errors';
import { offsetFromServerPosition } from '../positions';
import type { SslMode } from './sslModes';

/** pg's error when the server answers the SSLRequest with 'N'. */
export function isTlsRefused(err: unknown): boolean {
  return err instanceof Error && err.message === 'The server does not support SSL connections';
}

/**
 * detail.code of failures the client finds itself (they have no SQLSTATE): front ends word them by this code,
 * never by the message text.
 */
export const clientFailureCodes = {
  /** The server asks for a password and none was given. */
  noPassword: 'pg-tuner:no-password',
  /** No answer within the client-side bound: the connection was closed. */
  noAnswer: 'pg-tuner:no-answer',
  /** sslmode asks for TLS and the server does not offer it. */
  tlsRefused: 'pg-tuner:tls-refused',
  /** The server's certificate failed the check sslmode asks for. */
  tlsCertificate: 'pg-tuner:tls-certificate',
} as const;

interface DriverError {
  message?: string;
  code?: string;
  hint?: string;
  detail?: string;
  position?: string | number;
  severity?: string;
}

export interface ErrorContext {
  /** "user@host:port/db" for connection messages. */
  target: string;
  /** Characters of EXPLAIN prefix before the user's text in the statement that failed. */
  prefixLength?: number;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** The caller's AbortSignal fired: a 57014 is then the user's cancel, not a timeout. */
  aborted?: boolean;
  /** For connection messages: the sslmode in force, whether any password was given, the connect bound. */
  sslmode?: SslMode;
  hasPassword?: boolean;
  connectTimeoutMs?: number;
}

function asDriverError(err: unknown): DriverError {
  return err !== null && typeof err === 'object' ? (err as DriverError) : { message: String(err) };
}

export function cancelledError(): TunerError {
  return new TunerError('cancelled', 'Cancelled; the statement was stopped on the server.');
}

/**
 * The task's result, or a prompt 'cancelled' rejection when the signal fires first; the task itself runs
 * on (its session keeps it queued until the server has stopped it and rolled back).
 */
export function rejectOnAbort<T>(task: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return task;
  task.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Node's codes for a server certificate that failed verification. */
const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The session gave up waiting: what happened, and that the server's own timeout still ends the statement, except
 * where a backend does not look for interrupts (a 40,000-term statement compiled by JIT ran 16 minutes past it).
 */
export function noAnswerError(target: string, waitedMs: number, cause?: unknown): TunerError {
  const seconds = Math.round(waitedMs / 100) / 10;
  return new TunerError(
    'connection-failed',
    `No answer from ${target} for ${seconds} s; the connection was closed — the server's statement_timeout ends the statement there, unless the server is busy where it does not look for a cancel (JIT-compiling a very large statement): pg_stat_activity shows it.`,
    { code: clientFailureCodes.noAnswer, cause },
  );
}

/** Errors raised while connecting (before any statement ran). */
export function connectionError(err: unknown, ctx: ErrorContext): TunerError {
  if (err instanceof TunerError) return err;
  const e = asDriverError(err);
  const message = e.message ?? String(err);
  // pg's SCRAM code refuses to start without a password; md5/password logins are refused by the server (28P01).
  const scramWithout = /SCRAM.*client password must be a (non-empty )?string/i.test(message);
  if (scramWithout || (e.code === '28P01' && ctx.hasPassword === false)) {
    return new TunerError(
      'authentication-failed',
      `The server at ${ctx.target} asks for a password${scramWithout ? ' (SCRAM-SHA-256)' : ''} and none was given.`,
      { code: clientFailureCodes.noPassword, cause: err },
    );
  }
  if (isTlsRefused(err)) {
    return new TunerError(
      'connection-failed',
      `The server at ${ctx.target} does not accept TLS connections, and sslmode=${ctx.sslmode ?? 'require'} requires TLS. ` +
        "Use sslmode=prefer (TLS when the server offers it, else unencrypted) or sslmode=disable, or turn on ssl in the server's postgresql.conf.",
      { code: clientFailureCodes.tlsRefused, cause: err },
    );
  }
  if (e.code && certificateCodes.has(e.code)) {
    return new TunerError(
      'connection-failed',
      `The server at ${ctx.target} presented a certificate that sslmode=${ctx.sslmode ?? 'verify-full'} does not accept (${message}). ` +
        'Give its CA certificate as sslrootcert=<file> (or PGSSLROOTCERT), or use sslmode=require to encrypt without verifying the server.',
      { code: clientFailureCodes.tlsCertificate, cause: err },
    );
  }
  if (/^timeout expired$|connection timeout/i.test(message)) {
    const seconds =
      ctx.connectTimeoutMs !== undefined ? ` within ${Math.round(ctx.connectTimeoutMs / 100) / 10} s` : '';
    return new TunerError(
      'connection-failed',
      `Could not connect to PostgreSQL at ${ctx.target}${seconds}: no answer. Check the host, port and network/firewall.`,
      { code: clientFailureCodes.noAnswer, cause: err },
    );
  }
  switch (e.code) {
    case '28P01':
    case '28000':
      return new TunerError(
        'authentication-failed',
        `The server at ${ctx.target} refused the login: ${message}. Check the user name and password (or pg_hba.conf).`,
        { code: e.code, hint: e.hint, cause: err },
      );
    case '3D000':
      return new TunerError(
        'connection-failed',
        `Connected to ${ctx.target}, but ${message}. Check the database name.`,
        {
          code: e.code,
          cause: err,
        },
      );
    case 'ECONNREFUSED':
      return new TunerError(
        'connection-failed',
        `Could not connect to PostgreSQL at ${ctx.target}: connection refused. Is the server running and listening on that host and port?`,
        { code: e.code, cause: err },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TunerError(
        'connection-failed',
        `Could not connect to PostgreSQL at ${ctx.target}: the host name was not found.`,
        {
          code: e.code,
          cause: err,
        },
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TunerError(
        'connection-failed',
        `Could not reach PostgreSQL at ${ctx.target} (${e.code}). Check the host, port and network/firewall.`,
        {
          code: e.code,
          cause: err,
        },
      );
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) return statementError(err, ctx);
  return new TunerError('connection-failed', `Could not connect to PostgreSQL at ${ctx.target}: ${message}`, {
    code: e.code,
    cause: err,
  });
}

/** Errors raised by a statement. */
export function statementError(err: unknown, ctx: ErrorContext): TunerError {
  if (err instanceof TunerError) return err;
  const e = asDriverError(err);
  const message = e.message ?? String(err);
  const code = e.code;
  if (code === '57014') {
    if (ctx.aborted) return cancelledError();
    if (/statement timeout/i.test(message)) {
      return new TunerError(
        'timeout',
        `The statement ran longer than ${ctx.statementTimeoutMs === undefined ? "the server's statement_timeout" : `statement_timeout (${ctx.statementTimeoutMs} ms)`} and was stopped; raise the timeout to let it finish.`,
        { code, cause: err },
      );
    }
    return new TunerError('cancelled', `The statement was cancelled on the server: ${message}`, { code, cause: err });
  }
  if (code === '55P03') {
    return new TunerError(
      'timeout',
      `The statement waited longer than ${ctx.lockTimeoutMs === undefined ? "the server's lock_timeout" : `lock_timeout (${ctx.lockTimeoutMs} ms)`} for a lock held by another session; retry later or raise the lock timeout.`,
      { code, cause: err },
    );
  }
  // A server's ERROR response leaves the session usable, even with an 08 code: 08P01 is also what Bind says
  // to a statement whose $n have no values, and that is no lost connection (a FATAL one is).
  if (code && code.startsWith('08') && e.severity !== 'ERROR') {
    return new TunerError('connection-failed', `Lost the connection to ${ctx.target}: ${message}`, {
      code,
      cause: err,
    });
  }
  if (!code && /Connection terminated|connection.*(closed|ended)|not queryable/i.test(message)) {
    return new TunerError('connection-failed', `Lost the connection to ${ctx.target}: ${message}`, { cause: err });
  }
  const serverOffset = offsetFromServerPosition(e.position);
  let offset: number | undefined;
  if (serverOffset !== undefined) {
    const shifted = serverOffset - (ctx.prefixLength ?? 0);
    offset = shifted >= 0 ? shifted : undefined;
  }
  let text = message;
  if (code === '42P02' || (code === '08P01' && /bind message supplies \d+ parameters/i.test(message)))
    text += '. Give values for the $n parameters (or ask for a generic plan on PostgreSQL 16+).';
  const reason = code === '42601' ? 'syntax-error' : 'server-error';
  return new TunerError(reason, text, { code, hint: e.hint, offset, cause: err });
}
