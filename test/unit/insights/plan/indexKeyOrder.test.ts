/**
 * The static index hint's column order (issue 12): equality before IN before range, outer columns left out. The
 * conditions are as PostgreSQL 15 prints them (a SubPlan's Seq Scan filter, VERBOSE, ANY, LIKE prefix, IS NULL).
 */
import { strict as assert } from 'node:assert';
import { indexKeyColumns } from '../../../../src/core/insights/plan/indexKeyOrder';

describe('index key order of a static hint', () => {
  const orders = { alias: 'o', relation: 'orders' };

  it("a correlated subquery's filter: the correlation column first, the range after, the outer u.id left out", () => {
    const filter = "((created_at >= '2024-01-01 00:00:00+00'::timestamp with time zone) AND (user_id = u.id))";
    assert.deepEqual(indexKeyColumns(filter, orders), ['user_id', 'created_at']);
    // VERBOSE qualifies this table's columns too.
    assert.deepEqual(indexKeyColumns("((o.created_at >= '2024-01-01'::date) AND (o.user_id = u.id))", orders), [
      'user_id',
      'created_at',
    ]);
    // The outer column on the left.
    assert.deepEqual(indexKeyColumns('((created_at < $1) AND (u.id = user_id))', orders), ['user_id', 'created_at']);
  });

  it('equality, then IN, then range, then the rest; IS NULL counts as equality', () => {
    const filter =
      "((total > 100.00) AND (region = ANY ('{1,2}'::integer[])) AND (status = 'paid'::text) AND (deleted_at IS NULL) AND ((note)::text ~~ 'a%'::text))";
    assert.deepEqual(indexKeyColumns(filter, orders), ['status', 'deleted_at', 'region', 'total', 'note']);
  });

  it('quoted names, casts, and a comparison between two columns of the table', () => {
    assert.deepEqual(indexKeyColumns('(("createdAt" >= $2) AND ("userId" = $1))', { relation: 'Orders' }), [
      'userId',
      'createdAt',
    ]);
    assert.deepEqual(indexKeyColumns("((shipped_at > created_at) AND (status = 'x'::text))", orders), [
      'status',
      'shipped_at',
      'created_at',
    ]);
  });

  it('a string constant holding AND or an operator is not split', () => {
    assert.deepEqual(indexKeyColumns("((note = 'a AND b >= c'::text) AND (id > 5))", orders), ['note', 'id']);
  });
});
