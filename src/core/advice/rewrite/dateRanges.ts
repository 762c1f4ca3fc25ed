/**
 * The date family of non-sargable predicates, each turned into a range on the bare column that means the same
 * (three-valued: NULL where the original is NULL), so a B-tree index on the column serves it:
 * - `date(c)`, `c::date`, `CAST(c AS date)` compared (=, <, <=, >, >=, BETWEEN) with a date value: exact bounds
 *   at midnight (`c < v::date + 1` for `date(c) <= v`); the date is cast in the session's TimeZone both ways;
 * - `EXTRACT(YEAR FROM c)` / `date_part('year', c)` against a whole year: bounds at 1 January;
 * - `date_trunc(unit, c)` (day, week, month, quarter, year) against a value: exact bounds when the value is
 *   itself `date_trunc` of the same unit (the start of a period), else the range it implies with the original
 *   kept as a recheck (a value inside a period matches no row, and the range alone would match some).
 * Values must not depend on the row: constants, parameters, `now()`, `current_date` and arithmetic on them.
 */
import type { Node } from '@pgsql/types';
import { columnPath, exprToSql, funcName, intValue, nodeAs, parseExpr, stringField } from '../../sql/ast';

export type Comparison = '=' | '<' | '<=' | '>' | '>=';

/** `v < f(c)` read as `f(c) > v`. */
export const mirrored: Record<Comparison, Comparison> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** What the predicate compares the wrapped column with: one value, or BETWEEN's two. */
export type Compared = { op: Comparison; value: Node } | { op: 'between'; low: Node; high: Node };

/** A column's type as format_type() writes it, for values whose type the original took from the column. */
export type ColumnTypeOf = (column: string[]) => string | undefined;

export interface DateRange {
  /** The replacement expression. */
  sql: string;
  /** The change in words. */
  change: string;
}

const truncUnits: Record<string, string> = {
  day: '1 day',
  week: '7 days',
  month: '1 month',
  quarter: '3 months',
  year: '1 year',
};

/** Functions whose value does not depend on the row and is the same throughout the statement. */
const stableFunctions = new Set([
  'now',
  'date_trunc',
  'make_date',
  'make_timestamp',
  'make_timestamptz',
  'to_date',
  'to_timestamp',
  'date',
  'statement_timestamp',
  'transaction_timestamp',
]);

/** current_date, current_timestamp, localtimestamp (with or without a precision). */
const timeValueFunctions = new Set<string>([
  'SVFOP_CURRENT_DATE',
  'SVFOP_CURRENT_TIMESTAMP',
  'SVFOP_CURRENT_TIMESTAMP_N',
  'SVFOP_LOCALTIMESTAMP',
  'SVFOP_LOCALTIMESTAMP_N',
]);

/** The type an untyped value takes in `date_trunc(unit, c) = value`: date_trunc's result type for c's type. */
function truncResultType(columnType: string | undefined): string | undefined {
  if (!columnType) return undefined;
  if (columnType === 'date' || /^timestamp(\(\d+\))? with time zone$/.test(columnType))
    return 'timestamp with time zone';
  if (/^timestamp(\(\d+\))? without time zone$/.test(columnType)) return 'timestamp without time zone';
  return undefined;
}

function typeNameOf(node: Node | undefined): string | undefined {
  const cast = nodeAs(node, 'TypeCast');
  return cast?.typeName?.names?.map(stringField).pop()?.toLowerCase();
}

/** A value the same for every row: constants, parameters, casts, now(), current_date and + / - of those. */
export function isRowFree(node: Node | undefined): boolean {
  if (!node) return false;
  if (nodeAs(node, 'A_Const') || nodeAs(node, 'ParamRef') || nodeAs(node, 'SQLValueFunction')) return true;
  const cast = nodeAs(node, 'TypeCast');
  if (cast) return isRowFree(cast.arg);
  const e = nodeAs(node, 'A_Expr');
  if (e?.kind === 'AEXPR_OP' && e.name?.length === 1 && ['+', '-'].includes(stringField(e.name[0]) ?? ''))
    return isRowFree(e.lexpr) && isRowFree(e.rexpr);
  const call = nodeAs(node, 'FuncCall');
  if (call && !call.over && !call.agg_star && stableFunctions.has(funcName(node) ?? ''))
    return (call.args ?? []).every(isRowFree);
  return false;
}

