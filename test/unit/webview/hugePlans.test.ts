import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowResultNotification } from '../../../src/shared/protocol';
import { formatMs } from '../../../webview/format';
import { findSiblingGroups, nameShape, nameStem } from '../../../webview/siblingGroups';
import { testServer } from '../../helpers/globalServer';
import { syntheticResult } from './fixtureResults';
import type { PlanViewPage } from './harness';
import { planViewSuite } from './planViewSuite';
import { BIG_PARTITIONS, PARTITIONS, partitionName, partitionedResult } from './partitionedResult';

const artifacts = resolve(__dirname, '../../../test-artifacts');

/** As the host sends it: the node list empty, rebuilt in the webview. */
function show(result: TuningResult, title = 'events by kind — events.sql'): DidShowResultNotification {
  return { type: 'didShowResult', result: { ...result, plan: { ...result.plan, nodes: [] } }, title };
}

async function selectedId(view: PlanViewPage): Promise<number | undefined> {
  const id = await view.page.getAttribute('g.node.selected', 'data-node-id', { timeout: 2000 }).catch(() => null);
  return id === null ? undefined : Number(id);
}

/** Ids of the plan nodes drawn now (group boxes left out). */
async function drawnNodeIds(view: PlanViewPage): Promise<number[]> {
  return view.page.$$eval('g.node:not(.group)', (gs) => gs.map((g) => Number(g.getAttribute('data-node-id'))));
}

