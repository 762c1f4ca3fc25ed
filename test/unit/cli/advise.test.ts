/**
 * `pg-tuner advise` from the built bundle (dist/cli.js): on the embedded demo dataset (no --url) and on the
 * real test server (PostgreSQL 15 + HypoPG) in a database of its own, with data from our generator.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer } from '../../helpers/globalServer';
import { buildBundles, runCli as run } from '../../helpers/cliBundle';
import { createDatabase, indexNames, runSql } from '../../helpers/testDatabase';
import type { IndexAdvice } from '../../../src/core/advice/indexSuggestion';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import { dashboardQuery } from '../../../src/core/demo/dashboardDemo';

const database = 'advise_cli_test';

describe('pg-tuner advise (built bundle)', function () {
  this.timeout(240_000);
  let url: string;

  before(async () => {
    buildBundles();
    url = await createDatabase(await testServer(), database);
    await runSql(
      url,
      `CREATE EXTENSION hypopg;
      SELECT setseed(0.3);
      CREATE TABLE items (id bigint PRIMARY KEY, code text NOT NULL, qty int NOT NULL);
      INSERT INTO items SELECT g, 'c' || (g % 20000), (random() * 100)::int FROM generate_series(1, 200000) g;
      ANALYZE items;`,
    );
  });

  it('on the embedded demo (no --url): a measured suggestion with DDL, reasons, figures, plans and rollback', async () => {
    const r = await run(['advise', 'SELECT id, total FROM orders WHERE user_id = 42']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /embedded demo dataset/);
    assert.match(r.stdout, /^1\. orders_user_id\w*_idx on orders \[measured\]$/m);
    assert.match(
      r.stdout,
      /^ {3}CREATE INDEX CONCURRENTLY orders_user_id\w*_idx ON public\.orders \(user_id\)[^;]*;$/m,
    );
    assert.match(r.stdout, /Why this column order: 1\. equality on user_id/);
    assert.match(r.stdout, /Estimate: estimated by the planner with the real index/);
    assert.match(
      r.stdout,
      /Measured: measured on embedded \(EXPLAIN ANALYZE, median of [35] runs[^)]*\): [\d.]+ m?s → [\d.]+ m?s \([\d.]+× lower\); real size [\d.]+ [kM]B/,
    );
    assert.match(r.stdout, /Plan before: cost [\d,.]+, [\d.]+ m?s: Seq Scan on orders/);
    assert.match(
      r.stdout,
      /Plan after: {2}cost [\d,.]+, [\d.]+ m?s: (Bitmap Heap Scan on orders; Bitmap Index Scan using orders_user_id|Index (Only )?Scan using orders_user_id)/,
    );
    assert.match(r.stdout, /Rollback: DROP INDEX CONCURRENTLY public\.orders_user_id\w*_idx;/);
    assert.match(r.stdout, /HypoPG: HypoPG is not installed/);
  });

  it('on a server without --allow-what-if: "estimated only" by HypoPG, nothing built', async () => {
    const r = await run(['advise', "SELECT id, qty FROM items WHERE code = 'c77'", '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--allow-what-if/);
    assert.match(r.stdout, /^1\. items_code\w*_idx on items \[estimated only\]$/m);
    assert.match(
      r.stdout,
      /Estimate: estimated with a HypoPG hypothetical index: cost [\d,.]+ → [\d,.]+ \([\d.]+× lower\), the plan uses it/,
    );
    assert.match(r.stdout, /Measured: not measured here \(estimated only\)/);
    assert.match(r.stdout, /Measurement: none \(.*\); figures are estimates only/);
    assert.match(r.stdout, /Rollback: DROP INDEX CONCURRENTLY public\.items_code\w*_idx;/);
    assert.deepEqual(await indexNames(url), ['items_pkey']);
  });

  it('--allow-what-if --json on a server: measured there, from a file, and still nothing left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-tuner-advise-'));
    const file = join(dir, 'q.sql');
    writeFileSync(file, "SELECT id, qty FROM items WHERE code = 'c77';\n");
    const r = await run(['advise', '--file', file, '--url', url, '--allow-what-if', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const advice = JSON.parse(r.stdout) as IndexAdvice;
    const s = advice.suggestions[0];
    assert.ok(s, r.stdout.slice(0, 2000));
    assert.equal(s.label, 'measured');
    assert.equal(s.estimate?.method, 'hypopg');
    assert.ok(s.measurement && s.measurement.where.includes(database) && s.measurement.sizeBytes > 0);
    assert.ok(s.measurement.timeAfterMs < s.measurement.timeBeforeMs);
    assert.match(s.createSql, /^CREATE INDEX CONCURRENTLY items_code\w*_idx ON public\.items \(code\)/);
    assert.equal(advice.hypopg?.available, true);
    assert.deepEqual(await indexNames(url), ['items_pkey']);
  });

  it('no candidate to screen: no HypoPG line (it was never asked), though HypoPG is installed', async () => {
    const r = await run(['advise', 'SELECT * FROM items', '--url', url, '--allow-what-if']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No index to suggest\.$/m);
    // It said "HypoPG: not available" here.
    assert.doesNotMatch(r.stdout, /HypoPG/);
  });

  it('the dashboard on the embedded demo: the index wins with the aggregate-first rewrite, whose proof and SQL follow; --as-written judges the statement alone', async function () {
    // Two advise runs on the demo's data (every candidate built and timed, the rewrites proven): ~1 min each on a
    // quiet machine, three under load.
    this.timeout(480_000);
    const r = await run(['advise', '--json', dashboardQuery]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rewrites proven to return the same rows/);
    const advice = JSON.parse(r.stdout) as IndexAdvice & { rewrite?: Rewrite };
    // The index points at its rewrite by ref, never by title.
    // Two forms (no foreign key from orders to users): the cut before the join, guarded, and every group with the
    // LIMIT after the join; the index goes with whichever ran faster with it.
    const forms: Record<string, string> = {
      'aggregate-before-join#1': 'Aggregate orders first and push ORDER BY … LIMIT into it',
      'aggregate-before-join#2': 'Aggregate all of orders first, then join users and cut the LIMIT',
    };
    const ref = advice.best?.appliesTo.kind === 'rewrite' ? advice.best.appliesTo.rewrite : '';
    assert.ok(ref in forms, JSON.stringify(advice.best));
    assert.equal(advice.rewrite?.ref, ref);
    const title = forms[ref];
    assert.equal(advice.rewrite?.title, title);
    assert.equal(advice.rewrite?.verification, 'equivalent');
    const best = advice.suggestions.find((s) => advice.best?.indexNames.includes(s.candidate.name));
    assert.match(best?.createSql ?? '', /^CREATE INDEX CONCURRENTLY \w+ ON public\.orders \(user_id\)/);

    const text = await run(['advise', dashboardQuery]);
    assert.equal(text.code, 0, text.stderr);
    // The second run may time the two forms the other way round: its own best form's title.
    const said = Object.values(forms).find((t) => text.stdout.includes(`with the rewrite "${t}"`));
    assert.ok(said, text.stdout);
    const t = said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(text.stdout, new RegExp(`^Best: \\w+( \\+ \\w+)* with the rewrite "${t}"`, 'm'));
    assert.match(text.stdout, new RegExp(`^The index goes with the rewrite "${t}"`, 'm'));
    // Said as the pair, as in the editor: one title, the figures with one time as written.
    assert.match(text.stdout, new RegExp(`^Rewrite \\+ index: ${t} with \\w+( \\+ \\w+)* — `, 'm'));
    assert.match(text.stdout, /^ +(Measured together on .*|Figures \(not measured together\)):$/m);
    assert.match(text.stdout, /Equivalence: equivalent: .*same rows in the same order/);
    assert.match(text.stdout, /SQL:\n\s+SELECT\n[\s\S]*LIMIT 100/);

    const asWritten = await run(['advise', '--as-written', '--json', dashboardQuery]);
    assert.equal(asWritten.code, 0, asWritten.stderr);
    assert.doesNotMatch(asWritten.stderr, /rewrites proven/);
    const alone = JSON.parse(asWritten.stdout) as IndexAdvice & { rewrite?: Rewrite };
    assert.equal(alone.rewrite, undefined);
    assert.ok(alone.best === undefined || alone.best.appliesTo.kind === 'as-written', JSON.stringify(alone.best));
  });

  it('usage errors exit 64: no statement, an option advise does not take', async () => {
    const none = await run(['advise']);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /advise needs a statement/);
    const wrong = await run(['advise', 'SELECT 1', '--no-analyze']);
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /advise does not take --no-analyze/);
  });
});
