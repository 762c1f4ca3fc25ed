/**
 * Index candidates by rule, from StatementFacts (via relationUsage), the plan and the catalog:
 * equality columns first (most distinct values first), then IN, then one range column, then ORDER BY columns
 * in their direction; join keys; covering (INCLUDE) and partial variants; expression keys; GIN for `@>`/`@@`;
 * and for a subquery run per outer row (subqueryUsage), its correlation column first.
 */
import type { CatalogSnapshot, ColumnStats, TableStats } from '../../db/catalog';
import type { Plan } from '../../plan/planNode';
import { formatCount } from '../../text/formatNumbers';
import type { StatementFacts } from '../../sql/statementFacts';
import type { AdviceNote, CandidateFeature, IndexCandidate, IndexKey, ServedClause } from '../indexSuggestion';
import { indexName, namePart } from './identifiers';
import { candidateKey } from './indexDdl';
import { relationUsage, type TableUsage, type UsedPredicate } from './relationUsage';
import { subqueryUsage, type SubqueryColumn, type SubqueryTableUsage } from './subqueryUsage';
import { knownNotImmutable } from '../../sql/immutability';

export interface ColumnType {
  dataType: string;
  /** The type has a default B-tree operator class (directly, via a binary-coercible type, or generic). */
  btree: boolean;
  /** The operator class LIKE 'abc%' needs under this column's collation (`text_pattern_ops`); absent: the default. */
  likeOpclass?: string;
}

export interface CandidateInput {
  facts: StatementFacts;
  plan?: Plan;
  catalog: CatalogSnapshot;
  /** table → column → type facts; a column missing here is assumed B-tree-capable. */
  columnTypes?: Map<string, Map<string, ColumnType>>;
  /** Fraction of rows a constant predicate keeps, keyed by `selectivityKey(table, predicate.sql)`. */
  selectivity?: Map<string, number>;
  /** Index names already used in the database. */
  takenNames?: Set<string>;
}

export interface CandidateSet {
  candidates: IndexCandidate[];
  notes: AdviceNote[];
}

/**
 * A partial index only pays when its predicate keeps at most this share of the table. About half still pays:
 * the dashboard case (docs/cases.md case 1, `created_at >= '2024-01-01'` keeps ≈ 50 %, the planner says 50.3 %)
 * gets an index half the size whose index-only scan never reads the other half; at 0.5 exactly, estimation noise
 * decided whether the winning index was ever generated.
 */
export const partialSelectivityLimit = 0.6;
/** A join-key-ordered partial covering index (joinOrderPartials) while its predicate drops at least this much. */
export const joinOrderPartialLimit = 0.95;
/** An equality makes a partial index only on a column with at most this many distinct values. */
const maxHotSubsetValues = 10;
/** INCLUDE at most this many columns: wider, and the index approaches a copy of the table. */
const maxIncludeColumns = 4;

export function selectivityKey(table: string, predicateSql: string): string {
  return `${table}|${predicateSql}`;
}

interface KeyItem {
  key: IndexKey;
  served: ServedClause;
  /** The predicate it comes from, when a constant one (for partial variants). */
  predicate?: UsedPredicate;
}

function tableStats(catalog: CatalogSnapshot, table: string): TableStats | undefined {
  return catalog.tables.find((t) => t.name === table);
}

function columnStats(catalog: CatalogSnapshot, table: string, column: string): ColumnStats | undefined {
  return catalog.columns.find((c) => c.table === table && c.column === column);
}

/** pg_stats.n_distinct as a count: negative values are a fraction of the rows. */
function distinctValues(catalog: CatalogSnapshot, table: string, column: string): number | undefined {
  const s = columnStats(catalog, table, column);
  if (!s) return undefined;
  if (s.nDistinct >= 0) return s.nDistinct;
  const rows = Math.max(tableStats(catalog, table)?.estimatedRows ?? 0, 0);
  return -s.nDistinct * rows;
}

function keyName(key: IndexKey): string {
  const base = key.column ?? namePart(key.expression ?? 'expr');
  return key.opclass?.endsWith('_pattern_ops') ? `${base}_pattern` : base;
}

function sameKey(a: IndexKey, b: IndexKey): boolean {
  return (a.column ?? a.expression) === (b.column ?? b.expression);
}

