/**
 * DatabaseSession over an in-process PGlite (PostgreSQL compiled to WASM), the embedded default: on the calling
 * thread, or on a thread of its own (pgliteEngine.ts, pgliteThread.ts).
 *
 * PGlite runs each statement synchronously on its thread, so while one runs nothing else there does: an
 * AbortSignal cannot interrupt it and statement_timeout never fires (WASM has no timer signals). What this session does instead: an abort seen before a statement starts stops it from
 * starting; one raised while it ran is honoured the moment it returns (result discarded, rolled back,
 * 'cancelled'); the database stays usable either way.
 */
import { TunerError } from '../errors';
import { severalResultsError } from './explainRunner';
import { type Row, type RunOptions } from './statementRunner';
import { statementError } from './databaseErrors';
import { SerialSession } from './serialSession';
import { startEngineHere, type PgliteEngine, type StartedEngine } from './pgliteEngine';
import { takeEngineOnThread } from './pgliteThread';

export interface PgliteSessionOptions {
  label?: string;
  log?: (line: string) => void;
  /**
   * The bundled thread script (dist/pgliteWorker.js) to run PGlite on a thread of its own; without it, on the
   * calling thread. The extension gives it: its host is shared by every extension in the window.
   */
  threadScript?: string;
}

export class PgliteSession extends SerialSession {
  readonly kind = 'embedded' as const;
  /** Answers of fixed catalog queries of our own (RunOptions.preparedName), until the next execScript(). */
  private readonly catalogAnswers = new Map<string, Row[]>();

  private constructor(
    private readonly db: PgliteEngine,
    options: PgliteSessionOptions,
  ) {
    const label = options.label ?? 'embedded';
    super({ label, target: label, closedMessage: 'The embedded database is closed.', log: options.log });
  }

  protected async runStatement(sql: string, params?: unknown[], runOptions?: RunOptions): Promise<Row[]> {
    if (runOptions?.preparedName) {
      // The catalog walk before each explain costs tens of ms in WASM. Here the catalog changes only through
      // execute()/execScript() (explained statements are always rolled back), so an answer stays true until then.
      const key = JSON.stringify([sql, params ?? []]);
      const known = this.catalogAnswers.get(key);
      if (known) return known;
      const rows = await this.db.query(sql, params ?? [], false);
      if (this.catalogAnswers.size >= 500) this.catalogAnswers.clear();
      this.catalogAnswers.set(key, rows);
      return rows;
    }
    const jsonAsText = runOptions?.jsonAsText === true;
    const mode = runOptions?.mode ?? 'extended';
    let rows: Row[];
    if (mode === 'extended') {
      // query() is the extended protocol: the server refuses a second statement in the text (see SendMode).
      rows = await this.db.query(sql, params ?? [], jsonAsText);
    } else {
      // exec() is the simple protocol (our own scripts; a generic plan, whose unvalued $n Bind would refuse).
      const results = await this.db.exec(sql, jsonAsText);
      if (results.length > 1 && mode !== 'script') throw severalResultsError(results.length);
      rows = results[results.length - 1] ?? [];
    }
    if (runOptions?.jsonAsText) {
      // Let timers that came due while PGlite held the thread (an abort) run before the result is used.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return rows;
  }

  protected end(): Promise<void> {
    return this.db.close();
  }

  /**
   * A fresh, empty in-memory database: about 1 s to start from the build's prepared data directory, 3–5 s where
   * PGlite runs initdb (from source). On a thread of its own when `threadScript` is given.
   */
  static async create(options: PgliteSessionOptions = {}): Promise<PgliteSession> {
    const started = performance.now();
    let engine: StartedEngine;
    try {
      engine = options.threadScript ? await takeEngineOnThread(options.threadScript) : await startEngineHere();
    } catch (err) {
      throw new TunerError(
        'connection-failed',
        `The embedded PostgreSQL (PGlite) did not start: ${(err as Error).message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    const where = options.threadScript ? ' on its own thread' : '';
    options.log?.(
      `[${options.label ?? 'embedded'}] PGlite started ${engine.how}${where} in ${(performance.now() - started).toFixed(0)} ms`,
    );
    return new PgliteSession(engine.engine, options);
  }

  /** Runs a script of several statements (schema and seed files) with PGlite's simple-protocol exec. */
  execScript(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      this.catalogAnswers.clear();
      await this.db.exec(sql, false);
    });
  }

  execute(sql: string): Promise<void> {
    return this.execScript(sql).catch((err: unknown) => {
      throw statementError(err, this.errorContext());
    });
  }
}
