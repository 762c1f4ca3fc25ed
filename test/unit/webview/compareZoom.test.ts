/**
 * The compare view's first view, in Debian's Chromium through the plan-view harness: two plans of ~500 nodes
 * (our generator, test/helpers/syntheticPlan.ts; the after plan has one partition scan 20× slower) open at a
 * readable scale on the biggest change rather than fitted to unreadable boxes, and say so; F and Fit fit both
 * whole plans; the zoom comes back after a reload. Small plans still open fitted, with no note.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { summariseComparison } from '../../../src/core/compare/summariseComparison';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import type { DidShowComparisonNotification, NodeMatch } from '../../../src/shared/protocol';
import { findSiblingGroups } from '../../../webview/siblingGroups';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';
import type { PlanViewPage } from './harness';
import { planViewSuite } from './planViewSuite';

const artifacts = resolve(__dirname, '../../../test-artifacts');
/** A box's label is 13 px (planCanvas.ts); below about 0.6 of that on screen it is no longer read without zooming. */
const LABEL_PX = 13;
const READABLE_LABEL_PX = 0.6 * LABEL_PX;

type Json = Record<string, unknown> & { Plans?: Json[] };
type Side = 'before' | 'after';

/** The same plan with the median Hash Join member's probe scan `factor`× slower, its ancestors' times following. */
function slowerPlan(json: string, factor: number): string {
  const doc = JSON.parse(json) as Array<{ Plan: Json; 'Execution Time': number }>;
  const root = doc[0].Plan;
  const append = root.Plans![0];
  const joins = append.Plans!.filter((m) => m['Node Type'] === 'Hash Join');
  const time = (n: Json) => n['Actual Total Time'] as number;
  const member = [...joins].sort((a, b) => time(a) - time(b))[Math.floor(joins.length / 2)];
  const probe = member.Plans![0];
  const added = Math.round(time(probe) * (factor - 1) * 1000) / 1000;
  for (const n of [probe, member, append, root]) n['Actual Total Time'] = Math.round((time(n) + added) * 1000) / 1000;
  doc[0]['Execution Time'] = Math.round((doc[0]['Execution Time'] + added) * 1000) / 1000;
  return JSON.stringify(doc);
}

function result(raw: string): TuningResult {
  return { sql: 'SELECT count(*) FROM measurements', plan: parsePlan(raw), insights: [], nodeRanges: {}, rawPlan: raw };
}

/** As the host sends it: node lists empty, no raw text. */
function comparison(
  before: TuningResult,
  after: TuningResult,
): { message: DidShowComparisonNotification; top: NodeMatch } {
  const c = comparePlans(before.plan, after.plan);
  const top = [...c.matches].sort((x, y) => Math.abs(y.selfTimeMs.delta) - Math.abs(x.selfTimeMs.delta))[0];
  const compact = (r: TuningResult): TuningResult => ({ ...r, rawPlan: '', plan: { ...r.plan, nodes: [] } });
  return {
    message: {
      type: 'didShowComparison',
      before: compact(before),
      after: compact(after),
      comparison: c,
      summary: summariseComparison(c),
      title: 'measurements',
      beforeLabel: 'Before',
      afterLabel: 'After',
    },
    top,
  };
}

/** Each pane's zoom, the on-screen size of a drawn label, and whether the box `#id` lies inside the pane. */
async function paneView(view: PlanViewPage, side: Side, boxIds: string[] = []) {
  return view.page.evaluate(
    ({ side, boxIds }) => {
      const canvas = document.querySelector(`.compare-pane.${side} .plan-canvas`)!;
      const area = canvas.getBoundingClientRect();
      const viewport = canvas.querySelector<SVGGElement>('g.viewport')!;
      const k = viewport.getScreenCTM()!.a;
      const label = canvas.querySelector<SVGTextElement>('g.node text.label');
      const labelPx = label ? parseFloat(getComputedStyle(label).fontSize) * label.getScreenCTM()!.a : 0;
      const inside = (r: DOMRect) =>
        r.left >= area.left - 1 && r.right <= area.right + 1 && r.top >= area.top - 1 && r.bottom <= area.bottom + 1;
      const shown = boxIds.map((id) => canvas.querySelector(`#${id} rect.box`)).find((el) => el !== null);
      const all = viewport.getBoundingClientRect();
      return {
        k,
        labelPx,
        boxInView: shown ? inside(shown.getBoundingClientRect()) : false,
        wholeInView: inside(all),
        drawn: canvas.querySelectorAll('g.node').length,
      };
    },
    { side, boxIds },
  );
}

