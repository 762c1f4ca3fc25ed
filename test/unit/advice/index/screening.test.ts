/**
 * HypoPG-first screening (issue 12 §4): every family reaches the screen before the cap cuts it, and only the
 * survivors close to the best estimate on their table go on to be built. Hand-made candidates: no database.
 */
import { strict as assert } from 'node:assert';
import { familyOf, maxScreenedBuilt, screeningOrder, survivors } from '../../../../src/core/advice/index/screening';
import type { IndexCandidate } from '../../../../src/core/advice/indexSuggestion';

function candidate(
  name: string,
  table: string,
  columns: string[],
  ruleScore: number,
  include: string[] = [],
): IndexCandidate {
  return {
    table,
    method: 'btree',
    keys: columns.map((column) => ({ column, reason: '' })),
    include,
    features: [],
    name,
    serves: [],
    ruleScore,
    columnOrderReason: '',
  };
}

describe('screening: HypoPG first, build the survivors', () => {
  it('puts the best member of every family first, so the cap never cuts a family off', () => {
    const many = Array.from({ length: 60 }, (_, i) => candidate(`c${i}`, 'orders', ['created_at', `x${i}`], 0.9));
    const corr = candidate('corr', 'orders', ['user_id', 'created_at'], 0.5);
    const order = screeningOrder([...many, corr], 'hypopg');
    assert.ok(order.indexOf(corr) >= 0 && order.indexOf(corr) < 2, 'the user_id family is screened');
    assert.ok(order.length <= 48);
    // The planner builds to screen: the old cap, by rule score (the low-rated family may fall off there).
    const planner = screeningOrder([...many, corr], 'planner');
    assert.equal(planner.length, maxScreenedBuilt);
    assert.equal(familyOf(many[0]), familyOf(many[1]));
    assert.notEqual(familyOf(many[0]), familyOf(corr));
  });

  it('survivors: one per family not chosen, used, gaining, within 4× of the best on the table, cheapest first', () => {
    const chosen = candidate('chosen', 'orders', ['user_id', 'created_at'], 0.95, ['total']);
    const sameFamily = candidate('plain', 'orders', ['user_id'], 0.7);
    const close = candidate('close', 'orders', ['status', 'user_id'], 0.6);
    const closeWide = candidate('closeWide', 'orders', ['status', 'user_id'], 0.6, ['total']);
    const far = candidate('far', 'orders', ['created_at'], 0.9);
    const unused = candidate('unused', 'orders', ['note'], 0.9);
    const otherTable = candidate('users', 'users', ['status'], 0.6);
    const rated = [
      { candidate: chosen, cost: 10, used: true, sizeBytes: 100 },
      { candidate: sameFamily, cost: 12, used: true, sizeBytes: 50 },
      { candidate: close, cost: 30, used: true, sizeBytes: 80 },
      { candidate: closeWide, cost: 30, used: true, sizeBytes: 90 },
      // 1.6× cheaper than the statement, 48,000× dearer than the best: not worth building.
      { candidate: far, cost: 480_000, used: true, sizeBytes: 10 },
      { candidate: unused, cost: 5, used: false },
      { candidate: otherTable, cost: 700_000, used: true },
    ];
    assert.deepEqual(
      survivors(rated, [chosen], 800_000, 0.05).map((c) => c.name),
      ['close', 'users'],
    );
  });
});
