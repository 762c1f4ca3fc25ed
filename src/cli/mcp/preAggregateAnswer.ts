/**
 * The pre-aggregation part of the agent's rewrite tool: each offer with its trade-off in one line (and the whole
 * advice: DDL, refresh or write cost, the query over the summary, the rollback, the proof), and why anything else
 * is not offered or was not tried. The DDL is text for the user; nothing is created.
 */
import { preAggregateLines } from '../../core/advice/preAggregate/preAggregateText';
import { notOfTheFamily, offeredPreAggregates, type PreAggregateOutcome } from '../../core/pipeline/preAggregateStep';

export interface PreAggregateAnswer {
  structured: Record<string, unknown>;
  /** Lines for the tool's summary; none for a statement outside the family (said in `structured`). */
  lines: string[];
}

export function preAggregateAnswer(outcome: PreAggregateOutcome): PreAggregateAnswer {
  const offers = offeredPreAggregates(outcome);
  const structured: Record<string, unknown> = {
    offers: offers.map((a) => ({ tradeOff: a.summary, text: preAggregateLines(a).join('\n'), advice: a })),
    ...(outcome.embedded ? { measuredOn: 'the embedded database (rows loaded from files)' } : {}),
    ...(outcome.notTried ? { notTried: outcome.notTried } : {}),
    notOffered: outcome.notes,
  };
  const lines = offers.map((a) => `Pre-aggregate (not created; the DDL is text): ${a.title}: ${a.summary}.`);
  if (offers.length === 0 && outcome.notTried && outcome.notTried !== notOfTheFamily)
    lines.push(`Pre-aggregate: not tried, ${outcome.notTried}.`);
  if (offers.length === 0) lines.push(...outcome.notes);
  return { structured, lines };
}
