import assert from 'node:assert/strict';
import { severityOrder } from '../../../../src/core/insights/insight';
import { planRules, runPlanRules } from '../../../../src/core/insights/planRules';
import { allFixtures, loadCatalog, loadPlan } from './fixtures';

describe('plan rules registry and runner', () => {
  it('has unique kebab-case ids of plan rules', () => {
    const ids = planRules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of planRules) {
      assert.match(rule.id, /^[a-z]+(-[a-z]+)*$/);
      assert.equal(rule.kind, 'plan');
    }
  });

  it('every rule fires on at least one real plan, and each insight is complete', () => {
    const catalog = loadCatalog();
    const fired = new Set<string>();
    for (const name of allFixtures) {
      const plan = loadPlan(name);
      for (const insight of runPlanRules({ plan, catalog })) {
        fired.add(insight.ruleId);
        assert.ok(insight.title.length > 10 && !insight.title.includes('\n'), insight.title);
        assert.ok(insight.explanation.length > 40, insight.ruleId);
        assert.ok((insight.suggestion ?? '').length > 20, insight.ruleId);
        assert.ok(insight.evidence.length > 0, insight.ruleId);
        for (const id of insight.nodeIds) assert.ok(plan.nodes[id], `${insight.ruleId}: node ${id}`);
        assert.ok(
          !/NaN|undefined|Infinity/.test(insight.title + insight.explanation + insight.suggestion),
          insight.title,
        );
      }
    }
    assert.deepEqual([...fired].sort(), planRules.map((r) => r.id).sort());
  });

  it("orders by severity, then by the concerned nodes' time share", () => {
    const plan = loadPlan('nested-loop-many');
    const insights = runPlanRules({ plan });
    assert.ok(insights.length >= 3);
    for (let i = 1; i < insights.length; i++) {
      const a = insights[i - 1];
      const b = insights[i];
      assert.ok(severityOrder[a.severity] >= severityOrder[b.severity]);
      if (a.severity === b.severity) {
        const share = (ids: number[]) =>
          Math.min(
            1,
            ids.reduce((s, id) => s + plan.nodes[id].metrics.timeShare, 0),
          );
        assert.ok(share(a.nodeIds) >= share(b.nodeIds), `${a.ruleId} before ${b.ruleId}`);
      }
    }
  });

  it('an estimate-only plan runs every rule without error and only catalog-based findings come out', () => {
    const plan = loadPlan('estimate-only-join');
    assert.deepEqual(runPlanRules({ plan }), []);
    const withCatalog = runPlanRules({ plan, catalog: loadCatalog() });
    assert.deepEqual(
      withCatalog.map((i) => i.ruleId),
      ['seq-scan-large-table'],
    );
  });
});
