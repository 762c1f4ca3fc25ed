/**
 * Issue 12 §2 in the report: the "Pre-aggregate" section, from the step the report and the editor share
 * (preAggregateStep) on the test server (PostgreSQL 15) and on the embedded database. Offered, the section holds
 * the trade-off in one line, the proof, the DDL not run, the refresh, the query over the view and the rollback,
 * and nothing is left in the database; otherwise it says why it was not tried: outside the family, a connection
 * that may not build, the embedded database's generated data.
 */
import { strict as assert } from 'node:assert';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import type { PgliteSession } from '../../../src/core/db/pgliteSession';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';
import {
  notOfTheFamily,
  offeredPreAggregates,
  preAggregateStep,
  type PreAggregateOutcome,
} from '../../../src/core/pipeline/preAggregateStep';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { renderPreAggregateMarkdown } from '../../../src/core/report/preAggregateReport';
import { useRewriteDatabase } from '../advice/rewrite/rewriteDatabase';

const schemaSql = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id), total numeric(10,2),
  created_at timestamptz);`;

/** 3,000 users (a quarter inactive, the last 300 without orders) and 60,000 orders, some with NULLs. */
function dataSql(users: number, orders: number): string {
  return `
SELECT setseed(0.5);
INSERT INTO users (email, name, status)
SELECT 'u' || g || '@x.test', 'User ' || g, CASE WHEN g % 4 = 0 THEN 'inactive' ELSE 'active' END
FROM generate_series(1, ${users}) g;
INSERT INTO orders (user_id, total, created_at)
SELECT 1 + (g * 7919) % ${Math.floor(users * 0.9)},
  CASE WHEN g % 13 = 0 THEN NULL ELSE round((random() * 500)::numeric, 2) END,
  timestamptz '2023-06-01' + (random() * 400) * interval '1 day'
