/**
 * Proof before offering. Equivalence: both forms run on the session inside one read-only transaction that is
 * rolled back, compared as multisets (`A EXCEPT ALL B` and `B EXCEPT ALL A` both empty, equal row counts),
 * and, when the original has an ORDER BY, in order, with ties on the sort key detected (an order among ties is
 * not defined, and a tie across either page boundary, row OFFSET / OFFSET + 1 or the last row / the one after
 * LIMIT, makes any of the tied rows a correct answer: the rewrite is then equivalent when its page is one the
 * original may return, the same keys at every position and the same rows outside the tie groups, its tied rows
 * rows of the original with that key; else not equivalent).
 * Gain: EXPLAIN (ANALYZE, BUFFERS) of both through session.explain, medians of `runs` alternating runs.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { parsePlan } from '../../plan/parsePlan';
import { isStatementTimeout, TunerError } from '../../errors';
import { defaultStatementTimeoutMs } from '../../db/explainRunner';
import { hasKeyIndex } from '../../db/keyIndex';
import type { KeyColumn } from './rewriteDraft';
import type {
  EquivalenceFigures,
  RewriteMeasurement,
  RunFigures,
  TieBoundary,
  Verification,
} from '../rewriteSuggestion';
import type { Plan } from '../../plan/planNode';
import {
  clone,
  columnPath,
  exprToSql,
  intConst,
  intValue,
  maxParam,
  nodeAs,
  opExpr,
  parseSelect,
  walkNodes,
  wrap,
} from '../../sql/ast';
import { median } from '../../median';
import { emptyPreviousPage, rewriteParameters } from './extraParameters';
import { quoteIdentifier } from '../../sql/quoteIdentifier';

export interface VerifiableRewrite {
  originalSql: string;
  rewrittenSql: string;
  executableSql?: string;
  extraParamsQuery?: string;
  knownDifference?: string;
  /** See RewriteDraft.keyColumns: probed once per outer row by the statement as written. */
  keyColumns?: KeyColumn[];
}

export interface VerifyOptions {
  /** Values for the statement's `$n`. */
  params?: unknown[];
  /** EXPLAIN ANALYZE runs of each form for the median; default 3. */
  runs?: number;
  /** Skip the measurement (equivalence only). */
  skipMeasurement?: boolean;
  /** Most rows fetched for the ordered comparison; default 10 000. */
  orderedRowLimit?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The session may build an index in a rolled-back transaction (what-if allowed: never production). Then a key
   * the statement as written probes per outer row without an index gets one inside the proof's transaction, so
   * that the proof finishes on a large table (see proofIndexes).
   */
  mayBuildProofIndex?: boolean;
}

export interface VerifyResult {
  verification: Verification;
  verificationReason: string;
  equivalence?: EquivalenceFigures;
  measurement?: RewriteMeasurement;
  /** Verified equivalent and measured faster beyond noise. */
  quickFix: boolean;
}

/** The rule for "faster beyond noise", applied to the medians and the samples. */
export const noiseRule =
  'the rewrite’s median is at most 0.9 × the original’s and its slowest run is faster than the original’s fastest';

/** `after` faster than `before` by noiseRule (a run stopped by the statement_timeout is its bound, one sample). */
export function beyondNoise(
  before: Pick<RunFigures, 'timeMs' | 'samplesMs'>,
  after: Pick<RunFigures, 'timeMs' | 'samplesMs'>,
): boolean {
  return after.timeMs <= 0.9 * before.timeMs && Math.max(...after.samplesMs) < Math.min(...before.samplesMs);
}

interface SortKeys {
  /** 1-based output column positions of the ORDER BY keys, when every key is an output column. */
  positions?: number[];
  stmt: SelectStmt;
}

