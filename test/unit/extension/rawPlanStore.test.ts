/**
 * The raw EXPLAIN text kept for plan views revived after a reload (src/extension/panel/rawPlanStore.ts), in a
 * temporary folder standing in for the workspace storage: read back by a new store (as after a reload),
 * bounded with the oldest evicted, and keys from the webview's state that are not ours refused.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysePlanText } from '../../../src/core/explainAndOptimize';
import { planAsJson } from '../../../src/extension/panel/planJson';
import { RawPlanStore } from '../../../src/extension/panel/rawPlanStore';

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
    const withTopLevel = JSON.stringify([{ ...JSON.parse(raw)[0], Settings: { work_mem: '64MB' }, JIT: { Functions: 3 } }]);
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

  it('keeps the newest plans up to its limit, evicting the oldest (files too)', async () => {
    const store = new RawPlanStore(dir, 3);
    for (let i = 1; i <= 5; i++) await store.put(`k-${i}`, `plan ${i}`);
    assert.deepEqual(await store.list(), ['k-3', 'k-4', 'k-5']);
    assert.equal(await store.get('k-1'), undefined);
    assert.equal(await store.get('k-5'), 'plan 5');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.txt')).sort(), ['k-3.txt', 'k-4.txt', 'k-5.txt']);
    // Showing a kept plan again makes it the newest: it outlives the others.
    await store.put('k-3', 'plan 3 again');
    await store.put('k-6', 'plan 6');
    assert.deepEqual(await new RawPlanStore(dir, 3).list(), ['k-5', 'k-3', 'k-6']);
    assert.equal(await new RawPlanStore(dir, 3).get('k-3'), 'plan 3 again');
  });

  it('writes started together all land, in order', async () => {
    const store = new RawPlanStore(dir, 20);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(`p-${i}`, `plan ${i}`)));
    assert.deepEqual(await new RawPlanStore(dir).list(), Array.from({ length: 8 }, (_, i) => `p-${i}`));
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
