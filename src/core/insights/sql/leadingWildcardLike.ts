import type { SqlRule } from '../insight';
import { columnText, relationOf } from './columnText';

export const leadingWildcardLike: SqlRule = {
  id: 'leading-wildcard-like',
  kind: 'sql',
  check(statement) {
    return statement.predicates
      .filter((p) => p.kind === 'like-leading-wildcard')
      .map((p) => {
        const col = p.column ? columnText(p.column) : (p.expression?.text ?? 'the column');
        const bare = p.column?.column ?? col;
        return {
          ruleId: 'leading-wildcard-like',
          severity: 'warning' as const,
          nodeIds: [],
          title: `${p.operator} ${p.valueText ?? ''} on ${col} cannot use a B-tree index`.replace(/\s+/g, ' '),
          explanation:
            'A pattern that starts with % or _ can match anywhere, so a B-tree index (ordered by the leading characters) cannot narrow the search: ' +
            'every row is read and tested.',
          suggestion: `If the search must match inside the text, add a trigram index: \`CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE INDEX CONCURRENTLY ON ${relationOf(p)} USING gin (${bare} gin_trgm_ops);\`, or use full-text search for words.`,
          evidence: [{ label: 'pattern', value: p.valueText ?? statement.text.slice(p.range.start, p.range.end) }],
          sqlRange: p.range,
        };
      });
  },
};
