/**
 * The second pre-aggregated form (issue 12 §2): a summary table of the child's per-key aggregates kept by
 * triggers, always fresh, at a cost on every write to the child. It holds exactly the rows and columns the
 * materialized view would (one row per foreign key with at least one filtered row, the same column names), so the
 * query over it is the view's rewrite with the table's name (buildPreAggregate).
 *
 * What is stored: per key the count of filtered rows (the row is deleted when it reaches 0, as the view has no
 * row there: a LEFT JOIN's parent without rows gets COUNT 0 / SUM NULL from the rewrite, as in the original);
 * count(x) as a counter; sum(x) and avg(x) from a running sum and a count of non-NULL x, as generated columns
 * (`CASE WHEN n > 0 THEN s END`, `s::numeric / NULLIF(n, 0)`: what sum and avg compute, exactly, for integer and
 * fixed-scale numeric columns — a float sum kept incrementally drifts from a fresh one, and an unconstrained
 * numeric keeps a longer scale after a delete (2.50 vs 2.5), so those decline); min/max as columns raised or
 * lowered on insert, and recomputed from the child for a group whose current extreme was deleted or updated.
 *
 * One statement-level trigger function serves INSERT, UPDATE and DELETE through transition tables (a batch write
 * is one pass, grouped by key) and TRUNCATE. On UPDATE the old rows leave their groups and the new rows enter
 * theirs, so a row moved between groups, into or out of the filter, or set NULL is counted where it now is. Order
 * inside the function: subtract the old rows (this locks the touched summary rows), add the new rows, recompute
 * the min/max of the groups whose extreme left (a later statement, so under READ COMMITTED it reads with a
 * snapshot taken after the lock: a concurrent writer to the same group has committed or waits), delete the
 * emptied groups.
 */
import type { Node } from '@pgsql/types';
import { columnPath, columnRef, columnsIn, exprToSql, nodeAs, parseExpr, replaceNodes } from '../../sql/ast';
import { quoteIdentifier } from '../../sql/quoteIdentifier';
import { buildPreAggregate, type PreAggregateMatch, type ViewColumn } from './preAggregateForm';

/** A child column's type as the catalog gives it. */
export interface ChildColumnType {
  name: string;
  /** format_type(atttypid, atttypmod): `numeric(10,2)`, `integer`. */
  type: string;
  /** pg_type.typname of the column's type: `numeric`, `int4`. */
  base: string;
  typmod: number;
  /** A collation other than the type's default, quoted, to keep min/max comparisons the child's. */
  collation?: string;
}

/** The SQL of the summary table form. */
export interface SummaryTableForm {
  match: PreAggregateMatch;
  tableName: string;
  functionName: string;
  triggerNames: string[];
  /**
   * With a MIN/MAX and no index whose first column is the key on the child: one, so that recomputing a group reads
   * that group (not the whole child). Part of the advice, and of its measured write cost.
   */
  keyIndexSql?: string;
  keyIndexName?: string;
  /** Taken before the backfill so no write is missed between it and the triggers. */
  lockSql: string;
  createTableSql: string;
  orderIndexSql?: string;
  createFunctionSql: string;
  createTriggerSql: string[];
  backfillSql: string;
  /** The summary table's content computed afresh from the child: what it must equal at any time. */
  freshSql: string;
  /** The summary table's visible columns, to compare with freshSql. */
  storedSql: string;
  dropSql: string[];
  rewrittenSql: string;
  filterSql: string;
  /** The child's columns the table reads (key, filter, aggregated): an UPDATE of others does not call the trigger. */
  readColumns: string[];
  /** A min/max is kept: deleting or updating a group's extreme row recomputes that group from the child. */
  hasMinMax: boolean;
}

/** A state column kept by the trigger: its name, type, and its value over a set of rows aliased as the child. */
interface StateColumn {
  name: string;
  type: string;
  /** The aggregate over a set of rows aliased as the child (`count(*)`, `COALESCE(sum(o.total), 0)`): the backfill. */
  delta: string;
  /** One row's share, written over `old`/`new` (`1`, `(new.total IS NOT NULL)::int`, `COALESCE(new.total, 0)`). */
  row: (rec: Rec) => string;
  /** How a delta is added to / subtracted from the stored value; min/max only add. */
  combine: 'add' | 'min' | 'max';
  /** min/max: its aggregate over the child, for the recomputation. */
  recompute?: string;
}

