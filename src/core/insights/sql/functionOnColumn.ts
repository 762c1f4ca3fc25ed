import type { Insight, SqlRule } from '../insight';
import type { ColumnPredicate } from '../../sql/statementFacts';
import { columnText, relationOf } from './columnText';

/** Predicate kinds an index could serve if the column were left bare. */
const SARGABLE = new Set(['equality', 'range', 'in-list', 'like-prefix', 'is-null', 'is-not-null']);

function suggestion(p: ColumnPredicate): string {
  const e = p.expression;
  const col = e?.columns[0];
  const name = col ? columnText(col) : 'the column';
  const served = `which an index on ${col?.column ?? 'it'} can serve`;
  if (e?.functionName === 'date') {
    return `Compare the bare column with a range instead: \`${name} >= <day> AND ${name} < <day> + 1\`, ${served}.`;
  }
  if (e?.functionName === 'date_trunc') {
    const unit = /date_trunc\s*\(\s*'(\w+)'/i.exec(e.text)?.[1]?.toLowerCase() ?? 'day';
    return `Compare the bare column with the period instead: \`${name} >= <start> AND ${name} < <start> + interval '1 ${unit}'\`, ${served}.`;
  }
  if (e?.functionName === 'to_char' && /'YYYY(-MM(-DD)?)?'/.test(e.text)) {
    const unit = /'YYYY-MM-DD'/.test(e.text) ? 'day' : /'YYYY-MM'/.test(e.text) ? 'month' : 'year';
    return `Compare the bare column with the ${unit} that text names instead: \`${name} >= <first day> AND ${name} < <first day> + interval '1 ${unit}'\`, ${served}.`;
  }
  if ((e?.functionName === 'extract' || e?.functionName === 'date_part') && /\byear\b/i.test(e.text)) {
    return `Compare the bare column with the year's dates instead: \`${name} >= date '<year>-01-01' AND ${name} < date '<year + 1>-01-01'\`, ${served}.`;
  }
  if (!e?.functionName) {
    return `Move the arithmetic to the other side (\`${name} = <value> - 1\` instead of \`${name} + 1 = <value>\`) so the column stands alone.`;
  }
  return `Either compare the bare column, or index the expression itself: \`CREATE INDEX CONCURRENTLY ON ${relationOf(p)} ((${e.text}));\`.`;
}

export const functionOnColumn: SqlRule = {
  id: 'function-on-column',
  kind: 'sql',
  check(statement) {
    const out: Insight[] = [];
    for (const p of statement.predicates) {
      const e = p.expression;
      // A bare cast is the implicit-cast rule's business. A row of bare columns (`(created_at, id) < (…)`, keyset
      // pagination) hides none of them: a B-tree on the columns in that order serves it.
      if (!e || !SARGABLE.has(p.kind) || (e.castTo && !e.functionName) || e.row) continue;
      out.push({
        ruleId: 'function-on-column',
        severity: 'warning',
        nodeIds: [],
        title: `${e.text} in ${p.clause.toUpperCase()} hides ${e.columns.map(columnText).join(', ')} from its index`,
        explanation:
          "An index stores the column's values, not the result of a function or arithmetic on them. " +
          `When the predicate wraps the column (${e.text}), PostgreSQL must compute it for every row, so a plain index on the column is not used.`,
        suggestion: suggestion(p),
        evidence: [
          { label: 'expression', value: e.text },
          ...(e.functionName ? [{ label: 'function', value: e.functionName }] : []),
        ],
        sqlRange: p.range,
      });
    }
    return out;
  },
};
