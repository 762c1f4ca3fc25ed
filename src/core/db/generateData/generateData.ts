/**
 * Fills the empty tables of the embedded database with generated rows, so that its plans are worth reading:
 * parents before children, foreign keys drawn from the parent's existing keys, keys unique, NOT NULL and CHECK
 * constraints respected (rows a CHECK rejects are left out), shaped by a server's statistics when given.
 * One `INSERT … SELECT … FROM generate_series` per table, deterministic (setseed per table).
 */
import type { DatabaseSession } from '../session';
import {
  quoteName,
  readSchemaModel,
  tableName,
  type GenColumn,
  type GenForeignKey,
  type GenTable,
} from './schemaModel';
import type { StatsFile, TableStats } from './statsFile';
import { columnExpression, distinctCount, type ColumnPlan, type RowInputs } from './valueExpressions';

/** Rows in the largest table when nothing else says: loads in a second or two in PGlite on 2 cores. */
export const defaultScale = 20_000;
/** Rows of a child per parent row, when no statistics say: orders per user, items per order. */
const defaultFanOut = 10;
const minimumRows = 10;

export interface GenerateOptions {
  /** Rows of the largest table (statistics scale down proportionally to it, never up). */
  scale?: number;
  stats?: StatsFile;
  /** Where the statistics came from, for the note: a file's path or a server's label. */
  statsSource?: { kind: 'stats-file' | 'server'; name: string };
  /**
   * With stats: after ANALYZE, put the server's row counts and column statistics back on the generated tables
   * (PostgreSQL 18's pg_restore_*_stats), so estimates are at the server's scale. Default true.
   */
  restoreStats?: boolean;
  log?: (line: string) => void;
}

export interface GeneratedTable {
  table: string;
  rows: number;
  ms: number;
  /** Why the table was left empty or short (an error, rows a CHECK rejected). */
  note?: string;
}

/** What the embedded database holds, for the output to say (plain data). */
export interface EmbeddedDataSummary {
  /** generated: this module filled tables; loaded: the files (seeds) had rows; empty: nothing has rows. */
  kind: 'generated' | 'loaded' | 'empty';
  scale?: number;
  /** defaults, or the statistics' origin. */
  shape?: { kind: 'defaults' } | { kind: 'stats-file' | 'server'; name: string };
  tables: GeneratedTable[];
  /** `schema.table` of the tables that hold no rows. */
  emptyTables: string[];
  ms: number;
  /** Tables whose planner statistics were restored from the stats (row counts and columns as on the server). */
  restoredTables?: string[];
}

function hashSeed(text: string): number {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 1_000_003;
  return h / 1_000_003;
}

interface Reference extends GenForeignKey {
  /** Inferred from a `<name>_id` column without a constraint: used to shape values, not required. */
  implied?: boolean;
}

/** `user_id bigint` with a table `users`/`user` whose primary key is one column: a reference without a constraint. */
function impliedReferences(table: GenTable, byName: Map<string, GenTable>): Reference[] {
  const out: Reference[] = [];
  const constrained = new Set(table.foreignKeys.flatMap((f) => f.columns));
  const ownKeys = new Set(table.uniqueKeys.filter((k) => k.length === 1).flat());
  for (const c of table.columns) {
    const m = /^(.+)_id$/.exec(c.name);
    if (!m || constrained.has(c.name) || ownKeys.has(c.name) || c.category !== 'N') continue;
    const parent = byName.get(`${m[1]}s`) ?? byName.get(m[1]) ?? byName.get(`${m[1]}es`);
    if (!parent || parent === table || parent.primaryKey?.length !== 1) continue;
    out.push({
      name: `${c.name} (implied)`,
      columns: [c.name],
      refTable: parent.key,
      refColumns: parent.primaryKey,
      implied: true,
    });
  }
  return out;
}

