/**
 * From "where the server is" (a postgres:// URL and/or fields, the PG* environment) to the pg ClientConfigs
 * to try, in order. sslmode keeps libpq's meaning: pg reads `prefer`/`require`/`verify-ca` as verify-full
 * and prints a deprecation warning, so the URL's TLS parameters are taken out and turned into an explicit
 * `ssl` object here. Messages about a bad URL never echo its password.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { TunerError } from '../errors';
import { isTlsRefused } from './databaseErrors';

import { isSslMode, sslModes, type SslMode } from './sslModes';

export { isSslMode, sslModes, type SslMode } from './sslModes';

/** Where a server is and how to reach it. */
export interface ServerAddress {
  /** postgres://user:password@host:port/db?sslmode=…; the fields below override its parts. */
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** libpq's meaning; else the URL's sslmode=, else PGSSLMODE, else libpq's default `prefer`. */
  sslmode?: SslMode;
  /** Shown in messages instead of user@host:port/db. */
  label?: string;
}

/** TCP keep-alive probes start after this much idle time, so a dead peer is noticed between statements too. */
export const keepAliveInitialDelayMs = 10_000;

export interface ConnectionPlan {
  /** Tried in order: the next one only when `tryNext` says the previous failed the way sslmode allows. */
  attempts: ClientConfig[];
  sslmode: SslMode;
  /** Whether a password was given anywhere pg looks (field, URL, PGPASSWORD); ~/.pgpass is not known here. */
  hasPassword: boolean;
}

/** URL parameters that are TLS settings: read here, never handed to pg (which would warn about sslmode). */
const tlsParameters = [
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'ssl',
  'uselibpqcompat',
  'sslnegotiation',
] as const;
type TlsParameter = (typeof tlsParameters)[number];

/**
 * The URL with its password (userinfo or `password=` parameter) replaced by ***, for messages. A string that is
 * not even a URL gets the same treatment: anything between the first ':' and the last '@' before '?'.
 */