/** sum's result type for an exact argument type, or why it is not exact. */
function sumType(fn: string, col: ChildColumnType | undefined): string | { declined: string } {
  if (!col)
    return {
      declined: `${fn.toUpperCase()} of an expression: only a plain column's ${fn} is kept exactly by a trigger here`,
    };
  if (col.base === 'int2' || col.base === 'int4') return 'bigint';
  if (col.base === 'int8') return 'numeric';
  if (col.base === 'numeric' && col.typmod >= 0) return 'numeric';
  if (col.base === 'numeric')
    return {
      declined: `${fn.toUpperCase()}(${col.name}) of a numeric without a fixed scale: a sum kept by adding and subtracting can keep a longer scale than a fresh one (2.50 vs 2.5)`,
    };
  return {
    declined: `${fn.toUpperCase()}(${col.name}) of ${col.type}: a sum kept by adding and subtracting is exact only for integer and fixed-scale numeric columns (a float sum drifts from a fresh one)`,
  };
}

type Rec = 'old' | 'new';

/** `expr` over the child's qualifier, written over the trigger's `old` or `new` row instead. */
function overRow(expr: Node, qualifier: string, rec: Rec): string {
  return exprToSql(
    replaceNodes(expr, (node) => {
      const path = columnPath(node);
      return path?.length === 2 && path[0] === qualifier ? columnRef(rec, path[1]) : undefined;
    }),
  );
}

/** The argument of an aggregate as the statement wrote it. */
function argumentOf(c: ViewColumn): Node | undefined {
  return nodeAs(parseExpr(c.text), 'FuncCall')?.args?.[0];
}

/** A column name of the summary table not taken yet (`n_total`, `n_total_2`). */
function freshName(base: string, taken: Set<string>): string {
  const plain = base.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  let name = plain;
  for (let i = 2; taken.has(name); i++) name = `${plain}_${i}`;
  taken.add(name);
  return name;
}

/**
 * The summary table, its trigger function and triggers, the backfill and the rewrite, or why the trigger form is
 * declined for this statement. `types` are the child's columns; `aggregateTypes` the result type of each min/max
 * view column (by its name), as pg_typeof gives it.
 */
