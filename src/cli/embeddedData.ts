/** The embedded database's generated data from the command line: --generate-data[=rows], --stats-file. */
import { readFileSync } from 'node:fs';
import type { EmbeddedDatabaseOptions } from '../core/db/embeddedDatabase';
import { parseStatsFile } from '../core/db/generateData/statsFile';
import { TunerError } from '../core/errors';
import type { DatabaseOptions } from './args';

/**
 * What openEmbeddedDatabase is to do with the tables the files leave empty: `fallback` when the user said
 * nothing (auto for explain and its kin, off for check, whose baselines should not move under it).
 */
export function embeddedDataOptions(
  db: DatabaseOptions,
  fallback: 'auto' | 'off',
): Pick<EmbeddedDatabaseOptions, 'generateData' | 'generateOptions'> {
  const mode = db.generateData ?? (db.statsFile !== undefined ? 'on' : fallback);
  if (mode === 'off') return { generateData: 'off' };
  let text: string;
  const path = db.statsFile;
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
