/**
 * The index advisor on the embedded PGlite database (no HypoPG): candidates are screened with real indexes
 * built in rolled-back transactions and measured there. Data from our generator (advisorData.ts), small scale.
 */
import { strict as assert } from 'node:assert';
import { openEmbeddedDatabase } from '../../../../src/core/db/embeddedDatabase';
import type { PgliteSession } from '../../../../src/core/db/pgliteSession';
import { adviseIndexes } from '../../../../src/core/advice/index/adviseIndexes';
import { dashboardSchemaSql, dashboardSql, vacuumStatements } from './advisorData';

describe('adviseIndexes on the embedded database (PGlite, no HypoPG)', function () {
  this.timeout(240_000);
  let session: PgliteSession;

  before(async () => {
    session = await openEmbeddedDatabase([
      { path: 'schema.sql', text: dashboardSchemaSql(5_000, 50_000).replace('SET synchronous_commit = on;', '') },
    ]);
    for (const v of vacuumStatements(['users', 'orders'])) await session.execute(v);
  });
  after(async () => {
    await session?.close();
  });

  it('reports HypoPG missing, measures instead, and builds nothing that stays', async () => {
    const advice = await adviseIndexes(
      session,
      "SELECT id, email FROM users WHERE lower(email) = 'user42@example.com'",
      { allowMeasuredWhatIf: false },
    );
    assert.equal(advice.hypopg?.available, false);
    assert.ok(advice.notes.some((n) => n.kind === 'hypopg-unavailable'));
    const s = advice.suggestions[0];
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.candidate.keys[0].expression, 'lower(email)');
    assert.equal(s.label, 'measured');
    assert.equal(s.estimate?.method, 'planner');
    assert.ok(s.measurement && s.measurement.where === 'embedded' && s.measurement.sizeBytes > 0);
    const rows = await session.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'",
    );
    assert.equal(Number(rows[0].n), 2);
  });

  it('dashboard: orders index led by user_id with INCLUDE total', async () => {
    const advice = await adviseIndexes(session, dashboardSql, { allowMeasuredWhatIf: false });
    const s = advice.suggestions.find((x) => x.candidate.table === 'orders');
    assert.ok(s, JSON.stringify(advice.notes));
    assert.equal(s.candidate.keys[0].column, 'user_id');
    assert.ok(s.candidate.include.includes('total'));
    assert.equal(s.label, 'measured');
  });
});
