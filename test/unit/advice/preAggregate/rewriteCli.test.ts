/**
 * `pg-tuner rewrite --with-index --allow-what-if` from the built bundle on the test server: the Pre-aggregate
 * section offers both forms, the materialized view and the summary table kept by triggers, each with its one-line
 * trade-off (refresh vs write cost), in the terminal text, --json and --markdown; the database is left as it was.
 */
import { strict as assert } from 'node:assert';
import type { PreAggregateAdvice } from '../../../../src/core/advice/preAggregate/adviseMaterializedView';
import { buildBundles, runCli as run } from '../../../helpers/cliBundle';
import { Client } from 'pg';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dashboardDatabase } from '../../cli/dashboardDatabase';

describe('pg-tuner rewrite: both pre-aggregated forms (built bundle)', function () {
  this.timeout(600_000);
  let url: string;
  let file: string;

  before(async () => {
    buildBundles();
    ({ url, file } = await dashboardDatabase('rewrite_summary_table_cli'));
  });

  const args = (): string[] => ['rewrite', '--file', file, '--url', url, '--with-index', '--allow-what-if'];

  it('text: the view with its refresh, the summary table with its write cost, each with its trade-off', async () => {
    const r = await run(args());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Pre-aggregate: Materialized view orders_by_user_id_agg: .* \[equivalent\]$/m);
    assert.match(
      r.stdout,
      /^ {2}Trade-off: reads .* instead of .*; refresh takes .*, answers up to one refresh old\.$/m,
    );
    assert.match(
      r.stdout,
      /^Pre-aggregate: Summary table orders_by_user_id_summary kept by triggers: .* \[equivalent\]$/m,
    );
    assert.match(
      r.stdout,
      /^ {2}Trade-off: reads .* instead of .*; always fresh, each single-row write to orders costs INSERT \+.*, UPDATE \+.*, DELETE \+.*\.$/m,
    );
    assert.match(r.stdout, /^ {4}CREATE TRIGGER orders_by_user_id_summary_insert AFTER INSERT ON orders$/m);
    assert.match(r.stdout, /^ {2}Query over the summary table:$/m);
  });

  it('--json gives summaryTable beside preAggregate; --markdown both sections; nothing kept', async () => {
    const objects = async (): Promise<string> => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        const r =
          await c.query(`SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS relations,
          (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) AS triggers, (SELECT count(*) FROM orders) AS orders`);
        return JSON.stringify(r.rows);
      } finally {
        await c.end();
      }
    };
    const before = await objects();
    const j = await run([...args(), '--json']);
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout) as { preAggregate?: PreAggregateAdvice; summaryTable?: PreAggregateAdvice };
    assert.equal(out.preAggregate?.kind, 'materialized-view');
    assert.equal(out.summaryTable?.kind, 'summary-table');
    assert.equal(out.summaryTable?.equivalent, true);
    assert.ok(out.summaryTable.kind === 'summary-table' && out.summaryTable.writeCosts.length >= 3);
    const m = await run([...args(), '--markdown']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^## Pre-aggregate$/m);
    assert.match(m.stdout, /^## Pre-aggregate: summary table kept by triggers$/m);
    assert.equal(await objects(), before);
  });

  it('the $1/$2 form: "Closest rule: pre-aggregate, blocked because …" with the data’s bucket counts, and in --json', async () => {
    const sql = join(dirname(file), 'parameterised.sql');
    writeFileSync(
      sql,
      `SELECT u.id, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent FROM users u
LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= $1
GROUP BY u.id ORDER BY total_spent DESC NULLS LAST, u.id LIMIT $2;\n`,
    );
    const params = ['--param', '2024-01-01 00:00:00+00', '--param', '100'];
    const cli = ['rewrite', '--file', sql, '--url', url, '--with-index', '--allow-what-if', ...params];
    const r = await run(cli);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Closest rule: pre-aggregate, blocked because `o\.created_at >= \$1` compares orders with a parameter: .* on this data it would hold [\d,]+ rows for 50,000 orders rows .*so it is not offered\.$/m,
    );
    const j = await run([...cli, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout) as { preAggregateBlocked?: { id: string; buckets?: { rows: number } } };
    assert.equal(out.preAggregateBlocked?.id, 'pre-aggregate');
    assert.equal(out.preAggregateBlocked.buckets?.rows, 50_000);
  });
});
