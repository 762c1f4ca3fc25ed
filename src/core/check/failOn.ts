/**
 * `--fail-on` for `pg-tuner check`: a severity (`warning`: any finding that bad or worse) and/or plan
 * regressions (`regression` = any of them, `regression:cost>2x`, `regression:seq-scan`, `regression:spill`),
 * comma-separated or repeated. The cost ratio given is also the threshold at which a cost regression is reported.
 */
import type { Severity } from '../insights/insight';
import { severityOrder } from '../insights/insight';
import type { CheckResult } from './checkResult';
import type { CheckRuleId } from './checkRules';
import type { RegressionKind, RegressionThresholds } from './regressions';
import { defaultRegressionThresholds } from './regressions';

export type CheckFailOn =
  { kind: 'severity'; severity: Severity } | { kind: 'regression'; regression: RegressionKind | 'any' };

const severities: readonly Severity[] = ['info', 'warning', 'critical'];

/** Parses the `--fail-on` values; throws an Error whose message is for the user. */
export function parseCheckFailOn(texts: readonly string[]): {
  conditions: CheckFailOn[];
  thresholds: RegressionThresholds;
} {
  const conditions: CheckFailOn[] = [];
  const thresholds: RegressionThresholds = { ...defaultRegressionThresholds };
  for (const part of texts
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    if (severities.includes(part as Severity)) {
      conditions.push({ kind: 'severity', severity: part as Severity });
      continue;
    }
    const m = /^regression(?::(.+))?$/.exec(part);
    if (!m)
      throw new Error(
        `--fail-on takes info, warning, critical or regression[:cost>Nx|:seq-scan|:spill], not "${part}".`,
      );
    const what = m[1];
    if (what === undefined) conditions.push({ kind: 'regression', regression: 'any' });
    else if (what === 'seq-scan' || what === 'spill') conditions.push({ kind: 'regression', regression: what });
    else {
      const cost = /^cost\s*>\s*(\d+(?:\.\d+)?)\s*x$/i.exec(what);
      if (!cost || Number(cost[1]) <= 1)
        throw new Error(`--fail-on regression:${what}: write the cost ratio as cost>2x (a number above 1).`);
      thresholds.costRatio = Number(cost[1]);
      conditions.push({ kind: 'regression', regression: 'cost' });
    }
  }
  return { conditions, thresholds };
}

const regressionRules: Record<RegressionKind, CheckRuleId> = {
  cost: 'plan-regression-cost',
  'seq-scan': 'plan-regression-seq-scan',
  spill: 'plan-regression-spill',
};

/** The findings that meet a `--fail-on` condition (empty: the run passes). */
export function failingFindings(result: CheckResult, conditions: readonly CheckFailOn[]): CheckResult['findings'] {
  return result.findings.filter((f) =>
    conditions.some((c) =>
      c.kind === 'severity'
        ? severityOrder[f.severity] >= severityOrder[c.severity]
        : c.regression === 'any'
          ? Object.values(regressionRules).includes(f.ruleId)
          : regressionRules[c.regression] === f.ruleId,
    ),
  );
}
