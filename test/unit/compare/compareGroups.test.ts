/**
 * Comparing two 2,000-node partitioned plans (hugeComparison.ts, made by our generator): the core matches
 * every partition to its own, the view groups similar siblings on both sides, pairs each group with the
 * group that holds its members' matches, marks the pair with the summed change, opens and closes both
 * together, and draws only what is in view (Chromium through the plan-view harness).
 */
import { strict as assert } from 'node:assert';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { summariseComparison } from '../../../src/core/compare/summariseComparison';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowComparisonNotification, ExportImageCommand } from '../../../src/shared/protocol';
import { pairGroups } from '../../../webview/compareGroups';
import { formatMs } from '../../../webview/format';
import { findSiblingGroups, groupBoxId, type SiblingGroup } from '../../../webview/siblingGroups';
import type { PlanViewPage } from '../webview/harness';
import { planViewSuite } from '../webview/planViewSuite';
import { HUGE_NODES, LOOP_FACTOR, hugeComparisonJson } from './hugeComparison';

function result(raw: string): TuningResult {
  return { sql: '', plan: parsePlan(raw), insights: [], nodeRanges: {}, rawPlan: raw };
}

const isLoopGroup = (g: SiblingGroup) => g.members[0].fields['Node Type'] === 'Nested Loop';

