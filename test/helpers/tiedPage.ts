/**
 * The family harnesses' own check of a rewrite proven over ties at a page boundary (the proof's 'boundary-ties'):
 * written apart from verifyRewrite so that a wrong proof is caught. The rewrite's page must hold as many rows as
 * the original's, each of them a row the original returns once its page cut (LIMIT / OFFSET / FETCH) is taken
 * away, no more often than there: any other row is one no ordering of the original's rows could put on the page.
 */
import type { PgSession } from '../../src/core/db/pgSession';
import { clone, exprToSql, parseSelect, wrap } from '../../src/core/sql/ast';

/** Why the page is not one the original may return, or undefined when it is. */
export async function tiedPageProblem(
  session: PgSession,
  originalSql: string,
  rewrittenSql: string,
  params: unknown[] = [],
  rewriteParams: unknown[] = params,
): Promise<string | undefined> {
  const parsed = parseSelect(originalSql);
  if (!parsed) return 'the original is no SELECT';
  const stmt = clone(parsed.stmt);
  // Literal page bounds only (the families' tie variants): a $n left in the cut would go untyped without it.
  if (JSON.stringify([stmt.limitCount, stmt.limitOffset]).includes('"ParamRef"'))
    return 'the page bounds are parameters: not checked here';
  delete stmt.limitCount;
  delete stmt.limitOffset;
  delete stmt.limitOption;
  const text = (rows: Array<Record<string, unknown>>): string[] => rows.map((r) => JSON.stringify(Object.values(r)));
  const page = text(await session.query(originalSql, params));
  const pool = text(await session.query(exprToSql(wrap('SelectStmt', stmt)), params));
  const theirs = text(await session.query(rewrittenSql, rewriteParams));
  if (theirs.length !== page.length)
    return `the original's page has ${page.length} rows, the rewrite's ${theirs.length}`;
  const left = new Map<string, number>();
  for (const row of pool) left.set(row, (left.get(row) ?? 0) + 1);
  for (const row of theirs) {
    const n = left.get(row) ?? 0;
    if (n === 0) return `the rewrite returns ${row}, which the original returns nowhere (or less often)`;
    left.set(row, n - 1);
  }
  return undefined;
}
