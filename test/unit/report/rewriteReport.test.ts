/**
 * The rewrite section of the Markdown report, rendered from rewrites measured here on the real PostgreSQL 15
 * test server (the dashboard demo generator at 5,000 users / 50,000 orders): every figure in the tables is
 * checked against the measured suggestion it came from, never a frozen text.
 */
import { strict as assert } from 'node:assert';
import { loadParser } from '../../../src/core/sql/parser';
import { adviseRewrites } from '../../../src/core/advice/rewrite/adviseRewrites';
import { verifyRewrite } from '../../../src/core/advice/rewrite/verifyRewrite';
import { measureCombination } from '../../../src/core/advice/rewrite/measureCombination';
import { dashboardDataSql, dashboardQuery, dashboardSchemaSql } from '../../../src/core/demo/dashboardDemo';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import { combinationVerdict, renderRewriteMarkdown } from '../../../src/core/report/rewriteReport';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { formatCost, formatCount, formatMs, formatSamples } from '../../../src/core/text/formatNumbers';
import { rewriteDatabase, type RewriteDatabase } from '../advice/rewrite/rewriteDatabase';

/** Rows of the Markdown table that follows `heading`, as trimmed cells (header and alignment row dropped). */
function tableAfter(markdown: string, heading: RegExp): string[][] {
  const start = markdown.search(heading);
  assert.ok(start >= 0, `no ${heading} in\n${markdown}`);
  const lines = markdown.slice(start).split('\n').slice(1);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[] = [];
  for (const l of lines.slice(first)) {
    if (!l.startsWith('|')) break;
    rows.push(l);
  }
  return rows.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
}

function rowNamed(rows: string[][], name: string): string[] {
  const row = rows.find((r) => r[0] === name);
  assert.ok(row, `no row "${name}" in ${JSON.stringify(rows)}`);
  return row;
}

const caseIndex =
  "CREATE INDEX CONCURRENTLY orders_user_total_2024 ON orders (user_id) INCLUDE (total) WHERE created_at >= '2024-01-01'";

