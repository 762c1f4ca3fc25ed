/** Loads the real-server plan fixtures of test/fixtures/insights (see its README). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogSnapshot } from '../../../../src/core/db/catalog';
import type { Insight, PlanRule, PlanRuleContext } from '../../../../src/core/insights/insight';
import { parsePlan } from '../../../../src/core/plan/parsePlan';
import type { Plan } from '../../../../src/core/plan/planNode';

const root = join(__dirname, '..', '..', '..', 'fixtures', 'insights');

export function loadPlan(name: string): Plan {
  return parsePlan(readFileSync(join(root, 'plans', `${name}.json`), 'utf8'));
}

export function loadCatalog(): CatalogSnapshot {
  return JSON.parse(readFileSync(join(root, 'catalog.json'), 'utf8')) as CatalogSnapshot;
}

export function run(rule: PlanRule, name: string, extra: Omit<PlanRuleContext, 'plan'> = {}): Insight[] {
  return rule.check({ plan: loadPlan(name), ...extra });
}

/** The evidence value under a label; fails loudly when the label is missing. */
export function evidence(insight: Insight, label: string): number | string {
  const found = insight.evidence.find((e) => e.label === label);
  if (!found)
    throw new Error(`no evidence "${label}" in ${insight.ruleId}: ${insight.evidence.map((e) => e.label).join(', ')}`);
  return found.value;
}

export function nodeTypeOf(plan: Plan, id: number): string {
  return plan.nodes[id].fields['Node Type'];
}

export const allFixtures = [
  'bitmap-exact',
  'bitmap-lossy',
  'correlated-columns',
  'correlated-columns-fixed',
  'estimate-only-join',
  'hash-join-in-memory',
  'hash-join-spill',
  'hashagg-spill',
  'index-only-heap-fetches',
  'index-only-vacuumed',
  'index-scan-filter',
  'jit-short-query',
  'many-joins-planning',
  'nested-loop-few',
  'nested-loop-many',
  'no-jit',
  'parallel-launched',
  'parallel-not-launched',
  'point-lookup',
  'seq-scan-orders-all',
  'seq-scan-orders-pending',
  'seq-scan-users-filter',
  'sort-in-memory',
  'sort-spill',
  'stale-stats',
];