/** Where the ORDER BY keys sit in the output, so ties can be seen in the fetched rows. */
function sortKeysOf(stmt: SelectStmt): SortKeys {
  const out: SortKeys = { stmt };
  const targets = stmt.targetList ?? [];
  const positions: number[] = [];
  for (const s of stmt.sortClause ?? []) {
    const node = nodeAs(s, 'SortBy')?.node;
    if (!node) return out;
    const position = intValue(node);
    if (position !== undefined) {
      positions.push(position);
      continue;
    }
    const path = columnPath(node);
    const text = exprToSql(node);
    let found = -1;
    for (let i = 0; i < targets.length; i++) {
      const rt = nodeAs(targets[i], 'ResTarget');
      if (!rt?.val) continue;
      // A star before the key hides how many columns come first.
      if (columnPath(rt.val) === undefined && nodeAs(rt.val, 'ColumnRef')) return out;
      const tpath = columnPath(rt.val);
      if (
        (path?.length === 1 && (rt.name === path[0] || (!rt.name && tpath?.[tpath.length - 1] === path[0]))) ||
        exprToSql(rt.val) === text
      ) {
        found = i + 1;
        break;
      }
    }
    if (found < 0) return out;
    positions.push(found);
  }
  out.positions = positions;
  return out;
}

/** One fetched row as text, with its ORDER BY key as text (equal text: a tie). */
type Keyed = { r: string; k: string };

/** A LIMIT or OFFSET whose value is known: a literal, or a bare `$n` whose value was given. */
interface Bound {
  node?: Node;
  value: number;
}

function boundOf(node: Node | undefined, params: unknown[]): Bound | undefined {
  const literal = intValue(node);
  if (literal !== undefined) return { node, value: literal };
  const ref = nodeAs(node, 'ParamRef');
  const given = ref?.number ? params[ref.number - 1] : undefined;
  const value =
    typeof given === 'number' || typeof given === 'bigint' || typeof given === 'string' ? Number(given) : NaN;
  return Number.isInteger(value) && value >= 0 ? { node, value } : undefined;
}

/** The page's OFFSET (0 when absent) and LIMIT (absent: no end boundary), when both values are known. */
function pageBounds(
  stmt: SelectStmt,
  params: unknown[],
): { offset: number; offsetBound?: Bound; limitBound?: Bound } | undefined {
  const offsetBound = stmt.limitOffset ? boundOf(stmt.limitOffset, params) : { value: 0 };
  const limitBound = stmt.limitCount ? boundOf(stmt.limitCount, params) : undefined;
  if (!offsetBound || (stmt.limitCount && !limitBound)) return undefined;
  return { offset: offsetBound.value, offsetBound, limitBound };
}

/** The bound moved to `target`; a `$n` stays referenced (`$n - 1`) so the server still infers its type. */
function movedBound(bound: Bound | undefined, target: number): Node {
  if (!bound?.node || nodeAs(bound.node, 'ParamRef') === undefined) return intConst(target);
  return target >= bound.value
    ? opExpr('+', clone(bound.node), intConst(target - bound.value))
    : opExpr('-', clone(bound.node), intConst(bound.value - target));
}

/** The original's page starting `before` rows earlier and `count` rows long. */
function widenedPage(
  stmt: SelectStmt,
  bounds: NonNullable<ReturnType<typeof pageBounds>>,
  before: number,
  count: number,
): SelectStmt {
  const out: SelectStmt = { ...clone(stmt), limitCount: movedBound(bounds.limitBound, count) };
  if (!out.limitOption || out.limitOption === 'LIMIT_OPTION_DEFAULT') out.limitOption = 'LIMIT_OPTION_COUNT';
  if (before > 0) out.limitOffset = movedBound(bounds.offsetBound, bounds.offset - before);
  return out;
}

/**
 * The original without its LIMIT and OFFSET, and, for each `$n` they held, a reference the outer query keeps
 * (`, $n::bigint`) so the server can still type every parameter.
 */
