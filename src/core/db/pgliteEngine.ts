/**
 * The PGlite instance behind a PgliteSession, reached through three calls, so that it can run on the calling
 * thread (the CLI, the tests) or on a thread of its own (the extension: pgliteThread.ts), where its synchronous
 * WASM work — seconds while a schema, seed files or generated rows load — does not hold the extension host that
 * every extension in the window shares.
 */
import type { PGlite as PGliteType } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Row } from './statementRunner';

export interface PgliteEngine {
  /** One statement by the extended protocol; `jsonAsText`: json columns come back as the server wrote them. */
  query(sql: string, params: unknown[], jsonAsText: boolean): Promise<Row[]>;
  /** A script by the simple protocol: the rows of each result, in order. */
  exec(sql: string, jsonAsText: boolean): Promise<Row[][]>;
  close(): Promise<void>;
}

export interface StartedEngine {
  engine: PgliteEngine;
  /** How PGlite started, for the log. */
  how: 'from the prepared data directory' | 'with initdb';
}

// require(), not import: esbuild then bundles PGlite's CJS build, whose own paths use __filename; its ESM
// build calls createRequire(import.meta.url), which is undefined in our CJS bundle and fails at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
type PGlite = PGliteType;

const jsonOid = 114;
const passthroughParser = (value: string): string => value;

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
 * them), else in node_modules (tests run from source). Compiled once per process (per thread).
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

/** A fresh, empty in-memory PGlite on the calling thread. */
export async function startEngineHere(): Promise<StartedEngine> {
  const used = await loadArtifacts();
  const db: PGlite = await PGlite.create({ ...used });
  const options = (jsonAsText: boolean) => (jsonAsText ? { parsers: { [jsonOid]: passthroughParser } } : undefined);
  return {
    how: used.loadDataDir ? 'from the prepared data directory' : 'with initdb',
    engine: {
      query: async (sql, params, jsonAsText) => (await db.query<Row>(sql, params, options(jsonAsText))).rows,
      exec: async (sql, jsonAsText) => (await db.exec(sql, options(jsonAsText))).map((r) => r.rows as Row[]),
      close: () => db.close(),
    },
  };
}
