/**
 * DatabaseSession over a PostgreSQL server through one `pg` Client. An abort cancels the running
 * statement on the server with pg_cancel_backend() from a second, short-lived connection.
 */
import { Client, type ClientConfig, type QueryConfig, type QueryResult } from 'pg';
import type { TunerError } from '../errors';
import type { ExplainResult } from './session';
import { severalResultsError } from './explainRunner';
import { type Row, type RunOptions } from './statementRunner';
import { connectionError, noAnswerError, statementError } from './databaseErrors';
import { AnswerBound, planConnection, tryNext, type ServerAddress } from './connectionConfig';
import { defaultStatementTimeoutMs } from './explainRunner';
import { SerialSession } from './serialSession';
import { tagged } from './tunerTag';
import { rollbackAndUnlock } from './nonTransactional';
import { databaseKeySql, type OwnScanLedger, type RecordsOwnScans, type TableScans } from './ownScans';

export type { ServerAddress } from './connectionConfig';

export interface PgSessionConfig extends ServerAddress {
  /** Default 10 000 ms, for each connection attempt (sslmode prefer/allow may make two). */
  connectTimeoutMs?: number;
  /** Each statement and its duration; never parameter values or passwords. */
  log?: (line: string) => void;
  /** Called once when the connection breaks (dropped, or no answer within the bound): the owner may reconnect. */
  onBroken?: () => void;
  /** Where the scans of our own EXPLAIN ANALYZE and measurement transactions are recorded (ownScans.ts); none: not. */
  ownScans?: OwnScanLedger;
}

/** How long closing a connection may wait for the server's goodbye before the socket is destroyed. */
const endWithinMs = 2_000;

/**
 * The promise's value, or undefined when `ms` pass first (its late rejection is then swallowed: the caller
 * has moved on and says why).
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  promise.catch(() => undefined);
  let ticker: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    // Counted in ticks, each worth at most twice its interval: time the thread was held (the embedded database
    // loading a schema in the same extension host, a long GC) is not time the server failed to answer. A plain
    // timer would fire ahead of an answer that came meanwhile (Node runs due timers before it reads the sockets),
    // and a connect needs several turns of the loop. On a free thread this ends at `ms`, as a timer would.
    const tickMs = Math.max(1, Math.min(100, ms / 10));
    let waited = 0;
    let last = performance.now();
    ticker = setInterval(() => {
      const now = performance.now();
      waited += Math.min(now - last, 2 * tickMs);
      last = now;
      if (waited < ms) return;
      clearInterval(ticker);
      // One more turn: an answer read in this turn's I/O phase still wins.
      setImmediate(() => resolve(undefined));
    }, tickMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearInterval(ticker);
  }
}

/**
 * pg's own connect timer is a plain timer (see `within`), so it is only a backstop this much later; `within`
 * bounds the connect at the time asked for.
 */
const pgConnectTimerBackstopMs = 30_000;

/** The client config with pg's connect timer moved back to a backstop (see pgConnectTimerBackstopMs). */
function withBackstopTimer(config: ClientConfig): ClientConfig {
  const ms = config.connectionTimeoutMillis;
  return ms ? { ...config, connectionTimeoutMillis: ms + pgConnectTimerBackstopMs } : config;
}

/**
 * client.end() waits for the server to close its side, which a silent network never does: after `ms` the
 * socket is destroyed instead.
 */
async function endWithin(client: Client, ms: number): Promise<void> {
  const ended = await within(
    client.end().then(
      () => true,
      () => true,
    ),
    ms,
  );
  if (!ended) client.connection.stream.destroy();
}

const passthroughParser = (value: string): string => value;

export class PgSession extends SerialSession implements RecordsOwnScans {
  readonly kind = 'server' as const;
  private broken: TunerError | undefined;
  /** The client-side wait for each answer: statement_timeout in force + a margin. */
  private readonly answers = new AnswerBound(defaultStatementTimeoutMs);
  /** execute() runs our own fixtures and schema loads, which may rightly take minutes: no client bound. */
  private runningScript = false;

  private constructor(
    private readonly client: Client,
    private readonly clientConfig: ClientConfig,
    /** The server process behind this connection, which pg_cancel_backend() stops. */
    readonly backendPid: number,
    label: string,
    private readonly where: string,
    log: ((line: string) => void) | undefined,
    private readonly onBroken: (() => void) | undefined,
    private readonly ownScans: { ledger: OwnScanLedger; database: string } | undefined,
  ) {
    super({
      label,
      target: where,
      closedMessage: `The session to ${label} is closed.`,
      log,
      recordScans: ownScans && ((scans) => ownScans.ledger.record(ownScans.database, scans)),
    });
    client.on('error', (err) => {
      // An idle connection that the server drops emits 'error'; remember it instead of crashing.
      this.breakWith(connectionError(err, this.errorContext()));
    });
  }

  /** Our reads outside explain() and inTransaction() (the sample copies: ownScans.ts runRecordedScript). */
  recordOwnScans(scans: readonly TableScans[]): void {
    if (this.ownScans && scans.length > 0) this.ownScans.ledger.record(this.ownScans.database, scans);
  }

