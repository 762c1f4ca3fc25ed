import assert from 'node:assert/strict';
import { coldCache } from '../../../../src/core/insights/plan/coldCache';
import { highPlanningTime } from '../../../../src/core/insights/plan/highPlanningTime';
import { hotspot } from '../../../../src/core/insights/plan/hotspot';
import { jitOverhead } from '../../../../src/core/insights/plan/jitOverhead';
import { parallelWorkersNotLaunched } from '../../../../src/core/insights/plan/parallelWorkersNotLaunched';
import { evidence, loadPlan, nodeTypeOf, run } from './fixtures';

describe('hotspot', () => {
  it('ranks the top nodes by their own time, one insight each', () => {
    const plan = loadPlan('nested-loop-many');
    const insights = hotspot.check({ plan });
    assert.ok(insights.length >= 1 && insights.length <= 3);
    const shares = insights.map((i) => plan.nodes[i.nodeIds[0]].metrics.timeShare);
    assert.deepEqual(
      [...shares].sort((a, b) => b - a),
      shares,
    );
    assert.ok(shares.every((s) => s >= 0.2));
    insights.forEach((insight, i) => {
      assert.equal(evidence(insight, 'rank'), i + 1);
      assert.match(insight.title, new RegExp(`^Hotspot #${i + 1}: .* takes \\d+ % of the time \\(`));
    });
  });

  it('warns for a node holding most of a slow query, notes a fast one', () => {
    const [sort] = run(hotspot, 'sort-spill');
    assert.equal(nodeTypeOf(loadPlan('sort-spill'), sort.nodeIds[0]), 'Sort');
    assert.equal(sort.severity, 'warning');
    const [scan] = run(hotspot, 'seq-scan-users-filter');
    assert.equal(scan.severity, 'info');
  });

  it('does not fire on a sub-millisecond query, nor without actual times', () => {
    assert.deepEqual(run(hotspot, 'point-lookup'), []);
    assert.deepEqual(run(hotspot, 'estimate-only-join'), []);
  });
});

describe('cold-cache', () => {
  it('fires when most blocks came from outside shared buffers, with the I/O time', () => {
    const plan = loadPlan('seq-scan-orders-pending');
    const [insight] = coldCache.check({ plan });
    assert.equal(evidence(insight, 'shared blocks read'), plan.totals.buffers.sharedRead);
    assert.ok(plan.totals.buffers.sharedRead > plan.totals.buffers.sharedHit);
    assert.deepEqual(insight.nodeIds, [0]);
    assert.match(String(evidence(insight, 'I/O read/write time')), /ms$/);
  });

  it('does not fire on a warm cache', () => {
    for (const name of ['point-lookup', 'seq-scan-users-filter', 'index-only-vacuumed', 'bitmap-exact']) {
      assert.deepEqual(run(coldCache, name), [], name);
    }
  });
});

describe('parallel-workers-not-launched', () => {
  it('fires on a Gather that launched 0 of 2 workers', () => {
    const plan = loadPlan('parallel-not-launched');
    const [insight] = parallelWorkersNotLaunched.check({ plan });
    assert.equal(nodeTypeOf(plan, insight.nodeIds[0]), 'Gather');
    assert.equal(evidence(insight, 'workers planned'), 2);
    assert.equal(evidence(insight, 'workers launched'), 0);
    assert.equal(evidence(insight, 'max_parallel_workers'), '0');
    assert.equal(insight.severity, 'warning');
    assert.equal(insight.title, 'Gather planned 2 parallel workers but launched 0');
  });

  it('does not fire when the workers started', () => {
    assert.deepEqual(run(parallelWorkersNotLaunched, 'parallel-launched'), []);
  });
});

describe('high-planning-time', () => {
  it('fires on the 11-table join whose planning dwarfs its execution', () => {
    const plan = loadPlan('many-joins-planning');
    const [insight] = highPlanningTime.check({ plan });
    assert.ok((plan.planningTimeMs ?? 0) >= 100);
    assert.equal(insight.severity, 'warning');
    assert.equal(evidence(insight, 'relations scanned'), 11);
    assert.match(insight.explanation, /joins 11 relations/);
    assert.match(insight.title, /^Planning takes \d+ ms vs [\d.]+ ms execution$/);
  });

  it('does not fire on quick planning', () => {
    for (const name of ['point-lookup', 'sort-spill', 'correlated-columns'])
      assert.deepEqual(run(highPlanningTime, name), [], name);
  });
});

describe('jit-overhead', () => {
  it('fires when JIT compilation is most of a short query', () => {
    const plan = loadPlan('jit-short-query');
    const [insight] = jitOverhead.check({ plan });
    assert.ok(plan.jit && plan.jit.totalMs >= 10);
    assert.equal(evidence(insight, 'jit_above_cost'), '0');
    assert.equal(insight.severity, 'warning');
    assert.match(insight.suggestion ?? '', /jit_above_cost/);
    assert.match(insight.suggestion ?? '', /jit = off/);
  });

  it('does not fire without JIT', () => {
    assert.deepEqual(run(jitOverhead, 'no-jit'), []);
  });
});
