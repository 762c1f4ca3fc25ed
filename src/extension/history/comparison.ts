/**
 * From two plans to what the compare view draws: core's `comparePlans` and `summariseComparison`, plus the
 * labels of each side. No `vscode` here (unit-tested); the extension imports it on first use.
 */
import { comparePlans } from '../../core/compare/comparePlans';
import type { PlanHistoryEntry } from '../../core/compare/planHistory';
import { summariseComparison } from '../../core/compare/summariseComparison';
import { analysePlanText } from '../../core/pipeline/explainAndOptimize';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { DidShowComparisonNotification } from '../../shared/protocol';

export interface ComparisonLabels {
  title?: string;
  /** Pane headings; default "Before" / "After". */
  before?: string;
  after?: string;
}

export function comparisonMessage(
  before: TuningResult,
  after: TuningResult,
  labels: ComparisonLabels = {},
): DidShowComparisonNotification {
  const comparison = comparePlans(before.plan, after.plan);
  return {
    type: 'didShowComparison',
    before,
    after,
    comparison,
    summary: summariseComparison(comparison),
    title: labels.title ?? 'Plan comparison',
    beforeLabel: labels.before,
    afterLabel: labels.after,
  };
}

/** A history entry as a result the views take (analysed again from its raw plan: no database needed). */
export async function entryResult(entry: PlanHistoryEntry): Promise<TuningResult> {
  const result = await analysePlanText(entry.rawPlan, entry.sql);
  // The plan came from a connection: keep where, so the view says so (timings of an embedded run are not production's).
  if (entry.connectionLabel) {
    result.run = {
      sessionKind: /^Embedded\b/.test(entry.connectionLabel) ? 'embedded' : 'server',
      sessionLabel: entry.connectionLabel,
      serverVersion: '',
      wrapper: result.plan.analyzed ? 'read-only-transaction' : 'plan-only',
      analyzed: result.plan.analyzed,
      roundTripMs: 0,
      explainStatement: '',
    };
  }
  return result;
}

/** "14:03:12 on Embedded (workspace schema)", with the date when it is not today. */
export function entryLabel(entry: PlanHistoryEntry, now = Date.now()): string {
  const at = new Date(entry.timestamp);
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const time = at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const when = sameDay ? time : `${at.toISOString().slice(0, 10)} ${time}`;
  return entry.connectionLabel ? `${when} on ${entry.connectionLabel}` : when;
}

/** One line for a pick list: the time and the figure that matters. */
export function entryDetail(entry: PlanHistoryEntry): string {
  const parts: string[] = [];
  if (entry.executionTimeMs !== undefined)
    parts.push(`${entry.executionTimeMs.toFixed(entry.executionTimeMs < 10 ? 2 : 1)} ms`);
  else if (entry.totalCost !== undefined)
    parts.push(`cost ${Math.round(entry.totalCost).toLocaleString('en-US')} (estimate)`);
  const settings = Object.entries(entry.settings ?? {});
  if (settings.length) parts.push(settings.map(([k, v]) => `${k}=${v}`).join(', '));
  return parts.join(' · ');
}
