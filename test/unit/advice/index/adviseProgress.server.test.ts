/**
 * Building and timing candidates is the slow part of `advise` (minutes per statement on a large table): it
 * reports each build with an estimate of the time left, and a cancel while building returns the best result so
 * far, labelled as stopped early, with no index left behind. Also: the "Best:" figures are the kept indexes' own.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseIndexes, type AdviseProgress } from '../../../../src/core/advice/index/adviseIndexes';
import { hypopgWhatIf, plannerWhatIf } from '../../../../src/core/advice/index/whatIf';
import { dashboardSchemaSql, dashboardSql, eventsSchemaSql, vacuumStatements } from './advisorData';

const database = 'advise_progress_test';

async function realIndexNames(session: PgSession): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

describe('adviseIndexes: progress with the time left, and a cancel that keeps what is measured', function () {
  this.timeout(240_000);
  let session: PgSession;
  let hypopg = false;

  before(async () => {
    const s = await testServer();
    hypopg = s.extensions.includes('hypopg');
    session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
    if (hypopg) await session.execute('CREATE EXTENSION hypopg');
    await session.execute(dashboardSchemaSql(5_000, 50_000));
    await session.execute(eventsSchemaSql(5_000));
    for (const v of vacuumStatements(['users', 'orders', 'events'])) await session.execute(v);
  });
  after(async () => {
    await session?.close();
  });

  it('reports each build with an estimate of the time left, the first one labelled as a default', async () => {
    const events: AdviseProgress[] = [];
    const advice = await adviseIndexes(session, dashboardSql, {
      allowMeasuredWhatIf: true,
      onProgress: (p) => events.push(p),
    });
    assert.ok(advice.measurement.done, JSON.stringify(advice.notes));
    assert.ok(events.length >= 1, 'at least one build');
    assert.deepEqual(
      events.map((e) => e.index),
      events.map((_, i) => i + 1),
    );
    for (const e of events) {
      assert.equal(e.total, events.length);
      assert.ok(e.name.length > 0 && Number.isFinite(e.etaMs) && e.etaMs > 0, JSON.stringify(e));
    }
    assert.equal(events[0].etaFromDefault, true);
    for (const e of events.slice(1)) assert.equal(e.etaFromDefault, false);

    // The "Best:" estimate is the kept combination's own: planned again with exactly those indexes.
    const best = advice.best;
    assert.ok(best);
    assert.deepEqual(
      best.indexNames,
      advice.suggestions.map((s) => s.candidate.name),
    );
    const whatIf = hypopg ? hypopgWhatIf(session) : plannerWhatIf(session);
    const own = await whatIf.plan(
      advice.suggestions.map((s) => s.candidate),
      [{ sql: dashboardSql }],
    );
    const ownCost = own.plans[0]?.totals.cost ?? own.plans[0]?.root.fields['Total Cost'];
    assert.ok(ownCost !== undefined);
    const costAfter = best.costAfter;
    assert.ok(costAfter !== undefined);
    assert.ok(Math.abs(costAfter - ownCost) <= ownCost * 0.01, `${costAfter} against ${ownCost}`);
  });

  it('a cancel after the first build returns the result so far, labelled, and leaves no index behind', async () => {
    const indexesBefore = await realIndexNames(session);
    const controller = new AbortController();
    const events: AdviseProgress[] = [];
    const advice = await adviseIndexes(session, dashboardSql, {
      allowMeasuredWhatIf: true,
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        // Cancel as the second build starts: the first is measured, the rest is not.
        if (p.index === 2) controller.abort();
      },
    });
    assert.ok(events.length >= 2, `needs two candidates to build: ${JSON.stringify(events)}`);
    assert.equal(events.length, 2, 'nothing is built after the cancel');
    assert.match(advice.measurement.reason ?? '', /^Stopped early: 1 of \d+ candidates measured$/);
    assert.ok(advice.notes.some((n) => /Stopped early: 1 of/.test(n.message)));
    assert.deepEqual(await realIndexNames(session), indexesBefore);
    if (hypopg) {
      const rows = await session.query<{ n: string }>('SELECT count(*)::int8 AS n FROM hypopg_list_indexes');
      assert.equal(Number(rows[0].n), 0);
    }
  });
});
