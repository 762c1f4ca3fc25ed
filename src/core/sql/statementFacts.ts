import type { SourceRange } from '../positions';

/**
 * What SQL analysis extracts from one statement, for rules, advisors and plan→SQL mapping.
 * All ranges are 0-based character offsets into the statement's own text (Statement.text).
 */
export type StatementKind =
  'select' | 'insert' | 'update' | 'delete' | 'merge' | 'values' | 'ddl' | 'utility' | 'transaction' | 'copy' | 'other';

export interface RelationRef {
  schema?: string;
  name: string;
  /** The alias as written, if any. */
  alias?: string;
  /** The range of the relation name (and alias) in the FROM clause. */
  range: SourceRange;
  /** True for a CTE reference rather than a table. */
  isCte: boolean;
  /** The query block (SELECT … of the statement, a subquery or CTE) it belongs to; 0 is the outermost. */
  blockId?: number;
}

/** A column as written: `o.user_id` → { qualifier: 'o', column: 'user_id', relation: 'orders' }. */
export interface ColumnRef {
  qualifier?: string;
  column: string;
  /** The relation name the column was resolved to (via alias or a single FROM item), when known. */
  relation?: string;
  range: SourceRange;
}

export type PredicateKind =
  | 'equality'
  | 'range'
  | 'in-list'
  | 'in-subquery'
  | 'not-in-subquery'
  | 'like-prefix'
  | 'like-leading-wildcard'
  | 'is-null'
  | 'is-not-null'
  | 'inequality'
  | 'jsonb-containment'
  | 'full-text'
  | 'other';

export interface ColumnPredicate {
  kind: PredicateKind;
  /** The operator as written ("=", ">=", "LIKE", "IN", "@>", …). */
  operator: string;
  /** The column it constrains, when the column side is a plain column. */
  column?: ColumnRef;
  /** Set when a function or expression wraps the column (`LOWER(email)`, `date(created_at)`, `col + 1`). */
  expression?: {
    text: string;
    functionName?: string;
    columns: ColumnRef[];
    /** The target type when the expression is a cast (`col::text` → 'text'). */
    castTo?: string;
    /**
     * A row of plain columns (`(created_at, id) < ($1, $2)`, keyset pagination): no function hides them, and a
     * B-tree over the columns in that order serves the comparison as one range.
     */
    row?: boolean;
  };
  /** The constant side as SQL text (`'2024-01-01'`, `$1`), when it is a constant or parameter. */
  valueText?: string;
  /** The whole predicate's range. */
  range: SourceRange;
  /** Where it sits: WHERE of the top query, a JOIN … ON, HAVING. */
  clause: 'where' | 'join' | 'having';
  /** The query block it belongs to (see RelationRef.blockId). */
  blockId?: number;
  /** True when it sits under OR or NOT, so it does not on its own filter every row. */
  underOr?: boolean;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

export interface JoinInfo {
  type: JoinType;
  /** Relations on the nullable side (the right of a LEFT JOIN, …), by alias or name as written. */
  nullableRelations: string[];
  /** Equality pairs of the ON clause (`u.id = o.user_id`). */
  keys: Array<{ left: ColumnRef; right: ColumnRef }>;
  /** The ON condition's range, or the JOIN keyword's range for a CROSS/NATURAL join. */
  range: SourceRange;
  /** From the join keywords (`LEFT JOIN`) to the end of the ON/USING clause. */
  clauseRange?: SourceRange;
  /** Relations (alias or name as written) on each side. */
  leftRelations?: string[];
  rightRelations?: string[];
  /** The query block it belongs to (see RelationRef.blockId). */
  blockId?: number;
}

export interface OrderItem {
  expressionText: string;
  column?: ColumnRef;
  descending: boolean;
  nullsFirst?: boolean;
  range: SourceRange;
}

export interface SelectItem {
  text: string;
  alias?: string;
  /** The aggregate function's name when the item is an aggregate call (`count`, `sum`). */
  aggregate?: string;
  columns: ColumnRef[];
  range: SourceRange;
}

/** A subquery that refers to a column of an enclosing query, so it may run once per outer row. */
export interface CorrelatedSubquery extends SourceRange {
  /** scalar `(SELECT …)`, EXISTS, IN/ANY, ALL, ARRAY(…), or another form. */
  sublinkKind?: 'scalar' | 'exists' | 'any' | 'all' | 'array' | 'other';
  clause?: 'select' | 'where' | 'having';
}

/** Ranges of the clauses of the top-level query block. */
export interface ClauseRanges {
  from?: SourceRange;
  where?: SourceRange;
  groupBy?: SourceRange;
  having?: SourceRange;
  orderBy?: SourceRange;
}

export interface StatementFacts {
  kind: StatementKind;
  /** The statement text these offsets refer to. */
  text: string;
  relations: RelationRef[];
  predicates: ColumnPredicate[];
  joins: JoinInfo[];
  selectList: SelectItem[];
  /** Ranges of `*` / `t.*` in the top-level select list. */
  selectStars: SourceRange[];
  groupBy: ColumnRef[];
  orderBy: OrderItem[];
  limit?: { valueText: string; range: SourceRange };
  offset?: { valueText: string; range: SourceRange };
  /** Function names called anywhere in the statement, lower case (`now`, `random`, `nextval`). */
  functionCalls: Array<{ name: string; range: SourceRange }>;
  /** Correlated subqueries in the select list or WHERE. */
  correlatedSubqueries: CorrelatedSubquery[];
  /** `FOR UPDATE` / `FOR SHARE` present. */
  lockingClause: boolean;
  /** `$1`, `$2` … numbers used, ascending; named `:name` placeholders are rewritten before parsing. */
  parameters: number[];
  /** Where the top-level clauses sit, when present. */
  clauseRanges?: ClauseRanges;
}