function servedPredicate(p: UsedPredicate): ServedClause {
  return { kind: 'predicate', text: p.written, range: p.range };
}

function seqScanned(plan: Plan | undefined, table: string): boolean {
  return plan?.nodes.some((n) => n.fields['Node Type'] === 'Seq Scan' && n.fields['Relation Name'] === table) ?? false;
}

class TableRules {
  readonly candidates: IndexCandidate[] = [];
  readonly notes: AdviceNote[] = [];

  constructor(
    private readonly input: CandidateInput,
    private readonly usage: TableUsage,
    private readonly taken: Set<string>,
  ) {}

  private get table(): string {
    return this.usage.table;
  }

  private btreeCapable(column: string): boolean {
    return this.input.columnTypes?.get(this.table)?.get(column)?.btree ?? true;
  }

  private distinct(column: string): number | undefined {
    return distinctValues(this.input.catalog, this.table, column);
  }

  private selectivity(p: UsedPredicate): number | undefined {
    return this.input.selectivity?.get(selectivityKey(this.table, p.sql));
  }

  private keyFor(p: UsedPredicate, role: string): IndexKey | undefined {
    if (p.column !== undefined) {
      if (!this.btreeCapable(p.column)) {
        const type = this.input.columnTypes?.get(this.table)?.get(p.column)?.dataType ?? 'its type';
        this.notes.push({
          kind: 'no-btree-opclass',
          table: this.table,
          message: `${this.table}.${p.column} is of type ${type}, which has no B-tree operator class: \`${p.written}\` cannot use a B-tree index.`,
        });
        return undefined;
      }
      const d = this.distinct(p.column);
      const stat = d === undefined ? '' : `, ${formatCount(d)} distinct values`;
      // Under a collation that does not sort by bytes (ICU, en_US) a default B-tree cannot search LIKE 'abc%'.
      const opclass =
        p.kind === 'like-prefix' ? this.input.columnTypes?.get(this.table)?.get(p.column)?.likeOpclass : undefined;
      if (opclass)
        return {
          column: p.column,
          opclass,
          reason: `LIKE prefix on ${p.column}${stat}, with ${opclass}: under the column's collation a default B-tree cannot search a prefix`,
        };
      return { column: p.column, descending: p.sortDescending, reason: `${role} on ${p.column}${stat}` };
    }
    if (p.expression !== undefined) {
      // PostgreSQL refuses an index on an expression that is not IMMUTABLE (`COALESCE(closed_at, now())`): said,
      // not built and failed. A call whose volatility depends on its argument types is left to the server.
      const clocked = knownNotImmutable(p.expression).filter((c) => c.volatility !== 'unknown');
      if (clocked.length > 0) {
        this.notes.push({
          kind: 'not-immutable',
          table: this.table,
          message: `\`${p.written}\` calls ${clocked.map((c) => `${c.call} (${c.volatility})`).join(', ')}: PostgreSQL indexes only IMMUTABLE expressions, so no index can hold ${p.expression}. Leave the column bare on one side of the comparison instead, and an index on the column serves it.`,
        });
        return undefined;
      }
      return { expression: p.expression, reason: `${role} on the expression ${p.expression}` };
    }
    return undefined;
  }