export function redactUrl(text: string): string {
  // A URL parameter (?password=…) or a libpq key=value pair (password=… or password='…').
  const withoutParam = text.replace(/((?:^|[\s?&])(?:password|sslpassword)\s*=\s*)('[^']*'|[^&#\s]*)/gi, '$1***');
  const queryAt = withoutParam.search(/[?#]/);
  const head = queryAt >= 0 ? withoutParam.slice(0, queryAt) : withoutParam;
  const tail = queryAt >= 0 ? withoutParam.slice(queryAt) : '';
  const at = head.lastIndexOf('@');
  if (at < 0) return withoutParam;
  const schemeEnd = head.indexOf('://');
  const colon = head.indexOf(':', schemeEnd >= 0 ? schemeEnd + 3 : 0);
  if (colon < 0 || colon > at) return withoutParam;
  return `${head.slice(0, colon + 1)}***${head.slice(at)}${tail}`;
}

const urlShape = 'postgres://user:password@host:port/database';

function badUrl(message: string): TunerError {
  return new TunerError('bad-input', message);
}

/** Splits a connection URL into pg's fields (without TLS) and its TLS parameters; throws bad-input for a bad one. */
export function parseServerUrl(url: string): { config: ClientConfig; tls: Partial<Record<TlsParameter, string>> } {
  const text = url.trim();
  const shown = redactUrl(text);
  if (/^[a-z_]+\s*=/i.test(text)) {
    throw badUrl(
      `"${shown}" is a libpq key=value connection string, which is not supported here; write it as a URL: ${urlShape}.`,
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw badUrl(`"${shown}" is not a connection URL; write it as ${urlShape}.`);
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw badUrl(
      `The connection URL "${shown}" is a ${scheme}: URL; a PostgreSQL URL starts with postgres:// or postgresql:// (as libpq's): ${urlShape}.`,
    );
  }
  const queryAt = text.indexOf('?');
  const params = new URLSearchParams(queryAt >= 0 ? text.slice(queryAt + 1) : '');
  const tls: Partial<Record<TlsParameter, string>> = {};
  for (const name of tlsParameters) {
    const value = params.get(name);
    if (value !== null) tls[name] = value;
    params.delete(name);
  }
  const rest = params.toString();
  const withoutTls = queryAt >= 0 ? `${text.slice(0, queryAt)}${rest ? `?${rest}` : ''}` : text;
  let config: ClientConfig;
  try {
    config = parseIntoClientConfig(withoutTls);
  } catch (err) {
    // The parser's own message is "Invalid URL" or "Invalid port: …": never the password, but not actionable alone.
    const why = err instanceof Error && /^Invalid port/.test(err.message) ? ` (${err.message})` : '';
    throw badUrl(
      `The connection URL "${shown}" is malformed${why}. Write it as ${urlShape}; percent-encode @ : / ? # in the user name and password.`,
    );
  }
  if (config.port !== undefined && (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535)) {
    throw badUrl(`The connection URL "${shown}" has port ${String(config.port)}, not a port number (1–65535).`);
  }
  if (tls.sslmode !== undefined && !isSslMode(tls.sslmode)) {
    throw badUrl(
      `The connection URL "${shown}" has sslmode=${tls.sslmode}; libpq's values are ${sslModes.join(', ')}.`,
    );
  }
  return { config, tls };
}

function readPemFile(kind: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string } | null)?.code ?? String(err);
    throw new TunerError('bad-input', `Could not read the ${kind} file ${path} (${code}).`, { cause: err });
  }
}

/** The TLS options of libpq's mode: allow/prefer/require encrypt without checking; verify-ca checks the CA, verify-full also the host name. */
function tlsOptions(mode: SslMode, files: { rootcert?: string; cert?: string; key?: string }): ConnectionOptions {
  const options: ConnectionOptions = {};
  // sslrootcert=system (libpq 16): the system's trusted CAs, which is what Node uses when `ca` is not given.
  const rootcert =
    files.rootcert && files.rootcert !== 'system' ? readPemFile('sslrootcert', files.rootcert) : undefined;
  if (rootcert !== undefined) options.ca = rootcert;
  if (files.cert) options.cert = readPemFile('sslcert', files.cert);
  if (files.key) options.key = readPemFile('sslkey', files.key);
  switch (mode) {
    case 'require':
      // libpq: with a root certificate given, require checks the CA as verify-ca does.
      if (files.rootcert) options.checkServerIdentity = () => undefined;
      else options.rejectUnauthorized = false;
      break;
    case 'verify-ca':
      options.checkServerIdentity = () => undefined;
      break;
    case 'verify-full':
      break;
    default:
      options.rejectUnauthorized = false;
  }
  return options;
}

export interface PlanOptions {
  env: NodeJS.ProcessEnv;
  connectTimeoutMs: number;
  applicationName: string;
}

/** The ClientConfigs to try for an address; throws bad-input for a bad URL, sslmode or certificate file. */
export function planConnection(address: ServerAddress, options: PlanOptions): ConnectionPlan {
  const parsed =
    address.connectionString !== undefined ? parseServerUrl(address.connectionString) : { config: {}, tls: {} };
  const base: ClientConfig = {
    ...parsed.config,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
    application_name: options.applicationName,
  };
  // pg lets a connection string win over separate fields; we promise the opposite, hence fields last.
  if (address.host !== undefined) base.host = address.host;
  if (address.port !== undefined) base.port = address.port;
  if (address.database !== undefined) base.database = address.database;
  if (address.user !== undefined) base.user = address.user;
  if (address.password !== undefined) base.password = address.password;

  const envMode = options.env.PGSSLMODE;
  if (
    address.sslmode === undefined &&
    parsed.tls.sslmode === undefined &&
    envMode !== undefined &&
    envMode !== '' &&
    !isSslMode(envMode)
  ) {
    throw new TunerError('bad-input', `PGSSLMODE is "${envMode}"; libpq's values are ${sslModes.join(', ')}.`);
  }
  const sslmode: SslMode =
    address.sslmode ?? (parsed.tls.sslmode as SslMode | undefined) ?? (isSslMode(envMode) ? envMode : 'prefer');
  const files = {
    rootcert: parsed.tls.sslrootcert ?? (options.env.PGSSLROOTCERT || undefined),
    cert: parsed.tls.sslcert ?? (options.env.PGSSLCERT || undefined),
    key: parsed.tls.sslkey ?? (options.env.PGSSLKEY || undefined),
  };
  // Always an explicit `ssl` (false or an object): left undefined, pg would read PGSSLMODE its own way.
  const plain: ClientConfig = { ...base, ssl: false };
  const attempts: ClientConfig[] = [];
  if (sslmode === 'disable') attempts.push(plain);
  else {
    const encrypted: ClientConfig = { ...base, ssl: tlsOptions(sslmode, files) };
    if (sslmode === 'allow') attempts.push(plain, encrypted);
    else if (sslmode === 'prefer') attempts.push(encrypted, plain);
    else attempts.push(encrypted);
  }
  const password = base.password ?? options.env.PGPASSWORD;
  return { attempts, sslmode, hasPassword: typeof password === 'string' && password !== '' };
}

/**
 * Whether libpq would try the next attempt after this failure: prefer falls back to plain only when the
 * server refuses TLS; allow tries TLS when the plain login is refused (a pg_hba.conf hostssl line).
 */
export function tryNext(sslmode: SslMode, err: unknown): boolean {
  if (sslmode === 'prefer') return isTlsRefused(err);
  if (sslmode === 'allow') return (err as { code?: string } | null)?.code === '28000';
  return false;
}

/** Margin over the server's statement_timeout before the client stops waiting for an answer. */
export const answerMarginMs = 3_000;

/**
 * How long the client waits for the answer to a statement: a little longer than the statement_timeout the
 * server was given (SET LOCAL in our own BEGIN … ROLLBACK), so a healthy server always answers first — with
 * the result or its own timeout — and only a silent network leaves the wait to this bound.
 */
export class AnswerBound {
  private inTransactionMs: number | undefined;

  /**
   * `outsideMs`: the limit for our own statements outside a transaction (catalog reads, the safety checks
   * before BEGIN), which run without a statement_timeout on the server and may rightly take seconds.
   */
  constructor(private readonly outsideMs: number) {}

  /** Follows our own transaction control; user statements are always EXPLAIN …, never BEGIN or SET. */
  note(sql: string): void {
    if (/^\s*(ROLLBACK|COMMIT|END|ABORT|BEGIN)\b/i.test(sql)) this.inTransactionMs = undefined;
    if (!/^\s*(BEGIN|SET)\b/i.test(sql)) return;
    const match = /\bstatement_timeout\s*=\s*(\d+)/i.exec(sql);
    if (match) this.inTransactionMs = Number(match[1]);
  }

  /** ms to wait, or undefined: statement_timeout = 0 (no limit) leaves keep-alive as the only bound. */
  ms(): number | undefined {
    const limit = this.inTransactionMs ?? this.outsideMs;
    return limit === 0 ? undefined : limit + answerMarginMs;
  }
}