  private breakWith(error: TunerError): TunerError {
    if (!this.broken) {
      this.broken = error;
      this.onBroken?.();
    }
    return this.broken;
  }

  /**
   * The statement's answer, or after `ms` without one a closed connection and a message saying so: a
   * silent network drop would otherwise leave the await pending forever. The server's statement_timeout
   * (always shorter than `ms`) still stops the statement there.
   */
  private async answered<T>(query: Promise<T>, ms: number | undefined): Promise<T> {
    if (ms === undefined) return query;
    const answer = await within(
      query.then((value) => ({ value })),
      ms,
    );
    if (answer) return answer.value;
    // pg rejects the pending query once its socket is gone; within() has swallowed that: this error says why.
    const error = this.breakWith(noAnswerError(this.where, ms));
    this.client.connection.stream.destroy();
    throw error;
  }

  protected async runStatement(sql: string, params?: unknown[], options?: RunOptions): Promise<Row[]> {
    if (this.broken) throw this.broken;
    this.answers.note(sql);
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
    if (options?.preparedName) config.name = options.preparedName;
    // A simple query with several statements resolves to one result per statement.
    const result = (await this.answered(
      this.client.query<Row>(config),
      this.runningScript ? undefined : this.answers.ms(),
    )) as QueryResult<Row> | Array<QueryResult<Row>>;
    if (!Array.isArray(result)) return result.rows;
    if (mode !== 'script') throw severalResultsError(result.length);
    return result[result.length - 1]?.rows ?? [];
  }

  protected end(): Promise<void> {
    return endWithin(this.client, endWithinMs);
  }

  static async connect(config: PgSessionConfig): Promise<PgSession> {
    const connectTimeoutMs = config.connectTimeoutMs ?? 10_000;
    const plan = planConnection(config, { env: process.env, connectTimeoutMs, applicationName: 'pg-query-tuner' });
    const started = performance.now();
    for (const [index, clientConfig] of plan.attempts.entries()) {
      const client = new Client(withBackstopTimer(clientConfig));
      // pg has resolved the connection string and the PG* environment into these fields.
      const target = `${client.user ?? ''}@${client.host}:${client.port}/${client.database ?? ''}`;
      const label = config.label ?? target;
      const context = { target, sslmode: plan.sslmode, hasPassword: plan.hasPassword, connectTimeoutMs };
      try {
        const connected = await within(
          client.connect().then(() => true),
          connectTimeoutMs,
        );
        // Said as pg says it, so the message is the one of pg's own timer.
        if (!connected) throw new Error('timeout expired');
      } catch (err) {
        await endWithin(client, endWithinMs);
        if (index < plan.attempts.length - 1 && tryNext(plan.sslmode, err)) continue;
        throw connectionError(err, context);
      }
      let backendPid: number;
      let databaseKey: string;
      try {
        // The ledger's name for this server and database comes in the same round trip.
        const pidRows = await within(
          client.query<{ pid: number; key: string }>(
            `SELECT pg_catalog.pg_backend_pid() AS pid, (${databaseKeySql}) AS key`,
          ),
          connectTimeoutMs,
        );
        if (!pidRows) throw noAnswerError(target, connectTimeoutMs);
        backendPid = pidRows.rows[0].pid;
        databaseKey = pidRows.rows[0].key;
      } catch (err) {
        await endWithin(client, endWithinMs);
        throw connectionError(err, context);
      }
      const tls = clientConfig.ssl ? 'TLS' : 'no TLS';
      config.log?.(
        `[${label}] connected in ${(performance.now() - started).toFixed(1)} ms (backend pid ${backendPid}, sslmode=${plan.sslmode}: ${tls})`,
      );
      const ownScans = config.ownScans && { ledger: config.ownScans, database: databaseKey };
      return new PgSession(client, clientConfig, backendPid, label, target, config.log, config.onBroken, ownScans);
    }
    // planConnection always gives at least one attempt, and the last one returns or throws.
    throw new Error('no connection attempt');
  }

  protected override async explainInTurn(
    explain: () => Promise<ExplainResult>,
    signal: AbortSignal | undefined,
  ): Promise<ExplainResult> {
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
    // The same TLS choice that worked for the session; connectionTimeoutMillis bounds the connect.
    const canceller = new Client(
      withBackstopTimer({ ...this.clientConfig, application_name: 'pg-query-tuner cancel' }),
    );
    try {
      const cancel = async (): Promise<void> => {
        await canceller.connect();
        await canceller.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
      };
      await within(cancel(), this.clientConfig.connectionTimeoutMillis ?? 10_000);
    } catch {
      // statement_timeout still stops the statement; the caller has already been told it is cancelled.
    } finally {
      await endWithin(canceller, endWithinMs);
    }
  }

  execute(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      this.runningScript = true;
      try {
        // Scripts of our own (fixtures, schema set-up), never a user's statement: several statements allowed.
        await this.runner.run(sql, undefined, { mode: 'script' });
      } catch (err) {
        throw statementError(err, this.errorContext());
      } finally {
        this.runningScript = false;
      }
    });
  }
}
