/**
 * The table scans pg-tuner's own measurements made, so `health` does not report them as the application's.
 *
 * pg_stat_user_tables counts every scan of a table by any session, ours included, and has no per-session
 * split. Two facts make our part knowable: inside a transaction, pg_stat_xact_user_tables holds this backend's
 * not-yet-flushed counts (read at the start and end of a measurement transaction, the difference is exactly
 * what it scanned), and an EXPLAIN ANALYZE plan says which tables it scanned sequentially, how many times and
 * how many rows. Those figures are kept in a small ledger file per user (JSON, under the user's state
 * directory), per server and database, with the time they were taken: the health check subtracts what was
 * taken since the database's statistics were last reset, never more than the counter holds.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DatabaseSession } from './session';
import type { Plan } from '../plan/planNode';

/** One table's scans, by schema and name (unquoted). */
export interface TableScans {
  schema: string;
  name: string;
  seqScans: number;
  /** Rows the sequential scans read (pg_stat's seq_tup_read). */
  seqRowsRead: number;
  indexScans: number;
}

interface Queryable {
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

interface XactRow extends Record<string, unknown> {
  schema: string;
  name: string;
  seq_scan: number;
  seq_tup_read: number;
  idx_scan: number | null;
}

/**
 * This backend's counts in the current transaction (pg_stat_xact_user_tables), tables with any scan or row read: a
 * TABLESAMPLE scan counts its rows in seq_tup_read but no scan in seq_scan.
 */
export async function readTransactionScans(tx: Queryable): Promise<TableScans[]> {
  const rows = await tx.query<XactRow>(
    `SELECT schemaname::text AS schema, relname::text AS name, seq_scan::float8 AS seq_scan,
            seq_tup_read::float8 AS seq_tup_read, idx_scan::float8 AS idx_scan
     FROM pg_catalog.pg_stat_xact_user_tables WHERE seq_scan > 0 OR seq_tup_read > 0 OR coalesce(idx_scan, 0) > 0`,
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    seqScans: r.seq_scan,
    seqRowsRead: r.seq_tup_read,
    indexScans: r.idx_scan ?? 0,
  }));
}

const keyOf = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/** What was scanned between two reads of readTransactionScans in one transaction. */
export function scansBetween(before: readonly TableScans[], after: readonly TableScans[]): TableScans[] {
  const start = new Map(before.map((t) => [keyOf(t), t]));
  const out: TableScans[] = [];
  for (const t of after) {
    const b = start.get(keyOf(t));
    const d = {
      schema: t.schema,
      name: t.name,
      seqScans: t.seqScans - (b?.seqScans ?? 0),
      seqRowsRead: t.seqRowsRead - (b?.seqRowsRead ?? 0),
      indexScans: t.indexScans - (b?.indexScans ?? 0),
    };
    if (d.seqScans > 0 || d.seqRowsRead > 0 || d.indexScans > 0) out.push(d);
  }
  return out;
}

/**
 * The sequential scans an EXPLAIN ANALYZE plan made, per table: each Seq Scan node counts once per loop (a
 * rescan is a new scan to pg_stat), its rows read being those it returned and those its filter removed. Only
 * analyzed plans ran; a plan without ANALYZE scanned nothing. EXPLAIN names the schema only with VERBOSE:
 * without it the schema is '' and the health check matches the table by name.
 */
export function planScans(plan: Plan): TableScans[] {
  if (!plan.analyzed) return [];
  const byTable = new Map<string, TableScans>();
  for (const node of plan.nodes) {
    const type = node.fields['Node Type'];
    if (type !== 'Seq Scan' && type !== 'Index Scan' && type !== 'Index Only Scan') continue;
    const name = node.fields['Relation Name'];
    if (typeof name !== 'string') continue;
    const schema = typeof node.fields['Schema'] === 'string' ? node.fields['Schema'] : '';
    const loops = numberField(node.fields['Actual Loops']);
    if (loops === 0) continue; // never executed
    const entry = byTable.get(`${schema}.${name}`) ?? { schema, name, seqScans: 0, seqRowsRead: 0, indexScans: 0 };
    if (type === 'Seq Scan') {
      entry.seqScans += loops;
      entry.seqRowsRead +=
        (numberField(node.fields['Actual Rows']) + numberField(node.fields['Rows Removed by Filter'])) * loops;
    } else entry.indexScans += loops;
    byTable.set(`${schema}.${name}`, entry);
  }
  return [...byTable.values()];
}