  run(): void {
    const u = this.usage;
    const eq = u.predicates.filter((p) => p.kind === 'equality');
    // `deleted_at IS NULL` is no equality for the planner's ordering (no `=` operator): as a leading key it keeps
    // the index from giving the ORDER BY, and its column's distinct count says nothing of how many rows are NULL
    // (a soft-delete column: 97 % NULL). It goes last among the keys, and into the partial forms' predicate.
    const isNull = u.predicates.filter((p) => p.kind === 'is-null');
    const inList = u.predicates.filter((p) => p.kind === 'in-list');
    const ranges = u.predicates.filter((p) => p.kind === 'range' || p.kind === 'like-prefix');
    const gin = u.predicates.filter((p) => p.kind === 'jsonb-containment' || p.kind === 'full-text');

    // Most distinct values first: the first key narrows the scan the most. Expressions (unknown) after columns.
    const eqSorted = [...eq].sort((a, b) => (this.exprDistinct(b) ?? -1) - (this.exprDistinct(a) ?? -1));
    const eqItems = this.items(eqSorted, 'equality');
    const inItems = this.items(inList, 'IN list');
    // One range: its column, or a row comparison's columns in order (all from the first range predicate).
    const rangeAll = this.items(ranges, 'range');
    const rangeItems = rangeAll.filter((i) => i.served === rangeAll[0]?.served);
    const nullItems = this.items(isNull, 'IS NULL');
    // One direction throughout: ascending keys serve it (a B-tree scans backwards). Mixed: keys follow each item.
    const mixed = new Set(u.orderBy.map((s) => s.descending)).size > 1;
    const sortItems: KeyItem[] = u.orderBy
      .filter((s) => this.btreeCapable(s.column))
      .map((s) => ({
        key: {
          column: s.column,
          descending: mixed && s.descending ? true : undefined,
          reason: `ORDER BY ${s.written}`,
        },
        served: { kind: 'order-by', text: s.written },
      }));
    if (mixed) {
      // The range column that is also the first sort column takes the sort's direction.
      const first = u.orderBy[0];
      for (const r of ranges) if (r.column === first.column && first.descending) r.sortDescending = true;
    }

    const filterKeys = [...eqItems, ...inItems, ...rangeItems];
    // ORDER BY columns follow only when no range column breaks the order (or the range columns are the sort's first).
    // A pattern_ops key searches a prefix but does not give the collation's order.
    const sortUsable =
      rangeItems.length === 0 ||
      (sortItems.length >= rangeItems.length &&
        rangeItems.every((r, i) => sameKey(sortItems[i].key, r.key) && r.key.opclass === undefined));
    const withSort = this.appendDistinct(
      sortUsable ? this.appendDistinct(filterKeys, sortItems) : filterKeys,
      nullItems,
    );
    const planSeq = seqScanned(this.input.plan, this.table);

    if (withSort.length > 0) {
      this.variants(withSort, planSeq ? 0.75 : 0.55, []);
    }

    for (const j of u.joinColumns) {
      if (!this.btreeCapable(j.column)) continue;
      const d = this.distinct(j.column);
      const joinItem: KeyItem = {
        key: {
          column: j.column,
          reason: `join key ${j.written}${d === undefined ? '' : `, ${formatCount(d)} distinct values`}`,
        },
        served: { kind: 'join', text: j.written, range: j.range },
      };
      this.add([joinItem], [], 0.6, ['join-key']);
      const rest = filterKeys.filter((k) => !sameKey(k.key, joinItem.key));
      if (rest.length > 0 || u.groupBy.includes(j.column)) {
        this.variants([joinItem, ...rest], planSeq ? 0.75 : 0.6, ['join-key']);
      }
      // After the variants: where the same index comes from both, the variants' rating stands.
      this.joinOrderPartials(joinItem, filterKeys);
    }

    // GROUP BY columns of this table as keys: groups come out in order, and with INCLUDE the aggregate reads
    // only the index (the aggregate-first form of the dashboard query).
    const groupItems: KeyItem[] = u.groupBy
      .filter((g) => this.btreeCapable(g) && !u.joinColumns.some((j) => j.column === g))
      .map((g) => ({ key: { column: g, reason: `GROUP BY ${g}` }, served: { kind: 'group-by', text: g } }));
    if (groupItems.length > 0 && groupItems.length === u.groupBy.length) {
      this.variants(
        this.appendDistinct([...eqItems, ...groupItems], [...inItems, ...rangeItems]),
        planSeq ? 0.7 : 0.55,
        ['group'],
      );
    }

    // No filter, no join, only an ORDER BY … LIMIT: an index in sort order lets the scan stop early.
    if (filterKeys.length === 0 && sortItems.length > 0 && this.input.facts.limit) {
      this.add(sortItems, [], 0.6, ['sort']);
    }

    for (const p of gin) this.ginCandidate(p, planSeq);
  }