function unpagedSql(stmt: SelectStmt, given: number): { sql: string; references: string } {
  const out: SelectStmt = clone(stmt);
  delete out.limitCount;
  delete out.limitOffset;
  delete out.limitOption;
  const kept = new Set<number>();
  walkNodes(out, (kind, payload) => {
    if (kind === 'ParamRef') kept.add(Number(payload.number ?? 0));
  });
  const references: string[] = [];
  for (const node of [stmt.limitCount, stmt.limitOffset]) {
    const n = nodeAs(node, 'ParamRef')?.number;
    if (n !== undefined && !kept.has(n) && n <= given) {
      kept.add(n);
      references.push(`, $${n}::bigint AS p${n}`);
    }
  }
  return { sql: exprToSql(wrap('SelectStmt', out)), references: references.join('') };
}

/** "Rows tie on the ORDER BY key at the OFFSET boundary (…)", naming the boundaries that tie. */
function tieWhere(tied: TieBoundary[], offset: number): string {
  const parts: string[] = [];
  if (tied.includes('page-start'))
    parts.push(
      `at the OFFSET boundary (row ${offset}, the last one OFFSET skips, and row ${offset + 1}, the first returned, have the same key)`,
    );
  if (tied.includes('page-end'))
    parts.push('at the LIMIT boundary (the last row returned and the next one have the same key)');
  return `Rows tie on the ORDER BY key ${parts.join(' and ')}`;
}

/** How many rows of the rewrite's tie group (`rows`, as text) are not rows of the original with that key. */
type NotInTieGroup = (rows: string[], key: string) => Promise<number>;

/**
 * With ties at a page boundary, what two correct answers must still share: the same ORDER BY key at every
 * position; the same rows in each run of equal keys inside the page (in any order); and, in a run at a tied
 * boundary, rows that are all rows of the original with that key (any of them is a correct answer).
 * The first difference found, in words, or undefined.
 */
async function differenceOutsideTies(
  rowsA: Keyed[],
  rowsB: Keyed[],
  tied: TieBoundary[],
  notInTieGroup: NotInTieGroup,
): Promise<string | undefined> {
  if (rowsA.length !== rowsB.length)
    return `the original's page has ${rowsA.length} rows, the rewrite's ${rowsB.length}`;
  const at = rowsA.findIndex((row, i) => row.k !== rowsB[i].k);
  if (at >= 0)
    return `row ${at + 1} of the page has the ORDER BY key ${rowsA[at].k} in the original and ${rowsB[at].k} in the rewrite`;
  for (let start = 0; start < rowsA.length;) {
    let end = start + 1;
    while (end < rowsA.length && rowsA[end].k === rowsA[start].k) end++;
    const ours = rowsA.slice(start, end).map((row) => row.r);
    const theirs = rowsB.slice(start, end).map((row) => row.r);
    const atBoundary =
      (start === 0 && tied.includes('page-start')) || (end === rowsA.length && tied.includes('page-end'));
    const place = `rows ${start + 1}–${end} of the page (ORDER BY key ${rowsA[start].k})`;
    if (atBoundary) {
      const missing = await notInTieGroup(theirs, rowsA[start].k);
      if (missing > 0) return `${missing} of the rewrite's ${place} are not rows of the original with that key`;
    } else if (ours.sort().join('\n') !== theirs.sort().join('\n')) {
      return `${place} do not tie with the page's boundaries, yet hold different rows`;
    }
    start = end;
  }
  return undefined;
}

function body(sql: string): string {
  return parseSelect(sql)?.text ?? sql.trim().replace(/;\s*$/, '');
}

async function readOnly<T>(
  session: DatabaseSession,
  work: (tx: TransactionScope) => Promise<T>,
  options: VerifyOptions,
  prepare: string[] = [],
): Promise<T> {
  if (!session.inTransaction) {
    throw new TunerError(
      'bad-input',
      'This session cannot run statements inside one read-only transaction, so the rewrite was not run.',
    );
  }
  return session.inTransaction(
    async (tx) => {
      // Our own statements first (the proof's indexes); read-only from there on.
      for (const sql of prepare) await tx.query(sql);
      // Nothing the compared statements call may write (a volatile function, nextval()).
      await tx.query('SET TRANSACTION READ ONLY');
      return work(tx);
    },
    { statementTimeoutMs: options.statementTimeoutMs ?? 60_000, signal: options.signal },
  );
}