describe('compare mode: two 2,000-node partitioned plans, sibling groups paired', function () {
  this.timeout(240_000);
  let beforeResult: TuningResult;
  let afterResult: TuningResult;
  let message: DidShowComparisonNotification;

  before(async () => {
    const json = hugeComparisonJson();
    beforeResult = result(json.before);
    afterResult = result(json.after);
    const comparison = comparePlans(beforeResult.plan, afterResult.plan);
    message = {
      type: 'didShowComparison',
      before: beforeResult,
      after: afterResult,
      comparison,
      summary: summariseComparison(comparison),
      title: 'measurements by sensor',
      beforeLabel: 'Before',
      afterLabel: 'After (index)',
    };
  });

  it('core: every partition node is matched to the same partition on the other side', () => {
    assert.equal(beforeResult.plan.nodes.length, HUGE_NODES);
    assert.equal(afterResult.plan.nodes.length, HUGE_NODES);
    const { matches } = message.comparison;
    assert.equal(matches.length, HUGE_NODES);
    for (const m of matches) {
      const b = beforeResult.plan.nodes[m.beforeId].fields;
      const a = afterResult.plan.nodes[m.afterId].fields;
      if (b['Relation Name'])
        assert.equal(a['Relation Name'], b['Relation Name'], `${m.beforeLabel} ↔ ${m.afterLabel}`);
    }
    const changed = message.comparison.typeChanges.filter((t) => t.before === 'Seq Scan' && t.after === 'Index Scan');
    const loops = beforeResult.plan.nodes.filter((n) => n.fields['Node Type'] === 'Nested Loop');
    assert.equal(changed.length, loops.length, "each Nested Loop's outer Seq Scan became an Index Scan");
    // The summary says it once, not once per partition.
    const lines = message.summary.filter((l) => l.startsWith('Seq Scan → Index Scan'));
    const first = message.comparison.matches.find((m) => m.beforeId === changed[0].beforeId)!;
    assert.deepEqual(lines, [
      `Seq Scan → Index Scan in ${loops.length} nodes (${first.beforeLabel} → ${first.afterLabel}, and ${loops.length - 1} more alike).`,
    ]);
    assert.ok(message.summary.length <= 8, message.summary.join('\n'));
  });

  it("pairs each group with the group holding its members' matches, with the groups' summed figures", () => {
    const b = findSiblingGroups(beforeResult.plan);
    const a = findSiblingGroups(afterResult.plan);
    assert.ok(
      b.groups.length >= 3 && a.groups.length === b.groups.length,
      `${b.groups.length} and ${a.groups.length} groups`,
    );
    const { pairs, byBefore, byAfter } = pairGroups(b, a, message.comparison.matches);
    assert.equal(pairs.length, b.groups.length, 'every group has a partner');
    const afterOf = new Map(message.comparison.matches.map((m) => [m.beforeId, m.afterId]));
    for (const p of pairs) {
      assert.equal(byBefore.get(p.before.id), p);
      assert.equal(byAfter.get(p.after.id), p);
      // Every member's match is a member of the partner.
      for (const m of p.before.members)
        assert.ok(
          p.after.members.some((x) => x.id === afterOf.get(m.id)),
          `${m.id} in ${p.after.label}`,
        );
      assert.equal(p.matched, p.before.members.length);
      assert.equal(
        p.timeMs.before,
        p.before.members.reduce((s, m) => s + m.metrics.inclusiveTimeMs, 0),
      );
      assert.equal(
        p.timeMs.after,
        p.after.members.reduce((s, m) => s + m.metrics.inclusiveTimeMs, 0),
      );
      assert.equal(p.rows.after, p.after.totals.rows);
    }
    // The Nested Loop group: each member runs in a quarter of its time (three in 1 %), so Σ is under a quarter.
    const loop = pairs.find((p) => isLoopGroup(p.before))!;
    assert.match(loop.after.label, /^Nested Loop/);
    const ratio = loop.timeMs.after / loop.timeMs.before;
    assert.ok(ratio < LOOP_FACTOR && ratio > LOOP_FACTOR / 2, `Σ ratio ${ratio}`);
    // Unchanged groups: the same time on both sides.
    for (const p of pairs.filter((x) => x !== loop))
      assert.ok(Math.abs(p.timeMs.delta) < 1e-6, `${p.before.label}: ${p.timeMs.delta}`);
  });

  describe('in Chromium', () => {
    const views = planViewSuite();

    async function open(): Promise<PlanViewPage> {
      const view = await views.open();
      await view.send(message);
      await view.page.waitForSelector('.compare-pane.after g.node.group');
      return view;
    }

    const drawn = (view: PlanViewPage, side: 'before' | 'after') =>
      view.page.locator(`.compare-pane.${side} g.node`).count();

    /** F fits each plan to its pane: every box of the (grouped) plans is then in view. */
    async function fitBoth(view: PlanViewPage, groups: number): Promise<void> {
      for (const side of ['before', 'after'] as const) {
        await view.page.locator(`.compare-pane.${side} .plan-canvas`).press('f');
        await view.page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length === n, [
          `.compare-pane.${side} g.node.group`,
          groups,
        ] as const);
      }
    }

    it('groups both sides, marks the pair with the summed change, links the partners, draws a few boxes', async () => {
      const view = await open();
      const b = findSiblingGroups(beforeResult.plan);
      const a = findSiblingGroups(afterResult.plan);
      const loop = pairGroups(b, a, message.comparison.matches).pairs.find((p) => isLoopGroup(p.before))!;
      await fitBoth(view, b.groups.length);
      for (const side of ['before', 'after'] as const) {
        const n = await drawn(view, side);
        assert.ok(n < 100, `${side}: ${n} boxes drawn of ${HUGE_NODES} nodes, the whole plan in view`);
      }
      const afterBox = view.page.locator(`.compare-pane.after #plan-group-${loop.after.id}`);
      const delta = (await afterBox.locator('text.delta').textContent()) ?? '';
      const r = loop.timeMs.before / loop.timeMs.after;
      const expected = `${r >= 10 ? Math.round(r) : r.toFixed(1)}× faster`;
      assert.ok(delta.startsWith(`Σ ${expected}`), `"${delta}" says Σ ${expected}`);
      assert.match((await afterBox.getAttribute('class')) ?? '', /\bmatch-group\b/);
      assert.equal(
        await view.page.textContent(`.compare-pane.before #plan-group-${loop.before.id} text.delta`),
        `${loop.before.members.length} matched in ${loop.after.members.length} × ${loop.after.label}`,
      );

      // Hover links the partner; a click selects both and says what the pair sums to.
      await view.page.hover(`.compare-pane.before #plan-group-${loop.before.id}`);
      await view.page.waitForSelector(`.compare-pane.after #plan-group-${loop.after.id}.linked`);
      await view.page.click(`.compare-pane.before #plan-group-${loop.before.id}`);
      await view.page.waitForSelector(`.compare-pane.after #plan-group-${loop.after.id}.selected.linked-selected`);
      const info = (await view.page.textContent('.compare-info')) ?? '';
      assert.ok(
        info.includes(
          `${loop.matched} of ${loop.before.members.length} members matched · Σ time ${formatMs(loop.timeMs.before)} → ${formatMs(loop.timeMs.after)}`,
        ),
        info,
      );

      // One of the slowest before: shown in its closed group on the left, hidden in the right one (it got fast),
      // so selecting it lights up the right group's box.
      const slow = loop.before.shown[0];
      const match = message.comparison.matches.find((m) => m.beforeId === slow.id)!;
      assert.ok(!loop.after.shown.some((m) => m.id === match.afterId), 'its match is hidden in the after group');
      await view.page.click(`.compare-pane.before #plan-node-${slow.id}`);
      await view.page.waitForSelector(`.compare-pane.after #plan-group-${loop.after.id}.linked-selected`);
      assert.equal(
        await view.page.getAttribute(`.compare-pane.after #plan-group-${loop.after.id}`, 'data-node-id'),
        String(groupBoxId(loop.after.id)),
      );

      // Export: both whole plans, their groups as drawn (closed), each marked like the view.
      await view.clearPosted();
      await view.page.click('#export-svg-button');
      await view.page.waitForFunction(() =>
        (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'exportImage'),
      );
      const svg = (await view.posted()).find((m): m is ExportImageCommand => m.type === 'exportImage')!;
      const text = svg.svgText ?? '';
      assert.equal(text.match(/ data-group-id="/g)?.length, b.groups.length + a.groups.length);
      assert.ok(text.includes(`>Σ ${expected}`), "the pair's summed change is in the file");
    });

    it('opening a group opens its partner; every member is reachable, only what is in view is drawn; closing closes both', async () => {
      const view = await open();
      const b = findSiblingGroups(beforeResult.plan);
      const a = findSiblingGroups(afterResult.plan);
      const loop = pairGroups(b, a, message.comparison.matches).pairs.find((p) => isLoopGroup(p.before))!;
      const boxOf = (side: 'before' | 'after') =>
        view.page.locator(`.compare-pane.${side} #plan-group-${(side === 'before' ? loop.before : loop.after).id}`);
      await fitBoth(view, b.groups.length);
      // Select the group box, Enter opens it.
      await view.page.click(`.compare-pane.before #plan-group-${loop.before.id}`);
      await view.page.locator('.compare-pane.before .plan-canvas').press('Enter');
      assert.equal(await boxOf('before').getAttribute('aria-expanded'), 'true');
      assert.equal(await boxOf('after').getAttribute('aria-expanded'), 'true');
      for (const side of ['before', 'after'] as const) {
        const n = await drawn(view, side);
        assert.ok(
          n > 6 && n <= 600,
          `${side}: ${n} boxes drawn with ${loop.before.members.length * 3} nodes in the open group`,
        );
      }
      // A member hidden before is now there; selecting it selects its match, brought into view on the right.
      // Keyboard: Home (root), ↓ Append, ↓ its first child box, → to the group box, ↓ its first member, → on.
      const index = loop.before.members.findIndex((m) => !loop.before.shown.includes(m));
      const member = loop.before.members[index];
      const match = message.comparison.matches.find((m) => m.beforeId === member.id)!;
      const canvas = view.page.locator('.compare-pane.before .plan-canvas');
      const selectedId = async () =>
        Number(await view.page.getAttribute('.compare-pane.before g.node.selected', 'data-node-id'));
      await canvas.press('Home');
      await canvas.press('ArrowDown');
      await canvas.press('ArrowDown');
      for (let i = 0; i < 20 && (await selectedId()) !== groupBoxId(loop.before.id); i++)
        await canvas.press('ArrowRight');
      assert.equal(await selectedId(), groupBoxId(loop.before.id));
      await canvas.press('ArrowDown');
      for (let i = 0; i < index; i++) await canvas.press('ArrowRight');
      assert.equal(await selectedId(), member.id);
      await view.page.waitForSelector(`.compare-pane.after #plan-node-${match.afterId}.selected.linked-selected`);
      const pane = (await view.page.locator('.compare-pane.after .plan-canvas').boundingBox())!;
      const box = (await view.page.locator(`.compare-pane.after #plan-node-${match.afterId} rect.box`).boundingBox())!;
      assert.ok(box.x >= pane.x && box.x + box.width <= pane.x + pane.width, 'the match is in view');
      for (const side of ['before', 'after'] as const) assert.ok((await drawn(view, side)) <= 600);

      // Close from the after side: both close.
      const afterCanvas = view.page.locator('.compare-pane.after .plan-canvas');
      await afterCanvas.press('ArrowUp');
      assert.equal(
        await view.page.getAttribute('.compare-pane.after g.node.selected', 'data-node-id'),
        String(groupBoxId(loop.after.id)),
      );
      await afterCanvas.press('Enter');
      assert.equal(await boxOf('after').getAttribute('aria-expanded'), 'false');
      assert.equal(await boxOf('before').getAttribute('aria-expanded'), 'false');
    });

    it('keeps the open groups open on both sides after a reload, and when the host sends the comparison again', async () => {
      const view = await open();
      const b = findSiblingGroups(beforeResult.plan);
      const a = findSiblingGroups(afterResult.plan);
      const loop = pairGroups(b, a, message.comparison.matches).pairs.find((p) => isLoopGroup(p.before))!;
      const expanded = (v: PlanViewPage, side: 'before' | 'after', pair: typeof loop) =>
        v.page.getAttribute(
          `.compare-pane.${side} #plan-group-${(side === 'before' ? pair.before : pair.after).id}`,
          'aria-expanded',
        );
      await fitBoth(view, b.groups.length);
      await view.page.click(`.compare-pane.before #plan-group-${loop.before.id}`);
      await view.page.locator('.compare-pane.before .plan-canvas').press('Enter');
      assert.equal(await expanded(view, 'after', loop), 'true');
      await view.page.waitForFunction(() => {
        const st = (
          window as unknown as { __state: () => { compareExpandedGroupIds?: { before: number[] } } | undefined }
        ).__state();
        return !!st?.compareExpandedGroupIds?.before.length;
      });
      const state = (await view.savedState())!;
      assert.deepEqual(state.compareExpandedGroupIds, { before: [loop.before.id], after: [loop.after.id] });

      const reloaded = await views.open({ state });
      await reloaded.page.waitForSelector('.compare-pane.after g.node');
      /** Walks to the pair's box with the keyboard as a user would (selecting it brings both boxes into view). */
      const reach = async (v: PlanViewPage) => {
        const canvas = v.page.locator('.compare-pane.before .plan-canvas');
        const selectedId = async () =>
          Number(await v.page.getAttribute('.compare-pane.before g.node.selected', 'data-node-id'));
        await canvas.press('Home');
        await canvas.press('ArrowDown');
        await canvas.press('ArrowDown');
        for (let i = 0; i < 20 && (await selectedId()) !== groupBoxId(loop.before.id); i++)
          await canvas.press('ArrowRight');
        assert.equal(await selectedId(), groupBoxId(loop.before.id));
        await v.page.waitForSelector(`.compare-pane.after #plan-group-${loop.after.id}.linked-selected`);
      };
      await reach(reloaded);
      for (const side of ['before', 'after'] as const)
        assert.equal(await expanded(reloaded, side, loop), 'true', `${side}: the opened group`);
      // The host sends the same comparison again once the reloaded view says it is ready: nothing closes.
      await reloaded.send(message);
      await reach(reloaded);
      for (const side of ['before', 'after'] as const)
        assert.equal(await expanded(reloaded, side, loop), 'true', `${side} after the resend`);
      // Closing saves that too.
      await reloaded.page.click(`.compare-pane.after #plan-group-${loop.after.id}`);
      await reloaded.page.locator('.compare-pane.after .plan-canvas').press('Enter');
      assert.equal(await expanded(reloaded, 'before', loop), 'false');
      await reloaded.page.waitForFunction(() => {
        const st = (
          window as unknown as { __state: () => { compareExpandedGroupIds?: { before: number[] } } | undefined }
        ).__state();
        return st?.compareExpandedGroupIds?.before.length === 0;
      });
    });
  });
});
