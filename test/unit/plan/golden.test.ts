import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../../src/core/plan/parsePlan';

const dir = join(__dirname, '../../fixtures/plans/golden');

/** Every key in `expected` must match `actual` (numbers within 1e-6); keys not listed are not checked. */
function assertSubset(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${String(actual)}`);
    assert.ok(Math.abs((actual as number) - expected) < 1e-6, `${path}: expected ${expected}, got ${String(actual)}`);
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object, got ${String(actual)}`);
    for (const [k, v] of Object.entries(expected))
      assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

describe('plan metrics on hand-checked golden pairs', () => {
  const plans = readdirSync(dir).filter((f) => /-plan\.(txt|json)$/.test(f));
  it('has golden pairs to check', () => assert.ok(plans.length >= 8));
  for (const file of plans) {
    it(file, () => {
      const plan = parsePlan(readFileSync(join(dir, file), 'utf8'));
      const expect = JSON.parse(readFileSync(join(dir, file.replace(/-plan\.\w+$/, '-expect.json')), 'utf8'));
      const { nodes, comment, ...top } = expect as { nodes: Record<string, unknown>; comment: string };
      assert.ok(comment.length > 0);
      assertSubset(plan, top, 'plan');
      for (const [id, metrics] of Object.entries(nodes)) {
        assertSubset(plan.nodes[Number(id)].metrics, metrics, `node ${id}`);
      }
      // Only listed ranks exist: a node with no hotspotRank in the expectation must have none when a rank is listed elsewhere.
      for (const n of plan.nodes) {
        const listed = (nodes[String(n.id)] ?? {}) as Record<string, unknown>;
        if (!('hotspotRank' in listed) && Object.values(nodes).some((m) => 'hotspotRank' in (m as object))) {
          assert.equal(n.metrics.hotspotRank, undefined, `node ${n.id} should not be a hotspot`);
        }
      }
    });
  }
});