/** Rows per table: the statistics' row counts scaled to `scale`, else `scale` shrunk by fan-out per level of parents. */
function rowTargets(
  tables: GenTable[],
  refs: Map<string, Reference[]>,
  scale: number,
  stats: StatsFile | undefined,
): Map<string, number> {
  const targets = new Map<string, number>();
  const known = tables.map((t) => stats?.tables[t.key]?.rows ?? -1);
  const largest = Math.max(0, ...known);
  const factor = largest > scale ? scale / largest : 1;
  // Height: how many levels of children hang below a table (a leaf table 0, its parents 1, …).
  const children = new Map<string, string[]>();
  for (const t of tables) {
    for (const r of refs.get(t.key) ?? []) {
      if (r.refTable !== t.key) children.set(r.refTable, [...(children.get(r.refTable) ?? []), t.key]);
    }
  }
  const heights = new Map<string, number>();
  const height = (key: string, seen: Set<string>): number => {
    const known = heights.get(key);
    if (known !== undefined) return known;
    if (seen.has(key)) return 0;
    seen.add(key);
    const h = Math.max(-1, ...(children.get(key) ?? []).map((c) => height(c, seen))) + 1;
    seen.delete(key);
    heights.set(key, h);
    return h;
  };
  tables.forEach((t, i) => {
    const rows = known[i];
    if (rows >= 0) targets.set(t.key, rows === 0 ? 0 : Math.max(1, Math.round(rows * factor)));
    else targets.set(t.key, Math.max(minimumRows, Math.round(scale / defaultFanOut ** height(t.key, new Set()))));
  });
  return targets;
}

/** Parents first; a cycle is broken at a nullable foreign key (filled by an UPDATE once both sides have rows). */
function loadOrder(
  tables: GenTable[],
  refs: Map<string, Reference[]>,
): { order: GenTable[]; deferred: Set<Reference> } {
  const deferred = new Set<Reference>();
  const byKey = new Map(tables.map((t) => [t.key, t]));
  const remaining = new Set(tables.map((t) => t.key));
  const order: GenTable[] = [];
  // Implied references order the load too (users before orders), but never hold up a cycle.
  const ignored = new Set<Reference>();
  const blockers = (key: string): Reference[] =>
    (refs.get(key) ?? []).filter(
      (r) => !ignored.has(r) && !deferred.has(r) && r.refTable !== key && remaining.has(r.refTable),
    );
  for (const t of tables)
    for (const r of refs.get(t.key) ?? []) if (r.refTable === t.key && !r.implied) deferred.add(r);
  while (remaining.size > 0) {
    const ready = [...remaining].filter((key) => blockers(key).length === 0);
    if (ready.length > 0) {
      for (const key of ready) {
        order.push(byKey.get(key) as GenTable);
        remaining.delete(key);
      }
      continue;
    }
    const implied = [...remaining].flatMap((key) => blockers(key).filter((r) => r.implied));
    if (implied.length > 0) {
      for (const r of implied) ignored.add(r);
      continue;
    }
    // A cycle: defer the nullable references of one table in it (all-NOT NULL cycles cannot be filled this way).
    const columnsOf = (key: string): Map<string, GenColumn> => new Map(byKey.get(key)?.columns.map((c) => [c.name, c]));
    const breakable = [...remaining].find((key) =>
      blockers(key).every((r) => r.columns.every((c) => columnsOf(key).get(c)?.notNull !== true)),
    );
    const key = breakable ?? [...remaining][0];
    for (const r of blockers(key)) deferred.add(r);
  }
  return { order, deferred };
}

