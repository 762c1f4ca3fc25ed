/**
 * The summary table kept by triggers (summaryTableForm.ts) measured and proven, never kept: inside one
 * transaction that is always rolled back (DatabaseSession.inTransaction, as adviseMaterializedView does), the
 * table, its trigger function and triggers are created and the table backfilled (timed); the query over it is
 * timed against the original; the cost the triggers add to single-row INSERT, UPDATE and DELETE statements on the
 * child is measured (a batch of each with the triggers disabled and enabled, alternately, each in a savepoint
 * rolled back); and the rewrite is compared with the original (EXCEPT ALL both ways, row counts, order) and the
 * whole table with the aggregate computed afresh, on the current data and again after the batch of random writes
 * of preAggregateProof.ts — maintained by the triggers alone, no refresh. ROLLBACK: the database is as it was.
 *
 * While it runs, the transaction holds a lock that blocks writes to the child (the triggers' creation takes it):
 * like every measured what-if, it is for a server that is not production.
 */
import { hasKeyIndex } from '../../db/keyIndex';
import type { DatabaseSession, TransactionScope } from '../../db/session';
import type { RunFigures } from '../rewriteSuggestion';
import { figuresOf } from '../rewrite/verifyRewrite';
import { median } from '../../median';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { formatMs, formatRatio } from '../../text/formatNumbers';
import { matchPreAggregate, type PreAggregateMatch } from './preAggregateForm';
import {
  compare,
  randomWrites,
  preAggregateTarget,
  readChildColumns,
  proofKeyIndex,
  timeBothForms,
  tableSql,
  type ChildColumn,
  type PreAggregateCheck,
  type PreAggregateOptions,
} from './preAggregateProof';
import { buildSummaryTable, type ChildColumnType, type SummaryTableForm } from './summaryTableForm';
import { buildPageView } from './pageForm';

/** The summary table against the child's aggregate computed afresh (EXCEPT ALL both ways). */
export interface SummaryTableCheck {
  when: PreAggregateCheck['when'];
  storedRows: number;
  freshRows: number;
  missing: number;
  extra: number;
  same: boolean;
}

/** What the triggers add to one kind of single-row write statement on the child. */
export interface WriteCost {
  operation: 'INSERT' | 'UPDATE' | 'DELETE' | 'DELETE of an extreme row';
  /** What each statement of the batch does. */
  detail: string;
  /** Single-row statements per batch. */
  rows: number;
  /** Median batch time without and with the triggers, ms. */
  withoutMs: number;
  withMs: number;
  withoutSamplesMs: number[];
  withSamplesMs: number[];
  /** (with − without) ÷ rows. */
  addedMsPerRow: number;
  /** The data refused the write (a constraint): not measured. */
  refused?: string;
}

export interface SummaryTableAdvice {
  kind: 'summary-table';
  title: string;
  tableName: string;
  functionName: string;
  triggerNames: string[];
  /**
   * LOCK, [the child's index on the key, for MIN/MAX], CREATE TABLE, [order index], CREATE FUNCTION, CREATE
   * TRIGGER ×4, the backfill: one transaction.
   */
  ddl: string[];
  backfillSql: string;
  rollbackSql: string;
  rewrittenSql: string;
  /** The child conditions the table holds (its literals): it answers only this filter. */
  filterSql: string;
  equivalent: boolean;
  checks: PreAggregateCheck[];
  tableChecks: SummaryTableCheck[];
  /** The random writes of the second check, each with the rows it changed. */
  writes: string[];
  where: string;
  backfillMs: number;
  writeCosts: WriteCost[];
  before: RunFigures;
  after: RunFigures;
  /** The trade-off in one line. */
  summary: string;
  /** How MIN/MAX are kept, and whether the recomputation has an index on the key, when there is a MIN/MAX. */
  maintenance: string;
  /** The ORM form (correlated subqueries): the LEFT JOIN aggregate it was read as (the proof ran it as written). */
  joinForm?: string;
  /** An index the proof made to run the statement as written in time (proofKeyIndex), and what it means. */
  proofIndex?: string;
}

/** The statement is of the family, but the trigger form is not offered for it: why. */
export interface SummaryTableDeclined {
  kind: 'summary-table';
  declined: string;
}

export interface SummaryTableOptions extends PreAggregateOptions {
  /** Single-row statements per measured write batch; default 200. */
  writeCostRows?: number;
}

