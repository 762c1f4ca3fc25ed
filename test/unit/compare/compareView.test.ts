/** The webview's compare mode and image export, in Debian's Chromium through the plan-view harness. */
import { strict as assert } from 'node:assert';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { summariseComparison } from '../../../src/core/compare/summariseComparison';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowComparisonNotification, ExportImageCommand } from '../../../src/shared/protocol';
import { testServer } from '../../helpers/globalServer';
import { planViewSuite } from '../webview/planViewSuite';
import { syntheticResult } from '../webview/fixtureResults';
import { COMPARE_SQL, realPlans } from './realPlans';

function result(raw: string): TuningResult {
  return { sql: COMPARE_SQL, plan: parsePlan(raw), insights: [], nodeRanges: {}, rawPlan: raw };
}

describe('compare mode and export (Chromium)', function () {
  this.timeout(120_000);
  let message: DidShowComparisonNotification;
  const { open } = planViewSuite();

  before(async () => {
    const server = await testServer();
    const plans = await realPlans(server.url);
    const before = result(plans.before);
    const after = result(plans.after);
    const comparison = comparePlans(before.plan, after.plan);
    message = {
      type: 'didShowComparison',
      before,
      after,
      comparison,
      summary: summariseComparison(comparison),
      title: 'orders by region',
      beforeLabel: 'Before (no index)',
      afterLabel: 'After (index)',
    };
  });

  it('shows the summary and both plans, each node marked with its match', async () => {
    const view = await open();
    await view.send(message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    const items = await view.page.locator('.compare-summary li').allTextContents();
    assert.deepEqual(items, message.summary);
    assert.equal(await view.page.locator('.compare-pane.before g.node').count(), message.before.plan.nodes.length);
    assert.equal(await view.page.locator('.compare-pane.after g.node').count(), message.after.plan.nodes.length);
    assert.match(
      (await view.page.textContent('.compare-pane.before .pane-head')) ?? '',
      /Before \(no index\).* ms · \d+ nodes/,
    );
    for (const id of message.comparison.unmatchedBefore) {
      assert.ok(
        await view.page.locator(`.compare-pane.before #plan-node-${id}.unmatched`).count(),
        `before node ${id} marked unmatched`,
      );
    }
    const join = message.comparison.matches.find((m) => m.typeChange?.before === 'Merge Join')!;
    const delta = await view.page.textContent(`.compare-pane.after #plan-node-${join.afterId} text.delta`);
    assert.match(delta ?? '', /^was Merge Join/);
    assert.ok(await view.page.locator(`.compare-pane.after #plan-node-${join.afterId}.match-likely`).count());
  });

  it('links a hovered or selected node to its match on the other side', async () => {
    const view = await open();
    await view.send(message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    const scan = message.comparison.matches.find((m) => m.beforeLabel === 'Seq Scan on orders o')!;
    await view.page.hover(`.compare-pane.before #plan-node-${scan.beforeId}`);
    await view.page.waitForSelector(`.compare-pane.after #plan-node-${scan.afterId}.linked`);
    await view.page.click(`.compare-pane.before #plan-node-${scan.beforeId}`);
    await view.page.waitForSelector(`.compare-pane.after #plan-node-${scan.afterId}.selected.linked-selected`);
    assert.ok(await view.page.locator(`.compare-pane.before #plan-node-${scan.beforeId}.selected`).count());
    const info = (await view.page.textContent('.compare-info')) ?? '';
    assert.match(
      info,
      /Seq Scan on orders o ↔ .*on orders o · likely match \(score 0\.\d+\) · rows [\d,]+ → [\d,]+ · self .* ms → .* ms/,
    );
    // And the other way round: selecting in the after plan selects the before node.
    await view.page.click(`.compare-pane.after #plan-node-${message.comparison.matches[0].afterId}`);
    await view.page.waitForSelector(
      `.compare-pane.before #plan-node-${message.comparison.matches[0].beforeId}.selected`,
    );
    const state = await view.savedState();
    assert.equal(state?.comparison?.title, 'orders by region');
  });

  it('comes back in compare mode from its saved state', async () => {
    const first = await open();
    await first.send(message);
    await first.page.waitForSelector('.compare-pane.after g.node');
    await first.page.waitForFunction(
      () => !!(window as unknown as { __state: () => { comparison?: unknown } | undefined }).__state()?.comparison,
    );
    const state = await first.savedState();
    const view = await open({ state });
    await view.page.waitForSelector('.compare-pane.after g.node');
    assert.equal(await view.page.locator('.compare-summary li').count(), message.summary.length);
  });

  it('exports the comparison as SVG with the theme colours inlined, and as PNG', async () => {
    const view = await open({ theme: 'light' });
    await view.send(message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    await view.clearPosted();
    await view.page.click('#export-svg-button');
    await view.page.click('#export-png-button');
    await view.page.waitForFunction(
      () =>
        (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'exportImage')
          .length === 2,
    );
    const [svg, png] = (await view.posted()).filter((m): m is ExportImageCommand => m.type === 'exportImage');
    assert.equal(svg.format, 'svg');
    assert.equal(svg.suggestedName, 'plan-comparison.svg');
    const text = svg.svgText ?? '';
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
    assert.doesNotMatch(text, /var\(--/);
    assert.doesNotMatch(text, /class="/);
    assert.match(text, /Merge Join/);
    assert.match(text, /Hash Join|Nested Loop/);
    // The light theme's background and the focus colour of nothing selected: the box fill is a real colour.
    assert.match(text, /<rect width="100%" height="100%" fill="#ffffff"/);
    assert.match(text, / fill="rgb\(\d+, \d+, \d+\)"/);
    // The SVG stands alone: the browser renders it without the page's stylesheet.
    const size = await view.page.evaluate(async (t) => {
      const img = new Image();
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(t)}`;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, text);
    assert.ok(size[0] > 800 && size[1] > 300, String(size));
    assert.equal(png.format, 'png');
    assert.match(png.dataUrl ?? '', /^data:image\/png;base64,[A-Za-z0-9+/]{2000,}/);
    const pngSize = await view.page.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, png.dataUrl ?? '');
    assert.deepEqual(pngSize, [size[0] * 2, size[1] * 2]);
  });

  it('exports a single plan too, and offers sharing and compare-with-previous', async () => {
    const view = await open();
    await view.send({ type: 'didShowResult', result: syntheticResult(60), title: 'sixty nodes' });
    await view.page.waitForSelector('g.node');
    await view.clearPosted();
    await view.page.click('#export-svg-button');
    await view.page.click('#share-button');
    await view.page.click('#compare-previous-button');
    await view.page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length >= 3);
    const posted = await view.posted();
    const svg = posted.find((m): m is ExportImageCommand => m.type === 'exportImage');
    assert.equal(svg?.suggestedName, 'plan.svg');
    assert.match(svg?.svgText ?? '', /Aggregate/);
    assert.ok(posted.some((m) => m.type === 'copyPlanForSharing'));
    assert.ok(posted.some((m) => m.type === 'compareWithPrevious'));
  });
});
