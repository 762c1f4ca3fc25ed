/**
 * What a statement of the pre-aggregation family is made of (preAggregateForm.ts matches it): the types alone,
 * so the forms built from a match (the page view, the summary table) need not import the matcher.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import type { FromItem } from '../../sql/ast';

/** One aggregate of the child the view stores, under its own column name. */
export interface ViewColumn {
  /** The aggregate as written (`sum(o.total)`), the key that finds it again in the statement. */
  text: string;
  name: string;
  fn: string;
  star: boolean;
  /** The child column the aggregate reads, when its argument is a plain column. */
  argColumn?: string;
}

/** What the statement is made of, as far as pre-aggregation needs. */
export interface PreAggregateMatch {
  stmt: SelectStmt;
  parent: FromItem;
  child: FromItem;
  parentKey: string;
  childKey: string;
  outer: boolean;
  childFilter: Node[];
  parentWhere: Node[];
  columns: ViewColumn[];
  /**
   * The statement is the ORM form (one correlated subquery per column, correlatedForm.ts): the match is of this
   * LEFT JOIN aggregate, which asks the same; the proof runs the statement as written.
   */
  joinForm?: string;
}