const typeQuery = `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, t.typname AS base,
  a.atttypmod AS typmod,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN pg_catalog.quote_ident(c.collname) END AS collation
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation
WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

async function readTypes(
  session: DatabaseSession,
  m: PreAggregateMatch,
  child: string,
): Promise<{ types: ChildColumnType[]; aggregateTypes: Map<string, string>; indexed: boolean }> {
  const rows = await session.query<Record<string, unknown>>(typeQuery, [child]);
  const types = rows.map((r) => ({
    name: String(r.name),
    type: String(r.type),
    base: String(r.base),
    typmod: Number(r.typmod),
    ...(typeof r.collation === 'string' ? { collation: r.collation } : {}),
  }));
  const extremes = m.columns.filter((c) => c.fn === 'min' || c.fn === 'max');
  const aggregateTypes = new Map<string, string>();
  if (extremes.length > 0) {
    // An aggregate without GROUP BY gives one row even over no rows: its declared type, nothing read.
    const select = extremes.map((c, i) => `pg_catalog.pg_typeof(${c.text})::text AS t${i}`).join(', ');
    const qC = quoteIdentifier(m.child.qualifier);
    const r = (
      await session.query<Record<string, unknown>>(`SELECT ${select} FROM ${tableSql(m.child)} AS ${qC} WHERE false`)
    )[0];
    extremes.forEach((c, i) => aggregateTypes.set(c.name, String(r[`t${i}`])));
  }
  const indexed = await hasKeyIndex(session, child, m.childKey);
  return { types, aggregateTypes, indexed };
}

async function tableCheck(
  tx: TransactionScope,
  when: SummaryTableCheck['when'],
  form: SummaryTableForm,
): Promise<SummaryTableCheck> {
  const one = async (sql: string): Promise<number> =>
    Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) t`))[0].n);
  const check: SummaryTableCheck = {
    when,
    storedRows: await one(form.storedSql),
    freshRows: await one(form.freshSql),
    missing: await one(`(${form.freshSql}) EXCEPT ALL (${form.storedSql})`),
    extra: await one(`(${form.storedSql}) EXCEPT ALL (${form.freshSql})`),
    same: false,
  };
  check.same = check.storedRows === check.freshRows && check.missing === 0 && check.extra === 0;
  return check;
}

/**
 * `sql` with the row's ctid as `t` and its number as `k`, once per tid, in one DO block: single-row statements
 * without round trips. `declare`: more variables, set before the loop.
 */
function batch(tids: string[], sql: string, declare: string[] = []): string {
  const array = `'{${tids.map((t) => `"${t}"`).join(',')}}'::tid[]`;
  return `DO $pg_tuner$\nDECLARE t tid; k bigint := 0;${declare.map((d) => ` ${d};`).join('')}\nBEGIN\n  FOREACH t IN ARRAY ${array} LOOP\n    k := k + 1;\n    ${sql};\n  END LOOP;\nEND\n$pg_tuner$`;
}

/** One batch timed in a savepoint that is rolled back (with the triggers disabled inside it when `without`). */
async function timeBatch(
  tx: TransactionScope,
  form: SummaryTableForm,
  block: string,
  without: boolean,
): Promise<number> {
  await tx.query('SAVEPOINT pg_tuner_write_cost');
  try {
    if (without) {
      for (const name of form.triggerNames.slice(0, 3))
        await tx.query(`ALTER TABLE ${tableSql(form.match.child)} DISABLE TRIGGER ${quoteIdentifier(name)}`);
      // The index the advice adds is part of its cost too.
      if (form.keyIndexName) await tx.query(`DROP INDEX ${form.keyIndexName}`);
    }
    const start = performance.now();
    await tx.query(block);
    return performance.now() - start;
  } finally {
    await tx.query('ROLLBACK TO SAVEPOINT pg_tuner_write_cost');
  }
}

