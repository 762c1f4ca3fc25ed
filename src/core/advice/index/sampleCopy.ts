/**
 * Building candidate indexes on a sample copy instead of the user's tables (`advise --sample-copy`): a CREATE
 * INDEX on the table itself, even rolled back, holds a ShareLock that blocks every write for as long as the build
 * takes (minutes on millions of rows). Here each table the statement reads is copied, sampled, into a temporary
 * table of this connection; candidates are built and the statement timed there. The user's tables are only read
 * (AccessShareLock, which blocks no INSERT, UPDATE or DELETE).
 *
 * The copies are committed temporary tables with names of their own (`pgtuner_sample_orders`), not copies made
 * inside each rolled-back transaction: VACUUM cannot run in a transaction block, and without it no page of a fresh
 * copy is all-visible, so an index-only scan would read the table for every row and the ratio on the sample would
 * say nothing about a vacuumed production table. Temporary tables are private to the connection, dropped here
 * when the measurements end, and by the server when the connection closes, whatever happens. Distinct names
 * (rather than the same names shadowing the originals) keep every other query of the session on the real tables.
 */
import type { Node, ParseResult } from '@pgsql/types';
import { deparseSync } from 'pgsql-deparser';
import { runRecordedScript } from '../../db/ownScans';
import type { DatabaseSession } from '../../db/session';
import { TunerError } from '../../errors';
import { walkNodes } from '../../sql/ast';
import { parseSql } from '../../sql/parser';
import type { StatementFacts } from '../../sql/statementFacts';
import type { IndexCandidate, SampledTable } from '../indexSuggestion';
import { formatPercent } from '../../text/formatNumbers';
import { qualifiedName, quoteIdentifier } from './identifiers';
import type { StatementToPlan } from './whatIf';

/** `--sample-copy` alone: a tenth of each large table, large enough for the planner to choose as on the full table. */
export const defaultSampleFraction = 0.1;
/** Tables with fewer rows (estimated) are copied whole: sampling them would change the join shape for nothing. */
export const wholeBelowRows = 10_000;
/** The seed of TABLESAMPLE … REPEATABLE: the same data gives the same sample, so two runs give the same advice. */
export const sampleSeed = 42;

export interface SampleCopyOptions {
  /** Share of each large table's rows, 0 < fraction ≤ 1. */
  fraction: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called as each table's copy starts (a copy reads the whole table: seconds on millions of rows). */
  onTable?: (start: SampleCopyStart) => void;
}

/** A table's copy starting: which, how, of about how many rows. */
export interface SampleCopyStart {
  table: string;
  method: SampledTable['method'];
  rowsFull: number;
  fraction: number;
  /** For 'children': the sampled table whose rows they reference. */
  parent?: string;
}

/** A table the statement reads, as the catalog names it. */
export interface TableToCopy {
  schema: string;
  name: string;
}

