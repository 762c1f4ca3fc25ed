/**
 * N+1 advice for a .ts/.js file: each loop found (findNPlusOne) with the single query that replaces it, the
 * code edit, the round trips saved, the foreign-key index when none exists, and — with a session — the time
 * of 1 + N queries against the single one, measured on the connection inside a read-only transaction.
 */
import type { DatabaseSession } from '../../db/session';
import { loadParser } from '../../sql/parser';
import { TunerError } from '../../errors';
import type { SourceRange } from '../../positions';
import { parseSelect } from '../../sql/ast';
import { readTableShapes } from '../../db/tableShapes';
import { combinedQuery, type CombinedQuery } from './combinedQuery';
import { findNPlusOne, type NPlusOneFinding } from './findNPlusOne';
import { measureLoop, type MeasureLoopOptions, type NPlusOneMeasurement } from './measureLoop';

export interface TextEdit {
  range: SourceRange;
  newText: string;
}

export type { MeasurementStop, NPlusOneMeasurement, NPlusOneProgress } from './measureLoop';

export interface NPlusOneAdvice {
  id: 'n-plus-one-to-json-agg';
  finding: NPlusOneFinding;
  title: string;
  explanation: string;
  combined: CombinedQuery;
  /**
   * Replace the outer query's SQL with the combined one and the loop with what reproduces its effect; apply
   * together (one undo step). Empty when the loop's effect is not a shape the single query reproduces
   * (`noEditReason`): then the query and the measurement are offered, never an edit.
   */
  edits: TextEdit[];
  noEditReason?: string;
  roundTrips: { before: string; after: number };
  caveats: string[];
  measurement?: NPlusOneMeasurement;
  /** Why nothing was measured, when it was not. */
  measurementNote?: string;
}

export interface AdviseNPlusOneOptions extends MeasureLoopOptions {
  /** false: with a session, read the catalog for the single query but run nothing (a quick fix's edit). */
  measure?: boolean;
  /** Called before each loop is measured (its line), so progress can name it. */
  onMeasuring?: (finding: NPlusOneFinding) => void;
}

/** The loop statement with its whole lines, so deleting it leaves no blank indentation behind. */
function wholeLines(text: string, range: SourceRange): SourceRange {
  let start = range.start;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  let end = range.end;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return { start, end };
}

/**
 * The SQL's lines after the first indented one step deeper than the code line the literal starts on, so the
 * template literal reads as part of the code (the whitespace is inside the SQL, where it changes nothing).
 */
function indentedForCode(sql: string, text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indent = `${/^[ \t]*/.exec(text.slice(lineStart, at))?.[0] ?? ''}  `;
  return sql
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : indent + line))
    .join('\n');
}

