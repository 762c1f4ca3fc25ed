/**
 * `pg-tuner rewrite` from the built bundle (dist/cli.js) on the real test server (PostgreSQL 15 + HypoPG), in a
 * database of its own filled by the dashboard demo generator (5,000 users / 50,000 orders).
 */
import { strict as assert } from 'node:assert';
import { dashboardQuery } from '../../../src/core/demo/dashboardDemo';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundles, repoRoot, runCli as run } from '../../helpers/cliBundle';
import { indexNames } from '../../helpers/testDatabase';
import { dashboardDatabase } from './dashboardDatabase';

describe('pg-tuner rewrite (built bundle)', function () {
  this.timeout(300_000);
  let url: string;
  let file: string;

  before(async () => {
    buildBundles();
    ({ url, file } = await dashboardDatabase('rewrite_cli_test'));
  });

  it('prints each rewrite with its verdict, the EXCEPT ALL figures, the measured table and the SQL', async () => {
    const r = await run(['rewrite', '--file', file, '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    // Advice when faster beyond noise; otherwise listed, with why it is not offered (issue 12).
    assert.match(
      r.stdout,
      /^1\. Aggregate .* (\[equivalent, faster\]|\[equivalent\] not offered: same rows, but not faster beyond noise)$/m,
    );
    assert.match(
      r.stdout,
      /Equivalence: equivalent: original EXCEPT ALL rewrite 0 rows, rewrite EXCEPT ALL original 0 rows; 100 = 100 rows; same rows in the same order/,
    );
    assert.match(
      r.stdout,
      /Measured on .*rewrite_cli_test.*: [\d.]+ m?s → [\d.]+ m?s \([\d.]+× (lower|higher)\), faster beyond noise: (yes|no)/,
    );
    assert.match(r.stdout, /^ {5}Time \(median of 3\) +[\d.]+ m?s +[\d.]+ m?s +([\d.]+× (lower|higher)|same)$/m);
    assert.match(r.stdout, /^ {5}Runs +([\d.]+ m?s, ){2}[\d.]+ m?s +([\d.]+ m?s, ){2}[\d.]+ m?s +–$/m);
    assert.match(r.stdout, /^ {5}Shared buffers hit \/ read +[\d,]+ \/ [\d,]+ +[\d,]+ \/ [\d,]+/m);
    assert.match(r.stdout, /^ {5}Rows returned +100 +100 +same$/m);
    assert.match(r.stdout, /Finding: .*inner join/);
    assert.match(r.stdout, /SQL( \(not offered\))?:\n {5}SELECT\n/);
    assert.match(r.stdout, /LIMIT 100\n {5}\) AS s\n {5}JOIN users AS u ON u\.id = s\.user_id/);
  });

  it('--json: the rewrites with their equivalence figures and measurement', async () => {
    const r = await run(['rewrite', '--file', file, '--url', url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { sql: string; rewrites: Rewrite[] };
    const agg = out.rewrites.find((x) => x.id === 'aggregate-before-join');
    assert.ok(agg, JSON.stringify(out.rewrites.map((x) => x.id)));
    assert.equal(agg.verification, 'equivalent', agg.verificationReason);
    assert.deepEqual(agg.equivalence, {
      originalRows: 100,
      rewriteRows: 100,
      onlyInOriginal: 0,
      onlyInRewrite: 0,
      order: 'same',
    });
    assert.equal(agg.measurement?.before.samplesMs.length, 3);
    assert.equal(agg.measurement?.after.rows, 100);
  });

  it('--markdown: the section a pull request takes as it is', async () => {
    const r = await run(['rewrite', dashboardQuery, '--url', url, '--markdown']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^## Rewrites\n\n```sql\nSELECT u\.name/);
    assert.match(r.stdout, /^\| original EXCEPT ALL rewrite \| 0 rows \|$/m);
    assert.match(r.stdout, /^\| Time \(median of 3\) \| [\d.]+ m?s \| [\d.]+ m?s \| /m);
  });

  it('--with-index --allow-what-if: original, rewrite, index and both measured, and no index left behind', async () => {
    const r = await run(['rewrite', '--file', file, '--url', url, '--with-index', '--allow-what-if']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Asking the index advisor/);
    // The advisor decides by measuring; either it picks the rewrite with an index (then all four arms are
    // printed) or it says what it chose instead.
    if (/With the index/.test(r.stdout)) {
      assert.match(r.stdout, /^ {5}original +[\d.]+ m?s/m);
      assert.match(r.stdout, /^ {5}rewrite \+ index +[\d.]+ m?s/m);
      assert.match(r.stdout, /Both together: [\d.]+ m?s → [\d.]+ m?s/);
      assert.match(r.stdout, /Rollback: DROP INDEX CONCURRENTLY /);
    } else {
      assert.match(r.stderr, /The index advisor chose .*, so no rewrite is measured with an index/);
    }
    assert.deepEqual(await indexNames(url), ['orders_pkey', 'users_pkey']);
  });

  it('says so when no rewrite applies, and exits 0', async () => {
    const r = await run(['rewrite', 'SELECT id FROM users WHERE id = 7', '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'No rewrite applies to this statement.\n');
  });

  it('when no rule applies, names the rule that came closest and what blocked it (text and --json)', async () => {
    // The dashboard with a FULL JOIN: aggregate-before-join matches it up to the join kind.
    const full = dashboardQuery.replace(/LEFT JOIN/i, 'FULL JOIN');
    assert.notEqual(full, dashboardQuery);
    const r = await run(['rewrite', full, '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'No rewrite applies to this statement.\n' +
        'Closest rule: aggregate-before-join, blocked because a FULL join keeps unmatched rows of both sides.\n',
    );
    const json = await run(['rewrite', full, '--url', url, '--json']);
    const parsed = JSON.parse(json.stdout) as { rewrites: Rewrite[]; closestRule?: { id: string; reason: string } };
    assert.deepEqual(parsed.rewrites, []);
    assert.equal(parsed.closestRule?.id, 'aggregate-before-join');
    assert.match(parsed.closestRule?.reason ?? '', /FULL join/);
  });

  it('usage errors exit 64: --with-index on a server without --allow-what-if, --json with --markdown, no statement', async () => {
    const noWhatIf = await run(['rewrite', dashboardQuery, '--url', url, '--with-index']);
    assert.equal(noWhatIf.code, 64);
    assert.match(noWhatIf.stderr, /--with-index builds candidate indexes .* add --allow-what-if/);
    const both = await run(['rewrite', 'SELECT 1', '--json', '--markdown']);
    assert.equal(both.code, 64);
    assert.match(both.stderr, /--json or --markdown, not both/);
    const none = await run(['rewrite']);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /rewrite needs a statement/);
    const wrong = await run(['rewrite', 'SELECT 1', '--no-analyze']);
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /rewrite does not take --no-analyze/);
  });

  it('on the embedded database with generated rows, pre-aggregation is not tried, and says why', async () => {
    const workspace = join(repoRoot, 'test/e2e-workspace');
    const sql = readFileSync(join(workspace, 'queries.sql'), 'utf8')
      .split(';')[0]
      .replace(/^--.*\n/gm, '');
    const r = await run(['rewrite', '--schema', join(workspace, 'schema'), sql]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pre-aggregate: not tried: the embedded database holds generated data, not yours/);
    assert.doesNotMatch(r.stdout, /materialized view|summary table/i);
  });
});