/** One node of EXPLAIN's FORMAT JSON output, as far as the scan counts need it. */
interface RawPlanNode {
  'Node Type'?: unknown;
  'Relation Name'?: unknown;
  Schema?: unknown;
  'Actual Loops'?: unknown;
  'Actual Rows'?: unknown;
  'Rows Removed by Filter'?: unknown;
  Plans?: unknown;
}

/** The root nodes of EXPLAIN (FORMAT JSON) text, or none when it is not a plan we can read. */
function rawRoots(planJson: string): RawPlanNode[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(planJson);
  } catch {
    return [];
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const roots: RawPlanNode[] = [];
  for (const e of entries) {
    const plan = (e as { Plan?: unknown } | null)?.Plan;
    if (plan && typeof plan === 'object') roots.push(plan as RawPlanNode);
  }
  return roots;
}

/**
 * The scans an EXPLAIN ANALYZE's JSON text shows, per table, counted as planScans() counts them: each scan node's
 * loops, which include the parallel workers that ran it, its rows per loop times its loops.
 */
export function explainJsonScans(planJson: string): TableScans[] {
  const byTable = new Map<string, TableScans>();
  const walk = (node: RawPlanNode): void => {
    const type = node['Node Type'];
    const loops = numberField(node['Actual Loops']);
    const name = node['Relation Name'];
    const seq = type === 'Seq Scan';
    if (typeof name === 'string' && loops > 0 && (seq || type === 'Index Scan' || type === 'Index Only Scan')) {
      const schema = typeof node.Schema === 'string' ? node.Schema : '';
      const key = `${schema}.${name}`;
      const entry = byTable.get(key) ?? { schema, name, seqScans: 0, seqRowsRead: 0, indexScans: 0 };
      if (seq) {
        entry.seqScans += loops;
        // Actual Rows and Rows Removed by Filter are per loop.
        entry.seqRowsRead += (numberField(node['Actual Rows']) + numberField(node['Rows Removed by Filter'])) * loops;
      } else entry.indexScans += loops;
      byTable.set(key, entry);
    }
    if (Array.isArray(node.Plans)) for (const child of node.Plans) walk(child as RawPlanNode);
  };
  for (const root of rawRoots(planJson)) walk(root);
  return [...byTable.values()];
}

/**
 * What a plan's scans hold beyond the leader's own counts of the same statement (pg_stat_xact_user_tables across
 * it): the parallel workers' part, which the leader's transaction does not see. Tables match by name, and by schema
 * when the plan names it (VERBOSE).
 */
export function beyondLeader(plan: readonly TableScans[], leader: readonly TableScans[]): TableScans[] {
  const out: TableScans[] = [];
  for (const p of plan) {
    const mine = leader.filter((l) => l.name === p.name && (p.schema === '' || l.schema === p.schema));
    const sum = (field: 'seqScans' | 'seqRowsRead' | 'indexScans'): number => mine.reduce((n, l) => n + l[field], 0);
    const extra = {
      schema: p.schema,
      name: p.name,
      seqScans: Math.max(0, p.seqScans - sum('seqScans')),
      seqRowsRead: Math.max(0, p.seqRowsRead - sum('seqRowsRead')),
      indexScans: Math.max(0, p.indexScans - sum('indexScans')),
    };
    if (extra.seqScans > 0 || extra.seqRowsRead > 0 || extra.indexScans > 0) out.push(extra);
  }
  return out;
}

/** Our statements that build an index, whose table scan parallel workers may share. */
export function buildsIndex(sql: string): boolean {
  return /^\s*(?:create\s+(?:unique\s+)?index|reindex)\b/i.test(sql);
}