/** The added cost per single-row INSERT, UPDATE and DELETE (and DELETE of a group's extreme row, with a min/max). */
async function writeCosts(
  tx: TransactionScope,
  form: SummaryTableForm,
  columns: ChildColumn[],
  uniqueColumns: Set<string>,
  keyType: string,
  rows: number,
  runs: number,
): Promise<WriteCost[]> {
  const m = form.match;
  const child = tableSql(m.child);
  const qC = quoteIdentifier(m.child.qualifier);
  const fk = quoteIdentifier(m.childKey);
  const tidsOf = async (sql: string): Promise<string[]> =>
    (await tx.query<{ t: string }>(sql)).map((r) => String(r.t)).filter((t) => /^\(\d+,\d+\)$/.test(t));
  const tids = await tidsOf(`SELECT ctid::text AS t FROM ${child} ORDER BY random() LIMIT ${rows}`);
  if (tids.length === 0) return [];
  const copied = columns.filter((c) => !c.generated && !c.hasDefault);
  const list = copied.map((c) => quoteIdentifier(c.name)).join(', ');
  // A unique integer key without a default (`id bigint PRIMARY KEY`) takes values past its maximum.
  const fresh = copied.filter((c) => uniqueColumns.has(c.name) && c.integer);
  const declare = fresh.map(
    (c, i) => `base_${i} bigint := (SELECT coalesce(max(${quoteIdentifier(c.name)}), 0) FROM ${child})`,
  );
  const values = copied
    .map((c) => {
      const i = fresh.indexOf(c);
      return i >= 0 ? `base_${i} + k` : quoteIdentifier(c.name);
    })
    .join(', ');
  // Each row moves to the group of another sampled row (read before the loop, which moves those rows too): spread
  // over groups as an application's moves are, not piled on one summary row.
  const target = [
    `targets ${keyType}[] := ARRAY(SELECT x.${fk} FROM ${child} x WHERE x.ctid = ANY ('{${tids.map((t) => `"${t}"`).join(',')}}'::tid[]) ORDER BY random())`,
  ];
  const cases: Array<[WriteCost['operation'], string, string[], string]> = [
    [
      'INSERT',
      'a copy of a row, defaulted columns left to their defaults',
      tids,
      `INSERT INTO ${child} (${list}) SELECT ${values} FROM ${child} WHERE ctid = t`,
    ],
    [
      'UPDATE',
      `SET ${m.childKey} to another sampled row's: the row moves to another group`,
      tids,
      `UPDATE ${child} SET ${fk} = targets[k] WHERE ctid = t`,
    ],
    ['DELETE', 'a random row', tids, `DELETE FROM ${child} WHERE ctid = t`],
  ];
  const extreme = m.columns.find((c) => (c.fn === 'min' || c.fn === 'max') && c.argColumn);
  if (extreme?.argColumn) {
    const a = quoteIdentifier(extreme.argColumn);
    const filter = m.childFilter.length > 0 ? ` AND ${form.filterSql}` : '';
    const extremeTids = await tidsOf(
      `SELECT t FROM (SELECT DISTINCT ON (${qC}.${fk}) ${qC}.ctid::text AS t FROM ${child} AS ${qC} WHERE ${qC}.${fk} IS NOT NULL AND ${qC}.${a} IS NOT NULL${filter} ORDER BY ${qC}.${fk}, ${qC}.${a} ${extreme.fn === 'max' ? 'DESC' : 'ASC'}) x LIMIT ${rows}`,
    );
    if (extremeTids.length > 0)
      cases.push([
        'DELETE of an extreme row',
        `the ${extreme.fn.toUpperCase()}(${extreme.argColumn}) row of its group (the group is recomputed)`,
        extremeTids,
        `DELETE FROM ${child} WHERE ctid = t`,
      ]);
  }
  const out: WriteCost[] = [];
  for (const [operation, detail, ids, sql] of cases) {
    const block = batch(ids, sql, operation === 'INSERT' ? declare : operation === 'UPDATE' ? target : []);
    const withoutSamplesMs: number[] = [];
    const withSamplesMs: number[] = [];
    try {
      // One unmeasured round (plans, the function's compilation), then alternating rounds.
      await timeBatch(tx, form, block, true);
      await timeBatch(tx, form, block, false);
      for (let i = 0; i < runs; i++) {
        withoutSamplesMs.push(await timeBatch(tx, form, block, true));
        withSamplesMs.push(await timeBatch(tx, form, block, false));
      }
    } catch (e) {
      out.push({
        operation,
        detail,
        rows: ids.length,
        withoutMs: NaN,
        withMs: NaN,
        withoutSamplesMs,
        withSamplesMs,
        addedMsPerRow: NaN,
        refused: e instanceof Error ? e.message : String(e),
      });
      continue;
    }
    const withoutMs = median(withoutSamplesMs);
    const withMs = median(withSamplesMs);
    out.push({
      operation,
      detail,
      rows: ids.length,
      withoutMs,
      withMs,
      withoutSamplesMs,
      withSamplesMs,
      addedMsPerRow: (withMs - withoutMs) / ids.length,
    });
  }
  return out;
}

