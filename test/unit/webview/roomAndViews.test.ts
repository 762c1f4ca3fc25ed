/**
 * Issue 13 item 6, "a view with room, numbers that add up", in Chromium: the tree's room in a view as narrow as the
 * editor's default split (the side panes give theirs back when closed, the legend lies outside the canvas), small
 * plans opened fitted at a readable scale and big ones centred on hotspot #1, the node grid and the per-table and
 * per-node-type totals linked to the tree's selection, identical insights grouped and ranked by share, and a plan
 * hundreds of levels deep: its depth said, its hot path followed with H, no box cut at the canvas's left edge.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { runPlanRules } from '../../../src/core/insights/planRules';
import type { DidShowResultNotification } from '../../../src/shared/protocol';
import { READABLE_SCALE } from '../../../webview/planCanvas';
import { deepPlanJson } from '../../helpers/extremePlans';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';
import { testServer } from '../../helpers/globalServer';
import type { PlanViewPage } from './harness';
import { planViewSuite } from './planViewSuite';
import { realResult } from './fixtureResults';
import { firstPaintMessage, nodeFieldsById } from '../../../src/extension/panel/compactResult';

const artifacts = resolve(__dirname, '../../../test-artifacts');
/** About the plan view's size beside an editor in VS Code's default split on a 1600 × 1000 window. */
const SPLIT = { width: 650, height: 900 };

function show(result: TuningResult, title = 'orders by region — shop.sql'): DidShowResultNotification {
  return { type: 'didShowResult', result: { ...result, plan: { ...result.plan, nodes: [] } }, title };
}

function analysed(json: string): TuningResult {
  const plan = parsePlan(json);
  return { sql: '', plan, insights: runPlanRules({ plan }), nodeRanges: {}, rawPlan: json };
}

/**
 * As the host sends a big result: its nodes as columns and the first insights, then every node's fields and all
 * the insights (a plan hundreds of levels deep cannot even be passed to the page as one nested object).
 */
async function send(view: PlanViewPage, result: TuningResult, title: string): Promise<void> {
  const first = firstPaintMessage(result, new Set());
  await view.send({ type: 'didShowResult', title, resultKey: title, fieldsToFollow: true, ...first });
  await view.page.waitForSelector('g.node');
  await view.send({
    type: 'didLoadNodeFields',
    resultKey: title,
    fields: nodeFieldsById(result),
    insights: result.insights,
  });
  await view.page.waitForFunction(() => !document.querySelector('.more-insights'));
}

async function selectedId(view: PlanViewPage): Promise<number | undefined> {
  const id = await view.page.getAttribute('g.node.selected', 'data-node-id', { timeout: 2000 }).catch(() => null);
  return id === null ? undefined : Number(id);
}

/** The canvas's box, its zoom scale, and the screen boxes of the drawn nodes. */
async function geometry(view: PlanViewPage) {
  await view.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return view.page.evaluate(() => {
    const rect = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    };
    const transform = document.querySelector('g.viewport')?.getAttribute('transform') ?? '';
    return {
      canvas: rect(document.querySelector('.plan-canvas')!),
      legend: rect(document.querySelector('.legend')!),
      scale: Number(/scale\(([\d.]+)\)/.exec(transform)?.[1] ?? 1),
      lod: document.querySelector('.plan-canvas')!.classList.contains('lod-low'),
      nodes: [...document.querySelectorAll('g.node')].map((g) => ({
        id: Number(g.getAttribute('data-node-id')),
        ...rect(g.querySelector('rect.box')!),
      })),
    };
  });
}

function intersects(a: { left: number; top: number; right: number; bottom: number }, b: typeof a): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

