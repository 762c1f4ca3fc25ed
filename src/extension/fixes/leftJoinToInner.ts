/**
 * Fix for `left-join-nullified`: a WHERE condition on the nullable side of a LEFT JOIN throws away the rows the
 * LEFT JOIN kept, so the query already behaves as an inner join. Two honest fixes: say so (`JOIN`), which also
 * frees the planner to pick the join order; or move the condition into `ON` to keep the LEFT JOIN's rows.
 */
import type { CodeFix, CodeFixProvider, FixInput } from './codeFix';
import { identifierValue, lexSql } from '../../core/sql/lexer';

export const leftJoinToInnerFix: CodeFixProvider = {
  ruleIds: ['left-join-nullified'],
  provideFixes(input: FixInput): CodeFix[] {
    const rel = nullableRelationOf(input);
    if (!rel) return [];
    const join = findLeftJoin(input.statement.text, rel);
    if (!join) return [];
    const at = input.statement.start;
    return [
      {
        title: `Write it as an inner JOIN (the WHERE condition on ${rel} already discards unmatched rows)`,
        isPreferred: true,
        edits: [{ range: { start: at + join.keywordStart, end: at + join.keywordEnd }, newText: 'JOIN' }],
      },
    ];
  },
};

/** The alias or table named by the diagnostic: the qualifier of `o.created_at`, else the insight's wording. */
function nullableRelationOf(input: FixInput): string | undefined {
  const text = input.documentText.slice(input.range.start, input.range.end);
  const qualified = /^\s*"?([A-Za-z_][A-Za-z0-9_$]*)"?\s*\.\s*"?[A-Za-z_]/.exec(text);
  if (qualified) return qualified[1];
  const nullable = input.insight.evidence.find((e) => /nullable|relation|alias/i.test(e.label));
  return typeof nullable?.value === 'string' ? nullable.value : undefined;
}

/** The `LEFT [OUTER] JOIN` keyword span whose joined relation is written or aliased as `relation`. */
export function findLeftJoin(
  statementText: string,
  relation: string,
): { keywordStart: number; keywordEnd: number } | undefined {
  const tokens = lexSql(statementText).filter((t) => t.kind !== 'comment');
  const wanted = relation.toLowerCase();
  const name = (i: number): string | undefined => {
    const t = tokens[i];
    if (!t) return undefined;
    if (t.kind === 'word') return t.value;
    if (t.kind === 'quoted-ident') return identifierValue(t, statementText)?.toLowerCase();
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].kind !== 'word' || tokens[i].value !== 'left') continue;
    let j = i + 1;
    if (tokens[j]?.value === 'outer') j++;
    if (tokens[j]?.value !== 'join') continue;
    const keywordEnd = tokens[j].end;
    // schema.table, then an optional [AS] alias that is not the next keyword.
    let k = j + 1;
    let table = name(k);
    while (tokens[k + 1]?.value === '.' && name(k + 2) !== undefined) {
      k += 2;
      table = name(k);
    }
    k++;
    if (tokens[k]?.value === 'as') k++;
    const aliasCandidate = name(k);
    const alias = aliasCandidate && !joinKeywords.has(aliasCandidate) ? aliasCandidate : undefined;
    if (alias === wanted || (alias === undefined && table === wanted)) {
      return { keywordStart: tokens[i].start, keywordEnd };
    }
  }
  return undefined;
}

const joinKeywords = new Set([
  'on',
  'using',
  'where',
  'natural',
  'left',
  'right',
  'inner',
  'full',
  'cross',
  'join',
  'group',
  'order',
  'limit',
]);
