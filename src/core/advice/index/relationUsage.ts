/**
 * What one statement does with each table, read from StatementFacts: the constant predicates per column or
 * expression, join keys, sort and group columns, and the columns it reads. The index rules work on this.
 */
import type { ColumnPredicate, ColumnRef, StatementFacts } from '../../sql/statementFacts';
import type { SourceRange } from '../../positions';
import { quoteIdentifier } from './identifiers';

export type UsageKind =
  'equality' | 'in-list' | 'range' | 'like-prefix' | 'is-null' | 'jsonb-containment' | 'full-text';

/** A predicate an index can serve, on one column or on an expression over one table's columns. */
export interface UsedPredicate {
  kind: UsageKind;
  /** The operator as written (`=`, `>=`, `BETWEEN`, `@>`). */
  operator: string;
  /** Plain column, when the column side is a column. */
  column?: string;
  /** Expression over unqualified columns (`lower(email)`), when a function or cast wraps the column. */
  expression?: string;
  /** Columns the expression reads. */
  expressionColumns: string[];
  /** The constant side, as written (`'2024-01-01'`, `$1`). */
  valueText?: string;
  /** True when the value is a literal (not `$n`, not a column): usable in a partial index predicate. */
  constant: boolean;
  /** The whole predicate, qualifiers removed, for a partial index's WHERE. */
  sql: string;
  /** As written in the statement. */
  written: string;
  range: SourceRange;
  /** Set by the rules when this range column also leads a mixed-direction ORDER BY descending. */
  sortDescending?: boolean;
  /**
   * A row comparison (`(created_at, id) < ($1, $2)`): its columns in order, `column` the first. One range over
   * them in that order; never a partial predicate (its values move with every page: a keyset cursor).
   */
  rowColumns?: string[];
}

export interface SortColumn {
  column: string;
  descending: boolean;
  written: string;
}

export interface TableUsage {
  table: string;
  predicates: UsedPredicate[];
  /** Columns of this table compared with another table's column in a join (`o.user_id` in `u.id = o.user_id`). */
  joinColumns: Array<{ column: string; written: string; range: SourceRange }>;
  /** ORDER BY, when every item is a plain column of this table. */
  orderBy: SortColumn[];
  groupBy: string[];
  /** Every column of the table the statement reads, in first-seen order. */
  readColumns: string[];
  /** `*` or `t.*` covers this table: an index-only scan cannot serve it. */
  readsAllColumns: boolean;
}

const servedKinds: ReadonlySet<string> = new Set([
  'equality',
  'in-list',
  'range',
  'like-prefix',
  'is-null',
  'jsonb-containment',
  'full-text',
]);

/**
 * True when the compared value is a literal: not a `$n` parameter, not another column (then valueText is
 * absent), and with no function call in the predicate outside the indexed expression (`now()` is not
 * immutable, so it can never go into a partial index predicate).
 */
function isConstantValue(facts: StatementFacts, p: ColumnPredicate, expression: SourceRange | undefined): boolean {
  const value = p.valueText?.trim();
  if (value === undefined || value === '' || value.startsWith('$')) return false;
  const insideExpression = (r: SourceRange): boolean =>
    expression !== undefined && r.start >= expression.start && r.end <= expression.end;
  return !facts.functionCalls.some(
    (f) => f.range.start >= p.range.start && f.range.end <= p.range.end && !insideExpression(f.range),
  );
}

/** The statement's text over `range`, each column reference inside it replaced by its bare quoted name. */
function unqualifiedText(text: string, range: SourceRange, columns: ColumnRef[]): string {
  const inside = columns
    .filter((c) => c.range.start >= range.start && c.range.end <= range.end)
    .sort((a, b) => b.range.start - a.range.start);
  let out = text.slice(range.start, range.end);
  for (const c of inside) {
    const from = c.range.start - range.start;
    const to = c.range.end - range.start;
    out = out.slice(0, from) + quoteIdentifier(c.column) + out.slice(to);
  }
  return out;
}

/** Where the expression text sits in the statement, searched from the predicate's start. */
function expressionRange(text: string, predicate: ColumnPredicate): SourceRange | undefined {
  const expr = predicate.expression;
  if (!expr) return undefined;
  const at = text.indexOf(expr.text, predicate.range.start);
  if (at < 0 || at + expr.text.length > predicate.range.end) return undefined;
  return { start: at, end: at + expr.text.length };
}

