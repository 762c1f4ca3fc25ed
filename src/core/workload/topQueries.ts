/**
 * The statements worth tuning, from pg_stat_statements for the session's database. Plain, sortable data
 * for the CLI table and the extension's tree view; a missing or unreadable extension is a structured note
 * with the steps to fix it, never an error.
 */
import type { DatabaseSession } from '../db/session';
import { TunerError } from '../errors';
import {
  chooseStatementColumns,
  requiredFigures,
  type StatementColumns,
  type StatementFigure,
} from './statementColumns';
import { tunerTag } from '../db/tunerTag';
import { formatMs } from '../text/formatNumbers';

/** What the list is ordered by: total time, mean time, calls, rows, shared blocks read, temp blocks written. */
export type TopQueryOrder = 'total' | 'mean' | 'calls' | 'rows' | 'reads' | 'temp';

export const topQueryOrders: readonly TopQueryOrder[] = ['total', 'mean', 'calls', 'rows', 'reads', 'temp'];

export const topQueryOrderLabels: Record<TopQueryOrder, string> = {
  total: 'total time',
  mean: 'mean time',
  calls: 'calls',
  rows: 'rows',
  reads: 'shared blocks read',
  temp: 'temp blocks written',
};

/** Each statement's part (0..1) of the database's total of one figure. */
export interface StatementShares {
  totalTime: number;
  calls: number;
  rows: number;
  sharedBlocksRead: number;
  tempBlocksWritten: number;
}

export interface TopStatement {
  /** 1-based position in this list. */
  rank: number;
  /** pg_stat_statements.queryid as text (a bigint); null when hidden from this role. */
  queryId: string | null;
  /** The normalized text with `$1…` for constants, as the server keeps it. */
  query: string;
  /** False when the text is `<insufficient privilege>` (another role's statement). */
  textVisible: boolean;
  userName: string;
  /** Statements run inside functions, when pg_stat_statements.track = all; undefined before PostgreSQL 14. */
  toplevel?: boolean;
  calls: number;
  totalTimeMs: number;
  meanTimeMs: number;
  minTimeMs?: number;
  maxTimeMs?: number;
  stddevTimeMs?: number;
  /** Only when pg_stat_statements.track_planning is on (PostgreSQL 13+). */
  totalPlanTimeMs?: number;
  rows: number;
  sharedBlocksHit: number;
  sharedBlocksRead: number;
  tempBlocksRead: number;
  tempBlocksWritten: number;
  /** Time spent reading blocks (track_io_timing = on). */
  blockReadTimeMs?: number;
  /** The share of the figure the list is ordered by (for `mean`: of total time). */
  share: number;
  shares: StatementShares;
  /**
   * `pg-tuner` when the entry is one of our own statements (its text carries our tag, see ownRuns.ts): a catalog
   * read, an EXPLAIN, or our run of an application's statement, which has a query id of its own. Such entries are
   * not the user's workload: they are listed apart (TopQueriesResult.own), never in the ranking.
   */
  ranBy: 'application' | 'pg-tuner';
}

/** pg-tuner's own entries: how much they hold, and the largest of them, so nothing recorded goes unseen. */
export interface OwnStatements {
  statementCount: number;
  totalTimeMs: number;
  calls: number;
  /** Of everything recorded (the application's statements and ours), 0..1. */
  shareOfAllTime: number;
  /** The largest by total time (at most `ownLimit`), shares of everything recorded. */
  largest: TopStatement[];
}

export type WorkloadNoteKind =
  | 'extension-not-available'
  | 'extension-not-installed'
  | 'extension-not-preloaded'
  | 'insufficient-privilege'
  | 'unknown-columns'
  | 'utility-statements'
  | 'own-statements';

export interface WorkloadNote {
  kind: WorkloadNoteKind;
  message: string;
  /** What to run or change, in order; each step is one SQL statement or one setting. */
  steps: string[];
}

export interface TopQueriesResult {
  /** `unavailable`: no statements could be read; `notes` says why and what to do. */
  status: 'ok' | 'unavailable';
  orderBy: TopQueryOrder;
  database: string;
  statements: TopStatement[];
  /** The application's statements of this database that pg_stat_statements holds, before the limit. */
  statementCount: number;
  /**
   * Sums over those statements (listed or not, utility ones too), the denominators of the shares: the user's
   * whole workload, without pg-tuner's own entries.
   */
  totals: { totalTimeMs: number; calls: number; rows: number; sharedBlocksRead: number; tempBlocksWritten: number };
  /** pg-tuner's own entries, apart from the workload. */
  own: OwnStatements;
  extensionVersion?: string;
  /** pg_stat_statements_info.stats_reset (1.9+): the figures count from here. ISO text. */
  statsSince?: string;
  notes: WorkloadNote[];
}

