import type { SqlRule } from '../insight';

export const missingLimit: SqlRule = {
  id: 'missing-limit',
  kind: 'sql',
  check(statement) {
    if (statement.kind !== 'select' || statement.limit || statement.lockingClause) return [];
    const clauses = statement.clauseRanges;
    if (!clauses?.from || clauses.where || clauses.groupBy || clauses.having) return [];
    // A query whose select list aggregates returns one row.
    if (statement.selectList.some((s) => s.aggregate)) return [];
    const tables = statement.relations.filter((r) => r.blockId === 0 && !r.isCte);
    if (tables.length === 0) return [];
    return [
      {
        ruleId: 'missing-limit',
        severity: 'info',
        nodeIds: [],
        title: `Reads all of ${tables.map((t) => t.name).join(', ')} with no WHERE or LIMIT`,
        explanation:
          "Without a filter or a LIMIT the whole table is read and sent to the client. On a large table that is slow and can exhaust the client's memory; " +
          'when you only want to look at the data, a few rows are enough.',
        suggestion: 'Add `LIMIT 100` while exploring, or a WHERE clause for what you need.',
        evidence: [{ label: 'tables', value: tables.map((t) => t.name).join(', ') }],
        sqlRange: clauses.from,
      },
    ];
  },
};