function resolveTable(facts: StatementFacts, ref: ColumnRef): string | undefined {
  if (ref.relation) {
    const viaAlias = facts.relations.find((r) => !r.isCte && (r.alias === ref.relation || r.name === ref.relation));
    return viaAlias && !viaAlias.isCte ? viaAlias.name : ref.relation;
  }
  if (ref.qualifier) {
    const r = facts.relations.find((rel) => rel.alias === ref.qualifier || (!rel.alias && rel.name === ref.qualifier));
    return r && !r.isCte ? r.name : undefined;
  }
  const tables = facts.relations.filter((r) => !r.isCte);
  return tables.length === 1 ? tables[0].name : undefined;
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** Usage per table (CTE references excluded), keyed by table name as written. */
export function relationUsage(facts: StatementFacts): Map<string, TableUsage> {
  const usage = new Map<string, TableUsage>();
  const forTable = (table: string): TableUsage => {
    let u = usage.get(table);
    if (!u) {
      u = { table, predicates: [], joinColumns: [], orderBy: [], groupBy: [], readColumns: [], readsAllColumns: false };
      usage.set(table, u);
    }
    return u;
  };
  for (const r of facts.relations) if (!r.isCte) forTable(r.name);
  const text = facts.text;

  for (const p of facts.predicates) {
    if (p.underOr || p.clause === 'having') continue;
    const columns = p.column ? [p.column] : (p.expression?.columns ?? []);
    for (const c of columns) {
      const t = resolveTable(facts, c);
      if (t) pushUnique(forTable(t).readColumns, c.column);
    }
    if (!servedKinds.has(p.kind)) continue;
    // A join condition without a constant side is a join key, handled from facts.joins.
    if (p.valueText === undefined && p.kind !== 'is-null') continue;
    let table: string | undefined;
    let column: string | undefined;
    let expression: string | undefined;
    let expressionColumns: string[] = [];
    let exprRange: SourceRange | undefined;
    let rowColumns: string[] | undefined;
    if (p.column) {
      table = resolveTable(facts, p.column);
      column = p.column.column;
    } else if (p.expression?.row) {
      const tables = new Set(p.expression.columns.map((c) => resolveTable(facts, c)));
      if (tables.size !== 1) continue;
      table = [...tables][0];
      rowColumns = p.expression.columns.map((c) => c.column);
      column = rowColumns[0];
    } else if (p.expression && p.expression.columns.length > 0) {
      const tables = new Set(p.expression.columns.map((c) => resolveTable(facts, c)));
      if (tables.size !== 1) continue;
      table = [...tables][0];
      exprRange = expressionRange(text, p);
      if (!exprRange) continue;
      expression = unqualifiedText(text, exprRange, p.expression.columns);
      expressionColumns = [...new Set(p.expression.columns.map((c) => c.column))];
    }
    if (!table) continue;
    const refs = p.column ? [p.column] : (p.expression?.columns ?? []);
    forTable(table).predicates.push({
      kind: p.kind as UsageKind,
      operator: p.operator.toUpperCase(),
      column,
      expression,
      expressionColumns,
      valueText: p.valueText,
      constant: !rowColumns && (p.kind === 'is-null' || isConstantValue(facts, p, exprRange)),
      sql: unqualifiedText(text, p.range, refs),
      written: text.slice(p.range.start, p.range.end),
      range: p.range,
      ...(rowColumns ? { rowColumns } : {}),
    });
  }

  for (const j of facts.joins) {
    for (const key of j.keys) {
      for (const side of [key.left, key.right]) {
        const t = resolveTable(facts, side);
        if (!t) continue;
        const u = forTable(t);
        pushUnique(u.readColumns, side.column);
        if (!u.joinColumns.some((c) => c.column === side.column)) {
          u.joinColumns.push({
            column: side.column,
            written: text.slice(side.range.start, side.range.end),
            range: side.range,
          });
        }
      }
    }
  }

  const orderTables = new Set<string | undefined>();
  const sort: Array<SortColumn & { table?: string }> = [];
  for (const o of facts.orderBy) {
    const t = o.column ? resolveTable(facts, o.column) : undefined;
    // An output alias (ORDER BY total_spent) is not a table column.
    const isAlias = o.column && !o.column.qualifier && facts.selectList.some((s) => s.alias === o.column?.column);
    orderTables.add(isAlias ? undefined : t);
    if (o.column && t && !isAlias)
      sort.push({ column: o.column.column, descending: o.descending, written: o.expressionText, table: t });
  }
  if (orderTables.size === 1 && sort.length === facts.orderBy.length && sort.length > 0) {
    const t = sort[0].table as string;
    forTable(t).orderBy = sort.map(({ column, descending, written }) => ({ column, descending, written }));
  }
  for (const s of sort) if (s.table) pushUnique(forTable(s.table).readColumns, s.column);

  for (const g of facts.groupBy) {
    const t = resolveTable(facts, g);
    if (!t) continue;
    pushUnique(forTable(t).groupBy, g.column);
    pushUnique(forTable(t).readColumns, g.column);
  }
  for (const item of facts.selectList) {
    for (const c of item.columns) {
      const t = resolveTable(facts, c);
      if (t) pushUnique(forTable(t).readColumns, c.column);
    }
  }
  for (const star of facts.selectStars) {
    const written = text.slice(star.start, star.end).trim();
    if (written === '*') {
      for (const u of usage.values()) u.readsAllColumns = true;
      continue;
    }
    const qualifier = written.slice(0, written.lastIndexOf('.')).replace(/"/g, '');
    const r = facts.relations.find((rel) => rel.alias === qualifier || rel.name === qualifier);
    if (r && !r.isCte) forTable(r.name).readsAllColumns = true;
  }
  // UPDATE/DELETE read whole rows; an index-only scan never serves them.
  if (facts.kind === 'update' || facts.kind === 'delete') for (const u of usage.values()) u.readsAllColumns = true;
  return usage;
}