/** A table with at most this many rows proves nothing about how a statement treats rows (joins, duplicates, order). */
const nearEmptyRows = 1;

/** The tables a statement reads (not its CTEs), schema-qualified where written so. */
function tablesRead(stmt: SelectStmt): string[] {
  const ctes = new Set<string>();
  const tables = new Set<string>();
  // The CTEs first: `FROM stats` comes before `WITH stats AS (…)` in the tree's order.
  walkNodes(stmt, (kind, payload) => {
    if (kind === 'CommonTableExpr' && typeof payload.ctename === 'string') ctes.add(payload.ctename);
    return true;
  });
  walkNodes(stmt, (kind, payload) => {
    if (kind === 'RangeVar' && typeof payload.relname === 'string') {
      const schema = typeof payload.schemaname === 'string' ? payload.schemaname : undefined;
      if (schema || !ctes.has(payload.relname))
        tables.add(
          schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(payload.relname)}` : quoteIdentifier(payload.relname),
        );
    }
  });
  return [...tables];
}

/**
 * Why equal results prove nothing here, when they do not: both forms return no rows, or every table the statement
 * reads is empty or near-empty (any two forms agree on no data). Such a rewrite is "not tested on data", never
 * "equivalent".
 */
async function untestedOnData(tx: TransactionScope, stmt: SelectStmt, rows: number): Promise<string | undefined> {
  if (rows === 0)
    return 'Both forms return no rows on this database, so comparing them proves nothing: not tested on data.';
  const tables = tablesRead(stmt);
  if (tables.length === 0) return undefined;
  // At most nearEmptyRows + 1 rows read from each table: cheap on a table of any size.
  const counts = (
    await tx.query<Record<string, string>>(
      `SELECT ${tables.map((t, i) => `(SELECT count(*) FROM (SELECT FROM ${t} LIMIT ${nearEmptyRows + 1}) AS t) AS n${i}`).join(', ')}`,
    )
  )[0];
  const sizes = tables.map((t, i) => ({ table: t, rows: Number(counts[`n${i}`]) }));
  if (sizes.some((s) => s.rows > nearEmptyRows)) return undefined;
  return `The tables it reads are empty or near-empty on this database (${sizes.map((s) => `${s.table}: ${s.rows} row${s.rows === 1 ? '' : 's'}`).join(', ')}), so the same ${rows} row(s) from both forms prove nothing: not tested on data.`;
}

/**
 * The correlated statement as written probes each key once per outer row; without an index on the key each probe
 * reads the whole table, and on a large one the proof, which runs it, never ends. Where building is allowed, an
 * index on each such key is made in the proof's transaction (rolled back with it): it changes how fast the
 * statement runs, never its rows. The statements that make them and what to say of it; none when all are indexed.
 */
async function proofIndexes(
  session: DatabaseSession,
  keys: KeyColumn[],
  options: VerifyOptions,
): Promise<{ sql: string[]; note?: string }> {
  if (!options.mayBuildProofIndex || keys.length === 0) return { sql: [] };
  const missing: KeyColumn[] = [];
  for (const k of keys) {
    if (missing.some((m) => m.table === k.table && m.column === k.column)) continue;
    if (!(await hasKeyIndex(session, k.table, k.column))) missing.push(k);
  }
  if (missing.length === 0) return { sql: [] };
  return {
    sql: missing.map((k) => `CREATE INDEX ON ${k.table} (${quoteIdentifier(k.column)})`),
    note: ` ${missing.map((k) => `${k.table} has no index on ${k.column}`).join('; ')}: the statement as written reads the table once per outer row, so the proof ran with one made in its rolled-back transaction (it changes the speed, never the rows; not part of the advice).`,
  };
}

interface Comparison {
  verification: Verification;
  reason: string;
  extraParams: unknown[];
  figures?: EquivalenceFigures;
}

async function compare(
  session: DatabaseSession,
  rewrite: VerifiableRewrite,
  options: VerifyOptions,
): Promise<Comparison> {
  const a = body(rewrite.originalSql);
  const b = body(rewrite.executableSql ?? rewrite.rewrittenSql);
  const parsedA = parseSelect(a);
  if (!parsedA) return { verification: 'unverified', reason: 'Only a single SELECT can be compared.', extraParams: [] };
  const params = options.params ?? [];
  const needed = maxParam(parsedA.stmt);
  if (params.length < needed) {
    return {
      verification: 'unverified',
      reason: `The statement has $1…$${needed} and no values were given for them, so neither form was run.`,
      extraParams: [],
    };
  }
  const rowLimit = options.orderedRowLimit ?? 10_000;
  const helpers = await proofIndexes(session, rewrite.keyColumns ?? [], options);
  const compared = await readOnly(
    session,
    async (tx) => {
      // Both forms run below: what a rollback cannot undo is refused first.
      await tx.checkStatement(a);
      await tx.checkStatement(b);
      const bParams = await rewriteParameters((q, p) => tx.query(q, p), rewrite.extraParamsQuery, params);
      if (!bParams) return { verification: 'unverified' as const, reason: emptyPreviousPage, extraParams: [] };
      const extraParams = bParams.slice(params.length);
      // One statement for the four numbers: both forms see the same snapshot and the same parameter types.
      const countsSql = (rows: (sql: string) => string): string =>
        `SELECT (SELECT count(*) FROM (${a}) AS a) AS a_rows, (SELECT count(*) FROM (${b}) AS b) AS b_rows,
                (SELECT count(*) FROM ((${rows(a)}) EXCEPT ALL (${rows(b)})) AS d) AS a_only, (SELECT count(*) FROM ((${rows(b)}) EXCEPT ALL (${rows(a)})) AS d) AS b_only`;
      let asText = false;
      let counts: Record<string, string>;
      // A json column has no equality operator (API queries return json_agg, json_build_object): those rows are
      // compared as their text, as the ordered comparison below does, under a savepoint so the error costs nothing.
      await tx.query('SAVEPOINT pg_tuner_compare');
      try {
        counts = (
          await tx.query<Record<string, string>>(
            countsSql((sql) => sql),
            bParams,
          )
        )[0];
      } catch (err) {
        if (!/could not identify an equality operator/.test((err as Error).message)) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT pg_tuner_compare');
        asText = true;
        counts = (
          await tx.query<Record<string, string>>(
            countsSql((sql) => `SELECT r::text FROM (${sql}) AS r`),
            bParams,
          )
        )[0];
      }
      const aRows = Number(counts.a_rows);
      const bRows = Number(counts.b_rows);
      const aOnly = Number(counts.a_only);
      const bOnly = Number(counts.b_only);
      const multisetEqual = aRows === bRows && aOnly === 0 && bOnly === 0;
      const multiset = `${aOnly} row(s) only in the original, ${bOnly} only in the rewrite; ${aRows} vs ${bRows} rows${asText ? '; rows compared as text, a json column having no equality' : ''}`;
      const counted = { originalRows: aRows, rewriteRows: bRows, onlyInOriginal: aOnly, onlyInRewrite: bOnly };
      const verdict = (
        verification: Verification,
        reason: string,
        order: EquivalenceFigures['order'],
        tied?: TieBoundary[],
      ): Comparison => ({
        verification,
        reason,
        extraParams,
        figures: tied ? { ...counted, order, tiedBoundaries: tied } : { ...counted, order },
      });
      const stmt = parsedA.stmt;
      // Equal results on no data are no proof; a difference found on little data still is one.
      if (multisetEqual) {
        const untested = await untestedOnData(tx, stmt, aRows);
        if (untested) return verdict('not-tested-on-data', untested, stmt.sortClause?.length ? 'same' : 'no-order');
      }
      if (!stmt.sortClause?.length) {
        if (stmt.limitCount)
          return verdict(
            'unverified',
            `LIMIT without ORDER BY returns arbitrary rows, so no comparison can prove anything (${multiset}).`,
            'no-order',
          );
        return verdict(
          multisetEqual ? 'equivalent' : 'not-equivalent',
          `Compared as multisets: ${multiset}.`,
          'no-order',
        );
      }

      // Ordered comparison, with ties on the sort key found in the original's rows around the page.
      const keys = sortKeysOf(stmt);
      if (aRows > rowLimit) {
        return verdict(
          multisetEqual ? 'equivalent' : 'not-equivalent',
          `Compared as multisets: ${multiset}; the order was not compared (more than ${rowLimit} rows).`,
          'too-many-rows',
        );
      }
      const width = Math.max(0, ...(keys.positions ?? [0]));
      const alias = width > 0 ? `x(${Array.from({ length: width }, (_, i) => `c${i + 1}`).join(', ')})` : 'x';
      const keyExpr = keys.positions?.length ? `ROW(${keys.positions.map((p) => `x.c${p}`).join(', ')})::text` : `''`;
      const fetchOrdered = async (sql: string, values: unknown[]): Promise<Keyed[]> =>
        // A plain SELECT over an ordered subquery keeps its order in PostgreSQL.
        tx.query<Keyed>(`SELECT x::text AS r, ${keyExpr} AS k FROM (${sql}) AS ${alias}`, values);
      const rowsA = await fetchOrdered(a, params);
      const rowsB = await fetchOrdered(b, bParams);
      const sameOrder = rowsA.length === rowsB.length && rowsA.every((row, i) => row.r === rowsB[i].r);
      if (!keys.positions) {
        if (multisetEqual && sameOrder)
          return verdict('equivalent', `Same rows in the same order (${aRows} rows).`, 'same');
        return verdict(
          multisetEqual ? 'unverified' : 'not-equivalent',
          `${multisetEqual ? 'Same rows, different order' : `Compared as multisets: ${multiset}`}; the ORDER BY keys are not output columns, so ties could not be checked.`,
          'keys-not-output',
        );
      }
      const bounds = pageBounds(stmt, params);
      const tied: TieBoundary[] = [];
      if (bounds && rowsA.length > 0 && (bounds.offset > 0 || stmt.limitCount)) {
        // One more run of the original, one row wider on each side: row m (the last OFFSET skips) and the row after the page.
        const before = bounds.offset > 0 ? 1 : 0;
        const probe = await fetchOrdered(
          exprToSql(wrap('SelectStmt', widenedPage(stmt, bounds, before, rowsA.length + before + 1))),
          params,
        );
        if (before === 1 && probe.length > 0 && probe[0].k === rowsA[0].k) tied.push('page-start');
        const after = probe[before + rowsA.length];
        if (stmt.limitCount && after && after.k === rowsA[rowsA.length - 1].k) tied.push('page-end');
      }
      if (tied.length > 0) {
        const where = tieWhere(tied, bounds?.offset ?? 0);
        const difference = await differenceOutsideTies(rowsA, rowsB, tied, async (rows, key) => {
          // Which of the rewrite's tied rows are not rows of the original with that key, over all its rows (no page).
          const keep = unpagedSql(stmt, params.length);
          const p = params.length;
          const found = await tx.query<{ n: string }>(
            `SELECT (SELECT count(*) FROM (SELECT unnest($${p + 1}::text[]) EXCEPT ALL SELECT x::text FROM (${keep.sql}) AS ${alias} WHERE ${keyExpr} = $${p + 2}::text) AS d) AS n${keep.references}`,
            [...params, rows, key],
          );
          return Number(found[0].n);
        });
        if (difference)
          return verdict(
            'not-equivalent',
            `${where}, yet the forms differ outside what those ties allow: ${difference} (${multiset}).`,
            sameOrder ? 'same' : 'differs',
            tied,
          );
        // What SQL allows the statement as written is all a rewrite must keep: its page is one of the original's
        // own correct answers. Which of the tied rows is not fixed for the statement as written either (its plan
        // picks them; an index or new statistics can change that), so this is no weaker than the other verdicts.
        return verdict(
          'equivalent',
          `${where}, so SQL lets either form return any of the tied rows there. ` +
            `The rewrite's page is one the statement as written may return: the same ORDER BY key at every position, the same rows outside those tie groups, ` +
            `and at the boundary rows of the original with that key (${multiset}); which of the tied rows it returns may differ from today's.`,
          'boundary-ties',
          tied,
        );
      }
      let tiesInside = false;
      for (let i = 1; i < rowsA.length; i++) if (rowsA[i].k === rowsA[i - 1].k) tiesInside = true;
      if (!multisetEqual)
        return verdict('not-equivalent', `Compared as multisets: ${multiset}.`, sameOrder ? 'same' : 'differs');
      if (sameOrder) return verdict('equivalent', `Same ${aRows} rows in the same order (${multiset}).`, 'same');
      if (tiesInside) {
        return verdict(
          'equivalent',
          `Same ${aRows} rows; their order differs only among rows that tie on the ORDER BY key, whose order SQL leaves open.`,
          'ties-only',
        );
      }
      return verdict(
        'not-equivalent',
        `Same rows but in a different order although the ORDER BY key has no ties (${aRows} rows).`,
        'differs',
      );
    },
    options,
    helpers.sql,
  );
  return helpers.note ? { ...compared, reason: `${compared.reason}${helpers.note}` } : compared;
}

