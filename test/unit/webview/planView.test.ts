import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { nodeLabel } from '../../../src/core/plan/planNode';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowResultNotification, PlanViewState } from '../../../src/shared/protocol';
import { testServer } from '../../helpers/globalServer';
import type { PlanViewPage } from './harness';
import { planViewSuite } from './planViewSuite';
import { realResult, syntheticResult } from './fixtureResults';
import {
  firstPaintFieldKeys,
  firstPaintInsights,
  firstPaintMessage,
  nodeFieldsById,
} from '../../../src/extension/panel/compactResult';

const artifacts = resolve(__dirname, '../../../test-artifacts');

function show(result: TuningResult, title = 'orders by region — shop.sql'): DidShowResultNotification {
  return { type: 'didShowResult', result, title };
}

async function selectedId(view: PlanViewPage): Promise<number | undefined> {
  const id = await view.page.getAttribute('g.node.selected', 'data-node-id', { timeout: 2000 }).catch(() => null);
  return id === null ? undefined : Number(id);
}

function subtreeSize(node: TuningResult['plan']['root']): number {
  return 1 + node.children.reduce((n, c) => n + subtreeSize(c), 0);
}

async function nodeCount(view: PlanViewPage): Promise<number> {
  return view.page.locator('g.node').count();
}

