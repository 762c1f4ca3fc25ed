/**
 * The pre-aggregation's reading of the ORM form as its LEFT JOIN aggregate takes only subqueries that are whole
 * columns over the one child: the rewrite rule it borrows its match from also takes a subquery inside an
 * expression or over a join, which that join form would answer differently (coalesce dropped, a table lost).
 */
import { strict as assert } from 'node:assert';
import { correlatedJoinForm } from '../../../../src/core/advice/preAggregate/correlatedForm';
import { parseSelect } from '../../../../src/core/sql/ast';
import { loadParser } from '../../../../src/core/sql/parser';

const sub = (agg: string): string => `(SELECT ${agg} FROM orders o WHERE o.user_id = u.id)`;

function joinForm(sql: string): string | undefined {
  const parsed = parseSelect(sql);
  assert.ok(parsed, sql);
  return correlatedJoinForm(parsed);
}

describe('correlatedJoinForm: whole columns over one child only', () => {
  before(loadParser);

  it('reads the ORM form (each subquery a whole column) as its join form', () => {
    const form = joinForm(`SELECT u.id, ${sub('count(*)')} AS n, ${sub('sum(o.total)')} AS s FROM users u`);
    assert.match(form ?? '', /LEFT JOIN/);
  });

  it('declines a subquery inside an expression, also beside a subquery it does not decorrelate', () => {
    assert.equal(joinForm(`SELECT u.id, coalesce(${sub('sum(o.total)')}, 0) AS s FROM users u`), undefined);
    // Two bare subqueries (one with LIMIT, not decorrelated) and one inside coalesce: as many bare as decorrelated.
    const mixed =
      `SELECT u.id, ${sub('count(*)')} AS n, (SELECT max(o.total) FROM orders o WHERE o.user_id = u.id LIMIT 1) AS t, ` +
      `coalesce(${sub('sum(o.total)')}, 0) AS s FROM users u`;
    assert.equal(joinForm(mixed), undefined);
  });

  it('declines a subquery over joined or comma-listed tables', () => {
    for (const from of ['orders o JOIN banned b ON b.user_id = o.user_id', 'orders o, banned b'])
      assert.equal(
        joinForm(`SELECT u.id, (SELECT count(*) FROM ${from} WHERE o.user_id = u.id) AS n FROM users u`),
        undefined,
        from,
      );
  });
});
