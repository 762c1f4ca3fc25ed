import assert from 'node:assert/strict';
import { nestedLoopManyRows } from '../../../../src/core/insights/plan/nestedLoopManyRows';
import { rowMisestimate } from '../../../../src/core/insights/plan/rowMisestimate';
import { evidence, loadCatalog, loadPlan, nodeTypeOf, run } from './fixtures';

describe('row-misestimate', () => {
  it('fires on the scan with correlated conditions, not on the join that inherits its error', () => {
    const plan = loadPlan('correlated-columns');
    const insights = rowMisestimate.check({ plan });
    assert.equal(insights.length, 1);
    const [insight] = insights;
    const scan = plan.nodes[insight.nodeIds[0]];
    assert.equal(scan.fields['Node Type'], 'Seq Scan');
    assert.equal(scan.fields['Relation Name'], 'orders');
    assert.equal(evidence(insight, 'actual rows'), 2000);
    assert.equal(evidence(insight, 'estimated rows'), scan.fields['Plan Rows']);
    assert.ok(scan.metrics.misestimateFactor >= 10);
    assert.equal(evidence(insight, 'direction'), 'underestimate');
    // The Nested Loop above is just as wrong, but only because of its input.
    assert.equal(nodeTypeOf(plan, 0), 'Nested Loop');
    assert.ok(plan.nodes[0].metrics.misestimateFactor >= 10);
    assert.match(insight.explanation, /region, region_copy/);
    assert.match(
      insight.suggestion ?? '',
      /CREATE STATISTICS orders_region_region_copy_stats \(dependencies, mcv\) ON region, region_copy FROM orders; ANALYZE orders;/,
    );
  });

  it('does not fire once CREATE STATISTICS fixed the estimate', () => {
    assert.deepEqual(run(rowMisestimate, 'correlated-columns-fixed'), []);
  });

  it('names stale statistics from the catalog', () => {
    const catalog = loadCatalog();
    const [insight] = run(rowMisestimate, 'stale-stats', { catalog });
    assert.ok(insight);
    const stale = catalog.tables.find((t) => t.name === 'stale');
    assert.equal(evidence(insight, 'rows changed since'), stale?.modificationsSinceAnalyze);
    assert.match(insight.explanation, /stale statistics/);
    assert.match(insight.suggestion ?? '', /^Run ANALYZE stale;/);
    // Without the catalog the rule still fires, with the generic advice.
    const [bare] = run(rowMisestimate, 'stale-stats');
    assert.match(bare.suggestion ?? '', /ANALYZE/);
  });

  it('does not fire on accurate estimates, nor on an estimate-only plan', () => {
    for (const name of [
      'seq-scan-orders-pending',
      'sort-spill',
      'hash-join-spill',
      'nested-loop-few',
      'estimate-only-join',
    ]) {
      assert.deepEqual(run(rowMisestimate, name), [], name);
    }
  });
});

describe('nested-loop-many-rows', () => {
  it('fires on a Nested Loop probing users about 50,000 times', () => {
    const plan = loadPlan('nested-loop-many');
    const [insight, ...rest] = nestedLoopManyRows.check({ plan });
    assert.equal(rest.length, 0);
    assert.equal(nodeTypeOf(plan, insight.nodeIds[0]), 'Nested Loop');
    const inner = plan.nodes[insight.nodeIds[1]];
    assert.equal(inner.fields['Parent Relationship'], 'Inner');
    assert.equal(evidence(insight, 'inner loops'), inner.fields['Actual Loops']);
    assert.ok(Number(evidence(insight, 'inner loops')) >= 10_000);
    assert.match(
      insight.title,
      /^Nested Loop runs Memoize over Index Scan using users_pkey on users u [\d,]+ times, once per row of Index Scan using orders_created_at_idx on orders o$/,
    );
    assert.equal(insight.severity, 'warning');
  });

  it('does not fire on 99 loops, nor on the 2,000-loop join of the misestimate plan', () => {
    assert.deepEqual(run(nestedLoopManyRows, 'nested-loop-few'), []);
    assert.deepEqual(run(nestedLoopManyRows, 'correlated-columns'), []);
  });
});
