/**
 * The plan view's first message with its nodes as columns (src/extension/panel/packedNodes.ts, decoded by
 * webview/nodeList.ts): every real plan fixture (made by a real server, test/fixtures/plans/real) and a
 * 2,000-node plan from our generator go through both sides, and come back as the tree the view drew before.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import type { PlanNode } from '../../../src/core/plan/planNode';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { firstPaintInsights, firstPaintMessage, firstPaintResult } from '../../../src/extension/panel/compactResult';
import { packColumn } from '../../../src/extension/panel/packedNodes';
import { unpackNodes } from '../../../webview/nodeList';
import { firstMessageSize } from '../../helpers/messageSize';
import { planWithHotspot } from '../../helpers/planFiles';

const realDir = join(__dirname, '../../fixtures/plans/real');

/** What crossing postMessage does to the object form (JSON), to compare like with like. */
function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function preorder(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (n: PlanNode): void => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** Packs, sends through structured clone (as the webview gets it), unpacks; returns the view's tree. */
function roundTrip(
  result: TuningResult,
  selected: Set<number>,
): { sent: ReturnType<typeof firstPaintMessage>; nodes: PlanNode[] } {
  const sent = structuredClone(firstPaintMessage(result, selected));
  assert.ok(sent.packedNodes, 'the nodes went as columns');
  const unpacked = unpackNodes(sent.result, sent.packedNodes);
  assert.equal(unpacked.plan.root, unpacked.plan.nodes[0]);
  return { sent, nodes: unpacked.plan.nodes };
}

function assertSameTree(actual: PlanNode[], expected: PlanNode[]): void {
  assert.equal(actual.length, expected.length);
  for (const [i, e] of expected.entries()) {
    const a = actual[i];
    assert.equal(a.id, i);
    assert.equal(a.parentId, e.parentId, `parent of ${i}`);
    assert.equal(a.depth, e.depth, `depth of ${i}`);
    assert.deepEqual(
      a.children.map((c) => c.id),
      e.children.map((c) => c.id),
      `children of ${i}`,
    );
    assert.deepEqual(a.fields, e.fields, `fields of ${i}`);
    assert.deepEqual(Object.keys(a.fields), Object.keys(e.fields), `field order of ${i}`);
    assert.deepEqual(a.metrics, e.metrics, `metrics of ${i}`);
  }
}

describe('plan view first message: nodes as columns', () => {
  const files = readdirSync(realDir).filter(
    (f) => /^\d\d-.*\.(json|txt)$/.test(f) && !/\.(psql|psql-json|wrapped)\.txt$/.test(f),
  );

  it('finds the real plan fixtures', () => {
    assert.ok(files.length >= 40, `${files.length} fixtures`);
  });

  for (const file of files) {
    it(`${file}: unpacks to the first-paint tree (fields cut but the selected node's, every metric)`, async () => {
      const result = await analysePlanText(readFileSync(join(realDir, file), 'utf8'));
      const selected = new Set([result.plan.nodes.find((n) => n.metrics.hotspotRank === 1)?.id ?? 0]);
      const { sent, nodes } = roundTrip(result, selected);
      assertSameTree(nodes, preorder(viaJson(firstPaintResult(result, selected)).plan.root));
      assert.equal(sent.result.rawPlan, '', 'the raw plan stays on the host');
      assert.deepEqual(sent.result.plan.root.children, [], 'the root is a stand-in');
    });
  }

  it('a 2,000-node plan: the same tree, the first insights only, under a sixth of the bytes', async () => {
    const result = await analysePlanText(planWithHotspot(2_000));
    const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1)!;
    const { sent, nodes } = roundTrip(result, new Set([hotspot.id]));
    assertSameTree(nodes, preorder(viaJson(firstPaintResult(result, new Set([hotspot.id]))).plan.root));
    assert.deepEqual(nodes[hotspot.id].fields, hotspot.fields, 'the selected hotspot has all its fields');
    assert.ok(result.insights.length > firstPaintInsights);
    assert.deepEqual(sent.result.insights, result.insights.slice(0, firstPaintInsights));
    assert.equal(sent.insightsToFollow, result.insights.length);
    const size = await firstMessageSize(2_000);
    assert.ok(size.bytes * 6 < size.objectBytes, `${size.bytes} bytes packed vs ${size.objectBytes} as objects`);
  });

  it("a revived panel's result (empty node list) packs from its tree", async () => {
    const result = await analysePlanText(readFileSync(join(realDir, files[0]), 'utf8'));
    const revived = viaJson({ ...result, plan: { ...result.plan, nodes: [] } });
    const { nodes } = roundTrip(revived, new Set([0]));
    assertSameTree(nodes, preorder(viaJson(firstPaintResult(result, new Set([0]))).plan.root));
  });

  it('picks the smallest column form and keeps what JSON would lose', () => {
    assert.deepEqual(packColumn([3, 3, 3]), { constant: 3 });
    assert.deepEqual(packColumn([undefined, undefined]), { constant: null });
    assert.ok((packColumn([1, 255, 0]) as { numbers: unknown }).numbers instanceof Uint8Array);
    assert.ok((packColumn([1, 256]) as { numbers: unknown }).numbers instanceof Uint16Array);
    assert.ok((packColumn([1, 2 ** 31]) as { numbers: unknown }).numbers instanceof Uint32Array);
    const floats = (packColumn([0.5, undefined, Infinity, -0]) as { numbers: Float64Array }).numbers;
    assert.ok(floats instanceof Float64Array);
    assert.ok(Number.isNaN(floats[1]));
    assert.equal(floats[2], Infinity);
    assert.ok(Object.is(floats[3], -0));
    const labels = packColumn(['under', 'none', 'under', undefined, false]) as {
      labels: unknown[];
      codes: ArrayLike<number>;
    };
    assert.deepEqual(labels.labels, ['under', 'none', null, false]);
    assert.deepEqual([...Array.from(labels.codes)], [0, 1, 0, 2, 3]);
    assert.deepEqual(packColumn([['a'], undefined]), { values: [['a'], null] });
  });
});