  /**
   * Subqueries run per outer row (scalar, EXISTS, IN, LATERAL): each run looks up one value of the correlation
   * column, so it leads; then the subquery's other equality columns (most distinct first), IN, one range column
   * (or its sort: ORDER BY … LIMIT, a lone min()/max()). The same key from several subqueries (an ORM writes one
   * per output column) is one index serving them all, covering the union of what they read.
   */
  correlated(subs: SubqueryTableUsage[]): void {
    const groups = new Map<string, { items: KeyItem[]; read: string[]; readsAll: boolean }>();
    for (const s of subs) {
      const items = this.correlationItems(s);
      if (items.length === 0) continue;
      const id = items.map((i) => `${keyName(i.key)}${i.key.descending ? ' desc' : ''}`).join(',');
      const g = groups.get(id) ?? { items, read: [], readsAll: false };
      for (const c of s.read) if (!g.read.includes(c)) g.read.push(c);
      g.readsAll ||= s.readsAllColumns;
      groups.set(id, g);
    }
    const lead =
      'the correlation column first (each run of the subquery looks up one value of it), then equality columns (most distinct first), then IN, then one range or sort column:';
    for (const g of groups.values()) {
      const keyColumns = new Set(g.items.map((i) => i.key.column));
      const include = g.readsAll ? [] : g.read.filter((c) => !keyColumns.has(c));
      const coverable =
        include.length > 0 && include.length <= maxIncludeColumns && include.every((c) => this.btreeCapable(c));
      this.add(g.items, [], 0.9, ['correlation', 'join-key'], undefined, 'btree', lead);
      if (coverable)
        this.add(g.items, include, 0.95, ['correlation', 'join-key', 'covering'], undefined, 'btree', lead);
      const correlation = g.items.filter((i) => i.served.kind === 'join');
      if (correlation.length < g.items.length) this.add(correlation, [], 0.7, ['correlation', 'join-key']);
    }
  }

  private correlationItems(s: SubqueryTableUsage): KeyItem[] {
    const byDistinct = (list: SubqueryColumn[]): SubqueryColumn[] =>
      [...list].sort((a, b) => (this.distinct(b.column) ?? -1) - (this.distinct(a.column) ?? -1));
    const stat = (column: string): string => {
      const d = this.distinct(column);
      return d === undefined ? '' : `, ${formatCount(d)} distinct values`;
    };
    const out: KeyItem[] = [];
    const push = (c: SubqueryColumn, reason: string, kind: ServedClause['kind'], descending?: boolean): void => {
      if (!this.btreeCapable(c.column) || out.some((o) => o.key.column === c.column)) return;
      out.push({
        key: { column: c.column, descending, reason: `${reason} on ${c.column}${stat(c.column)}` },
        served: { kind, text: c.written || c.column, range: c.range },
      });
    };
    for (const c of byDistinct(s.correlation)) push(c, `correlation (${c.written || c.column})`, 'join');
    if (out.length === 0) return out;
    for (const c of byDistinct(s.equality)) push(c, 'equality', 'predicate');
    for (const c of s.inList) push(c, 'IN list', 'predicate');
    const range = s.range.find((r) => !out.some((o) => o.key.column === r.column));
    if (range) push(range, 'range', 'predicate');
    // The subquery's sort follows when no range column breaks its order (or the range column is the sort).
    if (s.sort.length > 0 && (!range || range.column === s.sort[0].column)) {
      const mixed = new Set(s.sort.map((x) => x.descending)).size > 1;
      for (const x of s.sort) push(x, 'sort', 'order-by', mixed && x.descending ? true : undefined);
    }
    return out;
  }

  private exprDistinct(p: UsedPredicate): number | undefined {
    if (p.column !== undefined) return this.distinct(p.column);
    return undefined;
  }

  private items(preds: UsedPredicate[], role: string): KeyItem[] {
    const out: KeyItem[] = [];
    for (const p of preds) {
      const key = this.keyFor(p, role);
      if (!key || out.some((o) => sameKey(o.key, key))) continue;
      const served = servedPredicate(p);
      out.push({ key, served, predicate: p.constant ? p : undefined });
      // A row comparison is searched as one range over its columns in order: the others follow the first.
      for (const column of p.rowColumns?.slice(1) ?? []) {
        if (!this.btreeCapable(column) || out.some((o) => o.key.column === column)) break;
        out.push({ key: { column, reason: `${role} (row comparison ${p.written}) on ${column}` }, served });
      }
    }
    return out;
  }

