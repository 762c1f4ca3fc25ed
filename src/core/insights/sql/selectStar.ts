import type { Insight, SqlRule } from '../insight';

export const selectStar: SqlRule = {
  id: 'select-star',
  kind: 'sql',
  check(statement) {
    return statement.selectStars.map((range): Insight => {
      const star = statement.text.slice(range.start, range.end);
      return {
        ruleId: 'select-star',
        severity: 'info',
        nodeIds: [],
        title: `${star} returns every column`,
        explanation:
          'SELECT * reads and sends every column, including wide ones (text, jsonb, bytea) the caller may not use. ' +
          'It also prevents index-only scans, since no index holds all columns, and silently changes the result when a column is added.',
        suggestion: 'List only the columns the caller needs.',
        evidence: [{ label: 'select list', value: star }],
        sqlRange: range,
      };
    });
  },
};
