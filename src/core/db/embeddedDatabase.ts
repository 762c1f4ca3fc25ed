/**
 * A fresh embedded database built from the user's schema/migration files (and optional seed files),
 * analysed so that plans have statistics.
 */
import { TunerError } from '../errors';
import { lineColumnAt, offsetFromServerPosition } from '../positions';
import { PgliteSession } from './pgliteSession';
import { recordEmbeddedData } from './generateData/embeddedDataNote';
import { describeLoadedData, generateData, type GenerateOptions } from './generateData/generateData';
import { restoreServerStats } from './generateData/restoreStats';

export interface SqlFile {
  path: string;
  text: string;
}

export interface EmbeddedDatabaseOptions {
  /** Data to load after the schema, also in path order. */
  seedFiles?: SqlFile[];
  label?: string;
  log?: (line: string) => void;
  /** PGlite on a thread of its own, running this bundled script (PgliteSessionOptions.threadScript). */
  threadScript?: string;
  /**
   * Rows for the tables the files left empty: `auto` generates them, `off` (the default here; the CLI and the
   * extension pass their setting, `auto` by default) leaves them empty.
   * Either way the session records what it holds (embeddedDataOf) for the output to say.
   */
  generateData?: 'off' | 'auto';
  generateOptions?: Omit<GenerateOptions, 'log'>;
}

function byPath(a: SqlFile, b: SqlFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

async function loadFile(
  session: PgliteSession,
  file: SqlFile,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  const started = performance.now();
  try {
    await session.execScript(file.text);
  } catch (err) {
    const e = err as { message?: string; code?: string; hint?: string; position?: string | number };
    const offset = offsetFromServerPosition(e.position);
    const line = offset === undefined ? undefined : lineColumnAt(file.text, offset).line + 1;
    const where = line === undefined ? '' : ` (line ${line})`;
    throw new TunerError('bad-input', `${file.path}${where}: ${e.message ?? String(err)}`, {
      code: e.code,
      hint: e.hint,
      offset,
      line,
      cause: err,
    });
  }
  log?.(`[embedded] loaded ${file.path} in ${(performance.now() - started).toFixed(1)} ms`);
}

/**
 * Loads schema files sorted by path (001_…, 002_… run in order), then seed files, into a new PGlite,
 * then VACUUM ANALYZE. A failing file → TunerError('bad-input') naming the file, the line and the server's message.
 */
export async function openEmbeddedDatabase(
  files: SqlFile[],
  options: EmbeddedDatabaseOptions = {},
): Promise<PgliteSession> {
  const session = await PgliteSession.create({
    label: options.label,
    log: options.log,
    threadScript: options.threadScript,
  });
  try {
    for (const file of [...files].sort(byPath)) await loadFile(session, file, options.log);
    for (const file of [...(options.seedFiles ?? [])].sort(byPath)) await loadFile(session, file, options.log);
    // Generated rows make plans worth reading: empty tables plan as a 0-row Sort and never earn an index.
    const summary =
      options.generateData !== 'auto'
        ? await describeLoadedData(session)
        : await generateData(session, { ...options.generateOptions, log: options.log });
    recordEmbeddedData(session, summary);
    // PGlite has no autovacuum: without the visibility map it would set on a server after a bulk load, no
    // index-only scan is ever planned here, and covering indexes could not be judged.
    await session.execute('VACUUM ANALYZE');
    const stats = options.generateOptions?.stats;
    if (summary.kind === 'generated' && stats && options.generateOptions?.restoreStats !== false) {
      const generated = summary.tables.filter((t) => t.rows > 0).map((t) => t.table);
      summary.restoredTables = await restoreServerStats(session, stats, generated, options.log);
    }
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}
