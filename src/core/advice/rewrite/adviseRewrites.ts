/**
 * The rewrite advisor's entry point: every rule over the statement's AST, then (with a session) the proof
 * and the measurement. Without a session every rewrite is 'unverified' and never a quick fix.
 */
import type { DatabaseSession } from '../../db/session';
import { loadParser } from '../../sql/parser';
import { rewriteRef, type Rewrite, type RewriteId } from '../rewriteSuggestion';
import { nodeAs, parseSelect, qualifiedName, walkNodes } from '../../sql/ast';
import type { NoMatch, RewriteDraft, RewriteInput, RewriteRule } from './rewriteDraft';
import { resolveOrdinals } from '../../sql/ordinals';
import { readTableShapes, type TableShapes } from '../../db/tableShapes';
import { verifyRewrite, type VerifyOptions } from './verifyRewrite';
import { aggregateBeforeJoin } from './aggregateBeforeJoin';
import { keysetPagination } from './keysetPagination';
import { notInToNotExists } from './notInToNotExists';
import { correlatedSubqueryToJoin } from './correlatedSubqueryToJoin';
import { orToUnionAll } from './orToUnionAll';
import { countToExists } from './countToExists';
import { sargablePredicate } from './sargablePredicate';

export const rewriteRules: RewriteRule[] = [
  aggregateBeforeJoin,
  keysetPagination,
  notInToNotExists,
  correlatedSubqueryToJoin,
  orToUnionAll,
  countToExists,
  sargablePredicate,
];

/** A rule that did not apply, and why (see NoMatch). */
export interface DeclinedRule extends NoMatch {
  id: RewriteId;
}

/** Every rule over the statement: match, then build for those that match; why the others did not. */
export function applyRules(written: RewriteInput): { drafts: RewriteDraft[]; declined: DeclinedRule[] } {
  // The rules read column references: `GROUP BY 1` and `ORDER BY 3` are resolved to what they name first.
  const input = { ...written, parsed: { ...written.parsed, stmt: resolveOrdinals(written.parsed.stmt) } };
  const drafts: RewriteDraft[] = [];
  const declined: DeclinedRule[] = [];
  for (const rule of rewriteRules) {
    const m = rule.match(input);
    if (m.matched) drafts.push(...rule.build(m.match, input));
    else declined.push({ ...m, id: rule.id });
  }
  return { drafts, declined };
}

/**
 * The rule that came closest to applying (met the most of its conditions; the first listed on a tie) and what
 * blocked it; undefined when the statement has none of the rules' shapes, or a rule applies.
 */
export async function closestRule(
  session: DatabaseSession | undefined,
  sql: string,
): Promise<DeclinedRule | undefined> {
  await loadParser();
  const parsed = parseSelect(sql);
  if (!parsed) return undefined;
  const shapes = session ? await readTableShapes(session, tableNames(parsed.stmt)) : undefined;
  const { drafts, declined } = applyRules({ parsed, shapes });
  if (drafts.length > 0) return undefined;
  let best: DeclinedRule | undefined;
  for (const d of declined) if (d.step > 0 && (!best || d.step > best.step)) best = d;
  return best;
}

export interface AdviseRewritesOptions extends VerifyOptions {
  /** Only these rules (by id); default all. */
  only?: string[];
}

/** Table names (as written) anywhere in the statement, subqueries included. */
function tableNames(stmt: unknown): string[] {
  const out: string[] = [];
  walkNodes(stmt, (kind, payload) => {
    if (kind === 'RangeVar') {
      const rv = nodeAs({ RangeVar: payload } as never, 'RangeVar');
      if (rv?.relname) out.push(qualifiedName({ relname: rv.relname, schemaname: rv.schemaname }));
    }
    return true;
  });
  return out;
}

/** Said with every rewrite proven over ties at a page boundary: what may change for the application, and the cure. */
export const tiedPageCaveat =
  'Rows tie on the ORDER BY key at the page boundary: the rewrite may return other rows among the tied ones than the ' +
  'statement does today. SQL leaves that choice open, and the statement as written changes it too when its plan changes ' +
  '(a new index, new statistics). To fix which rows, end the ORDER BY with a unique key, in both.';

export async function adviseRewrites(
  session: DatabaseSession | undefined,
  sql: string,
  options: AdviseRewritesOptions = {},
): Promise<Rewrite[]> {
  await loadParser();
  const parsed = parseSelect(sql);
  if (!parsed) return [];
  let shapes: TableShapes | undefined;
  if (session) shapes = await readTableShapes(session, tableNames(parsed.stmt));
  const drafts: RewriteDraft[] = [];
  drafts.push(...applyRules({ parsed, shapes }).drafts);
  const wanted = options.only ? drafts.filter((d) => options.only?.includes(d.id)) : drafts;
  const out: Rewrite[] = [];
  // Each rewrite's ref: its rule and the how-many-th of that rule (a statement may hold two NOT IN).
  const seen = new Map<RewriteId, number>();
  for (const draft of wanted) {
    const nth = (seen.get(draft.id) ?? 0) + 1;
    seen.set(draft.id, nth);
    const base: Rewrite = {
      id: draft.id,
      ref: rewriteRef(draft.id, nth),
      title: draft.title,
      explanation: draft.explanation,
      originalSql: parsed.text,
      rewrittenSql: draft.rewrittenSql,
      sqlRange: parsed.range,
      caveats: draft.caveats,
      findings: draft.findings,
      newParameters: draft.newParameters,
      verification: draft.knownDifference ? 'not-equivalent' : 'unverified',
      verificationReason: draft.knownDifference ?? 'No database session: neither form was run.',
      quickFix: false,
    };
    if (draft.executableSql && draft.executableSql !== draft.rewrittenSql) base.executableSql = draft.executableSql;
    if (draft.extraParamsQuery) base.extraParamsQuery = draft.extraParamsQuery;
    if (session) {
      const result = await verifyRewrite(session, { ...draft, originalSql: parsed.text }, options);
      Object.assign(base, result);
      if (base.verification === 'equivalent' && base.equivalence?.order === 'boundary-ties')
        base.caveats = [...base.caveats, tiedPageCaveat];
    }
    out.push(base);
  }
  return out;
}
