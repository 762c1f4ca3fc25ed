/**
 * Column statistics that shape the generated data: what `pg_stats` and `pg_class.reltuples` of a server say
 * (distinct counts, null fractions, most common values and their frequencies, histogram bounds, correlation).
 * Read from a connected server, or from a JSON file the user commits (`pg-tuner stats export`). Such a file holds
 * no rows, only what pg_stats shows; `withoutSamples` drops the most common values and histogram bounds too.
 */
import { TunerError } from '../../errors';
import type { DatabaseSession } from '../session';
import { textArray } from './schemaModel';

export interface ColumnStats {
  /** Fraction of NULLs, 0–1. */
  nullFrac: number;
  /** As pg_stats: > 0 a count of distinct values, < 0 minus the fraction of rows (−1: all distinct). */
  nDistinct: number;
  avgWidth?: number;
  /** Values as text (the column type's input syntax), with their frequencies (fractions of all rows). */
  mostCommonValues?: string[];
  mostCommonFreqs?: number[];
  /** Equal-population bucket bounds of the values that are not most common, ascending, as text. */
  histogramBounds?: string[];
  /** Physical order vs value order, −1 … 1. */
  correlation?: number;
}

export interface TableStats {
  /** pg_class.reltuples (−1: never analysed). */
  rows: number;
  pages?: number;
  columns: Record<string, ColumnStats>;
}

export interface StatsFile {
  format: 'pg-tuner-stats';
  version: 1;
  source: {
    /** Where they were read: a label without password (`user@host:port/db`). */
    server: string;
    serverVersion?: string;
    exportedAt: string;
    /** False when the most common values and histogram bounds were dropped (privacy). */
    samples: boolean;
  };
  /** Keyed by `schema.table`. */
  tables: Record<string, TableStats>;
}

const relationsQuery = `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS rows, c.relpages::int8 AS pages
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1, 2`;

// anyarray → text → text[]: the values in their types' text form, whatever the column type.
const statsQuery = `SELECT s.schemaname AS schema, s.tablename AS name, s.attname AS column, s.inherited,
       s.null_frac::float8 AS null_frac, s.n_distinct::float8 AS n_distinct, s.avg_width AS avg_width,
       s.most_common_vals::text::text[] AS mcv, s.most_common_freqs::float8[] AS mcf,
       s.histogram_bounds::text::text[] AS hist, s.correlation::float8 AS correlation
FROM pg_catalog.pg_stats s
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema') AND s.schemaname NOT LIKE 'pg\\_toast%'
ORDER BY s.schemaname, s.tablename, s.attname, s.inherited`;

function numberArray(value: unknown): number[] | undefined {
  if (value === null || value === undefined) return undefined;
  return textArray(value).map(Number);
}

/** Reads pg_class and pg_stats of the session's database (read-only catalog queries). */
export async function readServerStats(
  session: DatabaseSession,
  options: { withoutSamples?: boolean } = {},
): Promise<StatsFile> {
  const info = await session.serverInfo();
  const tables: Record<string, TableStats> = {};
  const rels = await session.query<{ schema: string; name: string; rows: number; pages: string | number }>(
    relationsQuery,
  );
  for (const r of rels) tables[`${r.schema}.${r.name}`] = { rows: Number(r.rows), pages: Number(r.pages), columns: {} };
  const rows = await session.query<{
    schema: string;
    name: string;
    column: string;
    inherited: boolean;
    null_frac: number;
    n_distinct: number;
    avg_width: number;
    mcv: unknown;
    mcf: unknown;
    hist: unknown;
    correlation: number | null;
  }>(statsQuery);
  for (const s of rows) {
    const table = tables[`${s.schema}.${s.name}`];
    // A partitioned table has only inherited statistics; a plain one's own (inherited = false) come first.
    if (!table || table.columns[s.column]) continue;
    const column: ColumnStats = { nullFrac: Number(s.null_frac), nDistinct: Number(s.n_distinct) };
    if (s.avg_width !== null) column.avgWidth = Number(s.avg_width);
    if (s.correlation !== null) column.correlation = Number(s.correlation);
    if (!options.withoutSamples) {
      if (s.mcv !== null && s.mcv !== undefined) {
        column.mostCommonValues = textArray(s.mcv);
        column.mostCommonFreqs = numberArray(s.mcf);
      }
      if (s.hist !== null && s.hist !== undefined) column.histogramBounds = textArray(s.hist);
    }
    table.columns[s.column] = column;
  }
  return {
    format: 'pg-tuner-stats',
    version: 1,
    source: {
      server: session.label,
      serverVersion: info.versionText.split(' on ')[0],
      exportedAt: new Date().toISOString(),
      samples: !options.withoutSamples,
    },
    tables,
  };
}

