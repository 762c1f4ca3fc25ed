/**
 * What the server and the embedded session share: one statement at a time on their one connection, the
 * EXPLAIN, catalog and rolled-back transaction procedures, and driver errors turned into TunerErrors.
 * A subclass supplies how a statement runs, how the connection ends, and its own execute().
 */
import { TunerError } from '../errors';
import type { CatalogSnapshot, ServerInfo } from './catalog';
import type {
  DatabaseSession,
  ExplainRequest,
  ExplainResult,
  SessionKind,
  TransactionOptions,
  TransactionScope,
} from './session';
import { runRolledBack, transactionTimeouts } from './rolledBackTransaction';
import { loggingRunner, runExplain } from './explainRunner';
import { type Row, type RunOptions, type StatementRunner } from './statementRunner';
import { readCatalog, readServerInfo } from './catalogQueries';
import { rejectOnAbort, statementError, type ErrorContext } from './databaseErrors';
import { explainJsonScans, type TableScans } from './ownScans';

/** A chain of promises, so explain() and query() calls on one connection never interleave. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface SerialSessionNames {
  label: string;
  /** Where errors say the statement ran ("user@host:port/db"). */
  target: string;
  /** The message of the error a call on a closed session throws. */
  closedMessage: string;
  log: ((line: string) => void) | undefined;
  /**
   * Where the table scans of our own runs of statements go (ownScans.ts), so `health` does not count them as
   * the application's: every EXPLAIN ANALYZE and every rolled-back transaction on this session reports here,
   * whoever asked for it. None: nothing is recorded (the embedded database, whose statistics are all ours).
   */
  recordScans?: (scans: TableScans[]) => void;
}

export abstract class SerialSession implements DatabaseSession {
  abstract readonly kind: SessionKind;
  readonly label: string;
  protected readonly queue = new SerialQueue();
  protected readonly runner: StatementRunner;
  private info: Promise<ServerInfo> | undefined;
  private closed = false;
  private readonly target: string;
  private readonly closedMessage: string;
  private readonly recordScans: ((scans: TableScans[]) => void) | undefined;

  protected constructor(names: SerialSessionNames) {
    this.label = names.label;
    this.recordScans = names.recordScans;
    this.target = names.target;
    this.closedMessage = names.closedMessage;
    this.runner = loggingRunner(
      { run: (sql, params, options) => this.runStatement(sql, params, options) },
      names.log,
      names.label,
    );
  }

  /** Runs one statement on the connection; errors are the driver's own. */
  protected abstract runStatement(sql: string, params?: unknown[], options?: RunOptions): Promise<Row[]>;
  /** Closes the connection, after every queued statement. */
  protected abstract end(): Promise<void>;
  abstract execute(sql: string): Promise<void>;

  /** How the EXPLAIN runs once it is its turn on the connection; a server session also cancels it on abort. */
  protected explainInTurn(
    explain: () => Promise<ExplainResult>,
    _signal: AbortSignal | undefined,
  ): Promise<ExplainResult> {
    return explain();
  }

  protected errorContext(): ErrorContext {
    return { target: this.target };
  }

  protected ensureOpen(): void {
    if (this.closed) throw new TunerError('connection-failed', this.closedMessage);
  }

  serverInfo(): Promise<ServerInfo> {
    this.ensureOpen();
    this.info ??= this.queue
      .run(() => readServerInfo(this.runner))
      .catch((err: unknown) => {
        this.info = undefined;
        throw statementError(err, this.errorContext());
      });
    return this.info;
  }

  async explain(request: ExplainRequest): Promise<ExplainResult> {
    this.ensureOpen();
    const server = await this.serverInfo();
    const task = this.queue.run(async () => {
      const result = await this.explainInTurn(
        () => runExplain({ runner: this.runner, server, errorContext: this.errorContext() }, request),
        request.signal,
      );
      // The plan says what the statement scanned (parallel workers included); a plan without ANALYZE ran nothing.
      if (this.recordScans && request.analyze && !request.genericPlan)
        this.recordScans(explainJsonScans(result.planJson));
      return result;
    });
    return rejectOnAbort(task, request.signal);
  }

  async catalogFor(tables: string[]): Promise<CatalogSnapshot> {
    const server = await this.serverInfo();
    return this.queue
      .run(() => readCatalog(this.runner, server, tables))
      .catch((err: unknown) => {
        throw statementError(err, this.errorContext());
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
    return this.queue
      .run(() => runRolledBack(this.runner, work, options, this.recordScans))
      .catch((err: unknown) => {
        // The timeouts in force, so a timeout's message names its value.
        throw err instanceof TunerError
          ? err
          : statementError(err, {
              ...this.errorContext(),
              ...transactionTimeouts(options),
              aborted: options?.signal?.aborted,
            });
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(() => this.end()).catch(() => undefined);
  }
}