describe('compare view: the first view of big plans (Chromium)', function () {
  this.timeout(180_000);
  const { open } = planViewSuite();
  let big: { message: DidShowComparisonNotification; top: NodeMatch };

  before(() => {
    const json = syntheticPlanJson(500);
    big = comparison(result(json), result(slowerPlan(json, 20)));
    mkdirSync(artifacts, { recursive: true });
  });

  /** The top pair's box on a side: its node, or the group that stands for it when a closed group hides it. */
  function boxIds(side: Side): string[] {
    const id = side === 'before' ? big.top.beforeId : big.top.afterId;
    const plan =
      side === 'before' ? parsePlan(syntheticPlanJson(500)) : parsePlan(slowerPlan(syntheticPlanJson(500), 20));
    const groups = findSiblingGroups(plan);
    const ids = [`plan-node-${id}`];
    for (let n: number | null = id; n !== null; n = plan.nodes[n].parentId) {
      const group = groups.byMember.get(n);
      if (group) ids.push(`plan-group-${group.id}`);
    }
    return ids;
  }

  it('opens two ~500-node plans at a readable scale on the biggest change, says so; Fit then fits both whole', async () => {
    assert.equal(big.message.comparison.matches.length > 450, true, `${big.message.comparison.matches.length} matches`);
    assert.match(big.top.afterLabel, /^Seq Scan on measurements_p/, 'the slowed scan is the biggest change');
    const view = await open();
    await view.send(big.message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    await view.page.evaluate(() => document.fonts.ready);
    for (const side of ['before', 'after'] as const) {
      const v = await paneView(view, side, boxIds(side));
      assert.ok(v.k >= READABLE_LABEL_PX / LABEL_PX - 1e-9, `${side}: opened at ${v.k.toFixed(3)}`);
      assert.ok(v.labelPx >= READABLE_LABEL_PX - 0.01, `${side}: labels ${v.labelPx.toFixed(2)} px on screen`);
      assert.ok(v.boxInView, `${side}: the biggest change's box is in view`);
      assert.equal(v.wholeInView, false, `${side}: the whole plan does not fit at a readable scale`);
      console.log(
        `      ${side}: opened at ${v.k.toFixed(2)}, labels ${v.labelPx.toFixed(1)} px on screen, ${v.drawn} boxes drawn`,
      );
    }
    const note = (await view.page.textContent('.compare-zoom-note')) ?? '';
    assert.ok(
      note.includes(`Both plans are too big to read whole: zoomed to 60% on the biggest change, ${big.top.afterLabel}`),
      note,
    );
    assert.match(note, /Press F or Fit to see all of them\.$/);
    assert.ok(((await view.page.textContent('.compare-info')) ?? '').startsWith('Select a node to see its match'));
    await view.page.screenshot({ path: resolve(artifacts, 'compare-first-view-500.png') });

    await view.page.click('#fit-button');
    for (const side of ['before', 'after'] as const) {
      await view.page.waitForFunction(
        (s) => document.querySelector<SVGGElement>(`.compare-pane.${s} g.viewport`)!.getScreenCTM()!.a < 0.6,
        side,
      );
      const v = await paneView(view, side);
      assert.ok(v.wholeInView, `${side}: fitted, every drawn box is in the pane (zoom ${v.k.toFixed(3)})`);
      assert.ok(v.k < READABLE_LABEL_PX / LABEL_PX, `${side}: fitting needs ${v.k.toFixed(3)}`);
    }
    assert.equal(await view.page.textContent('.compare-zoom-note'), '');
  });

  it('F in one pane fits both; the zoom of each side comes back after a reload', async () => {
    const view = await open();
    await view.send(big.message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    await view.page.focus('.compare-pane.before .plan-canvas');
    await view.page.keyboard.press('f');
    for (const side of ['before', 'after'] as const) {
      await view.page.waitForFunction(
        (s) => document.querySelector<SVGGElement>(`.compare-pane.${s} g.viewport`)!.getScreenCTM()!.a < 0.6,
        side,
      );
      assert.ok((await paneView(view, side)).wholeInView, `${side} fitted by F`);
    }
    assert.equal(await view.page.textContent('.compare-zoom-note'), '');
    // Zoom in on the after side with the keyboard, then reload from the saved state.
    await view.page.focus('.compare-pane.after .plan-canvas');
    await view.page.keyboard.press('+');
    await view.page.waitForFunction(() => {
      const s = (
        window as unknown as {
          __state: () => { compareTransforms?: { after: { k: number }; before: { k: number } } } | undefined;
        }
      ).__state();
      return !!s?.compareTransforms && s.compareTransforms.after.k > s.compareTransforms.before.k;
    });
    const state = await view.savedState();
    const views = state!.compareTransforms!;
    const again = await open({ state });
    await again.page.waitForSelector('.compare-pane.after g.node');
    for (const side of ['before', 'after'] as const) {
      const k = (await paneView(again, side)).k;
      assert.ok(Math.abs(k - views[side].k) < 1e-6, `${side}: zoom ${k} after the reload, ${views[side].k} before`);
    }
    assert.equal(await again.page.textContent('.compare-zoom-note'), '', "a restored view is the user's own: no note");
    // The host sends the same comparison again after a reload: the view stays where it was.
    await again.send(big.message);
    await again.page.waitForSelector('.compare-pane.after g.node');
    assert.ok(Math.abs((await paneView(again, 'after')).k - views.after.k) < 1e-6);
  });

  it('small plans still open fitted, with no note', async () => {
    const json = readFileSync(resolve(__dirname, '../../fixtures/plans/real/06-hash-join.json'), 'utf8');
    const small = comparison(result(json), result(json));
    const view = await open();
    await view.send(small.message);
    await view.page.waitForSelector('.compare-pane.after g.node');
    for (const side of ['before', 'after'] as const) {
      const v = await paneView(view, side);
      assert.ok(v.wholeInView && v.k >= 0.6, `${side}: whole plan in view at ${v.k.toFixed(3)}`);
    }
    assert.equal(await view.page.textContent('.compare-zoom-note'), '');
  });
});
