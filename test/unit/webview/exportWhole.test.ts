/**
 * Export of a huge plan, in Debian's Chromium through the plan-view harness: the view draws only what is in
 * view, the exported SVG holds the whole plan (every node, collapsed subtrees expanded, sibling groups as
 * the view has them), and the PNG is scaled down to stay within its size cap.
 */
import { strict as assert } from 'node:assert';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowResultNotification, ExportImageCommand } from '../../../src/shared/protocol';
import { PNG_MAX_PIXELS, PNG_MAX_SIDE, pngScale } from '../../../webview/exportImage';
import { nodeLabel } from '../../../webview/nodeLabel';
import { layoutPlan, visibleCount } from '../../../webview/planLayout';
import { findSiblingGroups, hiddenInGroup } from '../../../webview/siblingGroups';
import { syntheticResult } from './fixtureResults';
import type { PlanViewPage } from './harness';
import { planViewSuite } from './planViewSuite';

function show(result: TuningResult): DidShowResultNotification {
  return {
    type: 'didShowResult',
    result: { ...result, plan: { ...result.plan, nodes: [] } },
    title: 'synthetic 2,000 nodes',
  };
}

interface ExportedNode {
  id: number;
  label: string;
  ariaLabel: string;
  labelDisplay: string | null;
}

/** Parses the exported SVG in the page: each plan node's box (id, drawn label, aria-label) and each group box. */
async function exportedNodes(
  view: PlanViewPage,
  svgText: string,
): Promise<{ nodes: ExportedNode[]; groups: string[] }> {
  return view.page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const nodes = Array.from(doc.querySelectorAll('g[id^="plan-node-"]')).map((g) => {
      const label = g.querySelector(':scope > text:nth-of-type(1)');
      const texts = Array.from(g.querySelectorAll(':scope > text'));
      // The label is the first text at y=22 (a role line at y=-6 may come before it).
      const labelText = texts.find((t) => t.getAttribute('y') === '22') ?? label;
      return {
        id: Number(g.getAttribute('data-node-id')),
        label: labelText?.textContent ?? '',
        ariaLabel: g.getAttribute('aria-label') ?? '',
        labelDisplay: labelText?.getAttribute('display') ?? null,
      };
    });
    const groups = Array.from(doc.querySelectorAll('g[id^="plan-group-"]')).map(
      (g) => g.getAttribute('aria-label') ?? '',
    );
    return { nodes, groups };
  }, svgText);
}

async function exportAs(view: PlanViewPage, format: 'svg' | 'png'): Promise<ExportImageCommand> {
  await view.clearPosted();
  await view.page.click(`#export-${format}-button`);
  await view.page.waitForFunction(
    () => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'exportImage'),
    undefined,
    { timeout: 60_000 },
  );
  return (await view.posted()).find((m): m is ExportImageCommand => m.type === 'exportImage')!;
}

