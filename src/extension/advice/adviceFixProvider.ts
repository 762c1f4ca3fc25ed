/**
 * The advisors' quick fixes, plugged into the fix registry: an index suggestion opens its DDL and rollback
 * (through `pgTuner.applyIndexSuggestion`, which picks an untitled editor or the migration folder), a verified
 * and faster rewrite replaces the statement. Each index with its plans and each rewrite that returns the same
 * rows also offers "Compare before/after" (the plan view's compare mode); unverified or not-equivalent rewrites
 * offer nothing.
 */
import type { IndexSuggestion } from '../../core/advice/indexSuggestion';
import { rewriteByRef, type Rewrite } from '../../core/advice/rewriteSuggestion';
import type { IndexDdlPayload } from '../commandTable';
import type { CodeFix, CodeFixProvider, FixInput } from '../fixes/codeFix';
import { comparableIndex, comparableRewrite, indexCompareFix, rewriteCompareFix } from './adviceComparison';
import {
  indexSuggestionRule,
  preAggregateRule,
  queryRewriteRule,
  rewriteWithIndexRule,
  statementAdviceRuleIds,
} from '../../core/insights/ruleIds';
import { indexPair, plainIndexes } from '../../core/report/indexPair';
import { pairFixes } from './pairAdvice';
import { statementChoice } from '../../core/advice/rewrite/combinationChoice';
import { indexDdlDocument, indexFixTitle } from './indexFix';
import { isRewriteFix, rewriteFix } from './rewriteFix';
import { preAggregateFixes } from './preAggregateFix';
import type { AdviceStore, StatementAdvice } from './statementAdvice';

// What the index fix's command receives is an argument type of the command table.
export type { IndexDdlPayload } from '../commandTable';

export function indexFix(
  s: IndexSuggestion,
  statementText: string,
  isPreferred: boolean,
  rewrites: readonly Rewrite[] = [],
): CodeFix {
  const payload: IndexDdlPayload = {
    indexName: s.candidate.name,
    title: indexFixTitle(s),
    untitled: indexDdlDocument(s, statementText, 'untitled', rewrites),
    migration: indexDdlDocument(s, statementText, 'migration', rewrites),
  };
  return { title: payload.title, isPreferred, command: { id: 'pgTuner.applyIndexSuggestion', arguments: [payload] } };
}

/**
 * Every fix the advice offers for a statement, in order: indexes for the statement as written (most gain first),
 * the indexes that gain only with a rewrite as one fix with it, then rewrites. A rewrite and an index measured
 * together decide which fix is preferred and whether the pair's index is offered (combinationChoice).
 */
export function adviceFixes(advice: StatementAdvice): CodeFix[] {
  const fixes: CodeFix[] = [];
  const suggestions = advice.indexes?.suggestions ?? [];
  // Measured with the index on the statement as written: where the index adds nothing on top of the rewrite
  // (or nothing at all), the rewrite is the fix to pick, the index there for a statement that cannot change.
  const joint = statementChoice(advice.rewrites);
  const rewriteFirst = joint && (joint.choice.apply === 'rewrite' || joint.choice.apply === 'neither');
  plainIndexes(suggestions, advice.rewrites).forEach((s, i) =>
    fixes.push(indexFix(s, advice.statement.text, i === 0 && !rewriteFirst, advice.rewrites)),
  );
  const pair = indexPair(suggestions, advice.rewrites);
  if (pair) fixes.push(...pairFixes(pair, advice.statement, fixes.length === 0));
  for (const r of advice.rewrites) {
    // The pair's own fixes already hold its rewrite when the joint run said to apply it alone.
    const inPair = r === pair?.rewrite && joint?.rewrite === r && joint.choice.apply === 'rewrite';
    if (!isRewriteFix(r, advice.statement) || inPair) continue;
    fixes.push(rewriteFix(r, advice.statement, joint?.rewrite === r && joint.choice.apply === 'rewrite'));
  }
  fixes.push(...preAggregateFixes(advice.preAggregate, advice.statement));
  return fixes;
}

export function adviceFixProvider(store: AdviceStore): CodeFixProvider {
  return {
    ruleIds: statementAdviceRuleIds,
    provideFixes(input: FixInput): CodeFix[] {
      const advice = store.get(input.statement, input.documentText);
      if (!advice) return [];
      // The finding names its advice by id (index name, rewrite ref): a reworded title changes nothing here.
      const ref = input.insight.advice;
      if (input.ruleId === indexSuggestionRule && ref?.kind === 'index') {
        const suggestions = advice.indexes?.suggestions ?? [];
        const i = suggestions.findIndex((s) => s.candidate.name === ref.index);
        if (i < 0) return [];
        const s = suggestions[i];
        return [
          indexFix(s, advice.statement.text, i === 0, advice.rewrites),
          ...(comparableIndex(s) ? [indexCompareFix(advice, s)] : []),
        ];
      }
      if (input.ruleId === rewriteWithIndexRule && ref?.kind === 'rewrite-with-index') {
        const pair = indexPair(advice.indexes?.suggestions ?? [], advice.rewrites);
        if (!pair || pair.rewrite.ref !== ref.rewrite) return [];
        return [
          ...pairFixes(pair, advice.statement, true),
          ...pair.indexes.filter(comparableIndex).map((s) => indexCompareFix(advice, s)),
        ];
      }
      if (input.ruleId === preAggregateRule && ref?.kind === 'pre-aggregate')
        return preAggregateFixes(advice.preAggregate, advice.statement, true, ref.form);
      if (ref?.kind !== 'rewrite') return [];
      const rewrite = rewriteByRef(advice.rewrites, ref.rewrite);
      if (!rewrite) return [];
      const fixes: CodeFix[] = [];
      if (input.ruleId === queryRewriteRule && isRewriteFix(rewrite, advice.statement))
        fixes.push(rewriteFix(rewrite, advice.statement, false));
      if (comparableRewrite(rewrite)) fixes.push(rewriteCompareFix(advice, rewrite));
      return fixes;
    },
  };
}