export interface RunSample {
  timeMs: number;
  sharedBuffers: number;
  rows: number;
  rowsScanned: number;
  cost: number;
  sharedHit: number;
  sharedRead: number;
  tempBlocks: number;
  peakMemoryKb?: number;
}

/** The largest in-memory figure any node reports: hash tables and hash aggregates, memoize, in-memory sorts. */
function peakMemoryKb(plan: Plan): number | undefined {
  let peak: number | undefined;
  for (const node of plan.nodes) {
    const f = node.fields;
    const values = [f['Peak Memory Usage'], f['Sort Space Type'] === 'Memory' ? f['Sort Space Used'] : undefined];
    for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) peak = Math.max(peak ?? 0, v);
  }
  return peak;
}

/** One EXPLAIN (ANALYZE, BUFFERS) JSON output as the figures the report shows. */
export function sampleOf(planJson: string): RunSample {
  const plan = parsePlan(planJson);
  const b = plan.totals.buffers;
  const sample: RunSample = {
    timeMs: plan.executionTimeMs ?? plan.totals.timeMs,
    sharedBuffers: b.sharedHit + b.sharedRead,
    rows: plan.root.metrics.actualRowsTotal,
    rowsScanned: plan.totals.rowsScanned,
    cost: plan.totals.cost,
    sharedHit: b.sharedHit,
    sharedRead: b.sharedRead,
    tempBlocks: b.tempRead + b.tempWritten,
  };
  const peak = peakMemoryKb(plan);
  if (peak !== undefined) sample.peakMemoryKb = peak;
  return sample;
}

