/**
 * DatabaseSession over a PostgreSQL server through one `pg` Client. An abort cancels the running
 * statement on the server with pg_cancel_backend() from a second, short-lived connection.
 */
import { Client, type ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { TunerError } from '../errors';
import type { CatalogSnapshot, ServerInfo } from './catalog';
import type { DatabaseSession, ExplainRequest, ExplainResult, TransactionOptions, TransactionScope } from './session';
import { parseIntoClientConfig } from 'pg-connection-string';
import { runRolledBack } from './rolledBackTransaction';
import { loggingRunner, runExplain, type Row, type StatementRunner } from './explainRunner';
import { readCatalog, readServerInfo } from './catalogQueries';
import { connectionError, rejectOnAbort, statementError, type ErrorContext } from './databaseErrors';

export interface PgSessionConfig {
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
  /** Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Each statement and its duration; never parameter values or passwords. */
  log?: (line: string) => void;
}

const passthroughParser = (value: string): string => value;

/** A chain of promises, so explain() and query() calls on one connection never interleave. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class PgSession implements DatabaseSession {
  readonly kind = 'server' as const;
  private info: Promise<ServerInfo> | undefined;
  private readonly queue = new SerialQueue();
  private readonly runner: StatementRunner;
  private broken: TunerError | undefined;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly clientConfig: ClientConfig,
    /** The server process behind this connection, which pg_cancel_backend() stops. */
    readonly backendPid: number,
    readonly label: string,
    private readonly target: string,
    log: ((line: string) => void) | undefined,
  ) {
    const raw: StatementRunner = {
      run: async (sql, params, options) => {
        if (this.broken) throw this.broken;
        const result = await this.client.query<Row>({
          text: sql,
          values: params,
          // EXPLAIN's json column comes back as the server sent it, not parsed.
          types: options?.jsonAsText ? { getTypeParser: () => passthroughParser } : undefined,
        });
        return result.rows;
      },
    };
    this.runner = loggingRunner(raw, log, label);
    client.on('error', (err) => {
      // An idle connection that the server drops emits 'error'; remember it instead of crashing.
      this.broken = connectionError(err, this.errorContext());
    });
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

  private errorContext(): ErrorContext {
    return { target: this.target };
  }

  private ensureOpen(): void {
    if (this.closed) throw new TunerError('connection-failed', `The session to ${this.label} is closed.`);
  }

  serverInfo(): Promise<ServerInfo> {
    this.ensureOpen();
    this.info ??= this.queue.run(() => readServerInfo(this.runner)).catch((err: unknown) => {
      this.info = undefined;
      throw statementError(err, this.errorContext());
    });
    return this.info;
  }

  async explain(request: ExplainRequest): Promise<ExplainResult> {
    this.ensureOpen();
    const server = await this.serverInfo();
    const task = this.queue.run(async () => {
      const signal = request.signal;
      let cancelling: Promise<void> | undefined;
      const onAbort = (): void => {
        cancelling ??= this.cancelOnServer();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await runExplain({ runner: this.runner, server, errorContext: this.errorContext() }, request);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (cancelling) {
          // Settle the cancel before the next statement so it cannot hit that one, and clear a transaction
          // a late cancel may have left open (a ROLLBACK outside one is only a warning).
          await cancelling;
          await this.runner.run('ROLLBACK').catch(() => undefined);
        }
      }
    });
    return rejectOnAbort(task, request.signal);
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

  catalogFor(tables: string[]): Promise<CatalogSnapshot> {
    this.ensureOpen();
    return this.serverInfo().then((server) =>
      this.queue.run(() => readCatalog(this.runner, server, tables)).catch((err: unknown) => {
        throw statementError(err, this.errorContext());
      }),
    );
  }

  execute(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      try {
        await this.runner.run(sql);
      } catch (err) {
        throw statementError(err, this.errorContext());
      }
    });
  }

  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    this.ensureOpen();
    return this.queue.run(async () => {
      try {
        return (await this.runner.run(sql, params)) as R[];
      } catch (err) {
        throw statementError(err, this.errorContext());
      }
    });
  }

  inTransaction<T>(work: (tx: TransactionScope) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.ensureOpen();
    return this.queue.run(() => runRolledBack(this.runner, work, options)).catch((err: unknown) => {
      throw err instanceof TunerError ? err : statementError(err, this.errorContext());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(() => this.client.end()).catch(() => undefined);
  }
}
