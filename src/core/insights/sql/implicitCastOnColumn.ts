import type { Insight, SqlRule } from '../insight';
import { columnText } from './columnText';

const SARGABLE = new Set(['equality', 'range', 'in-list', 'like-prefix', 'inequality']);

export const implicitCastOnColumn: SqlRule = {
  id: 'implicit-cast-on-column',
  kind: 'sql',
  check(statement) {
    const out: Insight[] = [];
    for (const p of statement.predicates) {
      const e = p.expression;
      if (!e?.castTo || e.functionName || e.columns.length !== 1 || !SARGABLE.has(p.kind)) continue;
      const col = columnText(e.columns[0]);
      out.push({
        ruleId: 'implicit-cast-on-column',
        severity: 'warning',
        nodeIds: [],
        title: `Casting ${col} to ${e.castTo} prevents index use`,
        explanation:
          `The comparison converts every value of ${col} to ${e.castTo} before comparing, so an index on ${col} (which holds the original type) cannot be used. ` +
          'The same happens, invisibly, when a parameter of the wrong type forces PostgreSQL to cast the column.',
        suggestion: `Cast the other side to the column's type instead (\`${col} = <value>::<column type>\`), or send parameters with the column's type.`,
        evidence: [
          { label: 'expression', value: e.text },
          { label: 'cast to', value: e.castTo },
        ],
        sqlRange: p.range,
      });
    }
    return out;
  },
};