  private appendDistinct(head: KeyItem[], tail: KeyItem[]): KeyItem[] {
    const out = [...head];
    for (const t of tail) if (!out.some((o) => sameKey(o.key, t.key))) out.push(t);
    return out;
  }

  /** The composite itself, its covering form, and partial forms for selective constant predicates. */
  private variants(items: KeyItem[], score: number, features: CandidateFeature[]): void {
    const include = this.includeFor(items.map((i) => i.key));
    this.add(items, [], score, features);
    if (include.length > 0) this.add(items, include, score + 0.1, [...features, 'covering']);
    for (const item of items) {
      const p = item.predicate;
      if (!p) continue;
      const kept = this.selectivity(p);
      if (kept === undefined || kept > partialSelectivityLimit || !this.hotSubset(p)) continue;
      // The predicate moves to WHERE; its key stays only when it also orders the rows.
      const isSort = this.usage.orderBy.some((s) => item.key.column === s.column);
      const remaining = items.filter((i) => i !== item || isSort);
      if (remaining.length === 0) continue;
      const partialInclude = this.includeFor(
        remaining.map((i) => i.key),
        p,
      );
      const reason = `partial: ${p.sql} keeps ${(kept * 100).toFixed(1)} % of the rows`;
      this.add(
        remaining,
        partialInclude,
        score + 0.15,
        [...features, 'partial', ...(partialInclude.length > 0 ? (['covering'] as const) : [])],
        {
          sql: p.sql,
          reason,
          served: [servedPredicate(p)],
        },
      );
    }
    this.combinedPartial(items, score, features);
  }

  /**
   * Every hot-subset constant predicate of the keys in one partial predicate (`WHERE status IN ('open', 'pending')
   * AND deleted_at IS NULL`), the other keys kept: the form a DBA writes for a list screen over live rows. The
   * share kept is the product of each one's (independence assumed); an `IS NULL` keeping most rows joins here
   * though it makes no partial index alone.
   */
  private combinedPartial(items: KeyItem[], score: number, features: CandidateFeature[]): void {
    const moved = items.filter((i) => i.predicate && this.hotSubset(i.predicate));
    if (moved.length < 2) return;
    let kept = 1;
    for (const i of moved) {
      const k = i.predicate ? this.selectivity(i.predicate) : undefined;
      if (k === undefined) return;
      kept *= k;
    }
    if (kept > partialSelectivityLimit) return;
    const predicates = moved.flatMap((i) => (i.predicate ? [i.predicate] : []));
    const remaining = items.filter(
      (i) => !moved.includes(i) || this.usage.orderBy.some((s) => i.key.column === s.column),
    );
    if (remaining.length === 0) return;
    const include = this.includeFor(
      remaining.map((i) => i.key),
      predicates,
    );
    const sql = predicates.map((p) => p.sql).join(' AND ');
    this.add(
      remaining,
      include,
      score + 0.2,
      [...features, 'partial', ...(include.length > 0 ? (['covering'] as const) : [])],
      {
        sql,
        reason: `partial: ${sql} keeps about ${(kept * 100).toFixed(1)} % of the rows`,
        served: predicates.map(servedPredicate),
      },
    );
  }

  /**
   * The join key alone, covering, with the table's constant filter as the index's predicate: the side of a merge
   * join read whole in join-key order (the dashboard's `users (id) INCLUDE (email, name) WHERE status =
   * 'active'` beside the orders' partial index). Not for selectivity (it may keep 90 % of the rows): an
   * index-only scan of it needs neither the heap nor the filter column, where the planner keeps the primary key
   * and its heap over a `(id, status)` covering index. It pays only with an index on the other side; the advisor
   * times it on top of the chosen one (adviseIndexes.complement).
   */
  private joinOrderPartials(joinItem: KeyItem, filterKeys: KeyItem[]): void {
    for (const item of filterKeys) {
      const p = item.predicate;
      if (!p || sameKey(item.key, joinItem.key) || !this.hotSubset(p)) continue;
      const kept = this.selectivity(p);
      if (kept === undefined || kept > joinOrderPartialLimit) continue;
      const include = this.includeFor([joinItem.key], p);
      if (include.length === 0) continue;
      this.add([joinItem], include, 0.55, ['join-key', 'partial', 'covering'], {
        sql: p.sql,
        reason: `partial: ${p.sql} keeps ${(kept * 100).toFixed(1)} % of the rows, read in join-key order without the table`,
        served: [servedPredicate(p)],
      });
    }
  }