export interface TopQueriesOptions {
  orderBy?: TopQueryOrder;
  /** Default 20. */
  limit?: number;
  /** Keep statements run inside functions (track = all); default only top-level ones where known. */
  includeNested?: boolean;
  /** List utility statements too (VACUUM, GRANT, SET ROLE, …); default not, since they cannot be explained. */
  includeUtility?: boolean;
  /** How many of pg-tuner's own entries to show in `own.largest` (default 3). */
  ownLimit?: number;
}

/**
 * Matches a statement that EXPLAIN accepts, after leading white space, comments and parentheses: the rest
 * (VACUUM, GRANT, SET ROLE, COPY, CREATE …) are utility statements, recorded when track_utility is on. Sent as
 * a parameter, so the server's standard_conforming_strings cannot change what it means.
 */
export const explainableStatementPattern =
  '^(\\s|/\\*([^*]|\\*+[^*/])*\\*+/|--[^\\n]*\\n|\\()*(select|insert|update|delete|merge|with|values|table)\\M';

const insufficientPrivilege = '<insufficient privilege>';

export const createExtensionStep = 'CREATE EXTENSION pg_stat_statements;';
export const preloadSteps = [
  "shared_preload_libraries = 'pg_stat_statements'   -- in postgresql.conf (keep any libraries already listed), or: ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';",
  'Restart PostgreSQL (a reload is not enough for shared_preload_libraries).',
];

interface ExtensionRow extends Record<string, unknown> {
  version: string | null;
  schema: string | null;
  available: boolean;
  preload: string | null;
  database: string;
}

interface StatementRow extends Record<string, unknown> {
  query_id: string | null;
  query: string | null;
  user_name: string | null;
  toplevel: boolean | null;
  calls: number;
  total_time: number;
  mean_time: number;
  min_time: number | null;
  max_time: number | null;
  stddev_time: number | null;
  plan_time: number | null;
  rows: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_read: number;
  temp_blks_written: number;
  blk_read_time: number | null;
  own: boolean;
  statement_count: number;
  hidden_count: number;
  utility_count: number;
  sum_total_time: number;
  sum_calls: number;
  sum_rows: number;
  sum_shared_blks_read: number;
  sum_temp_blks_written: number;
  own_count: number;
  own_total_time: number;
  own_calls: number;
}

function emptyResult(
  orderBy: TopQueryOrder,
  database: string,
  notes: WorkloadNote[],
  extensionVersion?: string,
): TopQueriesResult {
  return {
    status: 'unavailable',
    orderBy,
    database,
    statements: [],
    statementCount: 0,
    totals: { totalTimeMs: 0, calls: 0, rows: 0, sharedBlocksRead: 0, tempBlocksWritten: 0 },
    own: { statementCount: 0, totalTimeMs: 0, calls: 0, shareOfAllTime: 0, largest: [] },
    extensionVersion,
    notes,
  };
}

function preloaded(preload: string | null): boolean | undefined {
  if (preload === null) return undefined; // hidden from this role (superuser-only setting)
  return preload.split(',').some((lib) => lib.trim().replace(/^"|"$/g, '') === 'pg_stat_statements');
}

/**
 * The SELECT over the view, its figures mapped to fixed aliases. Column names come from our own table.
 * `own`: list pg-tuner's own entries (by total time, utility ones too) instead of the application's. Every row
 * carries the sums of both groups.
 */
