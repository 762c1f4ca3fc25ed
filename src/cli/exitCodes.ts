import type { Insight, Severity } from '../core/insights/insight';
import { severityOrder } from '../core/insights/insight';

/** Exit codes CI can rely on. 64 is EX_USAGE from sysexits.h. */
export const exitCodes = { ok: 0, error: 1, failOn: 2, usage: 64, interrupted: 130 } as const;

/** 2 when an insight at or above `failOn` was found, else 0. */
export function failOnExitCode(insights: Insight[], failOn: Severity | undefined): number {
  if (!failOn) return exitCodes.ok;
  return insights.some((i) => severityOrder[i.severity] >= severityOrder[failOn]) ? exitCodes.failOn : exitCodes.ok;
}