/** Participants of one parallel build at most (the leader and max_parallel_maintenance_workers). */
const maxBuildParticipants = 64;
/** A leader that read this close to all of the table's tuples built alone. */
const aloneTolerance = 0.005;

/**
 * What the parallel workers of an index build scanned, estimated from the leader's part (`leader`: this
 * transaction's counts across the build). A build reads the whole table once, shared evenly between the leader and
 * its workers, each counting a sequential scan of its own that pg_stat_xact_user_tables does not show: the table's
 * tuples (pg_class.reltuples, which the build has just set) less the leader's rows are the workers' rows, and the
 * tuples over the leader's rows the participants (a guess: the split is not even when a worker starts late, and the
 * rows are what the health check weighs). A build that ran alone read all of them and adds nothing.
 */
export async function parallelBuildShare(tx: Queryable, leader: readonly TableScans[]): Promise<TableScans[]> {
  const out: TableScans[] = [];
  for (const t of leader) {
    if (t.seqScans < 1 || t.seqRowsRead <= 0) continue;
    const [row] = await tx.query<{ tuples: number }>(
      `SELECT c.reltuples::float8 AS tuples FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [t.schema, t.name],
    );
    const tuples = row?.tuples ?? 0;
    if (!(tuples > 0)) continue;
    // Alone, the leader reads every tuple (dead ones too, which reltuples leaves out): less means workers shared.
    const perScan = t.seqRowsRead / t.seqScans;
    if (perScan >= tuples * (1 - aloneTolerance)) continue;
    const workers = Math.max(1, Math.min(maxBuildParticipants, Math.round(tuples / perScan)) - 1);
    out.push({
      schema: t.schema,
      name: t.name,
      seqScans: workers * t.seqScans,
      seqRowsRead: Math.max(0, tuples * t.seqScans - t.seqRowsRead),
      indexScans: 0,
    });
  }
  return out;
}

/** Adds up scans of the same table. */
export function sumScans(...lists: ReadonlyArray<readonly TableScans[]>): TableScans[] {
  const out = new Map<string, TableScans>();
  for (const list of lists)
    for (const t of list) {
      const e = out.get(keyOf(t)) ?? { schema: t.schema, name: t.name, seqScans: 0, seqRowsRead: 0, indexScans: 0 };
      e.seqScans += t.seqScans;
      e.seqRowsRead += t.seqRowsRead;
      e.indexScans += t.indexScans;
      out.set(keyOf(t), e);
    }
  return [...out.values()].filter((t) => t.seqScans > 0 || t.seqRowsRead > 0 || t.indexScans > 0);
}

function numberField(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

interface LedgerEntry extends TableScans {
  /** Which server and database (see databaseKey). */
  database: string;
  /** ISO time the scans were made. */
  at: string;
}

interface LedgerFile {
  version: 1;
  entries: LedgerEntry[];
}

/** Entries kept per file: the oldest go first (a reset of the statistics makes them moot anyway). */
const maxEntries = 5_000;

/** Where the ledger is kept: $PG_TUNER_STATE_DIR, else $XDG_STATE_HOME/pg-query-tuner, else ~/.local/state/pg-query-tuner. */
export function defaultLedgerPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    env.PG_TUNER_STATE_DIR ??
    join(
      env.XDG_STATE_HOME && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state'),
      'pg-query-tuner',
    );
  return join(dir, 'own-scans.json');
}

/** The query of databaseKey (one text column), also read by a server session as it connects. */
export const databaseKeySql = `SELECT coalesce(pg_catalog.host(pg_catalog.inet_server_addr()), 'local') || ':' ||
            pg_catalog.current_setting('port') || '/' || d.datname::text || '#' || d.oid::text
     FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`;

/**
 * Names the server and database a session is on, the same from the CLI and the editor whatever label the
 * connection has: address, port, database name and oid (a database dropped and made again is another one).
 */
export async function databaseKey(session: Queryable): Promise<string> {
  const [row] = await session.query<{ key: string }>(`SELECT (${databaseKeySql}) AS key`);
  return row.key;
}

export class OwnScanLedger {
  constructor(readonly path: string) {}

  private load(): LedgerFile {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<LedgerFile>;
      return { version: 1, entries: Array.isArray(parsed.entries) ? parsed.entries : [] };
    } catch {
      // No ledger yet, or one we cannot read: nothing recorded (the health check then subtracts nothing).
      return { version: 1, entries: [] };
    }
  }

  /** Adds the scans made just now on `database`; a ledger that cannot be written is left as it is. */
  record(database: string, scans: readonly TableScans[], at = new Date()): void {
    if (scans.length === 0) return;
    const file = this.load();
    file.entries.push(...scans.map((s) => ({ ...s, database, at: at.toISOString() })));
    if (file.entries.length > maxEntries) file.entries = file.entries.slice(-maxEntries);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      // Written whole and renamed, so a reader never sees half a file.
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(file));
      renameSync(temporary, this.path);
    } catch {
      // A read-only home: the scans are not subtracted later, which the health report's wording allows for.
    }
  }

  /** Sums per table (`schema.name`; schema '' for plans without one) of the scans on `database` since `since` (ISO). */
  totals(database: string, since?: string): Map<string, TableScans> {
    const from = since ? Date.parse(since) : -Infinity;
    const out = new Map<string, TableScans>();
    for (const e of this.load().entries) {
      if (e.database !== database || !(Date.parse(e.at) >= from)) continue;
      const key = keyOf(e);
      const t = out.get(key) ?? { schema: e.schema, name: e.name, seqScans: 0, seqRowsRead: 0, indexScans: 0 };
      t.seqScans += e.seqScans;
      t.seqRowsRead += e.seqRowsRead;
      t.indexScans += e.indexScans;
      out.set(key, t);
    }
    return out;
  }
}

/**
 * A session that keeps the ledger of our scans itself (a server session opened with one): our reads of the user's
 * tables made outside its explain() and inTransaction() are handed to it.
 */
export interface RecordsOwnScans {
  recordOwnScans(scans: readonly TableScans[]): void;
}

function scanRecorder(session: DatabaseSession): RecordsOwnScans | undefined {
  const candidate = session as Partial<RecordsOwnScans>;
  return typeof candidate.recordOwnScans === 'function' ? (session as DatabaseSession & RecordsOwnScans) : undefined;
}

/** Our temporary tables (the sample copies) are nobody's workload: the ledger keeps the user's tables only. */
const temporarySchema = /^pg_temp_\d+$/;

/**
 * Runs `script`, statements of our own that read the user's tables and must commit (the sample copies: CREATE
 * TEMP TABLE, INSERT … SELECT from the user's table), in one transaction with a statement timeout, and records the
 * scans of the user's tables it made: this backend's counts between the start and the end of the transaction (an
 * INSERT … SELECT runs without parallel workers, so the leader's counts are all of it). A script that fails rolls
 * its transaction back and records nothing (an aborted transaction cannot be read).
 */
export async function runRecordedScript(session: DatabaseSession, script: string, timeoutMs: number): Promise<void> {
  const recorder = scanRecorder(session);
  if (!recorder) {
    await session.execute(`BEGIN; SET LOCAL statement_timeout = ${timeoutMs}; ${script}; COMMIT;`);
    return;
  }
  await session.execute(`BEGIN; SET LOCAL statement_timeout = ${timeoutMs}`);
  let scans: TableScans[];
  try {
    const before = await readTransactionScans(session);
    await session.execute(script);
    scans = scansBetween(before, await readTransactionScans(session)).filter((t) => !temporarySchema.test(t.schema));
    await session.execute('COMMIT');
  } catch (err) {
    await session.execute('ROLLBACK').catch(() => undefined);
    throw err;
  }
  recorder.recordOwnScans(scans);
}

/** Records `scans` made on the session's database; never fails the command it follows. */
export async function recordOwnScans(
  ledger: OwnScanLedger | undefined,
  session: DatabaseSession,
  scans: readonly TableScans[],
): Promise<void> {
  if (!ledger || scans.length === 0 || session.kind !== 'server') return;
  try {
    ledger.record(await databaseKey(session), scans);
  } catch {
    // The key could not be read (a broken connection): nothing to record against.
  }
}
