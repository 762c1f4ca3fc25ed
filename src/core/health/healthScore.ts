/**
 * The health score: each check has a weight (summing to 100); a check loses part of its weight per finding
 * (critical all of it, warning half, info a fifth), at most its whole weight. Skipped checks are left out
 * and the rest scaled back to 100.
 */
import type { Severity } from '../insights/insight';
import type { HealthCheckResult, HealthFinding } from './healthFinding';

export const severityPenalty: Record<Severity, number> = { critical: 1, warning: 0.5, info: 0.2 };

export const scoreRule =
  'Each check has the weight shown; a finding costs the whole weight when critical, half when a warning and a fifth when info, ' +
  "up to the check's weight. Skipped checks are left out and the others scaled to 100.";

export function checkPenalty(findings: readonly HealthFinding[]): number {
  return Math.min(
    1,
    findings.reduce((sum, f) => sum + severityPenalty[f.severity], 0),
  );
}

export function healthScore(checks: readonly Pick<HealthCheckResult, 'status' | 'weight' | 'penalty'>[]): number {
  const counted = checks.filter((c) => c.status !== 'skipped');
  const total = counted.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) return 100;
  const kept = counted.reduce((sum, c) => sum + c.weight * (1 - c.penalty), 0);
  return Math.round((100 * kept) / total);
}