/** The copies made, and how to point candidates and statements at them. */
export interface SampleCopy {
  fraction: number;
  seed: number;
  tables: SampledTable[];
  /** Wall time of copying, VACUUM and ANALYZE, ms. */
  copyMs: number;
  /** What the sample cannot keep (joins sampled independently, names it could not rewrite). */
  limitations: string[];
  /** The candidate on the copy of its table (same name, keys, predicate); itself when its table is not copied. */
  candidate(c: IndexCandidate): IndexCandidate;
  /** The statement reading the copies. */
  statement(s: StatementToPlan): StatementToPlan;
  /** Drops the copies (also done by the server when the connection closes). */
  drop(): Promise<void>;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

interface Edge {
  child: string;
  childColumn: string;
  parent: string;
  parentColumn: string;
}

const keyOf = (t: TableToCopy): string => `${t.schema}.${t.name}`;

/** Temporary table names: `pgtuner_sample_<table>`, at most 63 bytes, one per copied table. */
function copyNames(tables: TableToCopy[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const t of tables) {
    let base = `pgtuner_sample_${t.name}`;
    while (Buffer.byteLength(base, 'utf8') > 60) base = base.slice(0, -1);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(keyOf(t), name);
  }
  return out;
}

/**
 * Parent → child pairs among the copied tables: the declared single-column foreign keys, and the statement's
 * join keys whose one side is unique (`u.id = o.user_id` with users.id the primary key), as applications often
 * join without declaring the key.
 */
async function referenceEdges(
  session: DatabaseSession,
  tables: TableToCopy[],
  facts: StatementFacts[],
): Promise<Edge[]> {
  const names = tables.map((t) => qualifiedName(t.schema, t.name));
  const byOid = new Map<string, string>();
  const oids = await session.query<{ oid: string; name: string }>(
    'SELECT to_regclass(n)::oid::text AS oid, n AS name FROM unnest($1::text[]) AS n',
    [names],
  );
  oids.forEach((r, i) => {
    if (r.oid) byOid.set(r.oid, keyOf(tables[i]));
  });
  const edges: Edge[] = [];
  const fks = await session.query<{ child: string; child_column: string; parent: string; parent_column: string }>(
    `SELECT c.conrelid::oid::text AS child, ca.attname AS child_column, c.confrelid::oid::text AS parent,
            pa.attname AS parent_column
       FROM pg_catalog.pg_constraint c
       JOIN pg_catalog.pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
       JOIN pg_catalog.pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
      WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
        AND c.conrelid::oid::text = ANY($1::text[]) AND c.confrelid::oid::text = ANY($1::text[])`,
    [[...byOid.keys()]],
  );
  for (const f of fks) {
    const child = byOid.get(f.child);
    const parent = byOid.get(f.parent);
    if (child && parent && child !== parent)
      edges.push({ child, childColumn: f.child_column, parent, parentColumn: f.parent_column });
  }
  const unique = await session.query<{ rel: string; column: string }>(
    `SELECT i.indrelid::oid::text AS rel, a.attname AS column
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
        AND i.indrelid::oid::text = ANY($1::text[])`,
    [[...byOid.keys()]],
  );
  const isUnique = (table: string, column: string): boolean =>
    unique.some((u) => byOid.get(u.rel) === table && u.column === column);
  const tableNamed = (relation: string | undefined): string | undefined => {
    if (!relation) return undefined;
    const matches = tables.filter((t) => t.name === relation);
    return matches.length === 1 ? keyOf(matches[0]) : undefined;
  };
  for (const f of facts) {
    for (const j of f.joins) {
      for (const k of j.keys) {
        const left = tableNamed(k.left.relation);
        const right = tableNamed(k.right.relation);
        if (!left || !right || left === right) continue;
        const pairs: Array<[string, string, string, string]> = [
          [left, k.left.column, right, k.right.column],
          [right, k.right.column, left, k.left.column],
        ];
        for (const [child, childColumn, parent, parentColumn] of pairs) {
          if (!isUnique(parent, parentColumn) || isUnique(child, childColumn)) continue;
          if (edges.some((e) => e.child === child && e.parent === parent)) continue;
          edges.push({ child, childColumn, parent, parentColumn });
        }
      }
    }
  }
  return edges;
}

/** How each table is copied: sampled, the children of its sampled parent's rows, or whole; parents first. */
export function copyPlan(
  tables: Array<TableToCopy & { rows: number }>,
  edges: Edge[],
): Array<TableToCopy & { rows: number; method: SampledTable['method']; via?: Edge }> {
  const rows = new Map(tables.map((t) => [keyOf(t), t.rows]));
  const large = (key: string): boolean => (rows.get(key) ?? 0) >= wholeBelowRows;
  // A large child follows its largest large parent: the sample then keeps every child row of each sampled parent,
  // so per-parent aggregates and join fan-out stay as on the full table.
  const via = new Map<string, Edge>();
  for (const e of edges) {
    if (!large(e.child) || !large(e.parent)) continue;
    const current = via.get(e.child);
    if (!current || (rows.get(e.parent) ?? 0) > (rows.get(current.parent) ?? 0)) via.set(e.child, e);
  }
  // A cycle of references (a → b → a) loses the edge where it is found: one table is sampled, the rest follow it.
  for (const start of [...via.keys()]) {
    const seen = new Set<string>([start]);
    for (let at = via.get(start)?.parent; at !== undefined; at = via.get(at)?.parent) {
      if (seen.has(at)) {
        via.delete(start);
        break;
      }
      seen.add(at);
    }
  }
  const depth = (key: string): number => {
    let d = 0;
    for (let at = via.get(key)?.parent; at !== undefined; at = via.get(at)?.parent) d += 1;
    return d;
  };
  return [...tables]
    .sort((a, b) => depth(keyOf(a)) - depth(keyOf(b)))
    .map((t) => {
      const edge = via.get(keyOf(t));
      if (edge) return { ...t, method: 'children' as const, via: edge };
      return { ...t, method: large(keyOf(t)) ? ('sample' as const) : ('whole' as const) };
    });
}

/**
 * Copies `tables` (sampled) into temporary tables of this session, VACUUM ANALYZEd. The caller drops them with
 * `drop()` in a finally block.
 */
export async function createSampleCopy(
  session: DatabaseSession,
  tables: TableToCopy[],
  facts: StatementFacts[],
  options: SampleCopyOptions,
): Promise<SampleCopy> {
  const fraction = options.fraction;
  if (!(fraction > 0 && fraction <= 1))
    throw new TunerError('bad-input', `The sample fraction ${fraction} is not in (0, 1].`);
  const started = performance.now();
  const timeoutMs = Math.max(options.statementTimeoutMs ?? 0, 300_000);
  const names = copyNames(tables);
  const estimates = await session.query<{ rows: string }>(
    'SELECT greatest(c.reltuples, 0)::int8 AS rows FROM unnest($1::text[]) WITH ORDINALITY AS n(name, i) LEFT JOIN pg_catalog.pg_class c ON c.oid = to_regclass(n.name) ORDER BY n.i',
    [tables.map((t) => qualifiedName(t.schema, t.name))],
  );
  const withRows = tables.map((t, i) => ({ ...t, rows: Number(estimates[i]?.rows ?? 0) }));
  const plan = copyPlan(withRows, await referenceEdges(session, tables, facts));
  const copyOf = (key: string): string => `pg_temp.${quoteIdentifier(names.get(key) ?? '')}`;
  const made: string[] = [];
  const drop = async (): Promise<void> => {
    if (made.length === 0) return;
    await session.execute(`DROP TABLE IF EXISTS ${made.join(', ')}`);
    made.length = 0;
  };
  const sampled: SampledTable[] = [];
  const limitations: string[] = [];
  try {
    for (const t of plan) {
      throwIfAborted(options.signal);
      options.onTable?.({
        table: t.name,
        method: t.method,
        rowsFull: t.rows,
        fraction,
        parent: t.via?.parent.replace(/^[^.]*\./, ''),
      });
      const source = qualifiedName(t.schema, t.name);
      const target = copyOf(keyOf(t));
      // LIKE keeps the column types, NOT NULL and CHECK constraints, the existing indexes (the plan without a
      // candidate uses them) and extended statistics; not the generated expressions (the values are copied).
      const create = `CREATE TEMP TABLE ${target} (LIKE ${source} INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING STATISTICS)`;
      let select: string;
      if (t.method === 'children' && t.via) {
        select = `SELECT c.* FROM ${source} AS c WHERE c.${quoteIdentifier(t.via.childColumn)} IN (SELECT p.${quoteIdentifier(t.via.parentColumn)} FROM ${copyOf(t.via.parent)} AS p)`;
      } else if (t.method === 'sample') {
        // BERNOULLI: every row has the same chance (SYSTEM takes whole pages, so rows written together stay
        // together and a date range can be over- or under-sampled). Scan order is kept, so is the correlation.
        select = `SELECT * FROM ${source} TABLESAMPLE BERNOULLI (${(fraction * 100).toPrecision(6)}) REPEATABLE (${sampleSeed})`;
      } else {
        select = `SELECT * FROM ${source}`;
      }
      made.push(target);
      // In a transaction with a statement timeout (the copy of a large table is not quick), its reads of the user's
      // table recorded as ours (ownScans.ts), so `health` does not count them as the application's scans.
      await runRecordedScript(session, `${create}; INSERT INTO ${target} ${select}`, timeoutMs);
      // Outside a transaction block: the visibility map (index-only scans) and the statistics of the copy.
      await session.execute(`VACUUM ANALYZE ${target}`);
      const count = await session.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ${target}`);
      sampled.push({
        table: t.name,
        schema: t.schema,
        copy: names.get(keyOf(t)) ?? '',
        method: t.method,
        rowsFull: t.rows,
        rowsCopied: Number(count[0]?.n ?? 0),
        parent: t.via ? { table: t.via.parent, column: t.via.parentColumn, childColumn: t.via.childColumn } : undefined,
      });
    }
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  const sampledAlone = plan.filter((t) => t.method === 'sample');
  if (sampledAlone.length > 1) {
    limitations.push(
      `${sampledAlone.map((t) => t.name).join(' and ')} were sampled independently (no foreign key or unique join key links them): a join between them keeps about ${(fraction * fraction * 100).toPrecision(2)} % of its matches rather than ${(fraction * 100).toPrecision(2)} %.`,
    );
  }
  const byName = new Map(sampled.map((s) => [s.table, s]));
  const ambiguous = new Set(
    sampled.filter((s) => sampled.filter((o) => o.table === s.table).length > 1).map((s) => s.table),
  );
  return {
    fraction,
    seed: sampleSeed,
    tables: sampled,
    copyMs: performance.now() - started,
    limitations,
    candidate(c) {
      const s = sampled.find((x) => x.table === c.table && (c.schema === undefined || c.schema === x.schema));
      return s ? { ...c, schema: 'pg_temp', table: s.copy } : c;
    },
    statement(st) {
      return { ...st, sql: onCopies(st.sql, sampled, byName, ambiguous) };
    },
    drop,
  };
}

/**
 * The statement with every reference to a copied table pointed at its copy (`FROM orders o` → `FROM
 * pg_temp.pgtuner_sample_orders AS o`; an unaliased `FROM orders` keeps `orders` as its alias, so `orders.id`
 * still resolves). A CTE of the same name is left alone.
 */
export function onCopies(
  sql: string,
  sampled: SampledTable[],
  byName: Map<string, SampledTable> = new Map(sampled.map((s) => [s.table, s])),
  ambiguous: Set<string> = new Set(),
): string {
  const parsed = parseSql(sql) as ParseResult;
  const stmts = parsed.stmts ?? [];
  if (stmts.length !== 1 || !stmts[0].stmt) throw new TunerError('bad-input', 'One statement is needed.');
  const root = stmts[0].stmt;
  const cteNames = new Set<string>();
  walkNodes(root, (kind, node) => {
    if (kind === 'CommonTableExpr' && typeof node.ctename === 'string') cteNames.add(node.ctename);
  });
  const find = (schema: string | undefined, name: string): SampledTable | undefined => {
    if (schema !== undefined) return sampled.find((s) => s.table === name && s.schema === schema);
    if (cteNames.has(name) || ambiguous.has(name)) return undefined;
    return byName.get(name);
  };
  walkNodes(root, (kind, node) => {
    if (kind === 'RangeVar') {
      const relname = node.relname as string;
      const s = find(node.schemaname as string | undefined, relname);
      if (!s) return;
      node.schemaname = 'pg_temp';
      node.relname = s.copy;
      node.alias ??= { aliasname: relname };
    } else if (kind === 'ColumnRef') {
      // schema.table.column: the copy is reached through its alias (the table's own name).
      const fields = node.fields as Node[] | undefined;
      const text = (n: Node | undefined): string | undefined =>
        n && 'String' in n ? (n as { String: { sval?: string } }).String.sval : undefined;
      if (fields && fields.length === 3 && find(text(fields[0]), text(fields[1]) ?? '') !== undefined)
        node.fields = fields.slice(1);
    }
  });
  return deparseSync(root).replace(/;\s*$/, '');
}

/** "orders: 85,012 of 850,000 rows (10 %), sampled" and the like, for the report's sample line. */
export function describeSampledTable(t: SampledTable): string {
  // formatPercent: a whole copy reads "100 %", not toPrecision's "1.0e+2 %".
  const share = t.rowsFull > 0 ? ` (${formatPercent(t.rowsCopied / t.rowsFull)})` : '';
  const how =
    t.method === 'sample'
      ? 'sampled'
      : t.method === 'whole'
        ? 'copied whole'
        : `the rows whose ${t.parent?.childColumn ?? ''} is in the sample of ${t.parent?.table.replace(/^[^.]*\./, '') ?? ''}`;
  return `${t.table}: ${t.rowsCopied.toLocaleString('en-US')} of about ${t.rowsFull.toLocaleString('en-US')} rows${share}, ${how}`;
}