describe('rewrite report (measured on PostgreSQL)', function () {
  this.timeout(180_000);
  let db: RewriteDatabase;
  let rewrite: Rewrite;

  before(async () => {
    await loadParser();
    db = await rewriteDatabase('rw_report', dashboardSchemaSql + dashboardDataSql({ users: 5_000, orders: 50_000 }));
    // As autovacuum would have: without a visibility map no index-only scan skips the table.
    await db.session.execute('VACUUM ANALYZE orders');
    const rewrites = await adviseRewrites(db.session, dashboardQuery, { only: ['aggregate-before-join'] });
    // The cut before the join first; with no foreign key the whole-groups form follows it.
    assert.ok(rewrites.length === 1 || rewrites.length === 2, JSON.stringify(rewrites.map((r) => r.title)));
    rewrite = rewrites[0];
  });
  after(async () => {
    await db?.drop();
  });

  it('shows the verdict, the SQL and the equivalence check in figures (EXCEPT ALL both ways and the counts)', () => {
    assert.equal(rewrite.verification, 'equivalent', rewrite.verificationReason);
    const e = rewrite.equivalence;
    assert.ok(e);
    assert.deepEqual(
      [e.onlyInOriginal, e.onlyInRewrite, e.originalRows, e.rewriteRows, e.order],
      [0, 0, 100, 100, 'same'],
    );
    const md = renderRewriteMarkdown([rewrite], dashboardQuery);
    assert.match(md, /^## Rewrites\n/);
    assert.match(md, /^### 1\. .*aggregate/im);
    assert.match(md, /\*\*Verdict:\*\* equivalent/);
    assert.ok(md.includes(rewrite.rewrittenSql), 'the rewritten SQL as given');
    const eq = tableAfter(md, /^#### Equivalence/m);
    assert.deepEqual(rowNamed(eq, 'Rows returned (original / rewrite)'), [
      'Rows returned (original / rewrite)',
      '100 / 100',
    ]);
    assert.deepEqual(rowNamed(eq, 'original EXCEPT ALL rewrite'), ['original EXCEPT ALL rewrite', '0 rows']);
    assert.deepEqual(rowNamed(eq, 'rewrite EXCEPT ALL original'), ['rewrite EXCEPT ALL original', '0 rows']);
    assert.deepEqual(rowNamed(eq, 'Order'), ['Order', 'same rows in the same order']);
  });

  it('has the before/after table of the measured runs: median of 3 with its samples, cost, hit/read, rows scanned, temp, memory', () => {
    const m = rewrite.measurement;
    assert.ok(m, 'measured');
    const md = renderRewriteMarkdown([rewrite]);
    const rows = tableAfter(md, /^#### Before \/ after, measured on /m);
    assert.deepEqual(rowNamed(rows, 'Time (median of 3)').slice(1, 3), [
      formatMs(m.before.timeMs),
      formatMs(m.after.timeMs),
    ]);
    assert.deepEqual(rowNamed(rows, 'Runs').slice(1, 3), [
      formatSamples(m.before.samplesMs),
      formatSamples(m.after.samplesMs),
    ]);
    assert.equal(m.before.samplesMs.length, 3);
    assert.ok(m.before.samplesMs.includes(m.before.timeMs), 'the median is one of the runs');
    assert.ok(m.before.cost !== undefined && m.after.cost !== undefined);
    assert.deepEqual(rowNamed(rows, 'Total cost').slice(1, 3), [formatCost(m.before.cost), formatCost(m.after.cost)]);
    assert.equal((m.before.sharedHit ?? -1) + (m.before.sharedRead ?? -1), m.before.sharedBuffers);
    assert.deepEqual(rowNamed(rows, 'Shared buffers hit / read').slice(1, 3), [
      `${formatCount(m.before.sharedHit ?? 0)} / ${formatCount(m.before.sharedRead ?? 0)}`,
      `${formatCount(m.after.sharedHit ?? 0)} / ${formatCount(m.after.sharedRead ?? 0)}`,
    ]);
    // Every qualifying order is read by both forms (a seq scan of orders and of users in the original).
    assert.ok(m.before.rowsScanned >= 50_000, `rows scanned ${m.before.rowsScanned}`);
    assert.deepEqual(rowNamed(rows, 'Rows scanned').slice(1, 3), [
      formatCount(m.before.rowsScanned),
      formatCount(m.after.rowsScanned),
    ]);
    assert.deepEqual(rowNamed(rows, 'Rows returned').slice(1), ['100', '100', 'same']);
    assert.ok(m.before.tempBlocks !== undefined);
    assert.equal(rowNamed(rows, 'Temp blocks (read + written)')[1], formatCount(m.before.tempBlocks));
    // The original hashes users (or sorts the groups): some node reports its memory.
    assert.ok((m.before.peakMemoryKb ?? 0) > 0, `peak memory ${m.before.peakMemoryKb}`);
    assert.match(rowNamed(rows, 'Peak memory (largest node)')[1], /^\d[\d.,]* (kB|MB)$/);
    assert.match(md, new RegExp(`Faster beyond noise: \\*\\*${m.faster ? 'yes' : 'no'}\\*\\*`));
  });

  it('says why a page that differs among rows tied at the LIMIT boundary is still equivalent', async () => {
    // Hundreds of users have the fewest orders: the 10th and 11th places tie on n.
    const original = 'SELECT user_id, count(*) AS n FROM orders GROUP BY user_id ORDER BY n LIMIT 10';
    const rewritten = 'SELECT o.user_id, count(o.id) AS n FROM orders o GROUP BY o.user_id ORDER BY n LIMIT 10';
    const result = await verifyRewrite(
      db.session,
      { originalSql: original, rewrittenSql: rewritten },
      { skipMeasurement: true },
    );
    assert.equal(result.verification, 'equivalent', result.verificationReason);
    assert.equal(result.equivalence?.order, 'boundary-ties');
    const r: Rewrite = {
      ...rewrite,
      originalSql: original,
      rewrittenSql: rewritten,
      measurement: undefined,
      combination: undefined,
      ...result,
    };
    const md = renderRewriteMarkdown([r]);
    assert.match(md, /\*\*Verdict:\*\* equivalent/);
    assert.deepEqual(
      rowNamed(tableAfter(md, /^#### Equivalence/m), 'Order')[1],
      'rows tie on the ORDER BY key at the LIMIT boundary: any of the tied rows is a correct answer there, and the rewrite returns rows of the original with that key (which ones may differ from today)',
    );
  });

  it('measures rewrite + index in four arms, says which change gave what, and leaves no index behind', async () => {
    const c = await measureCombination(db.session, {
      originalSql: dashboardQuery,
      rewriteSql: rewrite.rewrittenSql,
      indexSql: [caseIndex],
      rollbackSql: ['DROP INDEX CONCURRENTLY orders_user_total_2024'],
    });
    assert.deepEqual(
      c.arms.map((a) => [a.label, a.rewrite, a.index]),
      [
        ['original', false, false],
        ['rewrite alone', true, false],
        ['index alone', false, true],
        ['rewrite + index', true, true],
      ],
    );
    for (const a of c.arms) assert.equal(a.figures.rows, 100);
    // Deterministic where times are not: the rewrite served by the covering partial index reads fewer pages.
    assert.ok(
      c.arms[3].figures.sharedBuffers < c.arms[0].figures.sharedBuffers,
      JSON.stringify(c.arms.map((a) => a.figures.sharedBuffers)),
    );
    const left = await db.session.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'orders_user_total_2024'",
    );
    assert.equal(Number(left[0].n), 0);

    const md = renderRewriteMarkdown([{ ...rewrite, combination: c }]);
    assert.ok(md.includes(caseIndex), 'the DDL to run');
    assert.match(md, /-- to undo:\nDROP INDEX CONCURRENTLY orders_user_total_2024/);
    const arms = tableAfter(md, /^#### Rewrite \+ index, measured on /m);
    assert.deepEqual(
      arms.map((r) => r[0]),
      ['original', 'rewrite alone', 'index alone', 'rewrite + index'],
    );
    c.arms.forEach((a, i) => {
      assert.equal(arms[i][1], formatMs(a.figures.timeMs));
      assert.equal(arms[i][2], formatSamples(a.figures.samplesMs));
    });
    assert.equal(arms[0][3], 'same');
    const both = c.arms[3].figures;
    assert.match(md, new RegExp(`- Both together: ${formatMs(c.arms[0].figures.timeMs)} → ${formatMs(both.timeMs)} `));
    assert.match(md, /- The index, once the rewrite is applied: /);
    // The measured arms' verdict, in bold after them.
    assert.ok(md.includes(`**${combinationVerdict(c) ?? 'no verdict'}**`), md);
  });

  it('goes into the full Markdown report after the other sections', async () => {
    const plan = (await db.session.explain({ sql: dashboardQuery, analyze: true })).planJson;
    const result = await analysePlanText(plan, dashboardQuery);
    const md = renderMarkdownReport(result, { rewrites: [rewrite] });
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings.slice(-2), ['Rewrites', 'Plan']);
    assert.ok(headings.indexOf('Insights') < headings.indexOf('Rewrites'));
  });
});
