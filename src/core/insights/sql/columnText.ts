import type { ColumnPredicate, ColumnRef } from '../../sql/statementFacts';

/** `o.created_at` as written. */
export function columnText(c: ColumnRef): string {
  return c.qualifier ? `${c.qualifier}.${c.column}` : c.column;
}

/** The relation a predicate's column belongs to, for suggestions ("orders"), or a placeholder. */
export function relationOf(p: ColumnPredicate): string {
  return p.column?.relation ?? p.expression?.columns.find((c) => c.relation)?.relation ?? '<table>';
}
