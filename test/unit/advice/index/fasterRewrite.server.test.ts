/**
 * The index kept for the statement as written goes with a rewrite that is faster with it (adviseIndexes
 * onFasterRewrite): the LEFT JOIN dashboard on the demo's generator (20k users, 90 % active, 200k orders)
 * on the real test server. The estimates prefer the statement as written with orders (user_id) … WHERE created_at
 * >= …; with that index the whole-groups form of aggregate before join streams the groups out of it instead of
 * joining every order first (~1.6× faster here), so the advice is the pair, measured on the rewrite.
 */
import { strict as assert } from 'node:assert';
import { requestedMajor } from '../../../helpers/postgresServer';
import { activeUsersDashboard, activeUsersDashboardSession } from '../../../helpers/activeUsersDashboard';
import type { PgSession } from '../../../../src/core/db/pgSession';
import { timeForms } from '../../../../src/core/advice/index/whatIf';
import { adviseRewrites } from '../../../../src/core/advice/rewrite/adviseRewrites';
import { adviseIndexesWithRewrites } from '../../../../src/core/pipeline/statementAdvice';
import { rewriteOf, type IndexCandidate } from '../../../../src/core/advice/indexSuggestion';

const database = 'faster_rewrite_test';

const dashboard = activeUsersDashboard;

describe('an index that goes with a rewrite faster with it than the statement as written', function () {
  this.timeout(300_000);
  let session: PgSession;

  before(async () => {
    session = await activeUsersDashboardSession(database);
  });
  after(async () => {
    await session?.close();
  });

  it('timeForms: one build, each form run once per round, nothing left behind', async () => {
    const index: IndexCandidate = {
      table: 'orders',
      method: 'btree',
      keys: [{ column: 'user_id', reason: 'join key' }],
      include: ['total'],
      features: ['join-key', 'covering'],
      name: 'test_time_forms_idx',
      serves: [],
      ruleScore: 0.6,
      columnOrderReason: '',
    };
    const r = await timeForms(session, [index], [{ sql: dashboard }, { sql: 'SELECT count(*) FROM users' }], 2, {});
    assert.equal(r.samplesMs.length, 2);
    for (const s of r.samplesMs) {
      assert.equal(s.length, 2);
      assert.ok(s.every((ms) => ms >= 0));
    }
    const left = await session.query("SELECT 1 FROM pg_class WHERE relname = 'test_time_forms_idx'");
    assert.equal(left.length, 0);
  });

  it('the index is advised with the faster rewrite, every figure and plan measured on that rewrite', async () => {
    const rewrites = await adviseRewrites(session, dashboard);
    const forms = rewrites.filter((r) => r.id === 'aggregate-before-join');
    assert.equal(forms.length, 2, JSON.stringify(rewrites.map((r) => r.title)));
    for (const f of forms) assert.equal(f.verification, 'equivalent', f.verificationReason);

    const { indexes, chosen } = await adviseIndexesWithRewrites(session, dashboard, rewrites, {
      allowMeasuredWhatIf: true,
    });
    const orders = indexes.suggestions.find((s) => s.candidate.table === 'orders');
    // On the default server (PostgreSQL 15 with HypoPG) the index is kept and the whole-groups form is ~1.6×
    // faster with it. Without HypoPG (16–18 in test:versions) the planner's screening may keep no index at this
    // size: then nothing is timed, and there is nothing more to check.
    if (requestedMajor() === undefined) {
      assert.ok(orders, JSON.stringify(indexes.notes));
      assert.equal(indexes.best?.appliesTo.kind, 'rewrite', JSON.stringify(indexes.notes));
    }
    if (!orders) return;
    assert.equal(orders.candidate.keys[0].column, 'user_id');
    const timedNote = indexes.notes.find((n) => n.kind === 'form-timed');
    if (indexes.best?.appliesTo.kind === 'rewrite') {
      // Switched: said with both times, the rewrite is the whole-groups form, and what the advice holds is of it.
      assert.ok(chosen && rewriteOf(indexes.best.appliesTo, rewrites) === chosen);
      assert.match(chosen.title, /^Aggregate all of orders first, then join users/);
      assert.match(timedNote?.message ?? '', /the index goes with the rewrite, on which it is measured below/);
      assert.deepEqual(orders.appliesTo, indexes.best.appliesTo);
      assert.ok(orders.measurement && orders.measurement.timeAfterMs < orders.measurement.timeBeforeMs);
      assert.ok(
        orders.planAfter?.nodes.some((n) => n.fields['Index Name'] === orders.candidate.name),
        'the plan after is the rewrite reading the index',
      );
      // What was found while judging the statement as written is labelled so.
      const before = indexes.notes.slice(0, indexes.notes.indexOf(timedNote as (typeof indexes.notes)[number]));
      for (const n of before.filter((x) => x.kind === 'dropped'))
        assert.match(n.message, /^On the statement as written: /);
    } else {
      // Kept with the statement: the rewrites were timed beside it with the same index, and none was faster.
      assert.match(timedNote?.message ?? '', /none faster by 10 %/, JSON.stringify(indexes.notes));
    }
  });
});