export function topQueriesSql(
  qualifiedView: string,
  columns: StatementColumns,
  orderBy: TopQueryOrder,
  includeNested: boolean,
  includeUtility = false,
  own = false,
): string {
  const f = columns.figures;
  const col = (figure: StatementFigure): string => (f[figure] ? `s.${f[figure]}::float8` : 'NULL::float8');
  const nested = columns.hasToplevel && !includeNested ? 'AND s.toplevel' : '';
  const orderAlias: Record<TopQueryOrder, string> = {
    total: 'total_time',
    mean: 'mean_time',
    calls: 'calls',
    rows: 'rows',
    reads: 'shared_blks_read',
    temp: 'temp_blks_written',
  };
  return `WITH s AS (
  SELECT s.queryid::text AS query_id, s.query, pg_catalog.pg_get_userbyid(s.userid)::text AS user_name,
         ${columns.hasToplevel ? 's.toplevel' : 'NULL::boolean'} AS toplevel,
         ${col('calls')} AS calls, ${col('totalTime')} AS total_time, ${col('meanTime')} AS mean_time,
         ${col('minTime')} AS min_time, ${col('maxTime')} AS max_time, ${col('stddevTime')} AS stddev_time,
         ${col('planTime')} AS plan_time, ${col('rows')} AS rows,
         ${col('sharedBlocksHit')} AS shared_blks_hit, ${col('sharedBlocksRead')} AS shared_blks_read,
         ${col('tempBlocksRead')} AS temp_blks_read, ${col('tempBlocksWritten')} AS temp_blks_written,
         ${col('blockReadTime')} AS blk_read_time
  FROM ${qualifiedView} s
  WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) ${nested}
), t AS (
  -- Another role's text is hidden, so whether it is a utility statement is unknown: it stays listed.
  -- Our own entries are known by our tag; since our runs of an application's statement have a query id of their
  -- own (ownRuns.ts), no call of the application is counted under that text.
  SELECT s.*, (s.query = '${insufficientPrivilege}' OR s.query ~* $2) AS explainable,
         coalesce(pg_catalog.strpos(s.query, '${tunerTag}') > 0, false) AS own FROM s
), w AS (
  -- The totals (the shares' denominators) count every statement of the application, listed or not.
  SELECT t.*,
         count(*) FILTER (WHERE NOT t.own) OVER ()::int AS statement_count,
         count(*) FILTER (WHERE NOT t.own AND t.query = '${insufficientPrivilege}') OVER ()::int AS hidden_count,
         count(*) FILTER (WHERE NOT t.own AND NOT t.explainable) OVER ()::int AS utility_count,
         coalesce(sum(t.total_time) FILTER (WHERE NOT t.own) OVER (), 0) AS sum_total_time,
         coalesce(sum(t.calls) FILTER (WHERE NOT t.own) OVER (), 0) AS sum_calls,
         coalesce(sum(t.rows) FILTER (WHERE NOT t.own) OVER (), 0) AS sum_rows,
         coalesce(sum(t.shared_blks_read) FILTER (WHERE NOT t.own) OVER (), 0) AS sum_shared_blks_read,
         coalesce(sum(t.temp_blks_written) FILTER (WHERE NOT t.own) OVER (), 0) AS sum_temp_blks_written,
         count(*) FILTER (WHERE t.own) OVER ()::int AS own_count,
         coalesce(sum(t.total_time) FILTER (WHERE t.own) OVER (), 0) AS own_total_time,
         coalesce(sum(t.calls) FILTER (WHERE t.own) OVER (), 0) AS own_calls
  FROM t
)
SELECT w.* FROM w
WHERE ${own ? 'w.own' : `NOT w.own${includeUtility ? '' : ' AND w.explainable'}`}
ORDER BY w.${own ? 'total_time' : orderAlias[orderBy]} DESC NULLS LAST, w.total_time DESC, w.query_id
LIMIT $1`;
}

