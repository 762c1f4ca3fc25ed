import assert from 'node:assert/strict';
import {
  andedConditionCount,
  conditionColumns,
  conditionFunctions,
} from '../../../../src/core/insights/plan/conditionColumns';

describe('condition columns (EXPLAIN condition text)', () => {
  it('reads the columns compared in a condition, skipping constants and casts', () => {
    assert.deepEqual(conditionColumns("(status = 'pending'::text)"), ['status']);
    assert.deepEqual(conditionColumns('((region = 7) AND (region_copy = 7))'), ['region', 'region_copy']);
    assert.deepEqual(
      conditionColumns(
        "((o.created_at >= '2024-01-01 00:00:00+00'::timestamp with time zone) AND (o.total > '10'::numeric))",
      ),
      ['created_at', 'total'],
    );
    assert.deepEqual(conditionColumns("(name ~~ '%777 AND x = 1'::text)"), ['name']);
    assert.deepEqual(conditionColumns('("Weird Col" = $1)'), ['Weird Col']);
    assert.deepEqual(conditionColumns('(u.id = o.user_id)'), ['id', 'user_id']);
  });

  it('finds functions applied to columns and counts AND-ed conditions', () => {
    assert.deepEqual(conditionFunctions("(lower(email) = 'a@b.c'::text)"), ['lower']);
    assert.deepEqual(conditionFunctions('(region = 7)'), []);
    assert.equal(andedConditionCount('((region = 7) AND (region_copy = 7))'), 2);
    assert.equal(andedConditionCount('((a = 1) OR (b = 2))'), 1);
    assert.equal(andedConditionCount("(note = ' AND ')"), 1);
  });
});
