import type { Insight, SqlRule } from '../insight';
import type { ColumnPredicate, ColumnRef, JoinInfo } from '../../sql/statementFacts';
import { columnText } from './columnText';

/** Predicate kinds that are never true for NULL, so they drop the NULL-extended rows of an outer join. */
const NULL_REJECTING = new Set([
  'equality',
  'range',
  'in-list',
  'in-subquery',
  'not-in-subquery',
  'like-prefix',
  'like-leading-wildcard',
  'is-not-null',
  'inequality',
  'jsonb-containment',
  'full-text',
]);

/** Functions that return a value for NULL input, so wrapping the column keeps NULL rows possible. */
const NULL_TOLERANT_FUNCTIONS = new Set(['coalesce', 'nullif', 'concat', 'concat_ws', 'greatest', 'least', 'row']);

function nullableColumn(p: ColumnPredicate, join: JoinInfo): ColumnRef | undefined {
  const cols = p.column ? [p.column] : (p.expression?.columns ?? []);
  if (p.expression?.functionName && NULL_TOLERANT_FUNCTIONS.has(p.expression.functionName)) return undefined;
  return cols.find((c) => {
    if (c.qualifier) return join.nullableRelations.includes(c.qualifier);
    return c.relation !== undefined && join.nullableRelations.includes(c.relation);
  });
}

export const leftJoinNullified: SqlRule = {
  id: 'left-join-nullified',
  kind: 'sql',
  check(statement) {
    const out: Insight[] = [];
    for (const join of statement.joins) {
      if (join.type !== 'left' && join.type !== 'right' && join.type !== 'full') continue;
      for (const p of statement.predicates) {
        if (p.clause !== 'where' || p.underOr || p.blockId !== join.blockId || !NULL_REJECTING.has(p.kind)) continue;
        const col = nullableColumn(p, join);
        if (!col) continue;
        const kind = join.type.toUpperCase();
        const predicate = statement.text.slice(p.range.start, p.range.end);
        out.push({
          ruleId: 'left-join-nullified',
          severity: 'warning',
          nodeIds: [],
          title: `WHERE ${predicate} turns the ${kind} JOIN into ${join.type === 'full' ? 'a one-sided outer join' : 'an inner join'}`,
          explanation:
            `A ${kind} JOIN keeps rows with no match and fills ${col.qualifier ?? col.relation}'s columns with NULL. ` +
            `The WHERE condition on ${columnText(col)} is never true for NULL, so exactly those rows are removed: the query behaves as if that side were required, ` +
            'which is probably not what was meant (and the planner treats it as one).',
          suggestion:
            `If rows without a match should stay, move the condition into the join: \`… JOIN … ON … AND ${predicate}\`. ` +
            `If they should not, write \`JOIN\` instead of \`${kind} JOIN\` to say so.`,
          evidence: [
            { label: 'join', value: `${kind} JOIN, nullable side ${join.nullableRelations.join(', ')}` },
            { label: 'predicate', value: predicate },
          ],
          sqlRange: p.range,
        });
      }
    }
    return out;
  },
};