const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** Reads the top statements of the session's database. Never throws for a missing extension or privilege. */
export async function loadTopQueries(
  session: DatabaseSession,
  options: TopQueriesOptions = {},
): Promise<TopQueriesResult> {
  const orderBy = options.orderBy ?? 'total';
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1)
    throw new TunerError('bad-input', `The limit must be a positive whole number, not ${limit}.`);
  const [ext] = await session.query<ExtensionRow>(
    `SELECT e.extversion AS version, pg_catalog.quote_ident(n.nspname) AS schema,
            EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a WHERE a.name = 'pg_stat_statements') AS available,
            (SELECT p.setting FROM pg_catalog.pg_settings p WHERE p.name = 'shared_preload_libraries') AS preload,
            pg_catalog.current_database()::text AS database
     FROM (SELECT 1) one
     LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'pg_stat_statements'
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`,
  );
  const database = ext.database;
  const isPreloaded = preloaded(ext.preload);
  if (ext.version === null || ext.schema === null) {
    if (!ext.available) {
      return emptyResult(orderBy, database, [
        {
          kind: 'extension-not-available',
          message:
            'pg_stat_statements is not installed on the server (its files are missing). It ships with PostgreSQL in the contrib package.',
          steps: [
            'Install the PostgreSQL contrib package for this server version (e.g. postgresql-contrib).',
            ...preloadSteps,
            createExtensionStep,
          ],
        },
      ]);
    }
    const steps = isPreloaded === true ? [createExtensionStep] : [...preloadSteps, createExtensionStep];
    return emptyResult(orderBy, database, [
      {
        kind: 'extension-not-installed',
        message: `The pg_stat_statements extension is not created in database "${database}"${isPreloaded === false ? ', and the library is not preloaded' : ''}.`,
        steps,
      },
    ]);
  }
  const qualifiedView = `${ext.schema}.pg_stat_statements`;
  const columnRows = await session.query<{ name: string }>(
    `SELECT a.attname::text AS name FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [qualifiedView],
  );
  const columns = chooseStatementColumns(columnRows.map((r) => r.name));
  const missing = requiredFigures.filter((figure) => !columns.figures[figure]);
  if (missing.length > 0) {
    return emptyResult(
      orderBy,
      database,
      [
        {
          kind: 'unknown-columns',
          message: `pg_stat_statements ${ext.version} has no column for ${missing.join(', ')}; this version is not supported.`,
          steps: ['ALTER EXTENSION pg_stat_statements UPDATE;'],
        },
      ],
      ext.version,
    );
  }
  const ownLimit = options.ownLimit ?? 3;
  let rows: StatementRow[];
  let ownRows: StatementRow[] = [];
  try {
    rows = await session.query<StatementRow>(
      topQueriesSql(qualifiedView, columns, orderBy, options.includeNested === true, options.includeUtility === true),
      [limit, explainableStatementPattern],
    );
    // Our own entries are never hidden: the largest are read too, whenever there are any (or nothing else).
    if ((rows.length === 0 || rows[0].own_count > 0) && ownLimit > 0)
      ownRows = await session.query<StatementRow>(
        topQueriesSql(qualifiedView, columns, orderBy, options.includeNested === true, true, true),
        [ownLimit, explainableStatementPattern],
      );
  } catch (err) {
    // 55000: "pg_stat_statements must be loaded via shared_preload_libraries".
    if (err instanceof TunerError && err.detail.code === '55000') {
      return emptyResult(
        orderBy,
        database,
        [
          {
            kind: 'extension-not-preloaded',
            message:
              'The pg_stat_statements extension exists but its library is not loaded at server start, so it collects nothing.',
            steps: preloadSteps,
          },
        ],
        ext.version,
      );
    }
    throw err;
  }
  const statsSince = await readStatsSince(session, ext.schema);
  // Every row carries the sums of both groups.
  const first: StatementRow | undefined = rows[0] ?? ownRows[0];
  const totals = {
    totalTimeMs: first?.sum_total_time ?? 0,
    calls: first?.sum_calls ?? 0,
    rows: first?.sum_rows ?? 0,
    sharedBlocksRead: first?.sum_shared_blks_read ?? 0,
    tempBlocksWritten: first?.sum_temp_blks_written ?? 0,
  };
  const ownTotals = { totalTimeMs: first?.own_total_time ?? 0, calls: first?.own_calls ?? 0 };
  const toStatement = (r: StatementRow, i: number, of: typeof totals): TopStatement => {
    const shares: StatementShares = {
      totalTime: ratio(r.total_time, of.totalTimeMs),
      calls: ratio(r.calls, of.calls),
      rows: ratio(r.rows, of.rows),
      sharedBlocksRead: ratio(r.shared_blks_read, of.sharedBlocksRead),
      tempBlocksWritten: ratio(r.temp_blks_written, of.tempBlocksWritten),
    };
    const statement: TopStatement = {
      rank: i + 1,
      queryId: r.query_id,
      query: r.query ?? '',
      textVisible: r.query !== null && r.query !== insufficientPrivilege,
      userName: r.user_name ?? '',
      calls: r.calls,
      totalTimeMs: r.total_time,
      meanTimeMs: r.mean_time,
      rows: r.rows,
      sharedBlocksHit: r.shared_blks_hit,
      sharedBlocksRead: r.shared_blks_read,
      tempBlocksRead: r.temp_blks_read,
      tempBlocksWritten: r.temp_blks_written,
      share: shareFor(orderBy, shares),
      shares,
      ranBy: r.own ? 'pg-tuner' : 'application',
    };
    if (r.toplevel !== null) statement.toplevel = r.toplevel;
    if (r.min_time !== null) statement.minTimeMs = r.min_time;
    if (r.max_time !== null) statement.maxTimeMs = r.max_time;
    if (r.stddev_time !== null) statement.stddevTimeMs = r.stddev_time;
    if (r.plan_time !== null) statement.totalPlanTimeMs = r.plan_time;
    if (r.blk_read_time !== null) statement.blockReadTimeMs = r.blk_read_time;
    return statement;
  };
  const statements = rows.map((r, i) => toStatement(r, i, totals));
  // Our entries' shares are of everything recorded (ours and the application's): they are not in the workload.
  // Rows, reads and temp blocks of ours are not summed apart, so those shares are of the application's sums.
  const allTotals = {
    ...totals,
    totalTimeMs: totals.totalTimeMs + ownTotals.totalTimeMs,
    calls: totals.calls + ownTotals.calls,
  };
  const own: OwnStatements = {
    statementCount: first?.own_count ?? 0,
    totalTimeMs: ownTotals.totalTimeMs,
    calls: ownTotals.calls,
    shareOfAllTime: ratio(ownTotals.totalTimeMs, allTotals.totalTimeMs),
    largest: ownRows.map((r, i) => toStatement(r, i, allTotals)),
  };
  const notes: WorkloadNote[] = [];
  const hidden = first?.hidden_count ?? 0;
  if (hidden > 0) {
    notes.push({
      kind: 'insufficient-privilege',
      message: `${hidden} of ${first.statement_count} statements belong to other roles: this role sees their figures but not their text or query id ('${insufficientPrivilege}').`,
      steps: ['GRANT pg_read_all_stats TO <this role>;   -- run as a superuser; PostgreSQL 10+'],
    });
  }
  const utility = first?.utility_count ?? 0;
  if (utility > 0 && options.includeUtility !== true) {
    notes.push({
      kind: 'utility-statements',
      message: `${utility} utility statement${utility === 1 ? '' : 's'} (VACUUM, GRANT, SET, COPY, DDL, …) not listed: they cannot be explained; their time counts in the totals.`,
      steps: [],
    });
  }
  if (own.statementCount > 0) {
    notes.push({
      kind: 'own-statements',
      message:
        `${own.statementCount} entr${own.statementCount === 1 ? 'y is' : 'ies are'} pg-tuner's own (catalog reads, EXPLAINs, measurements; their text ends with ${tunerTag}): ` +
        `${formatMs(own.totalTimeMs)} in ${own.calls} call${own.calls === 1 ? '' : 's'}, ${(own.shareOfAllTime * 100).toFixed(1)} % of all recorded time. ` +
        'They are not listed and not in the shares: they are not your workload.',
      steps: [],
    });
  }
  if (isPreloaded === false) {
    notes.push({
      kind: 'extension-not-preloaded',
      message:
        'shared_preload_libraries does not list pg_stat_statements: the figures may be stale or empty after the next restart.',
      steps: preloadSteps,
    });
  }
  return {
    status: 'ok',
    orderBy,
    database,
    statements,
    statementCount: first?.statement_count ?? 0,
    totals,
    own,
    extensionVersion: ext.version,
    statsSince,
    notes,
  };
}