/** A row-free value whose type is date (or an untyped literal or parameter, which the comparison makes one). */
function isDateValue(node: Node | undefined): boolean {
  const c = nodeAs(node, 'A_Const');
  if (c) return c.sval !== undefined || c.isnull === true;
  if (nodeAs(node, 'ParamRef')) return true;
  if (typeNameOf(node) !== undefined) return typeNameOf(node) === 'date' && isRowFree(node);
  if (nodeAs(node, 'SQLValueFunction')?.op === 'SVFOP_CURRENT_DATE') return true;
  const e = nodeAs(node, 'A_Expr');
  if (e?.kind === 'AEXPR_OP' && ['+', '-'].includes(stringField(e.name?.[0]) ?? ''))
    return isDateValue(e.lexpr) && intValue(e.rexpr) !== undefined && nodeAs(e.lexpr, 'A_Const') === undefined;
  return ['make_date', 'to_date'].includes(funcName(node) ?? '') && isRowFree(node);
}

/** A row-free value of a timestamp type (or a date, which compares as its midnight): typed by itself. */
function isTypedTimeValue(node: Node | undefined): boolean {
  const type = typeNameOf(node);
  if (type !== undefined) return ['date', 'timestamp', 'timestamptz'].includes(type) && isRowFree(node);
  if (timeValueFunctions.has(nodeAs(node, 'SQLValueFunction')?.op ?? '')) return true;
  const e = nodeAs(node, 'A_Expr');
  if (e?.kind === 'AEXPR_OP' && ['+', '-'].includes(stringField(e.name?.[0]) ?? ''))
    return isTypedTimeValue(e.lexpr) && isRowFree(e.rexpr);
  return (
    ['now', 'date_trunc', 'make_timestamp', 'make_timestamptz', 'to_timestamp', 'statement_timestamp'].includes(
      funcName(node) ?? '',
    ) && isRowFree(node)
  );
}

/** `date(c)`, `c::date`, `CAST(c AS date)` → c. */
function dateOf(node: Node | undefined): Node | undefined {
  const cast = nodeAs(node, 'TypeCast');
  if (cast) return typeNameOf(node) === 'date' && columnPath(cast.arg) ? cast.arg : undefined;
  const call = nodeAs(node, 'FuncCall');
  if (call && funcName(node) === 'date' && call.args?.length === 1 && columnPath(call.args[0])) return call.args[0];
  return undefined;
}

/** `EXTRACT(YEAR FROM c)`, `date_part('year', c)` → c. */
function yearOf(node: Node | undefined): Node | undefined {
  const call = nodeAs(node, 'FuncCall');
  if (!call || call.args?.length !== 2 || !['extract', 'date_part'].includes(funcName(node) ?? '')) return undefined;
  const field = nodeAs(call.args[0], 'A_Const')?.sval?.sval?.toLowerCase();
  return field === 'year' && columnPath(call.args[1]) ? call.args[1] : undefined;
}

/** `date_trunc('month', c)` → c and the unit; `date_trunc` with a time zone argument is left alone. */
function truncOf(node: Node | undefined): { column: Node; unit: string } | undefined {
  const call = nodeAs(node, 'FuncCall');
  if (!call || call.args?.length !== 2 || funcName(node) !== 'date_trunc') return undefined;
  const unit = nodeAs(call.args[0], 'A_Const')?.sval?.sval?.toLowerCase();
  if (!unit || !(unit in truncUnits)) return undefined;
  return columnPath(call.args[1]) ? { column: call.args[1], unit } : undefined;
}

/** `to_char(c, 'YYYY-MM')` and the like: the column and the period its text names. */
const textPeriods: Record<string, { pattern: RegExp; start: (v: string) => string; step: string }> = {
  'YYYY-MM-DD': { pattern: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, start: (v) => v, step: '1 day' },
  'YYYY-MM': { pattern: /^\d{4}-(0[1-9]|1[0-2])$/, start: (v) => `${v}-01`, step: '1 month' },
  YYYY: { pattern: /^\d{4}$/, start: (v) => `${v}-01-01`, step: '1 year' },
};

