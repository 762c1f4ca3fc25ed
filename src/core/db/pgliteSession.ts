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
import { severalResultsError } from './explainRunner';
import { type Row, type RunOptions } from './statementRunner';
import { statementError } from './databaseErrors';
import { SerialSession } from './serialSession';

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
  loadDataDir?: Blob;
}

const artifactFiles = ['pglite.wasm', 'initdb.wasm', 'pglite.data'];
const datadirFile = 'pglite-datadir.tar.gz';
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
    // The build's pre-initialised data directory (scripts/build.mjs): PGlite then skips initdb, 4–9 s on 2 cores.
    const datadir = join(dir, datadirFile);
    return {
      pgliteWasmModule: await WebAssembly.compile(pglite),
      initdbWasmModule: await WebAssembly.compile(initdb),
      fsBundle: new Blob([data]),
      loadDataDir: existsSync(datadir) ? new Blob([await readFile(datadir)]) : undefined,
    };
  })();
  artifacts.catch(() => {
    artifacts = undefined;
  });
  return artifacts;
}

export class PgliteSession extends SerialSession {
  readonly kind = 'embedded' as const;
  /** Answers of fixed catalog queries of our own (RunOptions.preparedName), until the next execScript(). */
  private readonly catalogAnswers = new Map<string, Row[]>();

  private constructor(
    private readonly db: PGlite,
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
      const rows = (await this.db.query<Row>(sql, params ?? [])).rows;
      if (this.catalogAnswers.size >= 500) this.catalogAnswers.clear();
      this.catalogAnswers.set(key, rows);
      return rows;
    }
    const queryOptions = runOptions?.jsonAsText ? { parsers: { [jsonOid]: passthroughParser } } : undefined;
    const mode = runOptions?.mode ?? 'extended';
    let rows: Row[];
    if (mode === 'extended') {
      // query() is the extended protocol: the server refuses a second statement in the text (see SendMode).
      rows = (await this.db.query<Row>(sql, params ?? [], queryOptions)).rows;
    } else {
      // exec() is the simple protocol (our own scripts; a generic plan, whose unvalued $n Bind would refuse).
      const results = await this.db.exec(sql, queryOptions);
      if (results.length > 1 && mode !== 'script') throw severalResultsError(results.length);
      rows = (results[results.length - 1]?.rows ?? []) as Row[];
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

  /** A fresh, empty in-memory database (about 3–5 s to start: PGlite runs initdb). */
  static async create(options: PgliteSessionOptions = {}): Promise<PgliteSession> {
    const started = performance.now();
    let db: PGlite;
    let artifactsUsed: PgliteArtifacts | undefined;
    try {
      artifactsUsed = await loadArtifacts();
      db = await PGlite.create({ ...artifactsUsed });
    } catch (err) {
      throw new TunerError(
        'connection-failed',
        `The embedded PostgreSQL (PGlite) did not start: ${(err as Error).message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    const how = artifactsUsed?.loadDataDir ? 'from the prepared data directory' : 'with initdb';
    options.log?.(
      `[${options.label ?? 'embedded'}] PGlite started ${how} in ${(performance.now() - started).toFixed(0)} ms`,
    );
    return new PgliteSession(db, options);
  }

  /** Runs a script of several statements (schema and seed files) with PGlite's simple-protocol exec. */
  execScript(sql: string): Promise<void> {
    this.ensureOpen();
    return this.queue.run(async () => {
      this.catalogAnswers.clear();
      await this.db.exec(sql);
    });
  }

  execute(sql: string): Promise<void> {
    return this.execScript(sql).catch((err: unknown) => {
      throw statementError(err, this.errorContext());
    });
  }
}