/** Values a single-column CHECK allows (`col = ANY (ARRAY['a'::text, …])`, `col IN (…)`) and bounds on numbers. */
function checkHints(table: GenTable): Map<string, Pick<ColumnPlan, 'allowed' | 'min' | 'max'>> {
  const hints = new Map<string, Pick<ColumnPlan, 'allowed' | 'min' | 'max'>>();
  for (const check of table.checks) {
    if (check.columns.length !== 1) continue;
    const column = check.columns[0];
    const hint = hints.get(column) ?? {};
    const def = check.definition;
    const list = /= ANY \(\(?ARRAY\[(.*)\]\)?/.exec(def);
    if (list && !/\bOR\b|\bAND\b|NOT/.test(def.replace(list[0], ''))) {
      hint.allowed = [...list[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
    }
    for (const m of def.matchAll(/\(?"?([^\s()"]+)"?\s*(>=|>|<=|<)\s*\(?'?(-?\d+(?:\.\d+)?)'?\)?/g)) {
      if (m[1] !== column) continue;
      const value = Number(m[3]);
      if (m[2] === '>') hint.min = value + 1;
      if (m[2] === '>=') hint.min = value;
      if (m[2] === '<') hint.max = value - 1;
      if (m[2] === '<=') hint.max = value;
    }
    hints.set(column, hint);
  }
  return hints;
}

/** The INSERT for one table (exported for tests that read the SQL). */
export function insertStatement(
  table: GenTable,
  rows: number,
  refs: Reference[],
  deferred: Set<Reference>,
  stats: TableStats | undefined,
): string | undefined {
  const inputNames: string[] = [];
  const draw = (): string => {
    const name = `r${inputNames.length}`;
    inputNames.push(name);
    return `s.${name}`;
  };
  const constants: string[] = [];
  const arrays = {
    add(sqlArray: string): string {
      constants.push(`${sqlArray} AS a${constants.length}`);
      return `k.a${constants.length - 1}`;
    },
  };
  const joins: string[] = [];
  const values = new Map<string, string>();
  // References first: their columns take the parent's keys.
  const live = refs.filter((r) => !deferred.has(r) && r.refTable !== table.key);
  live.forEach((r, i) => {
    const alias = `p${i}`;
    const order = r.refColumns.map(quoteName).join(', ');
    const aggregates = r.refColumns.map((c, j) => `array_agg(${quoteName(c)} ORDER BY ${order}) AS k${j}`).join(', ');
    const [schema, ...rest] = r.refTable.split('.');
    const parent = tableName({ schema, name: rest.join('.') });
    const filter = r.refColumns.map((c) => `${quoteName(c)} IS NOT NULL`).join(' AND ');
    joins.push(`CROSS JOIN (SELECT ${aggregates}, count(*)::int AS n FROM ${parent} WHERE ${filter}) AS ${alias}`);
    const columnStats = stats?.columns[r.columns[0]];
    const [rNull, rPick, rSpread] = [draw(), draw(), draw()];
    // How many parents the child uses (pg_stats n_distinct of the child's column), the most common first.
    const used = columnStats ? `least(${alias}.n, ${distinctCount(columnStats.nDistinct, rows)})` : `${alias}.n`;
    let index = `1 + floor(${rSpread} * ${used})::int`;
    const freqs = columnStats?.mostCommonFreqs ?? [];
    if (freqs.length > 0 && columnStats) {
      let cumulative = 0;
      const nonNull = Math.max(1e-9, 1 - columnStats.nullFrac);
      const cuts = arrays.add(
        `ARRAY[${freqs.map((f) => (cumulative = Math.min(1, cumulative + f / nonNull))).join(', ')}]::float8[]`,
      );
      index = `CASE WHEN width_bucket(${rPick}, ${cuts}) < ${freqs.length} THEN width_bucket(${rPick}, ${cuts}) + 1 ELSE ${index} END`;
    }
    const nullable = r.columns.every((c) => table.columns.find((x) => x.name === c)?.notNull !== true);
    const nullFrac = nullable ? (columnStats?.nullFrac ?? (r.implied ? 0 : 0.05)) : 0;
    r.columns.forEach((c, j) => {
      const type = table.columns.find((x) => x.name === c)?.type ?? 'text';
      // An implied reference whose table stayed empty still needs a value: any number will do.
      const key = r.implied
        ? `COALESCE(${alias}.k${j}[${index}], 1 + floor(${rSpread} * 1000))`
        : `${alias}.k${j}[${index}]`;
      const picked = `(${key})::${type}`;
      values.set(c, nullFrac > 0 ? `CASE WHEN ${rNull} < ${nullFrac} THEN NULL ELSE ${picked} END` : picked);
    });
  });
  for (const r of refs) {
    if (!deferred.has(r)) continue;
    for (const c of r.columns) values.set(c, `NULL::${table.columns.find((x) => x.name === c)?.type ?? 'text'}`);
  }
  // One column per unique key made unique from g, unless a reference already fills it (then ON CONFLICT drops repeats).
  const uniqueColumns = new Set<string>();
  for (const key of table.uniqueKeys) {
    if (key.some((c) => uniqueColumns.has(c))) continue;
    const free = key.find((c) => !values.has(c) && table.columns.find((x) => x.name === c)?.autoFilled === false);
    if (free) uniqueColumns.add(free);
  }
  const hints = checkHints(table);
  // Rows a CHECK over several columns rejects (ends_at > starts_at) are made up for: twice as many are generated
  // and the first `rows` that pass kept. Single-column CHECKs are met by the values themselves (checkHints).
  const generated = table.checks.some((c) => c.columns.length !== 1) ? rows * 2 : rows;
  const inputs = (): RowInputs => ({ g: 's.g', r: [draw(), draw(), draw()], rows: Math.max(1, generated) });
  const columns: string[] = [];
  const skipped: string[] = [];
  for (const c of table.columns) {
    if (c.autoFilled) {
      skipped.push(c.name);
      continue;
    }
    let value = values.get(c.name);
    if (value === undefined) {
      value = columnExpression(
        { column: c, unique: uniqueColumns.has(c.name), stats: stats?.columns[c.name], ...hints.get(c.name) },
        inputs(),
        arrays,
      );
    }
    if (value === undefined) {
      if (c.hasDefault) {
        skipped.push(c.name);
        continue;
      }
      return undefined;
    }
    values.set(c.name, value);
    columns.push(c.name);
  }
  if (columns.length === 0) return undefined;
  const randoms = inputNames.map((n) => `random() AS ${n}`).join(', ');
  const checks = table.checks
    .filter((c) => c.columns.every((name) => !skipped.includes(name)))
    .map((c) => `(${c.definition.replace(/^CHECK\s*/, '').replace(/\s+NOT VALID$/, '')}) IS NOT FALSE`);
  const list = columns.map(quoteName).join(', ');
  const select = columns.map((c) => `${values.get(c)} AS ${quoteName(c)}`).join(',\n       ');
  const source = [
    `(SELECT g${randoms ? `, ${randoms}` : ''} FROM generate_series(1, ${generated}) AS g) AS s`,
    ...(constants.length > 0 ? [`CROSS JOIN (SELECT ${constants.join(', ')}) AS k`] : []),
    ...joins,
  ].join('\n  ');
  return `INSERT INTO ${tableName(table)} (${list})
SELECT ${list} FROM (
  SELECT ${select}
  FROM ${source}
) AS v${checks.length > 0 ? `\nWHERE ${checks.join(' AND ')}${generated > rows ? `\nLIMIT ${rows}` : ''}` : ''}
ON CONFLICT DO NOTHING`;
}

/** Sets deferred references (cycles, self-references) once both sides have rows; a share stays NULL (roots). */
function deferredUpdate(table: GenTable, r: Reference, nullFrac: number): string {
  const [schema, ...rest] = r.refTable.split('.');
  const parent = tableName({ schema, name: rest.join('.') });
  const order = r.refColumns.map(quoteName).join(', ');
  const aggregates = r.refColumns.map((c, j) => `array_agg(${quoteName(c)} ORDER BY ${order}) AS k${j}`).join(', ');
  // The row's own hash picks the parent: one pick for all columns of a composite key, deterministic.
  const pick = `1 + abs(hashtext(t.ctid::text)) % p.n`;
  const set = r.columns.map((c, j) => `${quoteName(c)} = p.k${j}[${pick}]`).join(', ');
  const cols = r.refColumns.map((c) => `${quoteName(c)} IS NOT NULL`).join(' AND ');
  return `UPDATE ${tableName(table)} AS t SET ${set}
FROM (SELECT ${aggregates}, count(*)::int AS n FROM ${parent} WHERE ${cols}) AS p
WHERE p.n > 0 AND abs(hashtext(t.ctid::text || 'null')) % 1000 >= ${Math.round(nullFrac * 1000)}`;
}

async function countRows(session: DatabaseSession, table: GenTable): Promise<number> {
  const [row] = await session.query<{ n: string | number }>(`SELECT count(*)::int8 AS n FROM ${tableName(table)}`);
  return Number(row?.n ?? 0);
}

/**
 * Generates rows into every empty table (tables the files filled are left alone; their rows serve as parents).
 * A table that cannot be filled is left empty with the reason in its note; nothing throws for one table.
 */
export async function generateData(
  session: DatabaseSession,
  options: GenerateOptions = {},
): Promise<EmbeddedDataSummary> {
  const started = performance.now();
  const scale = options.scale ?? defaultScale;
  const tables = await readSchemaModel(session);
  const byName = new Map<string, GenTable>();
  for (const t of tables) if (!byName.has(t.name)) byName.set(t.name, t);
  const refs = new Map<string, Reference[]>(
    tables.map((t) => [t.key, [...t.foreignKeys, ...impliedReferences(t, byName)]]),
  );
  const targets = rowTargets(tables, refs, scale, options.stats);
  const { order, deferred } = loadOrder(tables, refs);
  const results: GeneratedTable[] = [];
  for (const table of order) {
    if (!table.empty) continue;
    const rows = targets.get(table.key) ?? 0;
    const tableStarted = performance.now();
    const result: GeneratedTable = { table: table.key, rows: 0, ms: 0 };
    results.push(result);
    if (rows === 0) {
      result.note = 'empty on the server its statistics came from';
      continue;
    }
    const sql = insertStatement(table, rows, refs.get(table.key) ?? [], deferred, options.stats?.tables[table.key]);
    if (!sql) {
      result.note = 'a NOT NULL column of a type without a generator and without a default';
      continue;
    }
    try {
      await session.execute(`SELECT setseed(${hashSeed(table.key).toFixed(6)})`);
      await session.execute(sql);
      result.rows = await countRows(session, table);
      if (result.rows < rows * 0.9) result.note = `${rows - result.rows} generated rows broke a CHECK or a unique key`;
    } catch (err) {
      result.note = `left empty: ${(err as Error).message.split('\n')[0]}`;
    }
    result.ms = performance.now() - tableStarted;
    options.log?.(
      `[embedded] generated ${result.rows} rows into ${table.key} in ${result.ms.toFixed(0)} ms${result.note ? ` (${result.note})` : ''}`,
    );
  }
  for (const r of deferred) {
    const table = tables.find((t) => (refs.get(t.key) ?? []).includes(r));
    if (!table || !table.empty) continue;
    const nullFrac =
      options.stats?.tables[table.key]?.columns[r.columns[0]]?.nullFrac ?? (r.refTable === table.key ? 0.1 : 0.05);
    try {
      await session.execute(deferredUpdate(table, r, nullFrac));
    } catch (err) {
      const entry = results.find((x) => x.table === table.key);
      if (entry) entry.note = `${r.name} left NULL: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  const emptyTables = [];
  for (const t of tables) {
    const entry = results.find((x) => x.table === t.key);
    if (t.empty && (!entry || entry.rows === 0)) emptyTables.push(t.key);
  }
  const generated = results.some((r) => r.rows > 0);
  const shape: EmbeddedDataSummary['shape'] = options.statsSource ?? { kind: 'defaults' };
  return {
    kind: generated ? 'generated' : tables.some((t) => !t.empty) ? 'loaded' : 'empty',
    scale: generated ? scale : undefined,
    shape: generated ? shape : undefined,
    tables: results,
    emptyTables,
    ms: performance.now() - started,
  };
}

/** Only the empty tables, without generating (generation off): the note still says which tables are empty. */
export async function describeLoadedData(session: DatabaseSession): Promise<EmbeddedDataSummary> {
  const started = performance.now();
  const tables = await readSchemaModel(session);
  return {
    kind: tables.some((t) => !t.empty) ? 'loaded' : 'empty',
    tables: [],
    emptyTables: tables.filter((t) => t.empty).map((t) => t.key),
    ms: performance.now() - started,
  };
}