export function buildSummaryTable(
  m: PreAggregateMatch,
  types: ChildColumnType[],
  aggregateTypes: Map<string, string>,
  keyIndexed = true,
): SummaryTableForm | { declined: string } {
  const C = m.child.qualifier;
  const qC = quoteIdentifier(C);
  const key = types.find((t) => t.name === m.childKey);
  if (!key) return { declined: `the key column ${m.childKey} was not found in the catalog` };
  const tableName = `${m.child.relname}_by_${m.childKey}_summary`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const functionName = `${tableName}_maintain`;
  const qTable = quoteIdentifier(tableName);
  const qKey = quoteIdentifier(m.childKey);
  const child = m.child.schemaname
    ? `${quoteIdentifier(m.child.schemaname)}.${quoteIdentifier(m.child.relname)}`
    : quoteIdentifier(m.child.relname);
  const filterSql = m.childFilter.map((c) => exprToSql(c)).join(' AND ');
  const where = [`${qC}.${qKey} IS NOT NULL`, ...m.childFilter.map((c) => `(${exprToSql(c)})`)].join(' AND ');

  const taken = new Set<string>([m.childKey, ...m.columns.map((c) => c.name)]);
  const state: StateColumn[] = [];
  const generated: string[] = [];
  const star = m.columns.find((c) => c.fn === 'count' && c.star);
  const rows: StateColumn = {
    name: star?.name ?? freshName('group_rows', taken),
    type: 'bigint NOT NULL',
    delta: 'count(*)',
    row: () => '1',
    combine: 'add',
  };
  state.push(rows);
  // Per aggregated column: a count of its non-NULL values and its running sum, shared by sum and avg.
  const counters = new Map<string, { n: string; s?: string }>();
  const counter = (c: ViewColumn, withSum: string | undefined): { n: string; s?: string } => {
    const arg = c.argColumn as string;
    let k = counters.get(arg);
    if (!k) {
      k = { n: freshName(`n_${arg}`, taken) };
      counters.set(arg, k);
      state.push({
        name: k.n,
        type: 'bigint NOT NULL',
        delta: `count(${qC}.${quoteIdentifier(arg)})`,
        row: (rec) => `(${rec}.${quoteIdentifier(arg)} IS NOT NULL)::int`,
        combine: 'add',
      });
    }
    if (withSum && !k.s) {
      k.s = freshName(`s_${arg}`, taken);
      state.push({
        name: k.s,
        type: `${withSum} NOT NULL`,
        delta: `COALESCE(sum(${qC}.${quoteIdentifier(arg)}), 0)`,
        row: (rec) => `COALESCE(${rec}.${quoteIdentifier(arg)}, 0)`,
        combine: 'add',
      });
    }
    return k;
  };
  for (const c of m.columns) {
    const q = quoteIdentifier(c.name);
    if (c.fn === 'count' && c.star) continue;
    if (c.fn === 'count') {
      const arg = argumentOf(c);
      if (!arg) return { declined: `the argument of ${c.text} could not be read` };
      state.push({
        name: c.name,
        type: 'bigint NOT NULL',
        delta: c.text,
        row: (rec) => `(${overRow(arg, C, rec)} IS NOT NULL)::int`,
        combine: 'add',
      });
    } else if (c.fn === 'sum' || c.fn === 'avg') {
      const t = sumType(
        c.fn,
        types.find((x) => x.name === c.argColumn),
      );
      if (typeof t !== 'string') return t;
      const k = counter(c, t);
      const s = quoteIdentifier(k.s as string);
      const n = quoteIdentifier(k.n);
      generated.push(
        c.fn === 'sum'
          ? `${q} ${t} GENERATED ALWAYS AS (CASE WHEN ${n} > 0 THEN ${s} END) STORED`
          : `${q} numeric GENERATED ALWAYS AS (${s}::numeric / NULLIF(${n}, 0)) STORED`,
      );
    } else if (c.fn === 'min' || c.fn === 'max') {
      const type = aggregateTypes.get(c.name);
      if (!type) return { declined: `the type of ${c.text} could not be read` };
      const col = types.find((x) => x.name === c.argColumn);
      const arg = argumentOf(c);
      if (!arg) return { declined: `the argument of ${c.text} could not be read` };
      const collate = col?.collation ? ` COLLATE ${col.collation}` : '';
      state.push({
        name: c.name,
        type: `${col?.type ?? type}${collate}`,
        delta: c.text,
        row: (rec) => overRow(arg, C, rec),
        combine: c.fn,
        recompute: c.text,
      });
    } else return { declined: `${c.text} is not kept by the trigger form` };
  }

  const columnsSql = [
    `${qKey} ${key.type} PRIMARY KEY`,
    ...state.map((s) => `${quoteIdentifier(s.name)} ${s.type}`),
    ...generated,
  ];
  const createTableSql = `CREATE TABLE ${qTable} (\n  ${columnsSql.join(',\n  ')}\n);`;
  const stateNames = state.map((s) => quoteIdentifier(s.name));
  const deltaOver = (relation: string): string =>
    `SELECT ${qC}.${qKey}, ${state.map((s) => `${s.delta} AS ${quoteIdentifier(s.name)}`).join(', ')}\n      FROM ${relation} AS ${qC}\n      WHERE ${where}\n      GROUP BY ${qC}.${qKey}`;
  const backfillSql = `INSERT INTO ${qTable} (${qKey}, ${stateNames.join(', ')})\n${deltaOver(child).replace(/\n {6}/g, '\n')};`;

  const sm = quoteIdentifier(C === 'sm' ? 'sm_' : 'sm');
  const minMax = state.filter((s) => s.combine !== 'add');
  const added = state.filter((s) => s.combine === 'add');
  const passes = (rec: Rec): string =>
    [`${rec}.${qKey} IS NOT NULL`, ...m.childFilter.map((c) => `COALESCE(${overRow(c, C, rec)}, false)`)].join(' AND ');
  const subtract = added.map((s) => `${quoteIdentifier(s.name)} = ${sm}.${quoteIdentifier(s.name)} - ${s.row('old')}`);
  const extremeLeft = minMax.map(
    (s) => `${s.row('old')} ${s.combine === 'max' ? '>=' : '<='} ${sm}.${quoteIdentifier(s.name)}`,
  );
  const upsert = state.map((s) => {
    const n = quoteIdentifier(s.name);
    if (s.combine === 'add') return `${n} = ${sm}.${n} + EXCLUDED.${n}`;
    return `${n} = ${s.combine === 'max' ? 'GREATEST' : 'LEAST'}(${sm}.${n}, EXCLUDED.${n})`;
  });
  const recompute = minMax
    .map(
      (s) =>
        `${quoteIdentifier(s.name)} = (SELECT ${s.recompute} FROM ${child} AS ${qC} WHERE ${qC}.${qKey} = old.${qKey}${m.childFilter.map((c) => ` AND (${exprToSql(c)})`).join('')})`,
    )
    .join(', ');
  const body = [
    'DECLARE',
    '  emptied boolean;',
    '  redo boolean;',
    'BEGIN',
    "  IF TG_OP = 'TRUNCATE' THEN",
    `    DELETE FROM ${qTable};`,
    '    RETURN NULL;',
    '  END IF;',
    `  IF TG_OP IN ('UPDATE', 'DELETE') AND ${passes('old')} THEN`,
    "    -- The old row leaves its group (this locks the group's row until commit).",
    `    UPDATE ${qTable} AS ${sm} SET ${subtract.join(', ')}`,
    `    WHERE ${sm}.${qKey} = old.${qKey}`,
    `    RETURNING ${sm}.${quoteIdentifier(rows.name)} = 0, ${minMax.length > 0 ? `COALESCE(${extremeLeft.join(' OR ')}, false)` : 'false'} INTO emptied, redo;`,
    '    IF emptied THEN',
    `      DELETE FROM ${qTable} AS ${sm} WHERE ${sm}.${qKey} = old.${qKey};`,
    ...(minMax.length > 0
      ? [
          '    ELSIF redo THEN',
          '      -- Its current min/max row left: the group is recomputed from the child (a new snapshot: writers',
          '      -- to the group have committed or wait on the lock above).',
          `      UPDATE ${qTable} AS ${sm} SET ${recompute}`,
          `      WHERE ${sm}.${qKey} = old.${qKey};`,
        ]
      : []),
    '    END IF;',
    '  END IF;',
    `  IF TG_OP IN ('INSERT', 'UPDATE') AND ${passes('new')} THEN`,
    '    -- The new row enters its group (a new group gets its row).',
    `    INSERT INTO ${qTable} AS ${sm} (${qKey}, ${stateNames.join(', ')})`,
    `    VALUES (new.${qKey}, ${state.map((s) => s.row('new')).join(', ')})`,
    `    ON CONFLICT (${qKey}) DO UPDATE SET ${upsert.join(', ')};`,
    '  END IF;',
    '  RETURN NULL;',
    'END',
  ].join('\n');
  // The search_path of its creation, so the summary table resolves whoever writes to the child.
  const createFunctionSql = `CREATE FUNCTION ${quoteIdentifier(functionName)}() RETURNS trigger LANGUAGE plpgsql\nSET search_path FROM CURRENT AS $pg_tuner$\n${body}\n$pg_tuner$;`;
  // An UPDATE that changes none of the columns the table reads does not call the function.
  const read = new Set<string>([m.childKey]);
  for (const path of columnsIn([m.childFilter, m.columns.map((c) => argumentOf(c))]))
    if (path.length === 2) read.add(path[1]);
  const changed = [...read]
    .map((c) => `old.${quoteIdentifier(c)} IS DISTINCT FROM new.${quoteIdentifier(c)}`)
    .join(' OR ');
  const trigger = (suffix: string, event: string, each: string): [string, string] => {
    const name = `${tableName}_${suffix}`;
    return [
      name,
      `CREATE TRIGGER ${quoteIdentifier(name)} AFTER ${event} ON ${child}\n  ${each} EXECUTE FUNCTION ${quoteIdentifier(functionName)}();`,
    ];
  };
  const triggers = [
    trigger('insert', 'INSERT', 'FOR EACH ROW'),
    trigger('update', 'UPDATE', `FOR EACH ROW WHEN (${changed})`),
    trigger('delete', 'DELETE', 'FOR EACH ROW'),
    trigger('truncate', 'TRUNCATE', 'FOR EACH STATEMENT'),
  ];
  const view = buildPreAggregate(m, tableName);
  const keyIndexName = `${m.child.relname}_${m.childKey}_for_summary`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const qIndex = m.child.schemaname
    ? `${quoteIdentifier(m.child.schemaname)}.${quoteIdentifier(keyIndexName)}`
    : quoteIdentifier(keyIndexName);
  const keyIndex = minMax.length > 0 && !keyIndexed;
  const visible = [qKey, ...m.columns.map((c) => quoteIdentifier(c.name))];
  return {
    match: m,
    tableName,
    functionName,
    triggerNames: triggers.map((t) => t[0]),
    lockSql: `LOCK TABLE ${child} IN SHARE ROW EXCLUSIVE MODE;`,
    createTableSql,
    ...(keyIndex
      ? { keyIndexSql: `CREATE INDEX ${quoteIdentifier(keyIndexName)} ON ${child} (${qKey});`, keyIndexName: qIndex }
      : {}),
    ...(view.orderIndexSql ? { orderIndexSql: view.orderIndexSql } : {}),
    createFunctionSql,
    createTriggerSql: triggers.map((t) => t[1]),
    backfillSql,
    freshSql: `SELECT ${qC}.${qKey}, ${m.columns.map((c) => c.text).join(', ')} FROM ${child} AS ${qC} WHERE ${where} GROUP BY ${qC}.${qKey}`,
    storedSql: `SELECT ${visible.join(', ')} FROM ${qTable}`,
    dropSql: [
      ...triggers.map((t) => `DROP TRIGGER ${quoteIdentifier(t[0])} ON ${child};`),
      `DROP FUNCTION ${quoteIdentifier(functionName)}();`,
      `DROP TABLE ${qTable};`,
      ...(keyIndex ? [`DROP INDEX ${qIndex};`] : []),
    ],
    rewrittenSql: view.rewrittenSql,
    filterSql,
    hasMinMax: minMax.length > 0,
    readColumns: [...read],
  };
}