describe('plan view: huge plans (Chromium)', function () {
  this.timeout(180_000);
  let result: TuningResult;
  /** The Append's children, the partition scans. */
  let scans: TuningResult['plan']['nodes'];
  const { open } = planViewSuite();

  const scanOf = (i: number) => scans.find((n) => n.fields['Relation Name'] === partitionName(i))!;

  before(async () => {
    const server = await testServer();
    result = await partitionedResult(server.url);
    const append = result.plan.nodes.find((n) => n.fields['Node Type'] === 'Append')!;
    scans = append.children;
    assert.equal(scans.length, PARTITIONS, 'the real plan has one Seq Scan per partition under the Append');
    mkdirSync(artifacts, { recursive: true });
  });

  it('draws an Append over 300 partitions as one group: count, summed time, the 3 slowest as real nodes', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.waitForSelector('g.node.group');
    assert.equal(await view.page.locator('g.node.group').count(), 1);
    const group = view.page.locator('g.node.group');
    const text = (await group.textContent()) ?? '';
    const slowest = [...scans].sort((a, b) => b.metrics.inclusiveTimeMs - a.metrics.inclusiveTimeMs).slice(0, 3);
    assert.deepEqual(slowest.map((n) => n.fields['Relation Name']).sort(), BIG_PARTITIONS.map(partitionName).sort());
    // Real timings: on a busy machine a small partition can pass 5 % of the time and become a hotspot;
    // the group then draws it too, and says so.
    const withHotspot = scans.filter((n) => !slowest.includes(n) && n.metrics.hotspotRank !== undefined);
    const shownText = withHotspot.length ? `3 slowest + ${withHotspot.length} with a hotspot shown` : '3 slowest shown';
    assert.match(text, /^300 × Seq Scan on events_p…/);
    assert.ok(text.includes(`(${shownText})`), `"${shownText}" in "${text}"`);
    const sum = scans.reduce((t, n) => t + n.metrics.inclusiveTimeMs, 0);
    assert.ok(text.includes(`Σ ${formatMs(sum)}`), `summed time ${formatMs(sum)} in "${text}"`);
    assert.ok(text.includes(`+${297 - withHotspot.length} more`), text);
    assert.equal(await group.getAttribute('aria-expanded'), 'false');

    const drawnScans = (await drawnNodeIds(view)).filter((id) => scans.some((s) => s.id === id));
    assert.deepEqual(
      drawnScans.sort((a, b) => a - b),
      [...slowest, ...withHotspot].map((n) => n.id).sort((a, b) => a - b),
    );
    // Every hotspot stays visible with its badge, those inside the group too.
    for (const n of result.plan.nodes.filter((x) => x.metrics.hotspotRank !== undefined)) {
      assert.equal(await view.page.textContent(`#plan-node-${n.id} .hotspot text`), `#${n.metrics.hotspotRank}`);
    }
    await view.page.evaluate(() => document.fonts.ready);
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-group.png') });
  });

  it('expands the group on Enter (all members, drawn as the viewport needs), collapses back, and keeps it after a reload', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Home');
    await view.page.keyboard.press('ArrowDown'); // Append
    await view.page.keyboard.press('ArrowDown'); // the group box
    const groupBox = await selectedId(view);
    assert.ok(groupBox !== undefined && groupBox < 0, 'the group box is selected');
    assert.equal(await view.page.getAttribute('.plan-canvas', 'aria-activedescendant'), `plan-group-${scans[0].id}`);
    assert.match((await view.page.textContent('.details-title')) ?? '', /^300 × Seq Scan on events_p…/);
    await view.page.keyboard.press('ArrowDown'); // its first drawn member
    const first = await selectedId(view);
    assert.ok(first !== undefined && scans.some((s) => s.id === first));
    await view.page.keyboard.press('ArrowUp');
    assert.equal(await selectedId(view), groupBox);

    await view.page.keyboard.press('Enter');
    const group = view.page.locator('g.node.group');
    assert.equal(await group.getAttribute('aria-expanded'), 'true');
    assert.match((await group.textContent()) ?? '', /\(all shown\)/);
    const drawn = await view.page.locator('g.node').count();
    assert.ok(drawn > 6 && drawn <= 600, `drawn ${drawn}`);
    // Any member can be brought into view now: the first, a middle one and the last.
    for (const i of [1, 150, 300]) {
      await view.send({ type: 'didSelectNode', nodeId: scanOf(i).id });
      assert.equal(await selectedId(view), scanOf(i).id);
      assert.match(
        (await view.page.textContent(`#plan-node-${scanOf(i).id} text.label`)) ?? '',
        new RegExp(`^Seq Scan on ${partitionName(i)}`),
      );
    }
    // The state saved after the last selection (each change is saved a moment later).
    await view.page.waitForFunction((last) => {
      const st = (
        window as unknown as { __state: () => { expandedGroupIds?: number[]; selectedNodeId?: number } | undefined }
      ).__state();
      return !!st?.expandedGroupIds?.length && st.selectedNodeId === last;
    }, scanOf(300).id);
    const state = (await view.savedState())!;
    assert.deepEqual(state.expandedGroupIds, [scans[0].id]);
    const reloaded = await open({ state });
    await reloaded.page.waitForSelector('g.node');
    // events_p300 is drawn (it is in no closed group's few), and selected as before.
    assert.equal(await selectedId(reloaded), scanOf(300).id);

    // Collapse back: up to the group box, Enter.
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('ArrowUp');
    assert.equal(await selectedId(view), groupBox);
    await view.page.keyboard.press('Enter');
    assert.equal(await group.getAttribute('aria-expanded'), 'false');
    const scansDrawn = (await drawnNodeIds(view)).filter((id) => scans.some((s) => s.id === id));
    assert.ok(scansDrawn.length >= 3 && scansDrawn.length < 10, `drawn scans ${scansDrawn.length}`);
    // And open again with a click on its toggle.
    await view.page.click('g.node.group g.toggle circle');
    assert.equal(await group.getAttribute('aria-expanded'), 'true');
  });

  it('an insight on a hidden member opens the group and selects the member', async () => {
    const view = await open();
    await view.send(show(result));
    const p042 = scanOf(42);
    assert.equal(await view.page.locator(`#plan-node-${p042.id}`).count(), 0, 'events_p042 starts hidden in the group');
    await view.clearPosted();
    await view.page.click('button.insight[data-rule="seq-scan-large-table"]');
    assert.equal(await selectedId(view), p042.id);
    assert.match((await view.page.textContent(`#plan-node-${p042.id} text.label`)) ?? '', /^Seq Scan on events_p042/);
    assert.deepEqual(
      (await view.posted()).filter((m) => m.type === 'selectNode'),
      [{ type: 'selectNode', nodeId: p042.id }],
    );
    // Centred in the canvas.
    const canvas = (await view.page.locator('.plan-canvas').boundingBox())!;
    const box = (await view.page.locator(`#plan-node-${p042.id} rect.box`).boundingBox())!;
    assert.ok(Math.abs(box.x + box.width / 2 - (canvas.x + canvas.width / 2)) < 4, 'centred horizontally');
    assert.ok(Math.abs(box.y + box.height / 2 - (canvas.y + canvas.height / 2)) < 4, 'centred vertically');
  });

  it('search finds events_p042 inside the group, reveals and selects it; next/previous cycle; Escape clears', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Control+f');
    assert.equal(await view.page.evaluate(() => document.activeElement?.id), 'node-search');
    await view.page.keyboard.type('events_p042');
    const p042 = scanOf(42);
    await view.page.waitForFunction(
      (id) => document.querySelector('g.node.selected')?.getAttribute('data-node-id') === String(id),
      p042.id,
    );
    assert.equal(await view.page.textContent('#search-count'), '1 of 1');
    assert.match((await view.page.getAttribute(`#plan-node-${p042.id}`, 'class')) ?? '', /\bmatch-current\b/);
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-search.png') });

    // Ten matches (events_p040 … 049): Enter goes on, Shift+Enter back, both wrap around.
    await view.page.fill('#node-search input', 'events_p04');
    const tens = Array.from({ length: 10 }, (_, i) => scanOf(40 + i).id);
    assert.equal(await view.page.textContent('#search-count'), '1 of 10');
    assert.equal(await selectedId(view), tens[0]);
    await view.page.keyboard.press('Enter');
    assert.equal(await view.page.textContent('#search-count'), '2 of 10');
    assert.equal(await selectedId(view), tens[1]);
    await view.page.keyboard.press('Shift+Enter');
    await view.page.keyboard.press('Shift+Enter');
    assert.equal(await view.page.textContent('#search-count'), '10 of 10');
    assert.equal(await selectedId(view), tens[9]);
    await view.page.click('#search-next');
    assert.equal(await selectedId(view), tens[0]);
    await view.page.click('#search-previous');
    assert.equal(await selectedId(view), tens[9]);
    const matched = await view.page.$$eval('g.node.match', (gs) =>
      gs.map((g) => Number(g.getAttribute('data-node-id'))),
    );
    assert.ok(matched.length > 0 && matched.every((id) => tens.includes(id)), `highlighted ${matched}`);

    // By node type and by index-less alias: "Aggregate" finds the root; a word that matches nothing says so.
    await view.page.fill('#node-search input', 'hashaggregate');
    assert.equal(await view.page.textContent('#search-count'), '1 of 1');
    assert.equal(await selectedId(view), 0);
    await view.page.fill('#node-search input', 'no_such_table');
    assert.equal(await view.page.textContent('#search-count'), 'No matches');

    await view.page.fill('#node-search input', 'events_p04');
    await view.page.keyboard.press('Escape');
    assert.equal(await view.page.inputValue('#node-search input'), '');
    assert.equal(await view.page.textContent('#search-count'), '');
    assert.equal(await view.page.locator('g.node.match').count(), 0);
    assert.equal(await view.page.evaluate(() => document.activeElement?.className), 'plan-canvas');
    // Escape in the plan clears it as well.
    await view.page.fill('#node-search input', 'events_p04');
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('Escape');
    assert.equal(await view.page.textContent('#search-count'), '');
    assert.equal(await view.page.locator('g.node.match').count(), 0);
  });

  it('marks a closed group that hides matches', async () => {
    const view = await open();
    await view.send(show(result));
    await view.page.focus('#node-search');
    await view.page.keyboard.type('seq scan');
    assert.equal(await view.page.textContent('#search-count'), `1 of ${PARTITIONS}`);
    assert.equal(await selectedId(view), scanOf(1).id, 'the first match, hidden in the group, is revealed');
    // Close the group again: up to its box, Enter.
    await view.page.focus('.plan-canvas');
    await view.page.keyboard.press('ArrowUp');
    await view.page.keyboard.press('Enter');
    const group = view.page.locator('g.node.group');
    assert.equal(await group.getAttribute('aria-expanded'), 'false');
    assert.match((await group.getAttribute('class')) ?? '', /\bhas-match\b/);
    assert.equal((await view.page.textContent('#group-toggle-button'))?.trim(), `Show all ${PARTITIONS}`);
    const drawnMatches = await view.page.$$eval('g.node.match', (gs) =>
      gs.map((g) => Number(g.getAttribute('data-node-id'))),
    );
    assert.ok(
      drawnMatches.length >= 3 && drawnMatches.every((id) => scans.some((s) => s.id === id)),
      `matches drawn: ${drawnMatches}`,
    );
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-group-matches.png') });
  });

  // How fast it opens (first paint ≤ 1 s at 10,000 nodes) is a benchmark figure, not a test: `npm run bench`
  // steps (d) bench/webviewPaint.ts and (g) bench/viewer/run.ts measure it, on a quiet machine.
  it('opens a 10,000-node plan (sent compact) with at most 600 node elements, and finds a node deep in a group', async () => {
    const big = syntheticResult(10_000);
    assert.equal(big.plan.nodes.length, 10_000);
    const view = await open();
    await view.send(show(big, 'synthetic 10,000 nodes'));
    await view.page.waitForSelector('g.node');
    const drawn = await view.page.locator('g.node').count();
    assert.ok(drawn > 5 && drawn <= 600, `drawn ${drawn} node elements`);
    assert.equal(await view.page.locator(`#plan-node-${big.plan.root.id}`).count(), 1, 'the root is drawn');
    assert.ok((await view.page.locator('g.node.group').count()) >= 1, 'the partitions are grouped');
    // Search over all 10,000 nodes and reveal a match deep in a closed group.
    const target = big.plan.nodes.find((n) => n.fields['Relation Name'] === 'measurements_p01234')!;
    await view.page.evaluate(async () => {
      const field = document.querySelector('#node-search') as HTMLElement & { value: string };
      field.value = 'measurements_p01234';
      field.dispatchEvent(new Event('input'));
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    });
    assert.equal(await selectedId(view), target.id);
    assert.equal(await view.page.textContent('#search-count'), '1 of 1');
    const afterReveal = await view.page.locator('g.node').count();
    assert.ok(afterReveal <= 600, `after reveal: ${afterReveal}`);
    await view.page.screenshot({ path: resolve(artifacts, 'plan-view-10000.png') });
  });
});

