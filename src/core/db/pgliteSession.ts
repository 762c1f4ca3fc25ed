/**
 * DatabaseSession over an in-process PGlite (PostgreSQL compiled to WASM), the embedded default.
 *
 * PGlite runs each statement synchronously on the calling thread, so while one runs nothing else in the
 * process does: an AbortSignal cannot interrupt it and statement_timeout never fires (WASM has no timer
 * signals). What this session does instead: an abort seen before a statement starts stops it from
 * starting; one raised while it ran is honoured the moment it returns (result discarded, rolled back,
 * 'cancelled'); the database stays usable either way.
 */
import type { PGlite as PGliteType } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TunerError } from '../errors';
import type { CatalogSnapshot, ServerInfo } from './catalog';
import type { DatabaseSession, ExplainRequest, ExplainResult, TransactionOptions, TransactionScope } from './session';
import { runRolledBack } from './rolledBackTransaction';
import { loggingRunner, runExplain, type Row, type StatementRunner } from './explainRunner';
import { readCatalog, readServerInfo } from './catalogQueries';
import { rejectOnAbort, statementError, type ErrorContext } from './databaseErrors';

export interface PgliteSessionOptions {
  label?: string;
  log?: (line: string) => void;
}

const jsonOid = 114;
const passthroughParser = (value: string): string => value;

// require(), not import: esbuild then bundles PGlite's CJS build, whose own paths use __filename; its ESM
// build calls createRequire(import.meta.url), which is undefined in our CJS bundle and fails at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
type PGlite = PGliteType;

interface PgliteArtifacts {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

const artifactFiles = ['pglite.wasm', 'initdb.wasm', 'pglite.data'];
let artifacts: Promise<PgliteArtifacts> | undefined;

/**
 * PGlite's own lookup uses import.meta.url, which is empty once esbuild turns its ESM build into our
 * CJS bundle; so we find the files ourselves: beside the running bundle (dist/, where the build copies
 * them), else in node_modules (tests run from source). Compiled once per process.
 */
function loadArtifacts(): Promise<PgliteArtifacts> {
  artifacts ??= (async () => {
    const candidates = [__dirname];
    try {
      candidates.push(dirname(require.resolve('@electric-sql/pglite')));
    } catch {
      // Bundled without node_modules: only the copies beside the bundle exist.
    }
    const dir = candidates.find((d) => artifactFiles.every((f) => existsSync(join(d, f))));
    if (!dir) {
      throw new Error(`PGlite's files (${artifactFiles.join(', ')}) were not found in ${candidates.join(' or ')}`);
    }
    const [pglite, initdb, data] = await Promise.all(artifactFiles.map((f) => readFile(join(dir, f))));
    return {
      pgliteWasmModule: await WebAssembly.compile(pglite),
      initdbWasmModule: await WebAssembly.compile(initdb),
      fsBundle: new Blob([data]),
    };
  })();
  artifacts.catch(() => {
    artifacts = undefined;
  });
  return artifacts;
}

class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class PgliteSession implements DatabaseSession {
  readonly kind = 'embedded' as const;
  readonly label: string;
  private info: Promise<ServerInfo> | undefined;
  private readonly queue = new SerialQueue();
  private readonly runner: StatementRunner;
  private closed = false;

  private constructor(
    private readonly db: PGlite,
    options: PgliteSessionOptions,
  ) {
    this.label = options.label ?? 'embedded';
    const raw: StatementRunner = {
      run: async (sql, params, runOptions) => {
        const queryOptions = runOptions?.jsonAsText ? { parsers: { [jsonOid]: passthroughParser } } : undefined;
        let rows: Row[];
        if (params && params.length > 0) {
          rows = (await this.db.query<Row>(sql, params, queryOptions)).rows;
        } else {
          // The simple protocol, as pg uses without values: the extended one would refuse a statement
          // with unvalued $n (a generic plan) at Bind.
          const results = await this.db.exec(sql, queryOptions);
          rows = (results[results.length - 1]?.rows ?? []) as Row[];
        }
        if (runOptions?.jsonAsText) {
          // Let timers that came due while PGlite held the thread (an abort) run before the result is used.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return rows;
      },
    };
    this.runner = loggingRunner(raw, options.log, this.label);
  }

  /** A fresh, empty in-memory database (about 3–5 s to start: PGlite runs initdb). */
  static async create(options: PgliteSessionOptions = {}): Promise<PgliteSession> {
    const started = performance.now();
    let db: PGlite;
    try {
      db = await PGlite.create({ ...(await loadArtifacts()) });
    } catch (err) {
      throw new TunerError('connection-failed', `The embedded PostgreSQL (PGlite) did not start: ${(err as Error).message ?? String(err)}`, {
        cause: err,
      });
    }
    options.log?.(`[${options.label ?? 'embedded'}] PGlite started in ${(performance.now() - started).toFixed(0)} ms`);
    return new PgliteSession(db, options);
  }

  private errorContext(): ErrorContext {
    return { target: this.label };
  }

  private ensureOpen(): void {
    if (this.closed) throw new TunerError('connection-failed', 'The embedded database is closed.');
  }

  /** Runs a script of several statements (schema and seed files) with PGlite's simple-protocol exec. */
  execScript(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      await this.db.exec(sql);
    });
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
    const task = this.queue.run(() => runExplain({ runner: this.runner, server, errorContext: this.errorContext() }, request));
    return rejectOnAbort(task, request.signal);
  }

  async catalogFor(tables: string[]): Promise<CatalogSnapshot> {
    const server = await this.serverInfo();
    return this.queue.run(() => readCatalog(this.runner, server, tables)).catch((err: unknown) => {
      throw statementError(err, this.errorContext());
    });
  }

  execute(sql: string): Promise<void> {
    return this.execScript(sql).catch((err: unknown) => {
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
    return this.queue.run(() => runRolledBack(this.runner, work, options)).catch((err: unknown) => {
      throw err instanceof TunerError ? err : statementError(err, this.errorContext());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(() => this.db.close()).catch(() => undefined);
  }
}