  /**
   * A partial index is for a hot subset (`status = 'active'`, `deleted_at IS NULL`, a date cutoff), not for
   * one value of a many-valued column (`user_id = 42`), which would make an index per value.
   */
  private hotSubset(p: UsedPredicate): boolean {
    // A one-sided cutoff (`created_at >= '2024-01-01'`) is a subset; a window (BETWEEN, or a bound on each side:
    // `at >= '2026-11-01' AND at < '2026-12-01'`) is one query's slice, and next month's cannot use it.
    if (p.kind === 'range')
      return (
        p.operator !== 'BETWEEN' &&
        p.rowColumns === undefined &&
        !this.usage.predicates.some(
          (o) => o !== p && o.kind === 'range' && o.column !== undefined && o.column === p.column,
        )
      );
    if (p.kind === 'like-prefix' || p.kind === 'is-null') return true;
    if (p.column === undefined) return false;
    const d = this.distinct(p.column);
    return d !== undefined && d <= maxHotSubsetValues;
  }

  /** Columns the statement reads from the table that the keys lack; empty when `*` is read or too many. */
  private includeFor(keys: IndexKey[], partial?: UsedPredicate | UsedPredicate[]): string[] {
    if (this.usage.readsAllColumns) return [];
    const keyColumns = new Set(keys.map((k) => k.column).filter((c): c is string => c !== undefined));
    const exprColumns = new Set(keys.flatMap((k) => (k.expression ? this.expressionColumnsOf(k.expression) : [])));
    const moved = partial === undefined ? [] : Array.isArray(partial) ? partial : [partial];
    const partialOnly = new Set(moved.flatMap((p) => (p.column ? [p.column] : p.expressionColumns)));
    const needed = this.usage.readColumns.filter((c) => !keyColumns.has(c));
    // A column read only inside an indexed expression or the partial predicate need not be stored.
    const include = needed.filter(
      (c) =>
        !(exprColumns.has(c) && !this.readOutsideExpressions(c)) &&
        !(partialOnly.has(c) && !this.readOutsidePredicate(c, moved)),
    );
    if (include.length === 0 || include.length > maxIncludeColumns) return [];
    if (!include.every((c) => this.btreeCapable(c) || this.input.columnTypes?.get(this.table)?.get(c) !== undefined))
      return [];
    return include;
  }

  private expressionColumnsOf(expression: string): string[] {
    return this.usage.predicates.filter((p) => p.expression === expression).flatMap((p) => p.expressionColumns);
  }

  private readOutsideExpressions(column: string): boolean {
    const u = this.usage;
    return (
      u.predicates.some((p) => p.column === column) ||
      u.joinColumns.some((j) => j.column === column) ||
      u.orderBy.some((s) => s.column === column) ||
      u.groupBy.includes(column) ||
      this.selectedColumns().has(column)
    );
  }

  private readOutsidePredicate(column: string, moved: UsedPredicate[]): boolean {
    const u = this.usage;
    return (
      u.predicates.some((p) => !moved.includes(p) && (p.column === column || p.expressionColumns.includes(column))) ||
      u.joinColumns.some((j) => j.column === column) ||
      u.orderBy.some((s) => s.column === column) ||
      u.groupBy.includes(column) ||
      this.selectedColumns().has(column)
    );
  }

  private selectedColumns(): Set<string> {
    const out = new Set<string>();
    const facts = this.input.facts;
    const aliases = new Map(facts.relations.map((r) => [r.alias ?? r.name, r.name]));
    for (const item of facts.selectList) {
      for (const c of item.columns) {
        const table =
          c.relation ??
          (c.qualifier ? aliases.get(c.qualifier) : undefined) ??
          (facts.relations.length === 1 ? facts.relations[0].name : undefined);
        if (table === this.table) out.add(c.column);
      }
    }
    return out;
  }

