/**
 * The per-run plan index (src/core/insights/plan/planIndex.ts) must answer exactly what the per-node walks in
 * planFacts answer; checked over the real-server fixtures of test/fixtures/insights and a generated deep plan.
 */
import { strict as assert } from 'node:assert';
import { conditionColumns } from '../../../../src/core/insights/plan/conditionColumns';
import { loops, ran, relationBelow } from '../../../../src/core/insights/plan/planFacts';
import { planIndex } from '../../../../src/core/insights/plan/planIndex';
import { planRules, runPlanRules } from '../../../../src/core/insights/planRules';
import { parsePlan } from '../../../../src/core/plan/parsePlan';
import { syntheticPlanJson } from '../../../helpers/syntheticPlan';
import { allFixtures, loadCatalog, loadPlan } from './fixtures';

/** A chain Limit → Result / Subquery Scan … → Seq Scan, `depth` levels deep, made by this generator; the scan is overestimated. */
function deepPlanJson(depth: number): string {
  // Built as text: JSON.stringify recurses and would overflow the stack on a chain this deep.
  let json = JSON.stringify({
    'Node Type': 'Seq Scan',
    'Relation Name': 'orders',
    Alias: 'orders',
    'Plan Rows': 50_000,
    'Actual Rows': 10,
    'Actual Loops': 1,
    'Actual Total Time': 1,
    'Total Cost': 10,
    Filter: "(status = 'x'::text)",
    'Rows Removed by Filter': 5,
  });
  for (let i = 0; i < depth; i++) {
    const type = i === depth - 1 ? 'Limit' : i % 2 === 0 ? 'Subquery Scan' : 'Result';
    const fields = JSON.stringify({
      'Node Type': type,
      // The Limit returned all the rows it was planned for (LIMIT 10): it stopped early.
      'Plan Rows': type === 'Limit' ? 10 : 50_000,
      'Actual Rows': 10,
      'Actual Loops': 1,
      'Actual Total Time': 1 + i * 0.001,
      'Total Cost': 10 + i,
    });
    json = `${fields.slice(0, -1)}, "Plans": [${json}]}`;
  }
  return `[{"Plan": ${json}, "Execution Time": 2}]`;
}

describe('planIndex', () => {
  const catalog = loadCatalog();

  it('agrees with the per-node facts on every fixture', () => {
    for (const name of allFixtures) {
      const plan = loadPlan(name);
      const index = planIndex({ plan, catalog });
      for (const node of plan.nodes) {
        assert.equal(index.ran[node.id] === 1, ran(plan, node), `${name} #${node.id} ran`);
        assert.equal(index.loops[node.id], loops(node), `${name} #${node.id} loops`);
        assert.equal(index.relationBelow(node), relationBelow(node), `${name} #${node.id} relationBelow`);
        const relation = node.fields['Relation Name'];
        const expected = relation === undefined ? undefined : catalog.tables.filter((t) => t.name === relation);
        const found = index.tableOf(node);
        if (expected && expected.length === 1 && node.fields['Schema'] === undefined)
          assert.equal(found, expected[0], `${name} #${node.id} tableOf`);
        if (relation === undefined) assert.equal(found, undefined);
      }
      const types = new Set(plan.nodes.map((n) => n.fields['Node Type']));
      for (const type of types) {
        assert.deepEqual(
          index.nodesOfType(type).map((n) => n.id),
          plan.nodes.filter((n) => n.fields['Node Type'] === type).map((n) => n.id),
        );
      }
    }
  });

  it('is kept per context: a new context sees a changed plan', () => {
    const plan = loadPlan('seq-scan-orders-pending');
    const first = { plan };
    assert.equal(planIndex(first), planIndex(first));
    assert.notEqual(planIndex({ plan }), planIndex(first));
  });

  it('runPlanRules gives what each rule gives alone, on a 2,000-node generated plan', () => {
    const plan = parsePlan(syntheticPlanJson(2_000));
    const together = runPlanRules({ plan, catalog });
    const alone = planRules.flatMap((rule) => rule.check({ plan, catalog }));
    assert.ok(together.length > 100);
    assert.deepEqual(
      together.map((i) => `${i.ruleId} ${i.nodeIds.join(',')} ${i.title}`).sort(),
      alone.map((i) => `${i.ruleId} ${i.nodeIds.join(',')} ${i.title}`).sort(),
    );
  });

  it('a plan 3,000 levels deep: a misestimate under a Limit far above is still seen as stopped early', () => {
    const plan = parsePlan(deepPlanJson(3_000));
    assert.equal(plan.nodes.length, 3_001);
    const scan = plan.nodes[plan.nodes.length - 1];
    assert.equal(scan.metrics.stoppedEarly, true);
    assert.equal(scan.metrics.misestimateDirection, 'none');
    const insights = runPlanRules({ plan });
    assert.ok(!insights.some((i) => i.ruleId === 'row-misestimate' && i.nodeIds.includes(scan.id)));
  });
});

describe('conditionColumns cache', () => {
  it('hands out copies: changing one result does not change the next', () => {
    const condition = "((region = 7) AND (status = 'open'::text))";
    const first = conditionColumns(condition);
    first.push('changed');
    assert.deepEqual(conditionColumns(condition), ['region', 'status']);
  });

  it('reads a long IN list in one pass and skips quoted text', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `'v${i} = x'::text`).join(', ');
    const condition = `((code = ANY ('{${values}}'::text[])) AND (kind = 3))`;
    assert.deepEqual(conditionColumns(condition), ['code', 'kind']);
  });
});
