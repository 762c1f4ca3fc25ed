/**
 * The other side of a join, judged on top of the index chosen for the fact side (adviseIndexes.complement): the
 * issue's dashboard (users LEFT JOIN orders, 90 % of users active) on the real test server, 20k users, 200k
 * orders from the demo's generator, hash plans off (the plan of 2M orders). Alone, `users (id) INCLUDE (email, name) WHERE status = 'active'` changes
 * nothing (the plan hash-joins); it can pay only once orders stream in user_id order, so it is timed with the
 * orders index built first (measurePaired's base).
 */
import { strict as assert } from 'node:assert';
import { activeUsersDashboard, activeUsersDashboardSession } from '../../../helpers/activeUsersDashboard';
import type { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import { measurePaired } from '../../../../src/core/advice/index/whatIf';
import type { IndexCandidate } from '../../../../src/core/advice/indexSuggestion';
import type { Plan } from '../../../../src/core/plan/planNode';

const database = 'join_complement_test';

const dashboard = activeUsersDashboard;

function candidate(
  table: string,
  name: string,
  key: string,
  include: string[],
  predicate: string,
  features: IndexCandidate['features'],
): IndexCandidate {
  return {
    table,
    method: 'btree',
    keys: [{ column: key, reason: `join key ${key}` }],
    include,
    predicate,
    features,
    name,
    serves: [],
    ruleScore: 0.6,
    columnOrderReason: 'join key first',
  };
}

const ordersIndex = candidate(
  'orders',
  'test_orders_user_id_partial',
  'user_id',
  ['total', 'created_at'],
  "created_at >= '2024-01-01 00:00:00+00'::timestamp with time zone",
  ['join-key', 'partial', 'covering'],
);
const usersIndex = candidate('users', 'test_users_id_active', 'id', ['email', 'name'], "status = 'active'", [
  'join-key',
  'partial',
  'covering',
]);

const reads = (plan: Plan | undefined, index: string): boolean =>
  plan?.nodes.some((n) => n.fields['Index Name'] === index) === true;

describe('an index on the other side of a join, timed on top of the chosen one', function () {
  this.timeout(240_000);
  let session: PgSession;

  before(async () => {
    session = await activeUsersDashboardSession(database);
    // At this size the planner hash-joins whatever the indexes (it merge-joins from ~2M orders, bench:dashboard):
    // without hash plans, the merge join's plan, which both indexes serve, is the one under test at any size.
    await session.execute('SET enable_hashjoin = off; SET enable_hashagg = off');
  });
  after(async () => {
    await session?.close();
  });

  it('measurePaired with a base: the base index is read by both runs of every pair, then nothing is left', async () => {
    const paired = await measurePaired(session, usersIndex, { sql: dashboard }, 2, { base: [ordersIndex] });
    assert.equal(paired.beforeMs.length, 2);
    assert.equal(paired.afterMs.length, 2);
    // Without the base the dashboard hash-joins a sequential scan of orders: the base must be in the "before" too.
    assert.ok(reads(paired.beforePlan, ordersIndex.name), 'the run without the index reads the base');
    assert.ok(reads(paired.afterPlan, ordersIndex.name), 'the run with the index reads the base');
    assert.equal(reads(paired.beforePlan, usersIndex.name), false);
    assert.ok(paired.sizeBytes !== undefined && paired.sizeBytes > 0);
    assert.ok(paired.beforePages !== undefined && paired.afterPages !== undefined);
    const left = await session.query<{ name: string }>(
      'SELECT relname AS name FROM pg_class WHERE relname = ANY($1::text[])',
      [[ordersIndex.name, usersIndex.name]],
    );
    assert.deepEqual(left, []);
  });

  it('a base that cannot be built: a clear error, and the transaction is rolled back', async () => {
    const broken = { ...ordersIndex, name: 'test_broken_base', include: ['no_such_column'] };
    await assert.rejects(
      measurePaired(session, usersIndex, { sql: dashboard }, 1, { base: [broken] }),
      /could not be built/,
    );
    const rows = await session.query<{ n: string }>("SELECT count(*)::text AS n FROM users WHERE status = 'active'");
    assert.equal(rows[0].n, '18000');
  });

  it('advise: the users join-key index is timed on top of the orders index it needs, and kept only when it pays', async () => {
    const advice = await adviseIndexes(session, dashboard, { allowMeasuredWhatIf: true });
    const orders = advice.suggestions.find((s) => s.candidate.table === 'orders');
    assert.ok(orders, JSON.stringify(advice.notes));
    const users = advice.suggestions.find((s) => s.candidate.table === 'users');
    const onTop = new RegExp(`on top of ${orders.candidate.name}`);
    if (users) {
      // Kept: measured with the orders index in place, its plan reads it, and the advice says it pays only so.
      assert.ok(users.candidate.features.includes('join-key'));
      assert.ok(
        users.warnings.some((w) => onTop.test(w) && /pays only with/.test(w)),
        JSON.stringify(users.warnings),
      );
      assert.ok(users.measurement && users.measurement.timeAfterMs < users.measurement.timeBeforeMs);
      assert.ok(reads(users.planAfter, users.candidate.name));
      // Listed after the index it pays with.
      assert.ok(advice.suggestions.indexOf(users) > advice.suggestions.indexOf(orders));
      // A partial index beside the primary key replaces nothing.
      assert.ok(!users.warnings.some((w) => /redundant/.test(w)), JSON.stringify(users.warnings));
    } else {
      // Not kept: the note says it was timed on top of the orders index, with both figures.
      assert.ok(
        advice.notes.some((n) => n.table === 'users' && onTop.test(n.message) && /→/.test(n.message)),
        JSON.stringify(advice.notes),
      );
    }
  });
});