  private ginCandidate(p: UsedPredicate, planSeq: boolean): void {
    let key: IndexKey | undefined;
    if (p.kind === 'jsonb-containment') {
      // jsonb_path_ops: smaller and faster for @>, which is all the statement asks of this column.
      const type = p.column ? this.input.columnTypes?.get(this.table)?.get(p.column)?.dataType : undefined;
      const opclass = type === undefined || type === 'jsonb' ? 'jsonb_path_ops' : undefined;
      key =
        p.column !== undefined
          ? { column: p.column, opclass, reason: `containment (@>) on ${p.column}: GIN with jsonb_path_ops serves @>` }
          : p.expression !== undefined
            ? { expression: p.expression, reason: `containment (@>) on ${p.expression}` }
            : undefined;
    } else {
      key =
        p.column !== undefined
          ? { column: p.column, reason: `full-text match (@@) on ${p.column}` }
          : p.expression !== undefined
            ? {
                expression: p.expression,
                reason: `full-text match (@@) on ${p.expression}: the index stores the computed tsvector`,
              }
            : undefined;
    }
    if (!key) return;
    this.add([{ key, served: servedPredicate(p) }], [], planSeq ? 0.8 : 0.6, ['gin'], undefined, 'gin');
  }

  private add(
    items: KeyItem[],
    include: string[],
    score: number,
    features: CandidateFeature[],
    partial?: { sql: string; reason: string; served: ServedClause[] },
    method: 'btree' | 'gin' = 'btree',
    orderLead?: string,
  ): void {
    const keys = items.map((i) => i.key);
    const featureSet = new Set<CandidateFeature>(features);
    if (keys.length > 1) featureSet.add('composite');
    if (keys.some((k) => k.expression !== undefined)) featureSet.add('expression');
    if (this.usage.orderBy.length > 0 && keys.some((k) => this.usage.orderBy.some((s) => s.column === k.column)))
      featureSet.add('sort');
    const stats = tableStats(this.input.catalog, this.table);
    const parts = [
      ...keys.map(keyName),
      ...(method === 'gin' ? ['gin'] : []),
      ...(include.length > 0 ? ['covering'] : []),
      ...(partial ? ['partial'] : []),
    ];
    const candidate: IndexCandidate = {
      schema: stats?.schema,
      table: this.table,
      method,
      keys,
      include,
      predicate: partial?.sql,
      features: [...featureSet],
      name: '',
      serves: [...new Set([...items.map((i) => i.served), ...(partial?.served ?? [])])],
      ruleScore: Math.min(1, score),
      columnOrderReason: this.orderReason(keys, include, partial?.reason, orderLead),
    };
    const id = candidateKey(candidate);
    if (this.candidates.some((c) => candidateKey(c) === id)) return;
    candidate.name = indexName(this.table, parts, 'idx', this.taken);
    this.taken.add(candidate.name);
    this.candidates.push(candidate);
  }

  private orderReason(
    keys: IndexKey[],
    include: string[],
    partial: string | undefined,
    lead = 'equality columns first (most distinct first), then IN, then one range column, then ORDER BY columns:',
  ): string {
    const parts = keys.map((k, i) => `${i + 1}. ${k.reason}`);
    if (keys.length > 1) parts.unshift(lead);
    if (include.length > 0)
      parts.push(`INCLUDE ${include.join(', ')} so an index-only scan returns them without visiting the table`);
    if (partial) parts.push(partial);
    return parts.join(' ');
  }
}

/** Rule-based candidates for every table of the statement, each named, deduplicated, with notes. */
export function generateCandidates(input: CandidateInput): CandidateSet {
  const taken = new Set(input.takenNames ?? []);
  for (const i of input.catalog.indexes) taken.add(i.name);
  const candidates: IndexCandidate[] = [];
  const notes: AdviceNote[] = [];
  const subqueries = subqueryUsage(input.facts.text);
  for (const usage of relationUsage(input.facts).values()) {
    const rules = new TableRules(input, usage, taken);
    rules.run();
    rules.correlated(subqueries.filter((s) => s.table === usage.table));
    candidates.push(...rules.candidates);
    for (const n of rules.notes) if (!notes.some((m) => m.message === n.message)) notes.push(n);
  }
  return { candidates: candidates.sort((a, b) => b.ruleScore - a.ruleScore), notes };
}