/** "+0.041 ms" (a negative difference is noise: said as such). */
function added(ms: number): string {
  return ms > 0 ? `+${formatMs(ms)}` : `+0 ms (within noise)`;
}

/**
 * The summary table kept by triggers that answers `sql`, measured and proven on the session; a decline with its
 * reason when the statement is of the family but the trigger form cannot keep one of its aggregates exactly;
 * undefined when the statement is outside the family (or the session cannot run a rolled-back transaction).
 */
export async function adviseSummaryTable(
  session: DatabaseSession,
  sql: string,
  options: SummaryTableOptions = {},
): Promise<SummaryTableAdvice | SummaryTableDeclined | undefined> {
  const target = await preAggregateTarget(session, sql);
  if (!target) return undefined;
  const { inTransaction, match, names, uniqueColumns } = target;
  // An inner join's page is read in the order index's order and stops after OFFSET + LIMIT rows: kept.
  if (match.outer && buildPageView(match))
    return {
      kind: 'summary-table',
      declined: `an OFFSET page ranks every qualifying ${names.parent} row by the ORDER BY (those without ${names.child} rows too), and a table kept by triggers on ${names.child} holds only the per-${match.childKey} aggregates: the query over it still joins and sorts all of them before it can skip OFFSET rows, so its time grows with the qualifying rows, not with the page. Keeping each row's position in a table instead would take triggers on ${names.parent} as well and renumber up to every row on one write; the materialized view of the whole answer, numbered at each refresh, is the form for OFFSET pages`,
    };
  const { types, aggregateTypes, indexed } = await readTypes(session, match, names.child);
  const built = buildSummaryTable(match, types, aggregateTypes, indexed);
  if ('declined' in built) return { kind: 'summary-table', declined: built.declined };
  const form = built;
  const childColumns = await readChildColumns(session, names.child);
  const params = options.params ?? [];
  const runs = Math.max(1, options.runs ?? 3);
  const original = sql.trim().replace(/;\s*$/, '');
  const ordered = (match.stmt.sortClause?.length ?? 0) > 0;
  const ddl = [
    form.lockSql,
    ...(form.keyIndexSql ? [form.keyIndexSql] : []),
    form.createTableSql,
    ...(form.orderIndexSql ? [form.orderIndexSql] : []),
    form.createFunctionSql,
    ...form.createTriggerSql,
    form.backfillSql,
  ];

  return inTransaction(
    async (tx) => {
      await tx.checkStatement(original);
      for (const statement of ddl.slice(0, -1)) await tx.query(statement);
      const start = performance.now();
      await tx.query(form.backfillSql);
      const backfillMs = performance.now() - start;
      await tx.query(`ANALYZE ${quoteIdentifier(form.tableName)}`);
      const proofIndex = await proofKeyIndex(tx, match, indexed || form.keyIndexSql !== undefined);
      const checks = [await compare(tx, 'current data', original, form.rewrittenSql, ordered, params)];
      const tableChecks = [await tableCheck(tx, 'current data', form)];
      const { a, b } = await timeBothForms(tx, original, form.rewrittenSql, params, runs);
      await tx.query(`SELECT setseed(${options.seed ?? 0.42})`);
      const costs = await writeCosts(
        tx,
        form,
        childColumns,
        uniqueColumns,
        types.find((t) => t.name === match.childKey)?.type ?? 'bigint',
        options.writeCostRows ?? 200,
        runs,
      );
      // The random writes go through the triggers: no refresh, the table must follow by itself.
      const writes = await randomWrites(tx, match, childColumns, uniqueColumns, options.writeRows ?? 25);
      checks.push(await compare(tx, 'after random writes', original, form.rewrittenSql, ordered, params));
      tableChecks.push(await tableCheck(tx, 'after random writes', form));
      const before = figuresOf(a);
      const after = figuresOf(b);
      const child = names.child;
      const cost = (op: WriteCost['operation']): string | undefined => {
        const c = costs.find((x) => x.operation === op);
        return c && !c.refused ? `${op} ${added(c.addedMsPerRow)}` : undefined;
      };
      const costText = (['INSERT', 'UPDATE', 'DELETE'] as const).map(cost).filter((x) => x !== undefined);
      const unchanged = `an UPDATE that changes none of the columns the table reads (${form.readColumns.join(', ')}) does not call it`;
      const rights = `The triggers run as the writer: roles that write to ${child} need INSERT, UPDATE and DELETE on ${form.tableName}.`;
      // summaryTableConcurrency.test.ts: interleaved sessions and random concurrent writers on a real server.
      const isolation = `Exact under concurrent writers at READ COMMITTED (the default) and REPEATABLE READ: the first write to a group locks its row of ${form.tableName} until commit${form.hasMinMax ? ', and a MIN/MAX recomputation reads after that lock' : ''}; writers of the same groups may deadlock (or, at REPEATABLE READ, fail to serialize) and are rolled back whole, for the application to retry.`;
      const maintenance = !form.hasMinMax
        ? `Row triggers add and subtract each row's share of its group (one row of the summary table, by its key); ${unchanged}. ${isolation} ${rights}`
        : `Row triggers add and subtract each row's share of its group; ${unchanged}. MIN/MAX are raised or lowered on insert; a delete or update of a group's current extreme row recomputes that group from ${child}${indexed ? ` (through the index on ${match.childKey})` : ` through the index on ${match.childKey} the DDL adds (${child} has none whose first column is ${match.childKey}; its upkeep is in the write cost)`}. ${isolation} ${rights}`;
      return {
        kind: 'summary-table' as const,
        title: `Summary table ${form.tableName} kept by triggers: the per-${match.childKey} aggregates of ${child}`,
        tableName: form.tableName,
        functionName: form.functionName,
        triggerNames: form.triggerNames,
        ddl,
        backfillSql: form.backfillSql,
        rollbackSql: form.dropSql.join(' '),
        rewrittenSql: form.rewrittenSql,
        filterSql: form.filterSql,
        equivalent: checks.every((c) => c.same) && tableChecks.every((c) => c.same),
        checks,
        tableChecks,
        writes,
        where: session.label,
        backfillMs,
        writeCosts: costs,
        before,
        after,
        summary: `reads ${formatMs(after.timeMs)} instead of ${formatMs(before.timeMs)} (${formatRatio(before.timeMs, after.timeMs)}); always fresh, each single-row write to ${child} costs ${costText.length > 0 ? costText.join(', ') : 'an amount not measured here'}`,
        maintenance,
        ...(match.joinForm ? { joinForm: match.joinForm } : {}),
        ...(proofIndex ? { proofIndex } : {}),
      };
    },
    { statementTimeoutMs: options.statementTimeoutMs, signal: options.signal },
  );
}