async function explainOnce(
  session: DatabaseSession,
  sql: string,
  params: unknown[],
  options: VerifyOptions,
): Promise<RunSample> {
  const result = await session.explain({
    sql,
    analyze: true,
    params: params.length > 0 ? params : undefined,
    statementTimeoutMs: options.statementTimeoutMs,
    signal: options.signal,
  });
  return sampleOf(result.planJson);
}

/** Median time over the samples, with the other figures of the median run. */
export function figuresOf(samples: RunSample[]): RunFigures {
  const times = samples.map((s) => s.timeMs);
  const m = median(times);
  // With an even count the median is between two runs: the figures are the slower one's.
  const at =
    samples.find((s) => s.timeMs === m) ??
    [...samples].sort((x, y) => x.timeMs - y.timeMs)[Math.floor(samples.length / 2)];
  const out: RunFigures = {
    timeMs: m,
    samplesMs: times,
    sharedBuffers: at.sharedBuffers,
    rows: at.rows,
    rowsScanned: at.rowsScanned,
    cost: at.cost,
    sharedHit: at.sharedHit,
    sharedRead: at.sharedRead,
    tempBlocks: at.tempBlocks,
  };
  if (at.peakMemoryKb !== undefined) out.peakMemoryKb = at.peakMemoryKb;
  return out;
}

