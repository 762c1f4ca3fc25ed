/**
 * The raw EXPLAIN text kept for plan views revived after a reload (src/extension/panel/rawPlanStore.ts), in a
 * temporary folder standing in for the workspace storage: read back by a new store (as after a reload),
 * bounded with the oldest evicted, and keys from the webview's state that are not ours refused.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { comparisonMessage } from '../../../src/extension/history/comparison';
import { sharePlan } from '../../../src/extension/history/sharePlan';
import { compactResult } from '../../../src/extension/panel/compactResult';
import { planAsJson } from '../../../src/extension/panel/planJson';
import { keepRawPlans, RawPlanStore, readBackRawPlans } from '../../../src/extension/panel/rawPlanStore';
import { relistNodes } from '../../../src/extension/panel/revivedResult';
import type { PlanViewState } from '../../../src/shared/protocol';

describe('raw plan store (plan views revived after a reload)', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'raw-plans-'));
    dir = join(root, 'storage', 'raw-plans');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a new store (after a reload) reads back what the previous one kept; Copy Plan as JSON gets Settings and JIT again', async () => {
    const raw = readFileSync(join(__dirname, '../../fixtures/plans/real/01-seq-scan-filter.json'), 'utf8');
    const withTopLevel = JSON.stringify([
      { ...JSON.parse(raw)[0], Settings: { work_mem: '64MB' }, JIT: { Functions: 3 } },
    ]);
    await new RawPlanStore(dir).put('m1abc-1', withTopLevel);
    const result = await analysePlanText(withTopLevel);
    // What the webview saves for a reload: the result without its raw text.
    const revived = { ...result, rawPlan: '' };
    assert.doesNotMatch(planAsJson(revived), /work_mem|"JIT"/, 'rebuilt from the parsed plan, top-level keys are lost');
    const back = await new RawPlanStore(dir).get('m1abc-1');
    assert.equal(back, withTopLevel);
    const json = planAsJson({ ...revived, rawPlan: back ?? '' });
    assert.match(json, /"work_mem": "64MB"/);
    assert.match(json, /"JIT": \{/);
  });

  it('a comparison: both raw plans kept under their keys come back after a reload; Copy as JSON, sharing and the report as before', async () => {
    const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/plans/real', name), 'utf8');
    // A text plan before, a JSON plan with top-level keys after (Copy Plan as JSON loses those without the raw text).
    const beforeRaw = fixture('01-seq-scan-filter.txt');
    const afterRaw = JSON.stringify([
      { ...JSON.parse(fixture('02-index-scan.json'))[0], Settings: { work_mem: '64MB' }, JIT: { Functions: 3 } },
    ]);
    const sql = 'SELECT * FROM orders WHERE customer_id = 42';
    const message = {
      ...comparisonMessage(await analysePlanText(beforeRaw, sql), await analysePlanText(afterRaw, sql), {
        title: 'orders',
      }),
      beforeKey: 'mcmp-1',
      afterKey: 'mcmp-2',
    };
    await keepRawPlans(new RawPlanStore(dir), [
      { key: message.beforeKey, result: message.before },
      { key: message.afterKey, result: message.after },
    ]);
    const report = (before: TuningResult, after: TuningResult) =>
      renderMarkdownReport(after, { comparison: { before, after, label: 'before → after' } });
    const expected = {
      json: planAsJson(message.after),
      shared: (await sharePlan(message.after)).text,
      report: report(message.before, message.after),
    };

    // What the view saves for a reload (compact, then without its node list) and the serializer gets back.
    const saved = (r: TuningResult): TuningResult => ({
      ...compactResult(r),
      plan: { ...r.plan, nodes: [] },
      rawPlan: '',
    });
    const state = JSON.parse(
      JSON.stringify({
        version: 1,
        collapsedIds: [],
        comparison: { ...message, type: undefined, before: saved(message.before), after: saved(message.after) },
      }),
    ) as PlanViewState;
    const revived = state.comparison!;
    assert.equal(revived.before.plan.nodes.length, 0);
    assert.equal(revived.afterKey, 'mcmp-2', 'the keys are saved with the comparison');
    assert.notEqual(planAsJson(revived.after), expected.json, 'without the raw text the top-level keys are lost');

    // The panel's revive(): node lists rebuilt, raw plans read back by a new store (as after a reload).
    const sides = [
      { key: revived.beforeKey, result: revived.before },
      { key: revived.afterKey, result: revived.after },
    ];
    for (const side of sides) relistNodes(side.result);
    assert.equal(await readBackRawPlans(new RawPlanStore(dir), sides), 2);
    assert.equal(revived.before.rawPlan, beforeRaw);
    assert.equal(revived.after.rawPlan, afterRaw);
    assert.deepEqual(
      revived.after.plan.nodes.map((n) => n.id),
      message.after.plan.nodes.map((n) => n.id),
    );
    assert.equal(planAsJson(revived.after), expected.json);
    assert.match(planAsJson(revived.after), /"work_mem": "64MB"/);
    assert.equal((await sharePlan(revived.after)).text, expected.shared);
    assert.equal(report(revived.before, revived.after), expected.report);
    assert.match(expected.report, /## Before \/ after: before → after/);

    // A key the store no longer holds (evicted) leaves its side as it was; the other comes back.
    const store = new RawPlanStore(dir, 1);
    await store.put('other-1', 'another plan');
    const again = [
      { key: 'mcmp-1', result: saved(message.before) },
      { key: 'other-1', result: saved(message.after) },
    ];
    assert.equal(await readBackRawPlans(new RawPlanStore(dir, 1), again), 1);
    assert.equal(again[0].result.rawPlan, '');
    assert.equal(again[1].result.rawPlan, 'another plan');
  });

  it('keeps the newest plans up to its limit, evicting the oldest (files too)', async () => {
    const store = new RawPlanStore(dir, 3);
    for (let i = 1; i <= 5; i++) await store.put(`k-${i}`, `plan ${i}`);
    assert.deepEqual(await store.list(), ['k-3', 'k-4', 'k-5']);
    assert.equal(await store.get('k-1'), undefined);
    assert.equal(await store.get('k-5'), 'plan 5');
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.txt'))
        .sort(),
      ['k-3.txt', 'k-4.txt', 'k-5.txt'],
    );
    // Showing a kept plan again makes it the newest: it outlives the others.
    await store.put('k-3', 'plan 3 again');
    await store.put('k-6', 'plan 6');
    assert.deepEqual(await new RawPlanStore(dir, 3).list(), ['k-5', 'k-3', 'k-6']);
    assert.equal(await new RawPlanStore(dir, 3).get('k-3'), 'plan 3 again');
  });

  it('writes started together all land, in order', async () => {
    const store = new RawPlanStore(dir, 20);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(`p-${i}`, `plan ${i}`)));
    assert.deepEqual(
      await new RawPlanStore(dir).list(),
      Array.from({ length: 8 }, (_, i) => `p-${i}`),
    );
  });

  it('refuses keys that are not ours (they come back from the webview state) and empty plans', async () => {
    const store = new RawPlanStore(dir);
    writeFileSync(join(root, 'secret.txt'), 'not a plan');
    await store.put('../secret', 'overwritten?');
    await store.put('ok-1', '');
    assert.equal(readFileSync(join(root, 'secret.txt'), 'utf8'), 'not a plan');
    assert.equal(await store.get('../../secret'), undefined);
    assert.equal(await store.get('ok-1'), undefined);
    assert.equal(existsSync(dir), false, 'nothing written');
  });

  it('a damaged index starts afresh instead of failing', async () => {
    const store = new RawPlanStore(dir);
    await store.put('a-1', 'plan a');
    writeFileSync(join(dir, 'index.json'), '{not json');
    const after = new RawPlanStore(dir);
    assert.equal(await after.get('a-1'), undefined);
    await after.put('b-1', 'plan b');
    assert.deepEqual(await after.list(), ['b-1']);
  });
});
