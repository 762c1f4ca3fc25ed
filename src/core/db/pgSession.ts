/**
 * DatabaseSession over a PostgreSQL server through one `pg` Client. An abort cancels the running
 * statement on the server with pg_cancel_backend() from a second, short-lived connection.
 */
import { Client, type ClientConfig, type QueryConfig, type QueryResult } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import type { TunerError } from '../errors';
import type { ExplainResult } from './session';
import { parseIntoClientConfig } from 'pg-connection-string';
import { severalResultsError, type Row, type RunOptions } from './explainRunner';
import { connectionError, statementError } from './databaseErrors';
import { SerialSession } from './serialSession';
import { tagged } from './tunerTag';
import { rollbackAndUnlock } from './nonTransactional';

/** Where a server is and how to reach it. */
export interface ServerAddress {
  /** postgres://user:password@host:port/db?sslmode=…; the fields below override its parts. */
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: boolean | ConnectionOptions;
  /** Shown in messages instead of user@host:port/db. */
  label?: string;
}

export interface PgSessionConfig extends ServerAddress {
  /** Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Each statement and its duration; never parameter values or passwords. */
  log?: (line: string) => void;
}

const passthroughParser = (value: string): string => value;

export class PgSession extends SerialSession {
  readonly kind = 'server' as const;
  private broken: TunerError | undefined;

  private constructor(
    private readonly client: Client,
    private readonly clientConfig: ClientConfig,
    /** The server process behind this connection, which pg_cancel_backend() stops. */
    readonly backendPid: number,
    label: string,
    target: string,
    log: ((line: string) => void) | undefined,
  ) {
    super({ label, target, closedMessage: `The session to ${label} is closed.`, log });
    client.on('error', (err) => {
      // An idle connection that the server drops emits 'error'; remember it instead of crashing.
      this.broken = connectionError(err, this.errorContext());
    });
  }

  protected async runStatement(sql: string, params?: unknown[], options?: RunOptions): Promise<Row[]> {
    if (this.broken) throw this.broken;
    const mode = options?.mode ?? 'extended';
    // pg ≥ 8.23 reads queryMode; @types/pg does not declare it yet. 'extended' makes the server refuse a
    // second statement in the text (see SendMode).
    const config: QueryConfig & { queryMode?: 'extended' } = {
      text: tagged(sql),
      values: params,
      // EXPLAIN's json column comes back as the server sent it, not parsed.
      types: options?.jsonAsText ? { getTypeParser: () => passthroughParser } : undefined,
    };
    if (mode === 'extended') config.queryMode = 'extended';
    // A simple query with several statements resolves to one result per statement.
    const result = (await this.client.query<Row>(config)) as QueryResult<Row> | Array<QueryResult<Row>>;
    if (!Array.isArray(result)) return result.rows;
    if (mode !== 'script') throw severalResultsError(result.length);
    return result[result.length - 1]?.rows ?? [];
  }

  protected end(): Promise<void> {
    return this.client.end();
  }

  static async connect(config: PgSessionConfig): Promise<PgSession> {
    // pg lets a connection string win over separate fields; we promise the opposite, so parse it first.
    const clientConfig: ClientConfig = {
      ...(config.connectionString ? parseIntoClientConfig(config.connectionString) : {}),
      connectionTimeoutMillis: config.connectTimeoutMs ?? 10_000,
      application_name: 'pg-query-tuner',
    };
    if (config.host !== undefined) clientConfig.host = config.host;
    if (config.port !== undefined) clientConfig.port = config.port;
    if (config.database !== undefined) clientConfig.database = config.database;
    if (config.user !== undefined) clientConfig.user = config.user;
    if (config.password !== undefined) clientConfig.password = config.password;
    if (config.ssl !== undefined) clientConfig.ssl = config.ssl;
    const client = new Client(clientConfig);
    // pg has resolved the connection string and the PG* environment into these fields.
    const target = `${client.user ?? ''}@${client.host}:${client.port}/${client.database ?? ''}`;
    const label = config.label ?? target;
    const started = performance.now();
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw connectionError(err, { target });
    }
    let backendPid: number;
    try {
      const pidRows = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
      backendPid = pidRows.rows[0].pid;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw connectionError(err, { target });
    }
    config.log?.(`[${label}] connected in ${(performance.now() - started).toFixed(1)} ms (backend pid ${backendPid})`);
    return new PgSession(client, clientConfig, backendPid, label, target, config.log);
  }

  protected override async explainInTurn(explain: () => Promise<ExplainResult>, signal: AbortSignal | undefined): Promise<ExplainResult> {
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      cancelling ??= this.cancelOnServer();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await explain();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (cancelling) {
        // Settle the cancel before the next statement so it cannot hit that one, and clear a transaction
        // a late cancel may have left open (a ROLLBACK outside one is only a warning).
        await cancelling;
        await this.runner.run(rollbackAndUnlock, undefined, { mode: 'script' }).catch(() => undefined);
      }
    }
  }

  /** pg_cancel_backend() from a second connection: the protocol's own way to stop a running statement. */
  private async cancelOnServer(): Promise<void> {
    const pid = this.backendPid;
    const canceller = new Client({ ...this.clientConfig, application_name: 'pg-query-tuner cancel' });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
    } catch {
      // statement_timeout still stops the statement; the caller has already been told it is cancelled.
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  execute(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      try {
        // Scripts of our own (fixtures, schema set-up), never a user's statement: several statements allowed.
        await this.runner.run(sql, undefined, { mode: 'script' });
      } catch (err) {
        throw statementError(err, this.errorContext());
      }
    });
  }
}