/** `row.name`, or `row["name"]` when the name is not an identifier. */
function member(object: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

/**
 * The outer query's SQL replaced by the single query, and the loop by what gives the same result from its rows
 * (each shape of loopEffect): nothing for `row.K = children`, a loop without queries for push and keyed stores.
 */
function codeEdits(text: string, finding: NPlusOneFinding, sql: string, arrayColumn: string): TextEdit[] {
  const effect = finding.effect;
  if (!effect) return [];
  const body = indentedForCode(sql, text, finding.outer.sqlRange.start);
  const literal = '`' + body.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
  const outer: TextEdit = { range: finding.outer.sqlRange, newText: literal };
  const rows = finding.rowsProperty ? `${finding.outerVariable}.rows` : finding.outerVariable;
  const row = finding.rowVariable;
  switch (effect.kind) {
    case 'assign-to-row':
      return [outer, { range: wholeLines(text, finding.loopRange), newText: '' }];
    case 'push-spread':
      return [
        outer,
        { range: finding.loopRange, newText: `for (const ${row} of ${rows}) ${effect.target}.push(${row});` },
      ];
    case 'keyed': {
      const store =
        effect.via === 'map-set'
          ? `${effect.target}.set(${effect.keyText}, ${member(row, arrayColumn)})`
          : `${effect.target}[${effect.keyText}] = ${member(row, arrayColumn)}`;
      return [outer, { range: finding.loopRange, newText: `for (const ${row} of ${rows}) ${store};` }];
    }
    case 'map-spread':
      return [outer, { range: effect.replace, newText: rows }];
  }
}

async function measure(
  session: DatabaseSession,
  finding: NPlusOneFinding,
  combined: CombinedQuery,
  options: AdviseNPlusOneOptions,
): Promise<NPlusOneMeasurement> {
  const outer = parseSelect(finding.outer.sql)?.text ?? finding.outer.sql;
  const inner = parseSelect(finding.inner.sql)?.text ?? finding.inner.sql;
  return measureLoop(session, finding, { outer, inner }, combined, options);
}

export async function adviseNPlusOne(
  session: DatabaseSession | undefined,
  text: string,
  fileName: string,
  options: AdviseNPlusOneOptions = {},
): Promise<NPlusOneAdvice[]> {
  const findings = findNPlusOne(text, fileName);
  if (findings.length === 0) return [];
  await loadParser();
  const out: NPlusOneAdvice[] = [];
  for (const finding of findings) {
    const outer = parseSelect(finding.outer.sql);
    const inner = parseSelect(finding.inner.sql);
    if (!outer || !inner) continue;
    const shapes = session
      ? await readTableShapes(
          session,
          [outer, inner].flatMap((p) => {
            const rv = p.stmt.fromClause?.[0] as { RangeVar?: { relname?: string; schemaname?: string } } | undefined;
            return rv?.RangeVar?.relname
              ? [rv.RangeVar.schemaname ? `${rv.RangeVar.schemaname}.${rv.RangeVar.relname}` : rv.RangeVar.relname]
              : [];
          }),
        )
      : undefined;
    const property =
      finding.effect && finding.effect.kind !== 'keyed' ? finding.effect.property : finding.assignedProperty;
    const combined = combinedQuery(
      finding.outer.sql,
      finding.inner.sql,
      finding.keyParam,
      finding.keyColumn,
      property,
      shapes,
    );
    if (!combined) continue;
    const caveats = [
      ...combined.caveats,
      `Each row's ${combined.arrayColumn} is an array of plain objects parsed from JSON: timestamps arrive as ISO strings and numeric/bigint as JSON numbers, not as the driver's own types.`,
    ];
    if (combined.indexDdl)
      caveats.push(
        `No index leads with ${combined.childTable}.${combined.foreignKey}: ${combined.indexDdl.create} (undo: ${combined.indexDdl.rollback})`,
      );
    const advice: NPlusOneAdvice = {
      id: 'n-plus-one-to-json-agg',
      finding,
      title: `N+1 queries: one ${combined.childTable} query per ${combined.parentTable} row → one query with json_agg`,
      explanation:
        `The query at line ${finding.line} runs inside a loop, once per row of ${finding.outerVariable}, so the endpoint pays 1 + N round trips (and N plans and executions). ` +
        `One LEFT JOIN grouped by the key of ${combined.parentTable} returns every parent with its ${combined.arrayColumn} as a JSON array, in one round trip.`,
      combined,
      edits: codeEdits(text, finding, combined.sql, combined.arrayColumn),
      roundTrips: { before: '1 + N', after: 1 },
      caveats,
    };
    if (!finding.effect)
      advice.noEditReason = `No code change: ${finding.noEditReason ?? 'the loop’s effect is not one the single query reproduces'}.`;
    if (session && options.measure === false) advice.measurementNote = 'Not measured: only the catalog was read.';
    else if (session && options.signal?.aborted) advice.measurementNote = 'Not measured: cancelled.';
    else if (session) {
      options.onMeasuring?.(finding);
      try {
        advice.measurement = await measure(session, finding, combined, options);
      } catch (err) {
        if (err instanceof TunerError && err.reason === 'cancelled') throw err;
        advice.measurementNote = `Not measured: ${(err as Error).message}`;
      }
    } else advice.measurementNote = 'No database session: nothing was measured.';
    out.push(advice);
  }
  return out;
}