describe('sibling groups (the grouping the plan view draws)', () => {
  it('names partitions by their stem', () => {
    assert.equal(nameStem('events_p001'), 'events_p');
    assert.equal(nameStem('events_2024_01'), 'events_');
    assert.equal(nameStem('sensors'), 'sensors');
    assert.equal(nameStem('42'), '42');
  });

  it("shapes names with their numbers cut anywhere: a partition's index is named after the partition", () => {
    assert.equal(nameShape('events_p001'), 'events_p…');
    assert.equal(nameShape('events_2024_01'), 'events_…');
    assert.equal(nameShape('measurements_p00042_recorded_at_idx'), 'measurements_p…_recorded_at_idx');
    assert.equal(nameShape('sensors_pkey'), 'sensors_pkey');
  });

  it("groups the generator's 2,000-node Append by member shape, with sums over every member", () => {
    const plan = syntheticResult(2000).plan;
    const append = plan.nodes.find((n) => n.fields['Node Type'] === 'Append')!;
    const { groups, byMember } = findSiblingGroups(plan);
    assert.ok(groups.length >= 3, `${groups.length} groups`);
    for (const g of groups) {
      assert.equal(g.parentId, append.id);
      assert.ok(g.members.length >= 8);
      // One shape per group: same node type and the same child types.
      const shape = (n: (typeof g.members)[number]) =>
        `${n.fields['Node Type']}(${n.children.map((c) => c.fields['Node Type']).join(',')})`;
      assert.equal(new Set(g.members.map(shape)).size, 1, g.label);
      const slowest = [...g.members].sort((a, b) => b.metrics.inclusiveTimeMs - a.metrics.inclusiveTimeMs).slice(0, 3);
      for (const m of slowest) assert.ok(g.shown.includes(m), `${g.label}: the slowest are shown`);
      const sum = g.members.reduce((s, m) => s + m.metrics.inclusiveTimeMs, 0);
      assert.ok(Math.abs(g.totals.timeMs - sum) < 1e-6);
    }
    // Nearly all of the Append's children are in a group; a node is in one group at most.
    const grouped = append.children.filter((c) => byMember.has(c.id)).length;
    assert.ok(grouped >= append.children.length - 3, `${grouped} of ${append.children.length}`);
    assert.equal(
      groups.reduce((s, g) => s + g.members.length, 0),
      grouped,
    );
  });
});
