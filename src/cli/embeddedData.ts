/** The embedded database's generated data from the command line: --generate-data[=rows], --stats-file. */
import { existsSync, readFileSync } from 'node:fs';
import type { EmbeddedDatabaseOptions } from '../core/db/embeddedDatabase';
import { parseStatsFile, readServerStats } from '../core/db/generateData/statsFile';
import { openSession, type SessionTarget } from '../core/db/openSession';
import { TunerError } from '../core/errors';
import type { DatabaseOptions } from './args';

export const defaultStatsFile = '.pgtuner/stats.json';

/**
 * With --stats-from: the server's pg_stats read now (catalog queries only, then closed) to shape the embedded
 * database's generated rows; any other target is returned as it is.
 */
export async function withServerStats(target: SessionTarget, db: DatabaseOptions): Promise<SessionTarget> {
  if (target.kind !== 'embedded' || db.statsFrom === undefined || target.generateData !== 'auto') return target;
  const server = await openSession({ kind: 'server', connectionString: db.statsFrom });
  try {
    const stats = await readServerStats(server);
    return {
      ...target,
      generateOptions: { ...target.generateOptions, stats, statsSource: { kind: 'server', name: server.label } },
    };
  } finally {
    await server.close();
  }
}

/**
 * What openEmbeddedDatabase is to do with the tables the files leave empty: `fallback` when the user said
 * nothing (auto for explain and its kin, off for check, whose baselines should not move under it).
 */
export function embeddedDataOptions(
  db: DatabaseOptions,
  fallback: 'auto' | 'off',
): Pick<EmbeddedDatabaseOptions, 'generateData' | 'generateOptions'> {
  const mode = db.generateData ?? (db.statsFile !== undefined || db.statsFrom !== undefined ? 'on' : fallback);
  if (mode === 'off') return { generateData: 'off' };
  let text: string;
  // The file the extension reads too, when the project committed one (--stats-from reads a server instead).
  const path =
    db.statsFile ?? (db.statsFrom === undefined && existsSync(defaultStatsFile) ? defaultStatsFile : undefined);
  if (path === undefined) return { generateData: 'auto', generateOptions: { scale: db.scale } };
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TunerError(
      'bad-input',
      `Cannot read the stats file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}. Write one with \`pg-tuner stats export --url … > ${path}\`.`,
      { cause: err },
    );
  }
  return {
    generateData: 'auto',
    generateOptions: {
      scale: db.scale,
      stats: parseStatsFile(text, path),
      statsSource: { kind: 'stats-file', name: path },
    },
  };
}
