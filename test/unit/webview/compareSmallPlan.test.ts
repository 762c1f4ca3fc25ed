/**
 * A small plan is always shown whole in the compare view: a 7-node plan (a rewrite's "as it is ↔ with index" in a
 * short editor pane) never opens zoomed in with "too big to read whole", whatever the pane's height.
 */
import { strict as assert } from 'node:assert';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { summariseComparison } from '../../../src/core/compare/summariseComparison';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowComparisonNotification } from '../../../src/shared/protocol';
import { planViewSuite } from './planViewSuite';

type Json = Record<string, unknown>;

/** A chain of `depth` nodes (each the only child of the one above): as tall as a 7-node plan gets. */
function chainPlan(depth: number, scale: number): string {
  let node: Json = {
    'Node Type': 'Seq Scan',
    'Relation Name': 'orders',
    Alias: 'o',
    'Startup Cost': 0,
    'Total Cost': 1000,
    'Plan Rows': 1000,
    'Plan Width': 8,
    'Actual Startup Time': 0.01,
    'Actual Total Time': 10 * scale,
    'Actual Rows': 1000,
    'Actual Loops': 1,
  };
  const kinds = ['Sort', 'Aggregate', 'Materialize', 'Unique', 'Result', 'Limit'];
  for (let i = 1; i < depth; i++) {
    node = {
      'Node Type': kinds[(i - 1) % kinds.length],
      'Startup Cost': 0,
      'Total Cost': 1000 + i,
      'Plan Rows': 1000,
      'Plan Width': 8,
      'Actual Startup Time': 0.01,
      'Actual Total Time': (10 + i) * scale,
      'Actual Rows': 1000,
      'Actual Loops': 1,
      Plans: [node],
    };
  }
  return JSON.stringify([{ Plan: node, 'Planning Time': 0.1, 'Execution Time': (10 + depth) * scale }]);
}

function result(raw: string): TuningResult {
  return { sql: 'SELECT 1', plan: parsePlan(raw), insights: [], nodeRanges: {}, rawPlan: raw };
}

function message(before: TuningResult, after: TuningResult): DidShowComparisonNotification {
  const c = comparePlans(before.plan, after.plan);
  const compact = (r: TuningResult): TuningResult => ({ ...r, rawPlan: '', plan: { ...r.plan, nodes: [] } });
  return {
    type: 'didShowComparison',
    before: compact(before),
    after: compact(after),
    comparison: c,
    summary: summariseComparison(c),
    title: 'as it is ↔ with index',
    beforeLabel: 'as it is',
    afterLabel: 'with orders_idx',
  };
}

describe('compare view: a small plan is always shown whole (Chromium)', function () {
  this.timeout(120_000);
  const { open } = planViewSuite();

  it('two 7-node plans in a short pane open fitted whole, with no "too big to read whole" note', async () => {
    const before = result(chainPlan(7, 10));
    const after = result(chainPlan(7, 1));
    assert.equal(before.plan.nodes.length, 7);
    // Short enough that fitting the 7 boxes needs a scale below the readable one.
    const view = await open({ width: 900, height: 420 });
    await view.send(message(before, after));
    await view.page.waitForSelector('.compare-pane.after g.node');
    for (const side of ['before', 'after'] as const) {
      const v = await view.page.evaluate((s) => {
        const canvas = document.querySelector(`.compare-pane.${s} .plan-canvas`)!;
        const area = canvas.getBoundingClientRect();
        const all = canvas.querySelector<SVGGElement>('g.viewport')!.getBoundingClientRect();
        const inside =
          all.left >= area.left - 1 &&
          all.right <= area.right + 1 &&
          all.top >= area.top - 1 &&
          all.bottom <= area.bottom + 1;
        return {
          inside,
          k: canvas.querySelector<SVGGElement>('g.viewport')!.getScreenCTM()!.a,
          boxes: canvas.querySelectorAll('g.node').length,
        };
      }, side);
      assert.equal(v.boxes, 7, `${side}: every node drawn`);
      assert.ok(v.inside, `${side}: the whole plan is in the pane (zoom ${v.k.toFixed(3)})`);
      console.log(`      ${side}: fitted at ${v.k.toFixed(2)}`);
    }
    assert.equal(await view.page.textContent('.compare-zoom-note'), '');
  });
});
