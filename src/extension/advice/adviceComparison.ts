/**
 * "Compare before/after" for a suggestion: the code action that opens the plan view's compare mode with the plan
 * of the statement as it is and the plan with the index (the advisor's measured plans) or rewritten (both forms
 * explained again on the connection: rewriteComparison.ts). Plain data and pure functions, free of `vscode`.
 */
import { rewriteOf, type IndexSuggestion } from '../../core/advice/indexSuggestion';
import { rewriteIds, type Rewrite, type RewriteRef } from '../../core/advice/rewriteSuggestion';
import type { Plan } from '../../core/plan/planNode';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { AdviceComparePayload } from '../commandTable';
import type { CodeFix } from '../fixes/codeFix';
import type { ComparisonLabels } from '../history/comparison';
import type { StatementAdvice } from './statementAdvice';

/** The command the compare actions run; with this payload it compares a suggestion instead of asking. */
export const compareCommandId = 'pgTuner.comparePlans';

// What a compare action carries is an argument type of the command table (so code fixes' commands are typed).
export type { AdviceComparePayload } from '../commandTable';

/** `aggregate-before-join#1`: a rule id and a count. */
export function isRewriteRef(value: unknown): value is RewriteRef {
  if (typeof value !== 'string') return false;
  const m = /^(.+)#([1-9]\d*)$/.exec(value);
  return m !== null && (rewriteIds as readonly string[]).includes(m[1]);
}

export function isAdviceComparePayload(value: unknown): value is AdviceComparePayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.statementStart !== 'number' || typeof v.statementText !== 'string') return false;
  return (
    (v.kind === 'advice-index' && typeof v.index === 'string') ||
    (v.kind === 'advice-rewrite' && isRewriteRef(v.rewrite))
  );
}

/** An index suggestion can be compared when the advisor kept both plans. */
export function comparableIndex(s: IndexSuggestion): s is IndexSuggestion & { planBefore: Plan; planAfter: Plan } {
  return s.planBefore !== undefined && s.planAfter !== undefined;
}

/** A rewrite can be compared when it returns the same rows and runs with the statement's own parameters. */
export function comparableRewrite(r: Rewrite): boolean {
  return r.verification === 'equivalent' && (r.newParameters?.length ?? 0) === 0;
}

function where(advice: StatementAdvice): { statementStart: number; statementText: string } {
  return { statementStart: advice.statement.start, statementText: advice.statement.text };
}

/** An index that gains only with a rewrite: its comparison explains the statement as it is again. */
export function comparesWithRewrite(s: IndexSuggestion): boolean {
  return s.appliesTo.kind === 'rewrite';
}

export function indexCompareFix(advice: StatementAdvice, s: IndexSuggestion): CodeFix {
  const how = s.measurement ? 'measured plans' : 'estimated plans';
  const rewritten = rewriteOf(s.appliesTo, advice.rewrites);
  return {
    title: rewritten
      ? `Compare before/after: as it is ↔ ${rewritten.title} with ${s.candidate.name} (runs the statement, read-only)`
      : `Compare before/after: as it is ↔ with ${s.candidate.name} (${how})`,
    command: {
      id: compareCommandId,
      arguments: [{ ...where(advice), kind: 'advice-index', index: s.candidate.name } satisfies AdviceComparePayload],
    },
  };
}

export function rewriteCompareFix(advice: StatementAdvice, r: Rewrite): CodeFix {
  return {
    title: `Compare before/after: as written ↔ ${r.title} (runs both, read-only)`,
    command: {
      id: compareCommandId,
      arguments: [{ ...where(advice), kind: 'advice-rewrite', rewrite: r.ref } satisfies AdviceComparePayload],
    },
  };
}

/** Every compare action the advice offers: indexes with both plans, then rewrites that return the same rows. */
export function adviceCompareFixes(advice: StatementAdvice): CodeFix[] {
  const fixes = (advice.indexes?.suggestions ?? []).filter(comparableIndex).map((s) => indexCompareFix(advice, s));
  for (const r of advice.rewrites) if (comparableRewrite(r)) fixes.push(rewriteCompareFix(advice, r));
  return fixes;
}

/**
 * What the compare view shows for an index, labelled with how each side was obtained: on the left always the
 * statement as it is, on the right with the index. For an index on the statement as written both are the
 * advisor's plans; for an index that gains only with a rewrite the left is `asItIs` (the statement explained again,
 * see rewriteComparison.ts: the advisor kept only the rewritten form's plans) and the right the rewrite with the
 * index.
 */
export function indexComparison(
  advice: StatementAdvice,
  s: IndexSuggestion & { planBefore: Plan; planAfter: Plan },
  asItIs?: TuningResult,
): { before: TuningResult; after: TuningResult; labels: ComparisonLabels } {
  const asResult = (plan: Plan, sql: string): TuningResult => ({
    sql,
    plan,
    insights: [],
    nodeRanges: {},
    rawPlan: '',
  });
  const rewritten = rewriteOf(s.appliesTo, advice.rewrites);
  const how = s.measurement
    ? `EXPLAIN ANALYZE with the index built in a rolled-back transaction on ${s.measurement.where}`
    : `estimated (${s.estimate?.method === 'hypopg' ? 'HypoPG hypothetical index' : 'planner'}) on ${advice.connection}`;
  if (rewritten) {
    if (!asItIs) throw new Error('An index that goes with a rewrite is compared with the statement as it is.');
    return {
      before: asItIs,
      after: asResult(s.planAfter, rewritten.rewrittenSql),
      labels: {
        title: `${rewritten.title} with ${s.candidate.name}: as it is (EXPLAIN ANALYZE on ${advice.connection}) ↔ ${how}`,
        before: 'as it is',
        after: `${rewritten.title}, with ${s.candidate.name}`,
      },
    };
  }
  return {
    before: asResult(s.planBefore, advice.statement.sql),
    after: asResult(s.planAfter, advice.statement.sql),
    labels: { title: `${s.candidate.name}: ${how}`, before: 'as it is', after: `with ${s.candidate.name}` },
  };
}

export function rewriteComparisonLabels(r: Rewrite, where: string): ComparisonLabels {
  return { title: `${r.title}: both forms explained (ANALYZE) on ${where}`, before: 'as written', after: 'rewritten' };
}
