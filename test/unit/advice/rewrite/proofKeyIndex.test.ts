/**
 * Issue 12: the ORM form of the dashboard (one correlated subquery per column) on a child table with no index on
 * the key runs for hours as written, so a proof that runs it never ended and the join form stayed "not proven".
 * Where building is allowed, the proof makes the key's index in its rolled-back transaction; the measurement then
 * takes the statement_timeout as the original's time (a lower bound) and times the rewrite alone.
 */
import { strict as assert } from 'node:assert';
import { adviseRewrites } from '../../../../src/core/advice/rewrite/adviseRewrites';
import type { Rewrite } from '../../../../src/core/advice/rewriteSuggestion';
import { figureRows } from '../../../../src/core/report/rewriteReport';
import { hasKeyIndex } from '../../../../src/core/db/keyIndex';
import { adviseStatement } from '../../../../src/core/pipeline/statementAdvice';
import { describeContributions } from '../../../../src/core/report/rewriteReport';
import { bestLines, renderIndexAdviceMarkdown } from '../../../../src/core/report/indexAdviceReport';
import { jointSummary } from '../../../../src/extension/advice/adviceSummary';
import { indexFigure } from '../../../../src/extension/advice/indexFix';
import { useRewriteDatabase } from './rewriteDatabase';

// 2,000 users × 3 subqueries, each reading all 150,000 orders without an index: far past a 10 s timeout (with the key index, the proof's statements take about 1 s; 10 s leaves room on a loaded
// machine, where a 4 s timeout stopped the proof itself).
const setupSql = `
SELECT setseed(0.41);
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, status text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric, created_at timestamptz NOT NULL);
INSERT INTO users SELECT i, 'u' || i || '@example.com', CASE WHEN i % 4 = 0 THEN 'closed' ELSE 'active' END
  FROM generate_series(1, 2000) i;
INSERT INTO orders SELECT i, CASE WHEN i % 97 = 0 THEN NULL ELSE 1 + (random() * 1799)::int END,
  round((random() * 300)::numeric, 2), timestamptz '2024-01-01 00:00:00+00' + (random() * 400) * interval '1 day'
  FROM generate_series(1, 150000) i;
ANALYZE;
`;

const ormDashboard = `SELECT u.id, u.email,
  (SELECT count(*) FROM orders o1 WHERE o1.user_id = u.id AND o1.created_at >= timestamptz '2024-06-01 00:00:00+00') AS order_count,
  (SELECT sum(o2.total) FROM orders o2 WHERE o2.user_id = u.id AND o2.created_at >= timestamptz '2024-06-01 00:00:00+00') AS total_spent,
  (SELECT max(o3.created_at) FROM orders o3 WHERE o3.user_id = u.id AND o3.created_at >= timestamptz '2024-06-01 00:00:00+00') AS last_order
FROM users u WHERE u.status = 'active'
ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 50`;

const timeoutMs = 10_000;

function correlated(rewrites: Rewrite[]): Rewrite {
  const r = rewrites.find((x) => x.id === 'correlated-subquery-to-join');
  assert.ok(r, rewrites.map((x) => x.id).join(', '));
  return r;
}

