import type { Insight, SqlRule } from '../insight';

export const orderByRandom: SqlRule = {
  id: 'order-by-random',
  kind: 'sql',
  check(statement) {
    const out: Insight[] = [];
    for (const item of statement.orderBy) {
      const random = statement.functionCalls.find(
        (f) => f.name === 'random' && f.range.start >= item.range.start && f.range.end <= item.range.end,
      );
      if (!random) continue;
      out.push({
        ruleId: 'order-by-random',
        severity: 'warning',
        nodeIds: [],
        title: 'ORDER BY random() sorts the whole result to pick a few rows',
        explanation:
          'Every qualifying row gets a random number and the full set is sorted, even with LIMIT 1: the cost grows with the table, not with the rows returned.',
        suggestion:
          'For a sample, use `TABLESAMPLE SYSTEM (percent)` or `TABLESAMPLE BERNOULLI`; for one random row, pick a random key in the id range and take the first row `>=` it.',
        evidence: [
          { label: 'order by', value: item.expressionText },
          ...(statement.limit ? [{ label: 'limit', value: statement.limit.valueText }] : []),
        ],
        sqlRange: item.range,
      });
    }
    return out;
  },
};
