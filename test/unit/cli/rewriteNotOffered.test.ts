/**
 * Issue 12: a "not proven, not measured" correlated → join rewrite was printed by `pg-tuner rewrite` as if it were
 * advice (it aggregates orders three times: the same rows, 5× slower than the join). Only a form proven to
 * return the same rows and measured faster beyond noise is advice; any other is listed as "not offered: <why>".
 * Real rewrites from the test server, formatted as the CLI (text and Markdown) prints them.
 */
import assert from 'node:assert/strict';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import { PgSession } from '../../../src/core/db/pgSession';
import { adviseRewrites } from '../../../src/core/advice/rewrite/adviseRewrites';
import { formatRewrites } from '../../../src/cli/commands/rewrite';
import { notOfferedReason, renderRewriteMarkdown } from '../../../src/core/report/rewriteReport';
import { createColours } from '../../../src/cli/colours';

const setupSql = `
CREATE TABLE users (id int PRIMARY KEY, status text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, total numeric, created_at timestamptz NOT NULL);
CREATE TABLE banned (user_id int);
INSERT INTO users SELECT i, CASE WHEN i % 3 = 0 THEN 'inactive' ELSE 'active' END FROM generate_series(1, 200) i;
INSERT INTO orders SELECT i, i % 200 + 1, i % 50, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour' FROM generate_series(1, 2000) i;
INSERT INTO banned VALUES (3), (NULL);
ANALYZE;
`;

const correlated = `SELECT u.id,
  (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS n,
  (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id) AS spent,
  (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id) AS last
FROM users u WHERE u.status = 'active'`;

describe('pg-tuner rewrite: only proven and measured-faster forms are advice (issue 12)', function () {
  this.timeout(120_000);
  const database = `rewrite_not_offered_${process.pid}`;
  let session: PgSession;
  const plain = createColours(false);

  before(async () => {
    session = await PgSession.connect({ connectionString: await createDatabase(await testServer(), database) });
    await session.execute(setupSql);
  });

  after(async () => {
    await session.close();
    await dropDatabase(await testServer(), database);
  });

  it('a proven but unmeasured correlated → join form is listed as not offered, not as advice', async () => {
    const rewrites = await adviseRewrites(session, correlated, {
      only: ['correlated-subquery-to-join'],
      skipMeasurement: true,
    });
    assert.equal(rewrites.length, 1);
    assert.equal(rewrites[0].verification, 'equivalent');
    assert.equal(notOfferedReason(rewrites[0]), 'same rows, but not measured, so it may be slower');
    const text = formatRewrites(rewrites, plain);
    assert.match(text, /^1\. .* \[equivalent\] not offered: same rows, but not measured, so it may be slower$/m);
    assert.match(text, /SQL \(not offered\):/);
    assert.doesNotMatch(text, /^\s*SQL:$/m);
    assert.match(renderRewriteMarkdown(rewrites, correlated), /^\*\*Not offered:\*\* same rows, but not measured/m);
  });

  it('measured: advice only when faster beyond noise, otherwise not offered with why', async () => {
    const rewrites = await adviseRewrites(session, correlated, { only: ['correlated-subquery-to-join'], runs: 3 });
    const r = rewrites[0];
    assert.ok(r.measurement);
    const text = formatRewrites(rewrites, plain);
    if (r.quickFix) {
      assert.match(text, /\[equivalent, faster\]$/m);
      assert.doesNotMatch(text, /not offered/);
    } else {
      assert.match(text, /\[equivalent\] not offered: same rows, but not faster beyond noise$/m);
    }
  });

  it('NOT IN over a column holding NULL: NOT equivalent, not offered', async () => {
    const rewrites = await adviseRewrites(
      session,
      'SELECT u.id FROM users u WHERE u.id NOT IN (SELECT b.user_id FROM banned b)',
      { only: ['not-in-to-not-exists'] },
    );
    const text = formatRewrites(rewrites, plain);
    assert.match(text, /\[NOT equivalent\] not offered: it does not return the same rows$/m);
  });
});
