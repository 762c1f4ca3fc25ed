import { strict as assert } from 'node:assert';
import {
  bestSetWithinBudget,
  bestWithinBudget,
  setGain,
  type OverlappingOption,
  type SizedOption,
} from '../../../../src/core/advice/index/sizeBudget';
import { bestGainOfEverySet } from './everySet';

const mb = 1024 * 1024;
const option = (item: string, sizeMb: number, gainMs: number): SizedOption<string> => ({
  item,
  sizeBytes: sizeMb * mb,
  gainMs,
});

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
    assert.deepEqual(
      picked.map((o) => o?.item),
      ['x small', 'y', 'z'],
    );
  });

  it('leaves out options without gain, and picks nothing within a zero budget', () => {
    const groups = [[option('useless', 1, 0)], [option('useful', 1, 5)]];
    assert.deepEqual(
      bestWithinBudget(groups, 5 * mb).map((o) => o?.item),
      [undefined, 'useful'],
    );
    assert.deepEqual(
      bestWithinBudget(groups, 0).map((o) => o?.item),
      [undefined, undefined],
    );
  });

  it('on equal gain, the smaller total size', () => {
    const groups = [[option('wide', 5, 10), option('narrow', 1, 10)]];
    assert.equal(bestWithinBudget(groups, 8 * mb)[0]?.item, 'narrow');
  });
});

type Overlapping = OverlappingOption<string>;
const served = (item: string, scope: string, sizeMb: number, gains: Record<string, number>): Overlapping => ({
  item,
  scope,
  sizeBytes: sizeMb * mb,
  gains: new Map(Object.entries(gains)),
});

describe('bestSetWithinBudget: overlapping indexes counted once per statement', () => {
  // (user_id) and (user_id, created_at) both serve by-user and by-user-recent; (title) serves another table.
  const byUser = served('orders (user_id)', 'orders', 4, { 'by-user': 50, 'by-user-recent': 40 });
  const byUserRecent = served('orders (user_id, created_at)', 'orders', 5, { 'by-user': 55, 'by-user-recent': 45 });
  const byTitle = served('documents (title)', 'documents', 4, { 'by-title': 30 });

  it('keeps one of two overlapping indexes and uses the room for another, where the independent sum keeps both', () => {
    const groups = [[byUser], [byUserRecent], [byTitle]];
    const independent = bestWithinBudget(
      groups.map((g) =>
        g.map((o) => ({
          item: o.item,
          sizeBytes: o.sizeBytes,
          gainMs: [...o.gains.values()].reduce((a, b) => a + b, 0),
        })),
      ),
      10 * mb,
    );
    // Alone the pair adds up to 190 ms against 130 for (user_id, created_at) and (title): the sum takes the pair.
    assert.deepEqual(
      independent.map((o) => o?.item),
      [byUser.item, byUserRecent.item, undefined],
    );
    // As a set the pair saves 55 + 45 = 100 ms; (user_id, created_at) with (title) 130.
    const choice = bestSetWithinBudget(groups, 10 * mb);
    assert.deepEqual(
      choice.picked.map((o) => o?.item),
      [undefined, byUserRecent.item, byTitle.item],
    );
    assert.equal(choice.gainMs, 130);
    assert.equal(choice.search, 'exact');
    assert.equal(setGain([byUser, byUserRecent]), 100);
  });

  it('adds the gains of different tables for a join, up to what the statement saved with every index built', () => {
    const lineitem = served('lineitem (l_orderkey)', 'lineitem', 3, { q3: 70 });
    const orders = served('orders (o_orderdate)', 'orders', 3, { q3: 50 });
    assert.equal(setGain([lineitem, orders]), 120);
    assert.equal(setGain([lineitem, orders], new Map([['q3', 90]])), 90);
    assert.equal(setGain([lineitem], new Map([['q3', 90]])), 70);
  });

  it('picks a smaller form when it serves as well as the overlapping full index beside another', () => {
    // The covering form adds nothing to what (user_id) already saves by-user: its key-only form makes room for the title index.
    const covering = served('orders (user_id) INCLUDE (total)', 'orders', 6, { 'by-user': 52, totals: 20 });
    const keyOnly = served('orders (user_id)', 'orders', 2, { 'by-user': 50, totals: 18 });
    const choice = bestSetWithinBudget([[covering, keyOnly], [byTitle]], 7 * mb);
    assert.deepEqual(
      choice.picked.map((o) => o?.item),
      [keyOnly.item, byTitle.item],
    );
  });

  it('finds the best set on random pools, as every set tried one by one does, within the budget', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const statements = ['s1', 's2', 's3', 's4', 's5'];
    for (let round = 0; round < 40; round++) {
      const groups: Overlapping[][] = [];
      for (let g = 0; g < 6; g++) {
        const scope = next() < 0.5 ? 't1' : 't2';
        const options: Overlapping[] = [];
        for (let f = 0; f < 1 + Math.floor(next() * 3); f++) {
          const gains: Record<string, number> = {};
          for (const s of statements) if (next() < 0.5) gains[s] = Math.round(next() * 100);
          options.push(served(`g${g}f${f}`, scope, 1 + Math.round(next() * 6), gains));
        }
        groups.push(options);
      }
      const caps = new Map(statements.map((s) => [s, 40 + Math.round(next() * 100)]));
      const budget = (4 + Math.round(next() * 10)) * mb;
      const choice = bestSetWithinBudget(groups, budget, caps);
      const chosen = choice.picked.filter((o): o is Overlapping => o !== undefined);
      assert.ok(chosen.reduce((s, o) => s + o.sizeBytes, 0) <= budget, `round ${round}`);
      choice.picked.forEach((o, g) => assert.ok(o === undefined || groups[g].includes(o)));
      assert.equal(choice.gainMs, setGain(chosen, caps));
      assert.equal(choice.gainMs, bestGainOfEverySet(groups, budget, caps), `round ${round}`);
      assert.equal(choice.search, 'exact');
    }
  });

  it('past its node bound, falls back to the best greedy set, still within the budget', () => {
    const groups = [[byUser], [byUserRecent], [byTitle], [served('events (account_id)', 'events', 3, { events: 25 })]];
    const choice = bestSetWithinBudget(groups, 10 * mb, undefined, 3);
    assert.equal(choice.search, 'greedy');
    const chosen = choice.picked.filter((o): o is Overlapping => o !== undefined);
    assert.ok(chosen.reduce((s, o) => s + o.sizeBytes, 0) <= 10 * mb);
    // Greedy by marginal gain: (user_id, created_at) 100, then (title) 30; (user_id) adds nothing beside it.
    assert.equal(choice.gainMs, 130);
    assert.equal(choice.gainMs, bestGainOfEverySet(groups, 10 * mb));
  });
});
