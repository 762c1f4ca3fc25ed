import type { Insight, SqlRule } from './insight';
import type { SourceRange } from '../positions';
import { shiftRange } from '../positions';
import type { StatementFacts } from '../sql/statementFacts';
import { analyseStatement } from '../sql/analyseStatement';
import { rewriteNamedParameters } from '../sql/namedParameters';
import { splitStatements } from '../sql/splitStatements';
import { TunerError } from '../errors';
import { syntaxErrorRule } from './ruleIds';
import { selectStar } from './sql/selectStar';
import { offsetPagination } from './sql/offsetPagination';
import { notInSubquery } from './sql/notInSubquery';
import { leadingWildcardLike } from './sql/leadingWildcardLike';
import { functionOnColumn } from './sql/functionOnColumn';
import { implicitCastOnColumn } from './sql/implicitCastOnColumn';
import { orderByRandom } from './sql/orderByRandom';
import { missingLimit } from './sql/missingLimit';
import { correlatedSubquery } from './sql/correlatedSubquery';
import { leftJoinNullified } from './sql/leftJoinNullified';

export const sqlRules: SqlRule[] = [
  leftJoinNullified,
  notInSubquery,
  functionOnColumn,
  implicitCastOnColumn,
  leadingWildcardLike,
  correlatedSubquery,
  offsetPagination,
  orderByRandom,
  selectStar,
  missingLimit,
];

export function runSqlRules(facts: StatementFacts): Insight[] {
  return sqlRules.flatMap((rule) => rule.check(facts));
}

type Analysed =
  { ok: true; insights: Array<Insight & { sqlRange: SourceRange }> } | { ok: false; message: string; offset: number };

/**
 * Results per statement text. The editor re-checks the whole document on every keystroke, but usually only
 * one statement changed; parsing is the expensive part, so unchanged statements cost a map lookup.
 */
const cache = new Map<string, Analysed>();
const CACHE_LIMIT = 2000;

function analyse(text: string): Analysed {
  const cached = cache.get(text);
  if (cached) return cached;
  let result: Analysed;
  // `:name` placeholders are not SQL; parse the $n form and map the ranges back.
  const rewrite = text.includes(':') ? rewriteNamedParameters(text) : undefined;
  const sql = rewrite && rewrite.replacements.length > 0 ? rewrite : undefined;
  const back = (offset: number): number => (sql ? sql.toOriginal(offset) : offset);
  try {
    const facts = analyseStatement(sql ? sql.text : text);
    const insights = runSqlRules(facts).map((i) => {
      const r = i.sqlRange ?? { start: 0, end: facts.text.length };
      return { ...i, sqlRange: { start: back(r.start), end: back(r.end) } };
    });
    result = { ok: true, insights };
  } catch (err) {
    if (!(err instanceof TunerError) || err.reason !== 'syntax-error') throw err;
    result = { ok: false, message: err.message, offset: back(err.detail.offset ?? 0) };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(text, result);
  return result;
}

/** The end of the token at `offset` (at least one character), for underlining a syntax error. */
function errorEnd(text: string, offset: number): number {
  const m = /^[\p{L}\p{N}_$]+|^\S/u.exec(text.slice(offset));
  return Math.min(text.length, offset + (m ? m[0].length : 1));
}

/**
 * Every SQL rule over every statement of a document, ranges in document offsets. A statement that does not
 * parse yields one 'syntax-error' insight at the error and does not stop the others. Needs loadParser().
 */
export function checkSqlDocument(text: string): Array<Insight & { sqlRange: SourceRange }> {
  const out: Array<Insight & { sqlRange: SourceRange }> = [];
  for (const statement of splitStatements(text)) {
    const result = analyse(statement.text);
    if (result.ok) {
      for (const i of result.insights) out.push({ ...i, sqlRange: shiftRange(i.sqlRange, statement.start) });
      continue;
    }
    const start = statement.start + Math.min(result.offset, statement.text.length);
    out.push({
      ruleId: syntaxErrorRule,
      severity: 'critical',
      nodeIds: [],
      title: `Syntax error: ${result.message}`,
      explanation: 'PostgreSQL cannot parse this statement, so it cannot be explained or checked.',
      evidence: [{ label: 'error', value: result.message }],
      sqlRange: { start, end: Math.max(start + 1, Math.min(statement.end, errorEnd(text, start))) },
    });
  }
  return out;
}