describe('export of a huge plan: the whole plan, not the part in view (Chromium)', function () {
  this.timeout(240_000);
  let result: TuningResult;
  const { open } = planViewSuite();

  before(async () => {
    result = syntheticResult(2000);
    assert.equal(result.plan.nodes.length, 2000);
  });

  it('with every group opened (Expand all), the SVG holds all 2,000 nodes with their labels, zoomed out or not', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.waitForSelector('g.node');
    await view.page.click('#expand-all-button');
    // Zoomed far out the view hides text (level of detail); the file is drawn at scale 1 and keeps it. (Fit stops
    // at a readable scale: the user zooms out with "-".)
    await view.page.focus('.plan-canvas');
    for (let i = 0; i < 6; i++) await view.page.keyboard.press('-');
    await view.page.waitForFunction(() => document.querySelector('.plan-canvas')?.classList.contains('lod-low'));
    const drawn = await view.page.locator('g.node').count();
    assert.ok(drawn < 2000, `the view draws part of the plan (${drawn} boxes)`);
    const svg = await exportAs(view, 'svg');
    assert.equal(svg.format, 'svg');
    const { nodes, groups } = await exportedNodes(view, svg.svgText ?? '');
    assert.equal(groups.length, findSiblingGroups(result.plan).groups.length, 'the group boxes, open');
    assert.deepEqual(
      nodes.map((n) => n.id).sort((a, b) => a - b),
      result.plan.nodes.map((n) => n.id),
    );
    for (const n of nodes) {
      const label = nodeLabel(result.plan.nodes[n.id].fields);
      assert.ok(n.ariaLabel.startsWith(label), `node ${n.id}: "${n.ariaLabel}" names "${label}"`);
      // The box's text is the label, cut with "…" where the box is too narrow.
      const drawnLabel = n.label.endsWith('…') ? n.label.slice(0, -1) : n.label;
      assert.ok(
        drawnLabel.length > 0 && label.startsWith(drawnLabel),
        `node ${n.id}: drawn "${n.label}" for "${label}"`,
      );
      assert.notEqual(n.labelDisplay, 'none', `node ${n.id}: its label shows`);
    }
    // Every node's label appears in the file's text.
    const text = svg.svgText ?? '';
    for (const node of result.plan.nodes)
      assert.ok(text.includes(nodeLabel(node.fields)), `"${nodeLabel(node.fields)}" in the SVG`);

    // The view itself is left as it was: still zoomed out, still drawing part of the plan.
    assert.ok(await view.page.evaluate(() => document.querySelector('.plan-canvas')?.classList.contains('lod-low')));
    assert.equal(await view.page.locator('.plan-canvas svg').count(), 1, 'the drawing for export is gone');

    // PNG: 2× would be far past the cap; it is scaled down to fit it, aspect kept.
    const width = Number(/^<svg[^>]* width="(\d+)"/.exec(text)![1]);
    const height = Number(/^<svg[^>]* height="(\d+)"/.exec(text)![1]);
    const png = await exportAs(view, 'png');
    const size = await view.page.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, png.dataUrl ?? '');
    const scale = pngScale(width, height);
    assert.ok(scale < 2, `scaled down (${scale})`);
    assert.deepEqual(size, [Math.round(width * scale), Math.round(height * scale)]);
    assert.ok(
      size[0] <= PNG_MAX_SIDE && size[1] <= PNG_MAX_SIDE && size[0] * size[1] <= PNG_MAX_PIXELS * 1.001,
      `PNG ${size[0]}×${size[1]}`,
    );
  });

  it('with the groups closed as the view opens them, the SVG holds every node the view lays out, plus the group boxes', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.waitForSelector('g.node.group');
    const svg = await exportAs(view, 'svg');
    const { nodes, groups } = await exportedNodes(view, svg.svgText ?? '');
    const sibling = findSiblingGroups(result.plan);
    const closed = new Set<number>();
    const grouping = { groups: sibling, expanded: closed };
    // A node is in the file unless it, or an ancestor, is a member its closed group does not show.
    const hidden = (id: number): boolean => {
      for (let n: number | null = id; n !== null; n = result.plan.nodes[n].parentId)
        if (hiddenInGroup(sibling, closed, n)) return true;
      return false;
    };
    const expected = result.plan.nodes.filter((n) => !hidden(n.id)).map((n) => n.id);
    assert.ok(expected.length < 200, `${expected.length} nodes outside closed groups`);
    assert.deepEqual(
      nodes.map((n) => n.id).sort((a, b) => a - b),
      expected,
    );
    assert.equal(groups.length, sibling.groups.length);
    assert.equal(nodes.length + groups.length, visibleCount(result.plan, new Set(), grouping));
    assert.equal(layoutPlan(result.plan, new Set(), grouping).nodes.length, nodes.length + groups.length);
    for (const g of groups) assert.match(g, /^\d+ × .+, group of similar siblings, \d+ slowest/);
  });
});