describe('a correlated rewrite whose original never finishes: the proof makes the key index (test server)', function () {
  this.timeout(300_000);
  const db = useRewriteDatabase('rw_proof_key', setupSql);

  it('without leave to build, the comparison stops at the timeout and the rewrite stays not proven', async () => {
    const r = correlated(await adviseRewrites(db().session, ormDashboard, { statementTimeoutMs: timeoutMs }));
    assert.equal(r.verification, 'unverified', r.verificationReason);
    assert.match(r.verificationReason, /statement_timeout/);
    assert.equal(r.quickFix, false);
  });

  it('with leave to build: proven with the index made in the proof, measured against the timeout as a bound', async () => {
    const r = correlated(
      await adviseRewrites(db().session, ormDashboard, { statementTimeoutMs: timeoutMs, mayBuildProofIndex: true }),
    );
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.match(r.verificationReason, /orders has no index on user_id/);
    assert.equal(r.equivalence?.originalRows, 50);
    // One grouped subquery for the three columns: orders read once.
    assert.equal(r.rewrittenSql.match(/GROUP BY/g)?.length, 1, r.rewrittenSql);
    const m = r.measurement;
    assert.ok(m, 'measured');
    assert.equal(m.before.timedOut, true);
    assert.equal(m.before.timeMs, timeoutMs);
    assert.ok(m.after.timeMs < timeoutMs * 0.9, `rewrite ${m.after.timeMs} ms`);
    assert.equal(m.faster, true);
    assert.equal(r.quickFix, true);
    const [time, , , buffers] = figureRows([m.before, m.after]);
    assert.match(time[1], /^≥ 10\.00 s \(statement_timeout\)$/);
    assert.match(time[3], /^at least [\d.]+× lower$/);
    assert.equal(buffers[1], '–');
    // Made in the proof's transaction and rolled back with it.
    assert.equal(await hasKeyIndex(db().session, 'orders', 'user_id'), false);
  });

  it('Suggest Indexes and Rewrites: the four arms measured together, the statement as written at its bound', async () => {
    const advised = await adviseStatement(db().session, ormDashboard, {
      allowMeasuredWhatIf: true,
      statementTimeoutMs: timeoutMs,
    });
    const r = correlated(advised.rewrites);
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    const c = advised.combined?.combination;
    assert.ok(c, advised.combinationNote ?? 'no combination');
    const original = c.arms.find((a) => !a.rewrite && !a.index);
    assert.equal(original?.figures.timedOut, true);
    assert.ok(c.arms.filter((a) => a !== original).every((a) => !a.figures.timedOut && a.figures.timeMs < timeoutMs));
    const joint = jointSummary(c) ?? '';
    assert.match(
      joint,
      /^as written ≥ 10000 ms → rewrite [\d.]+ ms, index [\d.]+ ms, both [\d.]+ ms \(measured together, median of 3\)$/,
    );
    assert.match(describeContributions(c)[0], /^The rewrite alone: ≥ 10\.00 s → [\d.]+ ms \(at least [\d.]+× lower\)/);
    // The index on the statement as written, against the same bound.
    const onWritten = advised.indexes.suggestions.find((s) => s.appliesTo.kind === 'as-written');
    assert.ok(onWritten?.measurement, 'an index measured on the statement as written');
    assert.equal(onWritten.measurement.beforeTimedOut, true);
    assert.match(indexFigure(onWritten), /^measured ≥ 10000 → [\d.]+ ms$/);
    // Known past the timeout from the rewrite's measurement: not run again to wait it out (said).
    assert.ok(
      advised.indexes.notes.some((n) => /did not finish .* when its rewrite was measured/.test(n.message)),
      advised.indexes.notes.map((n) => n.message).join('\n'),
    );
    // That index leaves the statement slower than the rewrite alone, which needs none: said.
    const said = advised.indexes.notes.find((n) => n.kind === 'form-timed' && /alone, with no index/.test(n.message));
    assert.ok(said, advised.indexes.notes.map((n) => n.message).join('\n'));
    assert.match(said.message, /Apply the rewrite/);
    assert.ok(
      onWritten.warnings.some((w) => w.startsWith('Slower than the rewrite')),
      onWritten.warnings.join('\n'),
    );
    // …and the "Best" line names the rewrite alone first; the index is for where the statement cannot change.
    const best = advised.indexes.best;
    assert.equal(best?.appliesTo.kind, 'as-written');
    assert.deepEqual(best.rewriteAlone?.appliesTo, r.ref && { kind: 'rewrite', rewrite: r.ref });
    const lines = bestLines(advised.indexes, advised.rewrites);
    assert.deepEqual(
      lines.map((l) => l.label),
      ['Best', 'Where the statement cannot change'],
    );
    assert.match(
      lines[0].text,
      /^the rewrite "[^"]+" alone, with no index: measured ≥ 10.00 s → [\d.]+ ms \(at least [\d.]+× lower\); faster than/,
    );
    assert.match(lines[1].text, /with the statement as written: est\. cost .* measured ≥ 10.00 s → /);
    assert.match(
      renderIndexAdviceMarkdown(advised.indexes, { rewrites: advised.rewrites }),
      /\*\*Best combination:\*\* the rewrite "/,
    );
    assert.equal(await hasKeyIndex(db().session, 'orders', 'user_id'), false);
  });

  it('a child with the key indexed is proven as it is, nothing made', async () => {
    await db().session.execute('CREATE INDEX orders_user_id_idx ON orders (user_id)');
    try {
      const r = correlated(
        await adviseRewrites(db().session, ormDashboard, {
          statementTimeoutMs: 20_000,
          mayBuildProofIndex: true,
          skipMeasurement: true,
        }),
      );
      assert.equal(r.verification, 'equivalent', r.verificationReason);
      assert.doesNotMatch(r.verificationReason, /has no index/);
    } finally {
      await db().session.execute('DROP INDEX orders_user_id_idx');
    }
  });
});
