import { strict as assert } from 'node:assert';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';

describe('huge plans (synthetic, from test/helpers/syntheticPlan)', () => {
  it('is deterministic', () => {
    assert.equal(syntheticPlanJson(500), syntheticPlanJson(500));
  });

  it('parses a 10,000-node plan with consistent metrics', () => {
    const plan = parsePlan(syntheticPlanJson(10_000));
    assert.equal(plan.nodes.length, 10_000);
    assert.ok(plan.nodes.every((n, i) => n.id === i));
    assert.ok(plan.nodes.some((n) => n.fields['Parent Relationship'] === 'SubPlan'));
    assert.ok(
      plan.nodes.some(
        (n) => n.fields['Node Type'] === 'Nested Loop' && (n.children[1].fields['Actual Loops'] as number) > 1,
      ),
    );
    // Times are built consistent, so exclusive times add up to the root's inclusive time.
    const sum = plan.nodes.reduce((s, n) => s + n.metrics.exclusiveTimeMs, 0);
    assert.ok(Math.abs(sum - plan.root.metrics.inclusiveTimeMs) / plan.root.metrics.inclusiveTimeMs < 0.001);
    const ranked = plan.nodes.filter((n) => n.metrics.hotspotRank !== undefined);
    assert.ok(ranked.length <= 10);
  });

  it('parses a ~50 MB plan', function () {
    this.timeout(120_000);
    const json = syntheticPlanJson(43_000);
    assert.ok(json.length > 50_000_000, `only ${json.length} bytes`);
    const plan = parsePlan(json);
    assert.equal(plan.nodes.length, 43_000);
    assert.ok(plan.totals.buffers.sharedHit > 0);
  });
});