/**
 * The trigger form for `pg-tuner rewrite`, beside the view (offerPreAggregate, which says why neither is measured
 * where building is not allowed): only when proven equivalent; otherwise `note` says why there is none.
 */
export async function offerSummaryTable(
  session: DatabaseSession,
  sql: string,
  allowed: boolean,
  options: SummaryTableOptions,
  note: (text: string) => void,
): Promise<SummaryTableAdvice | undefined> {
  if (!allowed || !matchPreAggregate(sql)) return undefined;
  let advice: SummaryTableAdvice | SummaryTableDeclined | undefined;
  try {
    advice = await adviseSummaryTable(session, sql, options);
  } catch (e) {
    if (options.signal?.aborted) throw e;
    note(
      `Pre-aggregate: the summary table kept by triggers was not measured (${e instanceof Error ? e.message : String(e)}).`,
    );
    return undefined;
  }
  if (!advice) return undefined;
  if ('declined' in advice) {
    note(`Pre-aggregate: no summary table kept by triggers: ${advice.declined}.`);
    return undefined;
  }
  if (!advice.equivalent) {
    note(
      `Pre-aggregate: the summary table kept by triggers was not proven equivalent, so it is not offered (${[
        ...advice.checks.map((c) => `${c.when}: ${c.missing} missing, ${c.extra} extra`),
        ...advice.tableChecks.map((c) => `table ${c.when}: ${c.missing} missing, ${c.extra} extra`),
      ].join('; ')}).`,
    );
    return undefined;
  }
  return advice;
}