describe('plan view: room for the tree, grid and totals, grouped insights, deep plans (Chromium)', function () {
  this.timeout(180_000);
  let result: TuningResult;
  const { open } = planViewSuite();

  before(async () => {
    result = await realResult((await testServer()).url);
    mkdirSync(artifacts, { recursive: true });
  });

  it('beside the editor: the tree takes most of the height, opens fitted and readable, and the legend covers no node', async () => {
    const view = await open(SPLIT);
    await view.send(show(result));
    await view.page.waitForSelector('g.node');
    const g = await geometry(view);
    assert.ok(g.canvas.height >= 0.5 * SPLIT.height, `canvas ${g.canvas.height} px of ${SPLIT.height}`);
    // Fitted: every node whole inside the canvas, at a scale that draws the text.
    assert.equal(g.nodes.length, result.plan.nodes.length);
    assert.ok(g.scale >= READABLE_SCALE && !g.lod, `scale ${g.scale}`);
    for (const n of g.nodes) {
      assert.ok(
        n.left >= g.canvas.left && n.right <= g.canvas.right && n.top >= g.canvas.top && n.bottom <= g.canvas.bottom,
        `node ${n.id} inside the canvas`,
      );
    }
    assert.ok(!intersects(g.legend, g.canvas), 'the legend lies outside the canvas');
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-split.png') });

    // Closing Insights (its heading, as a user clicks it) gives its room to the tree.
    await view.page.click('.insights-section .collapsible-header');
    const closed = await geometry(view);
    assert.ok(closed.canvas.height > g.canvas.height + 40, `canvas ${g.canvas.height} → ${closed.canvas.height} px`);
    // The opening view follows the new size (the user has not moved it): still whole, no smaller.
    assert.ok(closed.scale >= g.scale, `scale ${g.scale} → ${closed.scale}`);

    // Fit (F) never shrinks below the readable scale.
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('-');
    await view.page.keyboard.press('-');
    await view.page.keyboard.press('-');
    await view.page.keyboard.press('-');
    assert.ok((await geometry(view)).scale < READABLE_SCALE);
    await view.page.keyboard.press('f');
    assert.ok((await geometry(view)).scale >= READABLE_SCALE);
  });

  it('a 2,000-node plan opens on its hotspot: selected, centred, at a readable scale', async () => {
    const big = analysed(syntheticPlanJson(2000));
    // No node of the generator's plan reaches a hotspot's 5 %: the view opens on the one with most own time.
    assert.equal(big.plan.nodes.filter((n) => n.metrics.hotspotRank !== undefined).length, 0);
    const hotspot = big.plan.nodes.reduce((a, b) => (b.metrics.timeShare > a.metrics.timeShare ? b : a));
    const view = await open();
    await send(view, big, 'synthetic 2,000 nodes');
    await view.page.waitForSelector('g.node');
    assert.equal(await selectedId(view), hotspot.id);
    const g = await geometry(view);
    assert.ok(g.scale >= READABLE_SCALE && !g.lod, `scale ${g.scale}`);
    const box = g.nodes.find((n) => n.id === hotspot.id)!;
    const cx = (box.left + box.right) / 2;
    const cy = (box.top + box.bottom) / 2;
    assert.ok(Math.abs(cx - (g.canvas.left + g.canvas.width / 2)) < 4, `centred across: ${cx}`);
    assert.ok(Math.abs(cy - (g.canvas.top + g.canvas.height / 2)) < 4, `centred down: ${cy}`);
  });

  it('the node grid sorts by any column and shares the selection with the tree, by pointer and keys', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.waitForSelector('g.node');
    await view.page.click('#drawer-tab-nodes');
    const rows = view.page.locator('.grid-scroll tbody tr[data-node-id]');
    assert.equal(await rows.count(), result.plan.nodes.length);
    const rowIds = () => rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-node-id'))));
    // By own time, most first: the #1 hotspot heads the grid, and (selected in the tree) its row is marked.
    const bySelf = [...result.plan.nodes].sort(
      (a, b) => b.metrics.exclusiveTimeMs - a.metrics.exclusiveTimeMs || a.id - b.id,
    );
    assert.deepEqual(
      await rowIds(),
      bySelf.map((n) => n.id),
    );
    const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1)!;
    assert.equal(await view.page.getAttribute('.grid-scroll tr.selected', 'data-node-id'), String(hotspot.id));
    // Sorting by actual rows, then the other way round.
    await view.page.click('.sort-button[data-column="rows"]');
    const byRows = [...result.plan.nodes].sort(
      (a, b) => b.metrics.actualRowsTotal - a.metrics.actualRowsTotal || a.id - b.id,
    );
    assert.deepEqual(
      await rowIds(),
      byRows.map((n) => n.id),
    );
    assert.equal(await view.page.getAttribute('th.col-rows', 'aria-sort'), 'descending');
    await view.page.click('.sort-button[data-column="rows"]');
    assert.equal(await view.page.getAttribute('th.col-rows', 'aria-sort'), 'ascending');
    assert.deepEqual(
      await rowIds(),
      [...result.plan.nodes]
        .sort((a, b) => a.metrics.actualRowsTotal - b.metrics.actualRowsTotal || a.id - b.id)
        .map((n) => n.id),
    );
    // A row clicked: the tree selects the node (and tells the host), its box in view.
    const customers = result.plan.nodes.find((n) => n.fields['Relation Name'] === 'customers')!;
    await view.clearPosted();
    await view.page.click(`#grid-row-${customers.id}`);
    assert.equal(await selectedId(view), customers.id);
    assert.deepEqual(
      (await view.posted()).filter((m) => m.type === 'selectNode'),
      [{ type: 'selectNode', nodeId: customers.id }],
    );
    const g = await geometry(view);
    const box = g.nodes.find((n) => n.id === customers.id)!;
    assert.ok(box.left >= g.canvas.left && box.bottom <= g.canvas.bottom, 'the selected node is in view');
    // The keys: down selects the next row's node in the tree.
    const order = await rowIds();
    await view.page.focus('.grid-scroll');
    await view.page.keyboard.press('ArrowDown');
    const next = order[order.indexOf(customers.id) + 1];
    assert.equal(await selectedId(view), next);
    assert.equal(await view.page.getAttribute('.grid-scroll', 'aria-activedescendant'), `grid-row-${next}`);
    // A node clicked in the tree: its row is the grid's selection.
    await view.page.click(`#plan-node-0 text.label`);
    assert.equal(await view.page.getAttribute('.grid-scroll tr.selected', 'data-node-id'), '0');
    // The open tab pressed again closes the drawer: the canvas has its height back.
    const withDrawer = g.canvas.height;
    await view.page.click('#drawer-tab-nodes');
    assert.ok((await geometry(view)).canvas.height > withDrawer + 100);
  });

  it('totals per table and per node type add up, and select the slowest node of their row', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.waitForSelector('g.node');
    await view.page.click('#drawer-tab-tables');
    const cells = () =>
      view.page.$$eval('.totals tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    const tables = await cells();
    const scans = result.plan.nodes.filter((n) => n.fields['Relation Name']);
    assert.deepEqual(tables.map((r) => r[0]).sort(), [...new Set(scans.map((n) => n.fields['Relation Name']!))].sort());
    for (const row of tables)
      assert.equal(row[3], String(scans.filter((n) => n.fields['Relation Name'] === row[0]).length));
    const customers = scans.find((n) => n.fields['Relation Name'] === 'customers')!;
    await view.page.click('.totals tr[data-key="customers"]');
    assert.equal(await selectedId(view), customers.id);
    assert.equal(await view.page.getAttribute('.totals tr.selected', 'data-key'), 'customers');

    await view.page.click('#drawer-tab-types');
    const types = await cells();
    const typeNames = [...new Set(result.plan.nodes.map((n) => n.fields['Node Type']))];
    assert.deepEqual(types.map((r) => r[0]).sort(), typeNames.sort());
    assert.equal(
      types.reduce((sum, r) => sum + Number(r[3]), 0),
      result.plan.nodes.length,
      'every node counted once',
    );
    // Keyboard: Enter on a focused row selects its slowest node; the row of the tree's selection is marked.
    const seqScans = result.plan.nodes
      .filter((n) => n.fields['Node Type'] === 'Seq Scan')
      .sort((a, b) => b.metrics.exclusiveTimeMs - a.metrics.exclusiveTimeMs);
    await view.page.focus('.totals tr[data-key="Seq Scan"]');
    await view.page.keyboard.press('Enter');
    assert.equal(await selectedId(view), seqScans[0].id);
    assert.equal(await view.page.getAttribute('.totals tr.selected', 'data-key'), 'Seq Scan');
  });

  it('10,000 nodes: identical insights are one entry with their count and nodes, ranked by share, the rest behind "more"', async () => {
    const huge = analysed(syntheticPlanJson(10_000));
    const filters = huge.insights.filter((i) => i.ruleId === 'filter-discards-most-rows');
    assert.ok(filters.length > 1000, `${filters.length} findings of one rule in the input`);
    const view = await open();
    await send(view, huge, 'synthetic 10,000 nodes');
    await view.page.waitForSelector('g.node');
    const entries = view.page.locator('button.insight');
    assert.ok((await entries.count()) <= 8, `${await entries.count()} entries drawn`);
    // The grouped entry comes first: together its nodes take the largest share.
    const first = entries.first();
    assert.equal(await first.getAttribute('data-rule'), 'filter-discards-most-rows');
    assert.equal(await first.getAttribute('data-count'), String(filters.length));
    assert.match((await first.textContent()) ?? '', new RegExp(`×${filters.length.toLocaleString('en-US')}`));
    assert.match((await first.textContent()) ?? '', /\d+% of the time/);
    // Pressing it selects its most expensive node.
    const shares = filters.map((i) => huge.plan.nodes[i.nodeIds[0]]);
    const top = shares.reduce((a, b) => (b.metrics.timeShare > a.metrics.timeShare ? b : a));
    await first.click();
    assert.equal(await selectedId(view), top.id);
    // Its nodes are listed on demand; one of them selected from there.
    await view.page.click('.insight-nodes summary');
    const link = view.page.locator('.insight-nodes .member-link').nth(3);
    const linkId = Number(await link.getAttribute('data-node-id'));
    await link.click();
    assert.equal(await selectedId(view), linkId);
    // Nothing hidden: the entries add up to every finding.
    const counts = await entries.evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-count'))));
    const more = view.page.locator('.more-insights-button');
    if (await more.isVisible()) {
      await more.click();
    }
    const all = await entries.evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-count'))));
    assert.ok(all.length >= counts.length);
    assert.equal(
      all.reduce((a, b) => a + b, 0),
      huge.insights.length,
    );
  });

  it('a plan 669 levels deep: the header says so, H follows the hot path down, and no box is cut at the left edge', async () => {
    const deep = analysed(deepPlanJson(668));
    const view = await open(SPLIT);
    await send(view, deep, 'deep');
    await view.page.waitForSelector('g.node');
    const depth = await view.page.$$eval(
      '.summary .stat',
      (stats) => stats.find((s) => s.querySelector('dt')?.textContent === 'Depth')?.querySelector('dd')?.textContent,
    );
    assert.equal(depth, '669');
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Home');
    assert.equal(await selectedId(view), 0);
    // Each H moves to the child with the most inclusive time: the Nested Loop below, then the one below it …
    const hot = (id: number) =>
      deep.plan.nodes[id].children.reduce((a, b) => (b.metrics.inclusiveTimeMs > a.metrics.inclusiveTimeMs ? b : a));
    let id = 0;
    for (let step = 0; step < 240; step++) {
      await view.page.keyboard.press('h');
      id = hot(id).id;
    }
    // … past the depth where the first view collapsed the tree, each revealed and in view.
    assert.equal(await selectedId(view), id);
    assert.ok(deep.plan.nodes[id].depth >= 240);
    const g = await geometry(view);
    const box = g.nodes.find((n) => n.id === id)!;
    assert.ok(intersects(box, g.canvas), 'the node reached is in view');
    for (const n of g.nodes.filter((b) => intersects(b, g.canvas)))
      assert.ok(n.left >= g.canvas.left, `node ${n.id} whole at the left edge (${n.left} < ${g.canvas.left})`);
    // The toolbar's button does the same.
    await view.page.click('#hot-path-button');
    assert.equal(await selectedId(view), hot(id).id);
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-deep.png') });
  });
});