/** The figures of a run stopped by the statement_timeout: its bound as the time, nothing else known. */
export function boundFigures(boundMs: number): RunFigures {
  return { timeMs: boundMs, samplesMs: [boundMs], sharedBuffers: NaN, rows: NaN, rowsScanned: NaN, timedOut: true };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of both forms, alternating, after one unmeasured run of each to warm the cache. The
 * statement as written may not finish within the statement_timeout (the slow statement people bring, hours as
 * written): its time is then that bound (`timedOut`, a lower bound), it is not run again, and the rewrite is
 * timed alone; the rewrite timing out too is an error.
 */
export async function measurePair(
  session: DatabaseSession,
  before: { sql: string; params: unknown[] },
  after: { sql: string; params: unknown[] },
  options: VerifyOptions = {},
): Promise<RewriteMeasurement> {
  const runs = Math.max(1, options.runs ?? 3);
  let beforeTimedOut = false;
  try {
    await explainOnce(session, before.sql, before.params, options);
  } catch (err) {
    if (!isStatementTimeout(err)) throw err;
    beforeTimedOut = true;
  }
  await explainOnce(session, after.sql, after.params, options);
  const a: RunSample[] = [];
  const b: RunSample[] = [];
  for (let i = 0; i < runs; i++) {
    if (!beforeTimedOut) a.push(await explainOnce(session, before.sql, before.params, options));
    b.push(await explainOnce(session, after.sql, after.params, options));
  }
  const fb = figuresOf(b);
  const fa = beforeTimedOut ? boundFigures(options.statementTimeoutMs ?? defaultStatementTimeoutMs) : figuresOf(a);
  const faster = beyondNoise(fa, fb);
  return {
    where: session.label,
    before: fa,
    after: fb,
    ratio: fb.timeMs > 0 ? fa.timeMs / fb.timeMs : Infinity,
    faster,
    noiseRule,
  };
}

/** Runs both forms on the session: are they equivalent, and is the rewrite faster beyond noise? */
export async function verifyRewrite(
  session: DatabaseSession,
  rewrite: VerifiableRewrite,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  if (rewrite.knownDifference) {
    return { verification: 'not-equivalent', verificationReason: rewrite.knownDifference, quickFix: false };
  }
  let comparison: Comparison;
  try {
    comparison = await compare(session, rewrite, options);
  } catch (err) {
    if (err instanceof TunerError && err.reason === 'cancelled') throw err;
    return {
      verification: 'unverified',
      verificationReason: `The comparison could not run: ${(err as Error).message}`,
      quickFix: false,
    };
  }
  const result: VerifyResult = {
    verification: comparison.verification,
    verificationReason: comparison.reason,
    quickFix: false,
  };
  if (comparison.figures) result.equivalence = comparison.figures;
  if (comparison.verification !== 'equivalent' || options.skipMeasurement) return result;
  const params = options.params ?? [];
  result.measurement = await measurePair(
    session,
    { sql: body(rewrite.originalSql), params },
    { sql: body(rewrite.executableSql ?? rewrite.rewrittenSql), params: [...params, ...comparison.extraParams] },
    options,
  );
  result.quickFix = result.measurement.faster;
  return result;
}
