import type { SqlRule } from '../insight';

export const correlatedSubquery: SqlRule = {
  id: 'correlated-subquery',
  kind: 'sql',
  check(statement) {
    // EXISTS / IN subqueries are planned as semi- or anti-joins; scalar and ARRAY subqueries run once per row.
    return statement.correlatedSubqueries
      .filter((s) => s.sublinkKind === 'scalar' || s.sublinkKind === 'array')
      .map((s) => {
        const text = statement.text.slice(s.start, s.end);
        const where = s.clause === 'select' ? 'select list' : (s.clause ?? 'where').toUpperCase();
        return {
          ruleId: 'correlated-subquery',
          severity: 'warning' as const,
          nodeIds: [],
          title: `Correlated subquery in the ${where} runs once per row`,
          explanation:
            'The subquery refers to a column of the outer query, so PostgreSQL runs it again for every outer row (a SubPlan). ' +
            'With thousands of rows that is thousands of lookups, and each one is slow without an index on the inner column.',
          suggestion:
            'Compute it once for all rows: join a grouped subquery (`LEFT JOIN (SELECT key, count(*) … GROUP BY key) s ON s.key = outer.key`) or use `LEFT JOIN LATERAL`; at least index the column the subquery filters on.',
          evidence: [{ label: 'subquery', value: text.length > 80 ? `${text.slice(0, 77)}...` : text }],
          sqlRange: { start: s.start, end: s.end },
        };
      });
  },
};