function shareFor(orderBy: TopQueryOrder, shares: StatementShares): number {
  switch (orderBy) {
    case 'total':
    case 'mean':
      return shares.totalTime;
    case 'calls':
      return shares.calls;
    case 'rows':
      return shares.rows;
    case 'reads':
      return shares.sharedBlocksRead;
    case 'temp':
      return shares.tempBlocksWritten;
  }
}

async function readStatsSince(session: DatabaseSession, schema: string): Promise<string | undefined> {
  const view = `${schema}.pg_stat_statements_info`;
  const [exists] = await session.query<{ ok: boolean }>('SELECT pg_catalog.to_regclass($1) IS NOT NULL AS ok', [view]);
  if (!exists?.ok) return undefined;
  const [row] = await session.query<{ since: string | null }>(
    `SELECT pg_catalog.to_char(stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since FROM ${view}`,
  );
  return row?.since ?? undefined;
}

/** The value a list is ordered by, for sorting on the client (tree view) without another query. */
export function orderValue(s: TopStatement, orderBy: TopQueryOrder): number {
  switch (orderBy) {
    case 'total':
      return s.totalTimeMs;
    case 'mean':
      return s.meanTimeMs;
    case 'calls':
      return s.calls;
    case 'rows':
      return s.rows;
    case 'reads':
      return s.sharedBlocksRead;
    case 'temp':
      return s.tempBlocksWritten;
  }
}

/** A copy sorted by another key, ranks renumbered; shares stay per figure (pick them from `shares`). */
export function sortTopStatements(statements: readonly TopStatement[], orderBy: TopQueryOrder): TopStatement[] {
  return [...statements]
    .sort((a, b) => orderValue(b, orderBy) - orderValue(a, orderBy) || b.totalTimeMs - a.totalTimeMs)
    .map((s, i) => ({ ...s, rank: i + 1, share: shareFor(orderBy, s.shares) }));
}
