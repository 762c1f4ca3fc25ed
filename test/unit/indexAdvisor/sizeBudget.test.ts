import { strict as assert } from 'node:assert';
import { bestWithinBudget, type SizedOption } from '../../../src/core/advice/index/sizeBudget';

const mb = 1024 * 1024;
const option = (item: string, sizeMb: number, gainMs: number): SizedOption<string> => ({ item, sizeBytes: sizeMb * mb, gainMs });

describe('bestWithinBudget: indexes and their smaller forms under a total size', () => {
  it('keeps the one large index with most of the gain where greed by gain per byte would keep the small ones', () => {
    // Per byte a, b and c come first (20, 17.5, 16.25 ms/MB against 15): 12 MB for 215 ms, and the dashboard no
    // longer fits. The dashboard and a: 14 MB for 230 ms.
    const groups = [[option('dashboard', 10, 150)], [option('a', 4, 80)], [option('b', 4, 70)], [option('c', 4, 65)]];
    const picked = bestWithinBudget(groups, 15.6 * mb).map((o) => o?.item);
    assert.deepEqual(picked, ['dashboard', 'a', undefined, undefined]);
  });

  it('takes a smaller form of an index when the full form does not fit with the rest', () => {
    const groups = [
      [option('dashboard', 10, 400)],
      [option('shipdate covering', 22.9, 100), option('shipdate key-only', 4.1, 60)],
      [option('partkey', 4.3, 50)],
    ];
    const picked = bestWithinBudget(groups, 15.6 * mb).map((o) => o?.item);
    assert.deepEqual(picked, ['dashboard', 'shipdate key-only', undefined]);
  });

  it('chooses by total gain, not by the first group that fits, and never exceeds the budget', () => {
    const groups = [[option('x', 6, 30), option('x small', 2, 25)], [option('y', 6, 30)], [option('z', 3, 20)]];
    const picked = bestWithinBudget(groups, 11.1 * mb);
    const total = picked.reduce((s, o) => s + (o?.sizeBytes ?? 0), 0);
    assert.ok(total <= 11.1 * mb);
    assert.deepEqual(picked.map((o) => o?.item), ['x small', 'y', 'z']);
  });

  it('leaves out options without gain, and picks nothing within a zero budget', () => {
    const groups = [[option('useless', 1, 0)], [option('useful', 1, 5)]];
    assert.deepEqual(bestWithinBudget(groups, 5 * mb).map((o) => o?.item), [undefined, 'useful']);
    assert.deepEqual(bestWithinBudget(groups, 0).map((o) => o?.item), [undefined, undefined]);
  });

  it('on equal gain, the smaller total size', () => {
    const groups = [[option('wide', 5, 10), option('narrow', 1, 10)]];
    assert.equal(bestWithinBudget(groups, 8 * mb)[0]?.item, 'narrow');
  });
});
