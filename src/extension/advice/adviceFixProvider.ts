/**
 * The advisors' quick fixes, plugged into the fix registry: an index suggestion opens its DDL and rollback
 * (through `pgTuner.applyIndexSuggestion`, which picks an untitled editor or the migration folder), a verified
 * and faster rewrite replaces the statement. Each index with its plans and each rewrite that returns the same
 * rows also offers "Compare before/after" (the plan view's compare mode); unverified or not-equivalent rewrites
 * offer nothing.
 */
import type { IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { CodeFix, CodeFixProvider, FixInput } from '../fixes/codeFix';
import { comparableIndex, comparableRewrite, indexCompareFix, rewriteCompareFix } from './adviceComparison';
import { indexSuggestionRule, queryRewriteRule, rewriteInfoRule } from './adviceRules';
import { indexDdlDocument, indexFixTitle } from './indexFix';
import { isRewriteFix, rewriteFix } from './rewriteFix';
import { indexEvidenceLabel, type AdviceStore, type StatementAdvice } from './statementAdvice';

/** What `pgTuner.applyIndexSuggestion` receives: both documents ready, plain data. */
export interface IndexDdlPayload {
  indexName: string;
  title: string;
  untitled: string;
  migration: string;
}

export function indexFix(s: IndexSuggestion, statementText: string, isPreferred: boolean): CodeFix {
  const payload: IndexDdlPayload = {
    indexName: s.candidate.name,
    title: indexFixTitle(s),
    untitled: indexDdlDocument(s, statementText, 'untitled'),
    migration: indexDdlDocument(s, statementText, 'migration'),
  };
  return { title: payload.title, isPreferred, command: { id: 'pgTuner.applyIndexSuggestion', arguments: [payload] } };
}

/** Every fix the advice offers for a statement, in order: indexes (most gain first), then rewrites. */
export function adviceFixes(advice: StatementAdvice): CodeFix[] {
  const fixes: CodeFix[] = [];
  (advice.indexes?.suggestions ?? []).forEach((s, i) => fixes.push(indexFix(s, advice.statement.text, i === 0)));
  for (const r of advice.rewrites)
    if (isRewriteFix(r, advice.statement)) fixes.push(rewriteFix(r, advice.statement, false));
  return fixes;
}

export function adviceFixProvider(store: AdviceStore): CodeFixProvider {
  return {
    ruleIds: [indexSuggestionRule, queryRewriteRule, rewriteInfoRule],
    provideFixes(input: FixInput): CodeFix[] {
      const advice = store.get(input.statement, input.documentText);
      if (!advice) return [];
      if (input.ruleId === indexSuggestionRule) {
        const name = input.insight.evidence.find((e) => e.label === indexEvidenceLabel)?.value;
        const suggestions = advice.indexes?.suggestions ?? [];
        const i = suggestions.findIndex((s) => s.candidate.name === name);
        if (i < 0) return [];
        const s = suggestions[i];
        return [
          indexFix(s, advice.statement.text, i === 0),
          ...(comparableIndex(s) ? [indexCompareFix(advice, s)] : []),
        ];
      }
      const rewrite = advice.rewrites.find((r) => input.insight.title.includes(r.title));
      if (!rewrite) return [];
      const fixes: CodeFix[] = [];
      if (input.ruleId === queryRewriteRule && isRewriteFix(rewrite, advice.statement))
        fixes.push(rewriteFix(rewrite, advice.statement, false));
      if (comparableRewrite(rewrite)) fixes.push(rewriteCompareFix(advice, rewrite));
      return fixes;
    },
  };
}