function toCharOf(node: Node | undefined): { column: Node; format: string } | undefined {
  const call = nodeAs(node, 'FuncCall');
  if (!call || call.args?.length !== 2 || funcName(node) !== 'to_char' || !columnPath(call.args[0])) return undefined;
  const format = nodeAs(call.args[1], 'A_Const')?.sval?.sval;
  return format && format in textPeriods ? { column: call.args[0], format } : undefined;
}

/**
 * `to_char(c, 'YYYY-MM') = '2024-03'`: the text names one period, so the equality is its range. A value that is
 * not such a text (or no real date: '2024-02-30') matches no row as written: left alone.
 */
function textRange(c: string, format: string, compared: Compared): string | undefined {
  // Only equality: as text, a year past 9999 (five digits) sorts before '2024', where as a date it sorts after.
  if (compared.op !== '=') return undefined;
  const period = textPeriods[format];
  const text = nodeAs(compared.value, 'A_Const')?.sval?.sval;
  if (!text || !period.pattern.test(text)) return undefined;
  const day = period.start(text);
  // A day that does not exist (30 February) is no period: Date normalises it to another one.
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day || day.startsWith('0000'))
    return undefined;
  const start = `date '${day}'`;
  return periodBounds(c, '=', start, `${start} + interval '${period.step}'`);
}

function and(parts: string[]): string {
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
}

/**
 * A period [start, next) compared whole: `= p` is inside it, `< p` before its start, `<= p` before the next
 * one, `> p` from the next one on, `>= p` from its start on. The date, year and period-start forms all read so.
 */
function periodBounds(c: string, op: Comparison, start: string, next: string): string {
  const bounds: Record<Comparison, string[]> = {
    '=': [`${c} >= ${start}`, `${c} < ${next}`],
    '<': [`${c} < ${start}`],
    '<=': [`${c} < ${next}`],
    '>': [`${c} >= ${next}`],
    '>=': [`${c} >= ${start}`],
  };
  return and(bounds[op]);
}

function dateRange(c: string, compared: Compared): string | undefined {
  const lo = (v: Node): string => `(${exprToSql(v)})::date`;
  const next = (v: Node): string => `(${exprToSql(v)})::date + 1`;
  if (compared.op === 'between') {
    if (!isDateValue(compared.low) || !isDateValue(compared.high)) return undefined;
    return and([`${c} >= ${lo(compared.low)}`, `${c} < ${next(compared.high)}`]);
  }
  const v = compared.value;
  return isDateValue(v) ? periodBounds(c, compared.op, lo(v), next(v)) : undefined;
}

/** 1 January of a year as a date literal; years outside 1–9998 are left alone. */
function januaryFirst(year: number | undefined): string | undefined {
  if (year === undefined || !Number.isInteger(year) || year < 1 || year > 9998) return undefined;
  return `date '${String(year).padStart(4, '0')}-01-01'`;
}

function yearRange(c: string, compared: Compared): string | undefined {
  if (compared.op === 'between') {
    const low = januaryFirst(intValue(compared.low));
    const high = januaryFirst((intValue(compared.high) ?? NaN) + 1);
    return low && high ? and([`${c} >= ${low}`, `${c} < ${high}`]) : undefined;
  }
  const year = intValue(compared.value);
  const start = januaryFirst(year);
  const end = januaryFirst((year ?? NaN) + 1);
  return start && end ? periodBounds(c, compared.op, start, end) : undefined;
}

/** The start of a period: `date_trunc` of the same unit (two arguments). */
function isPeriodStart(node: Node, unit: string): boolean {
  const call = nodeAs(node, 'FuncCall');
  return (
    funcName(node) === 'date_trunc' &&
    call?.args?.length === 2 &&
    nodeAs(call.args[0], 'A_Const')?.sval?.sval?.toLowerCase() === unit &&
    isRowFree(call.args[1])
  );
}