describe('plan view webview (Chromium)', function () {
  this.timeout(120_000);
  let result: TuningResult;
  const { open } = planViewSuite();

  before(async () => {
    const server = await testServer();
    result = await realResult(server.url);
  });

  it('says ready, then draws every node of a small plan with its label, and the summary', async () => {
    const view = await open();
    const ready = (await view.posted())[0];
    assert.equal(ready.type, 'ready');
    // When the script started and said ready, for the host's log (ms since the page began loading).
    assert.ok(
      ready.type === 'ready' &&
        ready.boot &&
        ready.boot.readyMs >= ready.boot.scriptStartMs &&
        ready.boot.scriptStartMs > 0,
    );
    await view.send(show(result));
    await view.page.waitForSelector('g.node');
    assert.equal(await nodeCount(view), result.plan.nodes.length);
    for (const node of result.plan.nodes) {
      const text = await view.page.textContent(`#plan-node-${node.id} text.label`);
      const expected = nodeLabel(node);
      assert.ok(text, `node ${node.id} has a label`);
      const shown = text.endsWith('…') ? text.slice(0, -1) : text;
      assert.ok(
        expected.startsWith(shown) && shown.length >= Math.min(expected.length, 12),
        `label of ${node.id}: ${text} vs ${expected}`,
      );
    }
    const summary = await view.page.textContent('.summary');
    assert.match(summary ?? '', /Execution/);
    assert.match(summary ?? '', /Planning/);
    assert.match(summary ?? '', /Ran on postgres@127\.0\.0\.1\/test · PostgreSQL \d+/);
    assert.match(summary ?? '', /read-only transaction/);
    assert.doesNotMatch(summary ?? '', /embedded database/);
    // One edge per parent → child link, thicker for more rows.
    assert.equal(await view.page.locator('path.edge').count(), result.plan.nodes.length - 1);
  });

  it('draws a result sent compact (empty node list, as the host sends it) like the full one', async () => {
    const view = await open();
    const compact = { ...result, plan: { ...result.plan, nodes: [] } };
    await view.send(show(compact));
    await view.page.waitForSelector('g.node');
    assert.equal(await nodeCount(view), result.plan.nodes.length);
    const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1);
    assert.ok(hotspot);
    assert.match((await view.page.textContent(`#plan-node-${hotspot.id}`)) ?? '', /#1/);
  });

  it('draws a result sent in its first-paint form alike, and shows every raw field once they follow', async () => {
    const view = await open();
    const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1)!;
    const other = result.plan.nodes.find(
      (n) => n.id !== hotspot.id && Object.keys(n.fields).some((k) => !firstPaintFieldKeys.includes(k as never)),
    )!;
    assert.ok(other, 'a node with fields beyond the first-paint ones');
    // Sent as the host sends it: nodes as columns (typed arrays), the root a stand-in.
    const firstPaint = firstPaintMessage(result, new Set([hotspot.id]));
    assert.equal(firstPaint.result.rawPlan, '', 'the raw plan stays on the host');
    assert.ok(firstPaint.packedNodes && firstPaint.result.plan.root.children.length === 0);
    await view.send({ ...show(firstPaint.result), ...firstPaint, resultKey: 'k1', fieldsToFollow: true });
    await view.page.waitForSelector('g.node');
    assert.equal(await nodeCount(view), result.plan.nodes.length);
    // Labels and figures come from the first-paint fields: the drawing is the one of the full result.
    const full = await open();
    await full.send(show(result));
    await full.page.waitForSelector('g.node');
    const drawing = (v: PlanViewPage) => v.page.locator('svg.plan-svg').evaluate((e) => e.outerHTML);
    assert.equal(await drawing(view), await drawing(full));
    // The selected hotspot's details list all its fields at once.
    assert.equal(await selectedId(view), hotspot.id);
    const rawRows = () => view.page.locator('.details table.raw th').allTextContents();
    assert.deepEqual(
      await rawRows(),
      Object.keys(hotspot.fields).filter((k) => k !== 'Plans'),
    );
    await view.send({ type: 'didSelectNode', nodeId: other.id });
    const before = await rawRows();
    assert.ok(
      before.length < Object.keys(other.fields).length,
      'another node has only its first-paint fields until they follow',
    );
    // Fields for another result are ignored; the shown one's fill the details pane, in EXPLAIN's order.
    await view.send({ type: 'didLoadNodeFields', resultKey: 'other', fields: nodeFieldsById(result) });
    assert.deepEqual(await rawRows(), before);
    await view.send({ type: 'didLoadNodeFields', resultKey: 'k1', fields: nodeFieldsById(result) });
    assert.deepEqual(
      await rawRows(),
      Object.keys(other.fields).filter((k) => k !== 'Plans'),
    );
    // The same key again (re-sent after a focus change) keeps the selection; the saved state names the result.
    await view.send({ ...show(firstPaint.result), ...firstPaint, resultKey: 'k1', fieldsToFollow: true });
    assert.equal(await selectedId(view), other.id);
    await view.page.waitForTimeout(300);
    assert.equal((await view.savedState())?.resultKey, 'k1');
    // Another key is another result, even with the same SQL and an empty raw plan: the view starts afresh.
    await view.send({ ...show(firstPaint.result), ...firstPaint, resultKey: 'k2', fieldsToFollow: true });
    assert.equal(await selectedId(view), hotspot.id);
  });

  it('lists the first insights at once and the rest when they follow', async () => {
    const view = await open();
    // Input to the view: the real result's insights repeated past what the first message carries.
    const many = Array.from({ length: firstPaintInsights + 7 }, (_, i) => ({
      ...result.insights[i % result.insights.length],
      title: `finding ${i + 1}`,
    }));
    const withMany = { ...result, insights: many };
    const firstPaint = firstPaintMessage(withMany, new Set([0]));
    assert.equal(firstPaint.result.insights.length, firstPaintInsights);
    await view.send({ ...show(firstPaint.result), ...firstPaint, resultKey: 'm1', fieldsToFollow: true });
    await view.page.waitForSelector('g.node');
    // Findings alike (one rule, the same title but for its figures) are one entry with their count.
    const counts = () =>
      view.page.locator('button.insight').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-count'))));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(await counts()), firstPaintInsights);
    assert.equal((await counts()).length, new Set(result.insights.map((i) => i.ruleId)).size);
    assert.match((await view.page.textContent('.more-insights')) ?? '', /^7 more/);
    assert.equal(
      await view.page.locator('.insights-section').evaluate((e) => (e as HTMLElement & { heading: string }).heading),
      `Insights (${many.length})`,
    );
    await view.send({ type: 'didLoadNodeFields', resultKey: 'm1', fields: nodeFieldsById(withMany), insights: many });
    assert.equal(sum(await counts()), many.length);
    assert.equal(await view.page.locator('.more-insights').count(), 0);
  });

  it('puts the #1 hotspot badge on the node with the largest exclusive time', async () => {
    const view = await open();
    await view.send(show(result));
    const hottest = result.plan.nodes.reduce((a, b) => (b.metrics.exclusiveTimeMs > a.metrics.exclusiveTimeMs ? b : a));
    assert.equal(await view.page.textContent(`#plan-node-${hottest.id} .hotspot text`), '#1');
    assert.equal(await view.page.locator('.hotspot text', { hasText: /^#1$/ }).count(), 1);
    // The hottest node is selected first and its details are shown.
    assert.equal(await selectedId(view), hottest.id);
    assert.equal(await view.page.textContent('.details-title'), nodeLabel(hottest));
  });

  it('selects and reveals the node of a clicked insight, posting its SQL range', async () => {
    const view = await open();
    await view.send(show(result));
    await view.clearPosted();
    const insight = result.insights.find((i) => i.ruleId === 'seq-scan-large-table')!;
    await view.page.click('button.insight[data-rule="seq-scan-large-table"]');
    const nodeId = insight.nodeIds[0];
    assert.equal(await selectedId(view), nodeId);
    const posted = await view.posted();
    assert.deepEqual(posted, [
      { type: 'selectNode', nodeId },
      { type: 'revealSqlRange', range: insight.sqlRange, nodeId, ruleId: insight.ruleId },
    ]);
    assert.equal(result.sql.slice(insight.sqlRange!.start, insight.sqlRange!.end), `o.note LIKE '%gift%'`);
    assert.equal(await view.page.textContent('.details-title'), nodeLabel(result.plan.nodes[nodeId]));
    // The raw fields appear under PostgreSQL's names.
    const raw = await view.page.textContent('table.raw');
    assert.match(raw ?? '', /Rows Removed by Filter/);
    assert.match(raw ?? '', /Relation Name\s*orders/);
  });

  it('an insight without a SQL range falls back to its node range', async () => {
    const view = await open();
    await view.send(show(result));
    await view.clearPosted();
    const insight = result.insights.find((i) => i.ruleId === 'cold-cache')!;
    await view.page.click('button.insight[data-rule="cold-cache"]');
    const nodeId = insight.nodeIds[0];
    assert.equal(await selectedId(view), nodeId);
    const reveal = (await view.posted()).find((m) => m.type === 'revealSqlRange');
    assert.deepEqual(reveal, {
      type: 'revealSqlRange',
      range: result.nodeRanges[nodeId],
      nodeId,
      ruleId: 'cold-cache',
    });
    assert.equal(result.sql.slice(result.nodeRanges[nodeId].start, result.nodeRanges[nodeId].end), 'customers c');
  });

  it('clicking a node selects it and moves the editor selection to its SQL', async () => {
    const view = await open();
    await view.send(show(result));
    await view.clearPosted();
    const scan = result.plan.nodes.find((n) => n.fields['Relation Name'] === 'orders')!;
    await view.page.click(`#plan-node-${scan.id} text.label`);
    assert.equal(await selectedId(view), scan.id);
    assert.deepEqual(await view.posted(), [
      { type: 'selectNode', nodeId: scan.id },
      { type: 'revealSqlRange', range: result.nodeRanges[scan.id], nodeId: scan.id },
    ]);
  });

  it('moves the selection with the arrow keys (parent, child, sibling)', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Home');
    assert.equal(await selectedId(view), 0);
    // Walk down first children to the first node with two children (the join).
    let node = result.plan.root;
    while (node.children.length === 1) {
      await view.page.keyboard.press('ArrowDown');
      node = node.children[0];
      assert.equal(await selectedId(view), node.id);
    }
    assert.ok(node.children.length >= 2, 'the plan has a join');
    await view.page.keyboard.press('ArrowDown');
    assert.equal(await selectedId(view), node.children[0].id);
    await view.page.keyboard.press('ArrowRight');
    assert.equal(await selectedId(view), node.children[1].id);
    await view.page.keyboard.press('ArrowLeft');
    assert.equal(await selectedId(view), node.children[0].id);
    await view.page.keyboard.press('ArrowUp');
    assert.equal(await selectedId(view), node.id);
    assert.equal(await view.page.getAttribute('.plan-canvas', 'aria-activedescendant'), `plan-node-${node.id}`);
    const posted = await view.posted();
    assert.deepEqual(posted.at(-1), { type: 'selectNode', nodeId: node.id });
  });

  it('collapses a subtree with Enter or its toggle, hiding the children', async () => {
    const view = await open();
    await view.send(show(result));
    const total = result.plan.nodes.length;
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Home');
    await view.page.keyboard.press('ArrowDown');
    const child = result.plan.root.children[0];
    await view.page.keyboard.press('Enter');
    const hidden = subtreeSize(child) - 1;
    assert.equal(await nodeCount(view), total - hidden);
    assert.equal(await view.page.getAttribute(`#plan-node-${child.id}`, 'aria-expanded'), 'false');
    assert.match(
      (await view.page.textContent(`#plan-node-${child.id} .hidden-count`)) ?? '',
      new RegExp(`^${hidden} hidden$`),
    );
    await view.page.keyboard.press('Enter');
    assert.equal(await nodeCount(view), total);
    // The toggle button below a node does the same.
    await view.page.click(`#plan-node-${child.id} g.toggle circle`);
    assert.equal(await nodeCount(view), total - hidden);
    await view.page.click(`#plan-node-${child.id} g.toggle circle`);
    assert.equal(await nodeCount(view), total);
  });

  it('restores selection, collapsed subtrees and zoom after a reload', async () => {
    const view = await open();
    await view.send(show(result));
    const scan = result.plan.nodes.find((n) => n.fields['Relation Name'] === 'customers')!;
    const collapsedId = scan.parentId!;
    await view.page.click(`#plan-node-${scan.id} text.label`);
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('+');
    await view.page.click(`#plan-node-${collapsedId} g.toggle circle`);
    await view.page.waitForFunction((id) => {
      const st = (window as unknown as { __state: () => PlanViewState | undefined }).__state();
      return st !== undefined && st.collapsedIds.includes(id);
    }, collapsedId);
    await view.page.waitForTimeout(300);
    const state = (await view.savedState())!;
    assert.equal(state.version, 1);
    assert.ok(state.result, 'the result is saved for the serializer');
    // Collapsing the customers scan's parent moved the selection there.
    assert.equal(state.selectedNodeId, collapsedId);
    const transformBefore = await view.page.getAttribute('g.viewport', 'transform');
    const countBefore = await nodeCount(view);

    const reloaded = await open({ state });
    await reloaded.page.waitForSelector('g.node');
    assert.equal(await selectedId(reloaded), collapsedId);
    assert.equal(await nodeCount(reloaded), countBefore);
    assert.equal(await reloaded.page.getAttribute(`#plan-node-${collapsedId}`, 'aria-expanded'), 'false');
    assert.equal(await reloaded.page.getAttribute('g.viewport', 'transform'), transformBefore);
    assert.deepEqual(
      (await reloaded.posted()).map((m) => m.type),
      ['ready'],
    );
    // The host re-sending the same result (its serializer does) keeps the view.
    await reloaded.send(show(result));
    assert.equal(await selectedId(reloaded), collapsedId);
    assert.equal(await nodeCount(reloaded), countBefore);
  });

  it('shows the embedded-timings note only for embedded runs', async () => {
    const view = await open();
    const embedded: TuningResult = {
      ...result,
      run: { ...result.run!, sessionKind: 'embedded', sessionLabel: 'embedded' },
    };
    await view.send(show(embedded));
    const note = await view.page.textContent('.embedded-note');
    assert.match(note ?? '', /Timings on the embedded database are not production timings/);
    await view.send(show(result));
    assert.equal(await view.page.locator('.embedded-note').count(), 0);
    await view.send({ ...show(result), embeddedTimingsNote: true });
    assert.equal(await view.page.locator('.embedded-note').count(), 1);
  });

  it('host messages select nodes and toggle the busy state; toolbar buttons post commands', async () => {
    const view = await open();
    await view.send(show(result));
    const leaf = result.plan.nodes.find((n) => n.children.length === 0)!;
    await view.send({ type: 'didSelectNode', nodeId: leaf.id });
    assert.equal(await selectedId(view), leaf.id);
    await view.send({ type: 'didChangeBusy', busy: true, message: 'Explaining…' });
    assert.equal(await view.page.isVisible('.busy'), true);
    await view.send({ type: 'didChangeBusy', busy: false });
    assert.equal(await view.page.isVisible('.busy'), false);
    await view.clearPosted();
    await view.page.click('#copy-json-button');
    await view.page.click('#open-report-button');
    await view.page.click('#explain-again-button');
    assert.deepEqual(await view.posted(), [{ type: 'copyPlanJson' }, { type: 'openReport' }, { type: 'explainAgain' }]);
  });

  it('shows the busy line before any plan (a view opened as an explain starts), then the plan', async () => {
    const view = await open();
    await view.send({ type: 'didChangeBusy', busy: true, message: 'Explain and Optimize on Embedded…' });
    assert.equal(await view.page.isVisible('.busy vscode-progress-ring'), true);
    assert.match((await view.page.textContent('.busy')) ?? '', /Explain and Optimize on Embedded…/);
    await view.send({
      type: 'didChangeBusy',
      busy: false,
      message: 'Explain and Optimize failed: syntax error at or near "WHER".',
    });
    assert.equal(await view.page.isVisible('.busy.error'), true);
    await view.send({ type: 'didChangeBusy', busy: true });
    await view.send(show(result));
    await view.send({ type: 'didChangeBusy', busy: false });
    await view.page.waitForSelector('g.node');
    assert.equal(await view.page.isVisible('.busy'), false);
  });

  // How fast it opens (first paint ≤ 300 ms at 2,000 nodes) is a benchmark figure, not a test: `npm run bench`
  // steps (d) bench/webviewPaint.ts and (g) bench/viewer/run.ts measure it.
  it('opens a 2,000-node plan drawing only what is in view', async () => {
    const big = syntheticResult(2000);
    assert.equal(big.plan.nodes.length, 2000);
    const view = await open();
    await view.send(show(big, 'synthetic 2,000 nodes'));
    await view.page.waitForSelector('g.node');
    const drawn = await nodeCount(view);
    assert.ok(drawn > 5 && drawn <= 600, `drawn ${drawn} node elements`);
    // Expanding everything and fitting still keeps the DOM bounded… after zooming back in, by the viewport.
    await view.page.click('#expand-all-button');
    assert.ok((await nodeCount(view)) <= 600, `after expand all: ${await nodeCount(view)}`);
    const box = (await view.page.locator('.plan-canvas').boundingBox())!;
    await view.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await view.page.mouse.down();
    await view.page.mouse.move(box.x + box.width / 2 - 600, box.y + box.height / 2 - 300, { steps: 8 });
    await view.page.mouse.up();
    await view.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
    const afterPan = await nodeCount(view);
    assert.ok(afterPan > 0 && afterPan <= 600, `after pan: ${afterPan}`);
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-2000.png') });
  });

  it('looks right in the dark and light themes (screenshots in test-artifacts/)', async () => {
    mkdirSync(artifacts, { recursive: true });
    for (const theme of ['dark', 'light'] as const) {
      const view = await open({ theme });
      await view.send(show(result));
      await view.page.waitForSelector('g.node');
      await view.page.evaluate(() => document.fonts.ready);
      await view.page.screenshot({
        path: resolve(artifacts, theme === 'dark' ? 'plan-view.png' : 'plan-view-light.png'),
      });
      const bg = await view.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(255, 255, 255)');
    }
  });
});