function fail(where: string, why: string): never {
  throw new TunerError(
    'bad-input',
    `${where}: ${why}. Write it again with \`pg-tuner stats export --url … > ${where.split(':')[0]}\`.`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown, where: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    fail(
      where,
      `expected a number${min > -Infinity ? ` from ${min}` : ''}${max < Infinity ? ` to ${max}` : ''}, found ${JSON.stringify(value)}`,
    );
  return value;
}

function strings(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, 'expected a list of strings');
  return value as string[];
}

/** Checks a stats file's text; a wrong one is TunerError('bad-input') naming the file and the first bad field. */
export function parseStatsFile(text: string, path: string, options: { withoutSamples?: boolean } = {}): StatsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(path, `not JSON (${(err as Error).message})`);
  }
  if (!isObject(json) || json.format !== 'pg-tuner-stats')
    fail(path, 'not a pg-tuner statistics file (no "format": "pg-tuner-stats")');
  if (json.version !== 1) fail(path, `unknown version ${JSON.stringify(json.version)} (this pg-tuner reads version 1)`);
  const source = isObject(json.source) ? json.source : fail(`${path}: source`, 'missing');
  if (!isObject(json.tables)) fail(`${path}: tables`, 'missing or not an object');
  const tables: Record<string, TableStats> = {};
  for (const [key, raw] of Object.entries(json.tables)) {
    const where = `${path}: tables["${key}"]`;
    if (!/^[^.]+\..+$/.test(key)) fail(where, 'a table is named schema.table');
    if (!isObject(raw)) fail(where, 'expected an object');
    const columns: Record<string, ColumnStats> = {};
    if (!isObject(raw.columns)) fail(`${where}.columns`, 'missing or not an object');
    for (const [name, c] of Object.entries(raw.columns)) {
      const at = `${where}.columns["${name}"]`;
      if (!isObject(c)) fail(at, 'expected an object');
      const column: ColumnStats = {
        nullFrac: finite(c.nullFrac, `${at}.nullFrac`, 0, 1),
        nDistinct: finite(c.nDistinct, `${at}.nDistinct`, -1),
      };
      if (c.avgWidth !== undefined) column.avgWidth = finite(c.avgWidth, `${at}.avgWidth`, 0);
      if (c.correlation !== undefined && c.correlation !== null)
        column.correlation = finite(c.correlation, `${at}.correlation`, -1, 1);
      const mcv = strings(c.mostCommonValues, `${at}.mostCommonValues`);
      if (mcv && !options.withoutSamples) {
        const freqs = c.mostCommonFreqs;
        if (!Array.isArray(freqs) || freqs.length !== mcv.length)
          fail(`${at}.mostCommonFreqs`, 'expected one frequency per most common value');
        column.mostCommonValues = mcv;
        column.mostCommonFreqs = freqs.map((f, i) => finite(f, `${at}.mostCommonFreqs[${i}]`, 0, 1));
      }
      const hist = strings(c.histogramBounds, `${at}.histogramBounds`);
      if (hist && !options.withoutSamples) column.histogramBounds = hist;
      columns[name] = column;
    }
    tables[key] = {
      rows: finite(raw.rows, `${where}.rows`, -1),
      pages: raw.pages === undefined ? undefined : finite(raw.pages, `${where}.pages`, 0),
      columns,
    };
  }
  return {
    format: 'pg-tuner-stats',
    version: 1,
    source: {
      server: typeof source.server === 'string' ? source.server : 'unknown server',
      serverVersion: typeof source.serverVersion === 'string' ? source.serverVersion : undefined,
      exportedAt: typeof source.exportedAt === 'string' ? source.exportedAt : '',
      samples: source.samples !== false && !options.withoutSamples,
    },
    tables,
  };
}

/** The file's text: stable key order, one table per block, for a readable diff when it is committed. */
export function formatStatsFile(stats: StatsFile): string {
  return `${JSON.stringify(stats, null, 2)}\n`;
}