function truncRange(
  original: Node,
  c: string,
  path: string[],
  unit: string,
  compared: Compared,
  typeOf: ColumnTypeOf,
): string | undefined {
  if (compared.op === 'between') return undefined;
  const v = compared.value;
  let value: string;
  if (isTypedTimeValue(v)) value = exprToSql(v);
  else {
    // An untyped literal or parameter took the column's type in the original: said here, for the arithmetic.
    const type = truncResultType(typeOf(path));
    const literal = nodeAs(v, 'A_Const')?.sval !== undefined || nodeAs(v, 'ParamRef') !== undefined;
    if (!literal || !type) return undefined;
    value = `(${exprToSql(v)})::${type}`;
  }
  // The next period's start, truncated again: in a zone that skips midnight (America/Santiago, 8 September 2024)
  // a day starts at 01:00, and that start + 1 day is 01:00 of the next day, an hour into it.
  const next = `date_trunc('${unit}', ${value} + interval '${truncUnits[unit]}')`;
  if (isPeriodStart(v, unit)) return periodBounds(c, compared.op, value, next);
  // date_trunc(c) <= c < date_trunc(c) + 1 unit: each comparison implies this range; the original stays.
  const implied: Record<Comparison, string[]> = {
    '=': [`${c} >= ${value}`, `${c} < ${next}`],
    '<': [`${c} < ${next}`],
    '<=': [`${c} < ${next}`],
    '>': [`${c} > ${value}`],
    '>=': [`${c} >= ${value}`],
  };
  return and([...implied[compared.op], exprToSql(original)]);
}

/** The column a date form wraps (`created_at` of `date(created_at)`), or undefined for none of the forms. */
export function wrappedColumn(wrapped: Node | undefined): Node | undefined {
  return dateOf(wrapped) ?? yearOf(wrapped) ?? truncOf(wrapped)?.column ?? toCharOf(wrapped)?.column;
}

/**
 * The range that replaces `wrapped` compared with `compared` (the whole predicate is `original`), or undefined
 * when `wrapped` is none of the family's forms or the value does not fit it.
 */
export function dateRangeFor(
  original: Node,
  wrapped: Node | undefined,
  compared: Compared,
  typeOf: ColumnTypeOf,
): DateRange | undefined {
  // A column of another type (dates kept as text) compares differently with the bounds: left alone.
  const column = wrappedColumn(wrapped);
  const type = column ? typeOf(columnPath(column) ?? []) : undefined;
  if (type !== undefined && type !== 'date' && !/^timestamp(\(\d+\))? with(out)? time zone$/.test(type))
    return undefined;
  const dated = dateOf(wrapped);
  if (dated) {
    const sql = dateRange(exprToSql(dated), compared);
    return sql ? { sql, change: `${exprToSql(original)} → a range on ${exprToSql(dated)}` } : undefined;
  }
  const year = yearOf(wrapped);
  if (year) {
    const sql = yearRange(exprToSql(year), compared);
    return sql ? { sql, change: `${exprToSql(original)} → a range of dates on ${exprToSql(year)}` } : undefined;
  }
  const trunc = truncOf(wrapped);
  if (trunc) {
    const c = exprToSql(trunc.column);
    const sql = truncRange(original, c, columnPath(trunc.column) ?? [], trunc.unit, compared, typeOf);
    if (!sql) return undefined;
    const kept = sql.endsWith(`${exprToSql(original)})`)
      ? ' (the original kept as a recheck: the value may fall inside a period)'
      : '';
    return { sql, change: `${exprToSql(original)} → a range on ${c}${kept}` };
  }
  const text = toCharOf(wrapped);
  if (text) {
    const sql = textRange(exprToSql(text.column), text.format, compared);
    return sql ? { sql, change: `${exprToSql(original)} → a range on ${exprToSql(text.column)}` } : undefined;
  }
  return undefined;
}

/**
 * Why a date form compared with a row-free value is not rewritten, for the near miss's reason: the value's type
 * or the part or unit is one no range on the column matches exactly.
 */
export function dateFormDeclined(wrapped: Node | undefined): string | undefined {
  if (dateOf(wrapped)) return 'compared with a value that is not a date (a timestamp compares with its midnight)';
  if (yearOf(wrapped)) return 'compared with something other than a whole year';
  if (truncOf(wrapped)) return 'compared with a value of unknown type';
  if (toCharOf(wrapped))
    return 'rewritten only in an equality with a text of its format naming a real date (as text, a year past 9999 sorts before 2024)';
  const name = funcName(wrapped);
  if (name === 'extract' || name === 'date_part') return 'a part other than the year is no range of dates';
  if (name === 'date_trunc') return 'a unit below a day (or a time zone argument): a range may not match it exactly';
  return undefined;
}

/** Parsed, so the caller puts a node in place of the predicate. */
export function rangeNode(range: DateRange): Node {
  return parseExpr(range.sql);
}
