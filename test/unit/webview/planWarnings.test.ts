/**
 * The plan view says what the plan's figures got wrong (a time given as a string, a negative time) before
 * anything is read from them, as the CLI and the report do; names from the plan reach it as text only.
 */
import { strict as assert } from 'node:assert';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { firstPaintMessage } from '../../../src/extension/panel/compactResult';
import { planViewSuite } from './planViewSuite';

const IMG = '<img src=x onerror=alert(1)>';

function scan(relation: string, time: unknown): Record<string, unknown> {
  return {
    'Node Type': 'Seq Scan',
    'Parent Relationship': 'Outer',
    'Relation Name': relation,
    Alias: 'a',
    'Total Cost': 4,
    'Plan Rows': 3,
    'Actual Total Time': time,
    'Actual Rows': 3,
    'Actual Loops': 1,
  };
}

describe('plan view: plan warnings (Chromium)', function () {
  this.timeout(120_000);
  const { open } = planViewSuite();
  let result: TuningResult;

  before(async () => {
    result = await analysePlanText(
      JSON.stringify([
        {
          Plan: {
            'Node Type': 'Hash Join',
            'Join Type': 'Inner',
            'Total Cost': 10,
            'Plan Rows': 3,
            'Actual Total Time': 5,
            'Actual Rows': 3,
            'Actual Loops': 1,
            Plans: [scan(IMG, '2.5'), scan('orders', -960000)],
          },
          'Execution Time': 5.2,
        },
      ]),
    );
    assert.equal(result.plan.warnings?.length, 2);
  });

  it('shows each warning, naming node and field, in the summary; a tag in a name stays text', async () => {
    const view = await open();
    // As the host sends it: the first-paint message with the nodes as columns.
    const firstPaint = firstPaintMessage(result, new Set());
    await view.send({
      type: 'didShowResult',
      title: 'warnings',
      ...firstPaint,
      result: firstPaint.result,
      resultKey: 'w1',
    });
    await view.page.waitForSelector('.plan-warning');
    const shown = await view.page.locator('.plan-warning').allTextContents();
    assert.equal(shown.length, 2);
    assert.match(
      shown[0],
      /^Warning: node #1 \(Seq Scan on <img src=x onerror=alert\(1\)> a\): "Actual Total Time" is the string "2\.5"/,
    );
    assert.match(
      shown[1],
      /^Warning: node #2 \(Seq Scan on orders a\): "Actual Total Time" is negative \(-960000\); read as absent/,
    );
    assert.equal(await view.page.locator('.summary img, .plan-svg img').count(), 0, 'no element made from a name');
  });
});
