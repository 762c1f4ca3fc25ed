/**
 * What the advisors found for one statement, kept per statement so that quick fixes (asked for lazily, when
 * the user opens the menu) find it; and the findings the diagnostics show for it. Free of `vscode`.
 */
import type { IndexAdvice, IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import type { Evidence, Insight } from '../../core/insights/insight';
import type { SourceRange } from '../../core/positions';
import {
  indexSuggestionRule,
  queryRewriteRule,
  rewriteInfoRule,
  rewriteWithIndexRule,
} from '../../core/insights/ruleIds';
import { indexDescription, indexFigure, indexReasoningSections } from './indexFix';
import { indexPair, pairFigures, pairTitle, plainIndexes, type IndexPair } from '../../core/report/indexPair';
import { isRewriteFix, rewriteFixTitle, rewriteTimes, whyNotAFix, type AdvisedStatement } from './rewriteFix';
import { preAggregateInsights } from './preAggregateFix';
import { combinationVerdict } from '../../core/report/rewriteReport';
import type { PreAggregateOutcome } from '../../core/pipeline/preAggregateStep';

export interface StatementAdvice {
  statement: AdvisedStatement;
  /** Label of the connection the advice was computed on. */
  connection: string;
  rewrites: Rewrite[];
  indexes?: IndexAdvice;
  /** The values the statement's `$n` ran with, so that a before/after comparison can run it again. */
  params?: unknown[];
  /** Why the rewrite the index advisor chose was not measured together with its index. */
  combinationNote?: string;
  /** Pre-aggregation: the offer (proven, measured faster), or why it was not tried or is not offered. */
  preAggregate?: PreAggregateOutcome;
}

export interface AdviceFinding {
  insight: Insight;
  /** Document offsets. */
  range: SourceRange;
  statement: { text: string; start: number; end: number };
}

/** Keyed by where the statement starts and what it says: any edit of the statement makes its advice stale. */
export class AdviceStore {
  private readonly byStatement = new Map<string, StatementAdvice>();

  set(advice: StatementAdvice): void {
    const k = key(advice.statement.start, advice.statement.text);
    // Re-inserted so that iteration order is the order of the latest advice (`latestFor`).
    this.byStatement.delete(k);
    this.byStatement.set(k, advice);
  }

  /**
   * The latest advice computed for this statement text as the advisors saw it (`$n` form), wherever it sat: what
   * a report of a shown plan takes, the plan carrying no document position.
   */
  latestFor(sql: string): StatementAdvice | undefined {
    const wanted = sameStatement(sql);
    let found: StatementAdvice | undefined;
    for (const advice of this.byStatement.values()) if (sameStatement(advice.statement.sql) === wanted) found = advice;
    return found;
  }

  /** The advice for a statement, only while the document still holds it unchanged at that place. */
  get(statement: { text: string; start: number }, documentText?: string): StatementAdvice | undefined {
    const advice = this.byStatement.get(key(statement.start, statement.text));
    if (!advice) return undefined;
    if (
      documentText !== undefined &&
      documentText.slice(advice.statement.start, advice.statement.end) !== advice.statement.text
    )
      return undefined;
    return advice;
  }

  clear(): void {
    this.byStatement.clear();
  }
}

/** Whitespace and a final semicolon do not make another statement. */
export function sameStatement(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ');
}

function key(start: number, text: string): string {
  return `${start}:${text}`;
}

/** The statement's first word: where advice diagnostics sit, so that all of a statement's advice is at one place. */
export function adviceAnchor(statement: { text: string; start: number }): SourceRange {
  const m = /\S+/.exec(statement.text);
  const at = statement.start + (m?.index ?? 0);
  return { start: at, end: at + Math.max(1, m?.[0].length ?? 1) };
}

function indexInsight(s: IndexSuggestion, rewrites: readonly Rewrite[]): Insight {
  const evidence: Evidence[] = [{ label: 'Index', value: s.candidate.name }];
  if (s.measurement) {
    evidence.push(
      {
        label: s.measurement.beforeTimedOut
          ? 'Measured time without the index (did not finish: at least the statement_timeout)'
          : 'Measured time without the index',
        value: round(s.measurement.timeBeforeMs),
        unit: 'ms',
      },
      { label: 'Measured time with the index', value: round(s.measurement.timeAfterMs), unit: 'ms' },
      { label: 'Index size (measured)', value: Math.round(s.measurement.sizeBytes / 1024), unit: 'kB' },
    );
  }
  if (s.estimate) {
    evidence.push(
      { label: `Estimated cost without (${s.estimate.method})`, value: round(s.estimate.costBefore) },
      { label: `Estimated cost with (${s.estimate.method})`, value: round(s.estimate.costAfter) },
    );
  }
  return {
    ruleId: indexSuggestionRule,
    severity: 'info',
    nodeIds: [],
    title: `Index suggestion: ${indexDescription(s)} — ${indexFigure(s)}`,
    explanation: 'The quick fix opens the DDL and its rollback; nothing is run.',
    // The figures are the evidence below: the sections keep the reasons, costs and warnings.
    details: indexReasoningSections(s, rewrites).filter((x) => x.heading !== 'Figures'),
    code: [
      { caption: 'Create', sql: s.createSql },
      { caption: 'Rollback', sql: s.rollbackSql },
    ],
    evidence,
    advice: { kind: 'index', index: s.candidate.name },
  };
}

/** The indexes that gain only with a rewrite, as one finding: the pair's figures (one baseline), SQL and DDL. */
function pairInsight(pair: IndexPair): Insight {
  const r = pair.rewrite;
  const figures = pairFigures(pair);
  // The joint run's verdict: the fixes follow it (pairAdvice.ts), so the hover says why one is missing.
  const verdict = r.combination ? combinationVerdict(r.combination) : undefined;
  const reasons = pair.indexes.flatMap((s) =>
    indexReasoningSections(s, [r], false).map((x) => ({
      heading: `${s.candidate.name}: ${x.heading}`,
      items: x.items,
    })),
  );
  return {
    ruleId: rewriteWithIndexRule,
    severity: 'info',
    nodeIds: [],
    title: pairTitle(pair),
    explanation: `The index gains only on the rewritten statement, so the two go together: ${r.title}.`,
    details: [
      figures,
      ...(verdict ? [{ heading: 'What to apply', items: [verdict] }] : []),
      { heading: 'Same rows', items: [r.verificationReason, ...r.caveats] },
      ...reasons,
    ],
    code: [
      { caption: 'Rewritten statement', sql: r.rewrittenSql },
      ...pair.indexes.map((s) => ({ caption: 'Create', sql: s.createSql })),
      ...pair.indexes.map((s) => ({ caption: 'Rollback', sql: s.rollbackSql })),
    ],
    evidence: [{ label: 'Verification', value: r.verification }],
    advice: { kind: 'rewrite-with-index', rewrite: r.ref, indexes: pair.indexes.map((s) => s.candidate.name) },
  };
}

function rewriteInsight(r: Rewrite, statement: AdvisedStatement): Insight {
  const fix = isRewriteFix(r, statement);
  // Measured with the index too: that run's times, so the hover shows one time of the statement as written.
  const m = rewriteTimes(r);
  const evidence: Evidence[] = [{ label: 'Verification', value: r.verification }];
  if (m) {
    evidence.push(
      {
        label: `Median time as written (${m.where}${m.together ? ', the run with the index' : ''}${m.before.timedOut ? '; did not finish: at least the statement_timeout' : ''})`,
        value: round(m.before.timeMs),
        unit: 'ms',
      },
      { label: 'Median time rewritten', value: round(m.after.timeMs), unit: 'ms' },
      { label: 'Shared buffers as written / rewritten', value: `${m.before.sharedBuffers} / ${m.after.sharedBuffers}` },
    );
  }
  const details = [{ heading: 'Same rows', items: [r.verificationReason] }];
  if (r.caveats.length > 0) details.push({ heading: 'Caveats', items: r.caveats });
  if (r.findings?.length) details.push({ heading: 'Also found', items: r.findings });
  if (!fix) details.push({ heading: 'Not a fix', items: [whyNotAFix(r, statement)] });
  return {
    ruleId: fix ? queryRewriteRule : rewriteInfoRule,
    severity: 'info',
    nodeIds: [],
    title: fix ? rewriteFixTitle(r) : `Possible rewrite (${r.verification}): ${r.title}`,
    explanation: r.explanation,
    details,
    code: fix ? [] : [{ caption: 'Rewritten', sql: r.rewrittenSql }],
    evidence,
    advice: { kind: 'rewrite', rewrite: r.ref },
  };
}

/**
 * One diagnostic per index suggestion for the statement as written, one for indexes that gain only with a rewrite
 * (the pair), and one per rewrite; all on the statement's first word.
 */
export function adviceFindings(advice: StatementAdvice): AdviceFinding[] {
  const range = adviceAnchor(advice.statement);
  const statement = { text: advice.statement.text, start: advice.statement.start, end: advice.statement.end };
  const suggestions = advice.indexes?.suggestions ?? [];
  const pair = indexPair(suggestions, advice.rewrites);
  const insights = [
    ...plainIndexes(suggestions, advice.rewrites).map((s) => indexInsight(s, advice.rewrites)),
    ...(pair ? [pairInsight(pair)] : []),
    // The pair's rewrite is said with its index, not again on its own unless it is a fix on its own too.
    ...advice.rewrites
      .filter((r) => r !== pair?.rewrite || isRewriteFix(r, advice.statement))
      .map((r) => rewriteInsight(r, advice.statement)),
    ...preAggregateInsights(advice.preAggregate),
  ];
  return insights.map((insight) => ({ insight, range, statement }));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
