import type { SqlRule } from '../insight';
import { columnText } from './columnText';

export const notInSubquery: SqlRule = {
  id: 'not-in-subquery',
  kind: 'sql',
  check(statement) {
    return statement.predicates
      .filter((p) => p.kind === 'not-in-subquery')
      .map((p) => {
        const col = p.column ? columnText(p.column) : (p.expression?.text ?? 'the value');
        return {
          ruleId: 'not-in-subquery',
          severity: 'warning' as const,
          nodeIds: [],
          title: `NOT IN (subquery) on ${col} returns no rows if the subquery yields a NULL`,
          explanation:
            '`x NOT IN (SELECT y …)` is unknown, not true, as soon as one y is NULL, so the whole query silently returns nothing. ' +
            'PostgreSQL also cannot turn it into an anti-join: it either hashes the whole subquery in memory or rescans it for every row.',
          suggestion: `Write it as \`NOT EXISTS (SELECT 1 FROM … WHERE y = ${col})\`: NULL-safe and planned as an anti-join.`,
          evidence: [{ label: 'predicate', value: statement.text.slice(p.range.start, p.range.end) }],
          sqlRange: p.range,
        };
      });
  },
};
