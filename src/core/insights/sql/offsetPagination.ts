import type { SqlRule } from '../insight';

/** From this many skipped rows on, OFFSET is clearly paying to read rows it throws away. */
export const DEEP_OFFSET = 1000;

export const offsetPagination: SqlRule = {
  id: 'offset-pagination',
  kind: 'sql',
  check(statement) {
    const offset = statement.offset;
    if (!offset) return [];
    const value = Number(offset.valueText);
    const isParameter = /^\$\d+$/.test(offset.valueText.trim());
    if (!isParameter && !(Number.isFinite(value) && value >= DEEP_OFFSET)) return [];
    const order = statement.orderBy.map((o) => o.expressionText).join(', ') || '<sort key>';
    return [
      {
        ruleId: 'offset-pagination',
        severity: isParameter ? 'info' : 'warning',
        nodeIds: [],
        title: isParameter
          ? 'OFFSET pagination gets slower with every page'
          : `OFFSET ${offset.valueText} reads and discards ${offset.valueText} rows`,
        explanation:
          'PostgreSQL cannot jump to row N: it produces every skipped row, sorts or reads it through the index, and then throws it away. ' +
          'Page 1,000 costs a thousand times page 1, and rows shift between pages when data changes.',
        suggestion: `Use keyset pagination: remember the last row's sort key and ask for \`WHERE (${order}) > ($last) ORDER BY ${order} LIMIT n\`, with an index on the sort key.`,
        evidence: [
          { label: 'offset', value: isParameter ? offset.valueText : value, unit: isParameter ? undefined : 'rows' },
        ],
        sqlRange: offset.range,
      },
    ];
  },
};
