import type { Insight, SqlRule } from '../insight';
import type { ColumnPredicate } from '../../sql/statementFacts';
import { knownNotImmutable, type NotImmutable } from '../../sql/immutability';
import { columnText, relationOf } from './columnText';

/** Predicate kinds an index could serve if the column were left bare. */
const SARGABLE = new Set(['equality', 'range', 'in-list', 'like-prefix', 'is-null', 'is-not-null']);

/** Whether the text has a comma outside parentheses and quotes (more than one argument). */
function splitTopLevelComma(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (ch === ',' && depth === 0) return true;
  }
  return false;
}

/**
 * `COALESCE(col, d) op v` as `(col IS NULL AND d op v OR col op v)`: the same rows (col null: d decides; else col),
 * and an index on col serves both arms (a BitmapOr). Undefined unless the column is the first argument and the
 * predicate reads `expression op value`.
 */
function coalesceRewrite(p: ColumnPredicate, text: string): string | undefined {
  const e = p.expression;
  const col = e?.columns[0];
  if (!e || !col || e.functionName !== 'coalesce' || (p.kind !== 'equality' && p.kind !== 'range')) return undefined;
  const name = columnText(col);
  const args = /^coalesce\s*\(\s*([\s\S]+?)\s*,\s*([\s\S]+)\)$/i.exec(e.text);
  if (!args || args[1] !== name) return undefined;
  const fallback = splitTopLevelComma(args[2]) ? `COALESCE(${args[2]})` : args[2];
  const whole = text.slice(p.range.start, p.range.end);
  if (!whole.startsWith(e.text)) return undefined;
  const rest = whole.slice(e.text.length).trimStart();
  if (!rest.startsWith(p.operator)) return undefined;
  const value = rest.slice(p.operator.length).trim();
  return (
    `\`(${name} IS NULL AND ${fallback} ${p.operator} ${value} OR ${name} ${p.operator} ${value})\` (simply ` +
    `\`(${name} IS NULL OR ${name} ${p.operator} ${value})\` where \`${fallback} ${p.operator} ${value}\` always holds)`
  );
}

/**
 * The hint when the expression calls functions that are not IMMUTABLE (PostgreSQL refuses them in an index:
 * "functions in index expression must be marked IMMUTABLE"): no expression index, the reason, and a rewrite that
 * leaves the column bare where there is one. `found` comes from pg_proc when a database is at hand.
 */
function notImmutableSuggestion(p: ColumnPredicate, text: string, found: NotImmutable[]): string {
  const e = p.expression;
  const col = e?.columns[0];
  const name = col ? columnText(col) : 'the column';
  const calls = [...new Set(found.map((f) => f.call))].join(', ');
  if (!found.some((f) => f.volatility !== 'unknown'))
    // Immutable on some argument types only (date_trunc on timestamp, not on timestamptz): the index, with the caveat.
    return (
      `${suggestion(p)} Only where ${calls} ${found.length > 1 ? 'are' : 'is'} IMMUTABLE for the column's type: on ` +
      'timestamptz it depends on the TimeZone setting, and PostgreSQL refuses the index ("functions in index ' +
      'expression must be marked IMMUTABLE").'
    );
  const why = `${calls} ${found.length > 1 ? 'are' : 'is'} not IMMUTABLE, so PostgreSQL refuses an index on ${e?.text ?? 'the expression'} ("functions in index expression must be marked IMMUTABLE").`;
  const rewrite = coalesceRewrite(p, text);
  if (rewrite)
    return `${why} Rewrite the condition so ${name} stands alone: ${rewrite}, which an index on ${col?.column ?? name} serves.`;
  return `${why} Compare the bare column instead, with the functions on the other side of the comparison, so an index on ${col?.column ?? name} serves it.`;
}

/**
 * The function-on-column hint for one predicate. `notImmutableCalls`: the expression's calls that are not
 * IMMUTABLE, from pg_proc (sql/immutability.ts notImmutable) when a database is at hand; else the known built-ins.
 */
export function functionOnColumnSuggestion(
  p: ColumnPredicate,
  text: string,
  notImmutableCalls?: NotImmutable[],
): string {
  const e = p.expression;
  const offersIndex = e?.functionName !== undefined && suggestion(p).includes('CREATE INDEX');
  if (!offersIndex || !e) return suggestion(p);
  let found = notImmutableCalls;
  try {
    found ??= knownNotImmutable(e.text);
  } catch {
    // Not parsable alone (a fragment the analysis cut): nothing known against the index.
    found = [];
  }
  return found.length > 0 ? notImmutableSuggestion(p, text, found) : suggestion(p);
}

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
        suggestion: functionOnColumnSuggestion(p, statement.text),
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
