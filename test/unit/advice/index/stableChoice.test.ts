import { strict as assert } from 'node:assert';
import { stableChoice, withinNoise, type TimedOption } from '../../../../src/core/advice/index/stableChoice';

const mb = 1024 * 1024;
const option = (name: string, samplesMs: number[], sizeMb?: number): TimedOption<string> => ({
  item: name,
  name,
  timeAfterMs: [...samplesMs].sort((a, b) => a - b)[Math.floor(samplesMs.length / 2)],
  samplesMs,
  sizeBytes: sizeMb === undefined ? undefined : sizeMb * mb,
});

describe('stableChoice: one index per table, stable against timing noise', () => {
  it('keeps the smaller index when the two medians are within the spread of their runs, and says why', () => {
    // The production case: a 402 MB covering index and a 134 MB partial one, medians 0.4 ms apart, runs 1 ms wide.
    const covering = option('orders_covering_idx', [2.1, 2.5, 3.0], 402);
    const partial = option('orders_partial_idx', [2.4, 2.9, 3.4], 134);
    assert.ok(withinNoise(covering, partial));
    for (const order of [
      [covering, partial],
      [partial, covering],
    ]) {
      const choice = stableChoice(order);
      assert.equal(choice?.pick, 'orders_partial_idx');
      assert.match(choice?.reason ?? '', /within noise of orders_covering_idx \(402\.0 MB/i);
      assert.match(choice?.reason ?? '', /the smaller one is chosen/);
    }
  });

  it('keeps the faster index when it is faster beyond noise, whatever its size', () => {
    const covering = option('orders_covering_idx', [1.0, 1.1, 1.2], 402);
    const partial = option('orders_partial_idx', [2.9, 3.0, 3.1], 134);
    assert.ok(!withinNoise(covering, partial));
    const choice = stableChoice([partial, covering]);
    assert.equal(choice?.pick, 'orders_covering_idx');
    assert.equal(choice?.reason, undefined);
  });

  it('keeps the fastest without a reason when it is also the smallest, or when sizes are unknown', () => {
    assert.deepEqual(stableChoice([option('a', [1, 2, 3], 10), option('b', [2, 2.5, 3], 20)]), { pick: 'a' });
    assert.deepEqual(stableChoice([option('a', [1, 2, 3]), option('b', [2, 2.5, 3])]), { pick: 'a' });
    assert.equal(stableChoice([]), undefined);
  });
});