FROM generate_series(1, ${orders}) g;
ANALYZE;`;
}

const dashboard = `SELECT u.id, u.email, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01 00:00:00+00'
WHERE u.status = 'active' GROUP BY u.id, u.email ORDER BY total_spent DESC NULLS LAST, u.id LIMIT 50`;

/** The `## ` headings of a report, in order. */
function headings(md: string): string[] {
  return [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
}

describe('report: the Pre-aggregate section (issue 12 §2, test server)', function () {
  this.timeout(300_000);
  const db = useRewriteDatabase('pre_aggregate_report', schemaSql + dataSql(3_000, 60_000));

  async function relations(): Promise<number> {
    const rows = await db().session.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace",
    );
    return rows[0].n;
  }

  it('a statement of the family on a server that may build: the offer with its DDL, query, speed-up, refresh and trade-off; nothing kept', async () => {
    const session = db().session;
    const before = await relations();
    const steps: string[] = [];
    const outcome = await preAggregateStep(session, dashboard, {
      allowMeasuredWhatIf: true,
      runs: 3,
      onMeasure: () => steps.push('measure'),
    });
    assert.deepEqual(steps, ['measure']);
    assert.equal(outcome.notTried, undefined);
    // The view, and the summary table kept by triggers when it too was faster beyond noise: each one offered.
    const offers = offeredPreAggregates(outcome);
    const a = offers.find((x) => x.kind === 'materialized-view');
    assert.ok(a, JSON.stringify(outcome.notes));
    for (const x of offers) assert.ok(x.equivalent && x.checks.every((c) => c.same));
    assert.equal(await relations(), before, 'the view and its indexes were rolled back');

    const result = await explainAndOptimize(session, dashboard, { analyze: true });
    const md = renderMarkdownReport(result, { preAggregate: outcome });
    assert.deepEqual(headings(md).slice(-2), ['Pre-aggregate', 'Plan']);
    const section = md.slice(md.indexOf('## Pre-aggregate'), md.indexOf('## Plan\n'));
    // The trade-off in one line: the speed-up and the refresh cost, as measured here.
    const tradeOff =
      /^- Trade-off: reads ([\d.]+) (m?s) instead of ([\d.]+) (m?s) \(([\d.]+)× lower\); refresh takes [\d.]+ m?s, answers up to one refresh old\.$/m.exec(
        section,
      );
    assert.ok(tradeOff, section);
    assert.ok(Number(tradeOff[5]) > 1);
    assert.match(
      section,
      /^- Proof \(.*pre_aggregate_report.*, one transaction rolled back\): equivalent; current data: same rows/m,
    );
    assert.match(section, /^- Refresh: REFRESH MATERIALIZED VIEW CONCURRENTLY \w+;? took /m);
    assert.match(section, /^- Staleness: /m);
    for (const x of offers) {
      for (const ddl of x.ddl) assert.ok(section.includes(ddl), ddl);
      assert.ok(section.includes(x.rewrittenSql), 'the query over the summary');
      assert.ok(section.includes(`-- rollback: ${x.rollbackSql}`));
    }
    // One section, each offer a numbered subsection.
    assert.deepEqual(
      [...section.matchAll(/^### (\d+)\. (.+)$/gm)].map((m) => m[2]),
      offers.map((x) => (x.kind === 'materialized-view' ? 'Materialized view' : 'Summary table')),
    );
    // Not applied: the report says so, and the database holds no view.
    assert.match(
      section,
      /^> Not applied: it was built, measured and rolled back in one transaction; the DDL is yours/m,
    );
    const views = await session.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_matviews');
    assert.equal(views[0].n, 0);
  });

  it('a server that may not build: not tried, and how to allow it', async () => {
    const outcome = await preAggregateStep(db().session, dashboard, {
      allowMeasuredWhatIf: false,
      howToAllow: 'pass --allow-what-if, never on production',
    });
    assert.equal(outcome.measured.length, 0);
    const md = renderPreAggregateMarkdown(outcome);
    assert.equal(
      md,
      '## Pre-aggregate\n\nNot tried: measuring it builds the summary (a materialized view, a table) in a rolled-back transaction, which this connection does not allow (pass --allow-what-if, never on production).\n',
    );
  });

  it('a statement outside the family: not tried, and why', async () => {
    const outcome = await preAggregateStep(db().session, 'SELECT id, email FROM users WHERE id = 7', {
      allowMeasuredWhatIf: true,
    });
    assert.deepEqual(outcome, { measured: [], notTried: notOfTheFamily, notes: [] });
    assert.match(
      renderPreAggregateMarkdown(outcome),
      /^Not tried: the statement is not an aggregate of a child table joined to its parent/m,
    );
  });

  it('no section without the outcome: a report without advice is as before', async () => {
    const result = await explainAndOptimize(db().session, dashboard, { analyze: false });
    assert.ok(!headings(renderMarkdownReport(result)).includes('Pre-aggregate'));
  });
});

describe('report: the Pre-aggregate section on the embedded database', function () {
  this.timeout(300_000);
  let generated: PgliteSession | undefined;
  let loaded: PgliteSession | undefined;

  before(async () => {
    generated = await openEmbeddedDatabase([{ path: 'schema.sql', text: schemaSql }], {
      generateData: 'auto',
      generateOptions: { scale: 2_000 },
    });
    loaded = await openEmbeddedDatabase([{ path: 'schema.sql', text: schemaSql }], {
      seedFiles: [{ path: 'seed.sql', text: dataSql(600, 12_000) }],
    });
  });
  after(async () => {
    await generated?.close();
    await loaded?.close();
  });

  it('generated data: not tried, since the same rows and a speed-up there prove nothing about the user’s tables', async () => {
    const outcome = await preAggregateStep(generated!, dashboard, { allowMeasuredWhatIf: true });
    assert.equal(outcome.measured.length, 0);
    assert.match(outcome.notTried ?? '', /^the embedded database holds generated data, not yours/);
    assert.match(renderPreAggregateMarkdown(outcome), /^Not tried: the embedded database holds generated data/m);
  });

  it('rows loaded from the files: measured and proven there, and labelled as the embedded database', async () => {
    const outcome: PreAggregateOutcome = await preAggregateStep(loaded!, dashboard, {
      allowMeasuredWhatIf: true,
      runs: 3,
    });
    assert.equal(outcome.notTried, undefined, outcome.notTried);
    assert.equal(outcome.embedded, true);
    assert.ok(outcome.measured.length > 0, JSON.stringify(outcome.notes));
    assert.ok(outcome.measured.every((x) => x.equivalent));
    if (offeredPreAggregates(outcome).length > 0)
      assert.match(renderPreAggregateMarkdown(outcome), /^> Measured on the embedded database/m);
    else assert.match(renderPreAggregateMarkdown(outcome), /not faster beyond noise/);
  });
});
