/**
 * One SQL expression per column that yields a value of the column's type from the row number `g` and a few
 * random draws made once per row (columns of the generating subquery): unique where a key needs it, drawn from
 * a server's most common values and histogram where statistics are given, else a sensible default per type.
 */
import type { GenColumn } from './schemaModel';
import type { ColumnStats } from './statsFile';

/** Names of the per-row inputs in the generating subquery (already qualified). */
export interface RowInputs {
  g: string;
  /** Three independent uniform draws in [0, 1) for this column. */
  r: [string, string, string];
  /** Rows generated for this table. */
  rows: number;
}

/** Constants an expression needs (value lists, histogram bounds), joined once as a one-row subquery. */
export interface ConstantArrays {
  add(sqlArray: string): string;
}

export interface ColumnPlan {
  column: GenColumn;
  unique: boolean;
  stats?: ColumnStats;
  /** Values a CHECK allows (`status IN ('a','b')`). */
  allowed?: string[];
  /** Bounds a CHECK puts on a number. */
  min?: number;
  max?: number;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

const integerTypes = new Set(['int2', 'int4', 'int8', 'oid']);
const intervalLike = /interval/;
const lowCardinalityName =
  /(^|_)(status|state|type|kind|category|role|level|priority|currency|country|lang|language|tier|plan|gender|source|channel)$/;

function number(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

/** Length limit of varchar(n)/char(n), else undefined. */
function maxLength(c: GenColumn): number | undefined {
  return c.category === 'S' && c.typmod > 4 && /char/.test(c.baseTypeName) ? c.typmod - 4 : undefined;
}

/** numeric(p, s) → { digits before the point, scale }. */
function numericShape(c: GenColumn): { whole: number; scale: number } {
  if (c.baseTypeName !== 'numeric' || c.typmod < 4) return { whole: 6, scale: 2 };
  const mod = c.typmod - 4;
  const precision = (mod >> 16) & 0xffff;
  const scale = mod & 0xffff;
  return { whole: Math.max(0, precision - scale), scale };
}

/** A value unique per row: from g alone. */
function uniqueValue(p: ColumnPlan, inputs: RowInputs): string | undefined {
  const c = p.column;
  const g = inputs.g;
  if (c.category === 'N') return `${g}`;
  if (c.category === 'S') {
    const limit = maxLength(c);
    const prefix = c.name.replace(/[^A-Za-z]/g, '').slice(0, 12) || 'v';
    return limit !== undefined && limit < prefix.length + 8 ? `${g}::text` : `${literal(`${prefix}-`)} || ${g}`;
  }
  if (c.baseTypeName === 'uuid') return `md5(${literal(c.name)} || ${g})::uuid`;
  if (c.baseTypeName === 'date') return `date '2000-01-01' + ${g}::int`;
  if (c.category === 'D') return `timestamptz '2020-01-01 00:00:00+00' + ${g} * interval '1 second'`;
  if (c.baseTypeName === 'bytea') return `decode(md5(${g}::text), 'hex')`;
  if (c.baseTypeName === 'inet' || c.baseTypeName === 'cidr') return `('10.0.0.0'::inet + ${g})`;
  return undefined;
}

/**
 * A value from the position `q` in [0, 1) (ordered: larger q, larger value) among `distinct` values, by type.
 * Undefined when the type has no default generator here (left to its default, or NULL).
 */
function valueAt(p: ColumnPlan, q: string, distinct: number, inputs: RowInputs): string | undefined {
  const c = p.column;
  const d = Math.max(1, Math.round(distinct));
  if (p.allowed && p.allowed.length > 0)
    return `(ARRAY[${p.allowed.map(literal).join(', ')}])[1 + floor(${q} * ${p.allowed.length})::int]`;
  if (c.enumLabels && c.enumLabels.length > 0)
    return `(ARRAY[${c.enumLabels.map(literal).join(', ')}])[1 + floor(${q} * ${c.enumLabels.length})::int]`;
  switch (c.category) {
    case 'N': {
      const lo = p.min ?? (integerTypes.has(c.baseTypeName) ? 1 : 0);
      if (integerTypes.has(c.baseTypeName)) {
        const cap = c.baseTypeName === 'int2' ? 32_000 : Number.MAX_SAFE_INTEGER;
        const hi = Math.min(p.max ?? lo + d - 1, cap);
        return `${number(lo)} + floor(${q} * ${number(Math.max(1, hi - lo + 1))})`;
      }
      const { whole, scale } = numericShape(c);
      const hi = p.max ?? Math.min(10 ** Math.min(whole, 4), 1000) - 1;
      const step = (hi - lo) / d;
      return `round((${number(lo)} + floor(${q} * ${d}) * ${number(step)})::numeric, ${Math.min(scale, 6)})`;
    }
    case 'S': {
      const limit = maxLength(c);
      const prefix = c.name.replace(/[^A-Za-z]/g, '').slice(0, 12) || 'v';
      const text = `${literal(`${prefix} `)} || floor(${q} * ${d})::int`;
      return limit !== undefined ? `left(${text}, ${limit})` : text;
    }
    case 'B':
      return `(${q} < 0.5)`;
    case 'D':
      if (c.baseTypeName === 'date') return `date '2022-01-01' + floor(${q} * 1096)::int`;
      if (c.baseTypeName.startsWith('time') && !c.baseTypeName.startsWith('timestamp'))
        return `time '00:00' + ${q} * interval '1 day'`;
      return `timestamptz '2022-01-01 00:00:00+00' + ${q} * interval '1096 days'`;
    case 'T':
      return intervalLike.test(c.baseTypeName) ? `${q} * interval '1 day'` : undefined;
    case 'A':
      return `'{}'`;
    case 'I':
      return `('10.0.0.0'::inet + floor(${q} * ${d})::int)`;
    default:
      break;
  }
  switch (c.baseTypeName) {
    case 'uuid':
      return `md5(${literal(c.name)} || floor(${q} * ${d})::int)::uuid`;
    case 'json':
    case 'jsonb':
      return `json_build_object('n', floor(${q} * ${Math.min(d, 100)})::int, 'g', ${inputs.g} % 7)`;
    case 'bytea':
      return `decode(md5(floor(${q} * ${d})::text), 'hex')`;
    case 'tsvector':
      return `to_tsvector('simple', 'word' || floor(${q} * 100)::int || ' term' || ${inputs.g} % 13)`;
    default:
      return undefined;
  }
}

/** Distinct values among `rows`, from pg_stats' n_distinct (a count, or minus a fraction of the rows). */
export function distinctCount(nDistinct: number, rows: number): number {
  return nDistinct >= 0 ? Math.max(1, Math.min(nDistinct, rows)) : Math.max(1, Math.round(-nDistinct * rows));
}

/** Whether values of the column can be interpolated between histogram bounds (numbers, dates and times). */
function interpolates(c: GenColumn): boolean {
  return c.category === 'N' || c.category === 'D' || (c.category === 'T' && intervalLike.test(c.baseTypeName));
}

/** The column's value for the row, before the cast and NULLs. */
function baseValue(p: ColumnPlan, inputs: RowInputs, arrays: ConstantArrays): string | undefined {
  const c = p.column;
  const [, r1, r2] = inputs.r;
  const position = `((${inputs.g} - 1 + ${r2}) / ${inputs.rows})`;
  const s = p.stats;
  if (p.unique && (!s || s.nDistinct === -1 || s.nDistinct < -0.99)) return uniqueValue(p, inputs);
  if (!s) {
    // Dates and times follow the insertion order (created_at-like), as in most applications.
    const q = c.category === 'D' ? position : r2;
    const rows = inputs.rows;
    const distinct = lowCardinalityName.test(c.name)
      ? 5
      : c.category === 'N'
        ? Math.max(10, Math.round(rows / 10))
        : Math.max(2, Math.round(rows / 2));
    // Low-cardinality text is skewed (most rows in the first values), like statuses are.
    return valueAt(p, lowCardinalityName.test(c.name) && c.category === 'S' ? `(${q} * ${q})` : q, distinct, inputs);
  }
  const total = distinctCount(s.nDistinct, inputs.rows);
  const mcv = s.mostCommonValues ?? [];
  const freqs = s.mostCommonFreqs ?? [];
  const correlation = s.correlation ?? 0;
  const weight = Math.abs(correlation) > 0.3 ? Math.abs(correlation) : 0;
  const ordered = correlation < 0 ? `(1 - ${position})` : position;
  const q = weight > 0 ? `least(0.999999, ${number(weight)} * ${ordered} + ${number(1 - weight)} * ${r2})` : r2;
  const bounds = s.histogramBounds ?? [];
  let rest: string | undefined;
  if (bounds.length >= 2) {
    const k = bounds.length - 1;
    const b = arrays.add(`ARRAY[${bounds.map(literal).join(', ')}]::${c.type}[]`);
    const j = `least(floor(${q} * ${k})::int, ${k - 1})`;
    const lower = `${b}[1 + ${j}]`;
    const upper = `${b}[2 + ${j}]`;
    const frac = `(${q} * ${k} - ${j})`;
    if (interpolates(c)) {
      rest =
        c.baseTypeName === 'date'
          ? `${lower} + floor((${upper} - ${lower}) * ${frac})::int`
          : `${lower} + (${upper} - ${lower}) * ${frac}`;
    } else if (c.category === 'S') {
      // Values between two bounds sort between them; the suffix gives each bucket its share of distinct values.
      const perBucket = Math.max(1, Math.round((total - mcv.length) / k));
      rest = perBucket > 1 ? `${lower} || ' ' || floor(${frac} * ${perBucket})::int` : lower;
    } else {
      rest = lower;
    }
  } else {
    rest = valueAt(p, q, Math.max(1, total - mcv.length), inputs);
  }
  if (mcv.length === 0 || freqs.length !== mcv.length) return rest;
  // The most common values with their frequencies among the non-NULL rows; the rest from the histogram.
  const nonNull = Math.max(1e-9, 1 - s.nullFrac);
  let cumulative = 0;
  const thresholds = freqs.map((f) => (cumulative = Math.min(1, cumulative + f / nonNull)));
  const values = arrays.add(`ARRAY[${mcv.map(literal).join(', ')}]::${c.type}[]`);
  const cuts = arrays.add(`ARRAY[${thresholds.map(number).join(', ')}]::float8[]`);
  const bucket = `width_bucket(${r1}, ${cuts})`;
  const restValue = rest ?? `${values}[1 + floor(${r2} * ${mcv.length})::int]`;
  return `CASE WHEN ${bucket} < ${mcv.length} THEN ${values}[${bucket} + 1] ELSE (${restValue})::${c.type} END`;
}

/** The full expression: the value cast to the column's type, NULL at the column's null fraction. */
export function columnExpression(p: ColumnPlan, inputs: RowInputs, arrays: ConstantArrays): string | undefined {
  const value = baseValue(p, inputs, arrays);
  const c = p.column;
  if (value === undefined) return c.notNull ? undefined : `NULL::${c.type}`;
  const cast = `(${value})::${c.type}`;
  const nullFrac = c.notNull ? 0 : (p.stats?.nullFrac ?? (p.unique ? 0 : 0.05));
  return nullFrac > 0 ? `CASE WHEN ${inputs.r[0]} < ${number(nullFrac)} THEN NULL ELSE ${cast} END` : cast;
}

export { uniqueValue as uniqueExpression };
