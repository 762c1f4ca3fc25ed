/**
 * The pure parts of the editor's advice: fix titles, the DDL document with its rollback, which advice becomes a
 * quick fix, and the N+1 fix. Suggestions and rewrites come from the real advisors on the test server
 * (PostgreSQL 15 + HypoPG) over tables our generator fills below; the title-format cases use a suggestion
 * object shaped as the advisor returns it, to cover every feature word.
 */
import { strict as assert } from 'node:assert';
import { adviseIndexes } from '../../../src/core/advice/index/adviseIndexes';
import { asWritten, type IndexSuggestion } from '../../../src/core/advice/indexSuggestion';
import { adviseNPlusOne } from '../../../src/core/advice/nPlusOne/adviseNPlusOne';
import { adviseRewrites } from '../../../src/core/advice/rewrite/adviseRewrites';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import type { DatabaseSession } from '../../../src/core/db/session';
import { adviceFixes, adviceFixProvider, type IndexDdlPayload } from '../../../src/extension/advice/adviceFixProvider';
import { indexSuggestionRule, queryRewriteRule, rewriteInfoRule } from '../../../src/core/insights/ruleIds';
import { adviceSummary } from '../../../src/extension/advice/adviceSummary';
import { indexDdlDocument, indexFixTitle, migrationFileName } from '../../../src/extension/advice/indexFix';
import { adviceAt, asOneEdit, nPlusOneFix, roundTripSummary } from '../../../src/extension/advice/nPlusOneFix';
import { isRewriteFix, rewriteFix, type AdvisedStatement } from '../../../src/extension/advice/rewriteFix';
import {
  AdviceStore,
  adviceAnchor,
  adviceFindings,
  type StatementAdvice,
} from '../../../src/extension/advice/statementAdvice';
import { insightMarkdown } from '../../../src/extension/diagnostics/insightMarkdown';
import { rewriteWithIndexRule } from '../../../src/core/insights/ruleIds';
import { sessionWithFreshSchema } from '../../helpers/testDatabase';

const schema = `adv_fix_${process.pid}`;

function coveringPartial(): IndexSuggestion {
  return {
    candidate: {
      schema: 'public',
      table: 'orders',
      method: 'btree',
      keys: [{ column: 'user_id', reason: 'equality on user_id' }],
      include: ['total'],
      predicate: "created_at >= '2024-01-01'::timestamptz AND status = 'paid'",
      features: ['covering', 'partial'],
      name: 'orders_user_id_covering_partial_idx',
      serves: [{ kind: 'join', text: 'o.user_id' }],
      ruleScore: 0.9,
      columnOrderReason: '1. join key o.user_id',
    },
    createSql:
      "CREATE INDEX CONCURRENTLY orders_user_id_covering_partial_idx ON public.orders (user_id) INCLUDE (total) WHERE created_at >= '2024-01-01'::timestamptz AND status = 'paid';",
    rollbackSql: 'DROP INDEX CONCURRENTLY public.orders_user_id_covering_partial_idx;',
    columnOrderReason: '1. join key o.user_id',
    appliesTo: asWritten,
    label: 'estimated only',
    siblings: [],
    warnings: [],
  };
}

describe('advice in the editor: fix titles and documents', () => {
  it('titles say what is built and by which method each figure was obtained', () => {
    const s = coveringPartial();
    assert.equal(
      indexFixTitle(s),
      'Add covering partial index on orders (user_id) INCLUDE (total) WHERE … — estimated only (rules, not planned)',
    );
    s.estimate = { method: 'hypopg', costBefore: 285_123, costAfter: 8_012, usedInPlan: true };
    assert.equal(
      indexFixTitle(s),
      'Add covering partial index on orders (user_id) INCLUDE (total) WHERE … — est. cost 285k → 8.0k',
    );
    s.measurement = {
      method: 'measured',
      where: 'embedded',
      timeBeforeMs: 412.3,
      timeAfterMs: 96.04,
      samplesBeforeMs: [400, 412.3, 420],
      samplesAfterMs: [95, 96.04, 99],
      sizeBytes: 2 * 1024 * 1024,
      buildMs: 120,
      usedInPlan: true,
    };
    assert.equal(
      indexFixTitle(s),
      'Add covering partial index on orders (user_id) INCLUDE (total) WHERE … — measured 412 → 96.0 ms',
    );
    s.candidate.predicate = "status = 'paid'";
    s.appliesTo = { kind: 'rewrite', rewrite: 'aggregate-before-join#1' };
    assert.match(indexFixTitle(s), /WHERE status = 'paid' — measured 412 → 96\.0 ms \(with the rewrite\)$/);
  });

  it('the untitled document has the DDL, the rollback commented out and the reasoning as comments', () => {
    const s = coveringPartial();
    s.estimate = { method: 'hypopg', costBefore: 1000, costAfter: 10, usedInPlan: true, estimatedSizeBytes: 4096 };
    s.warnings.push('HypoPG did not use it; the measured plan did');
    const text = indexDdlDocument(s, 'SELECT 1\nFROM orders', 'untitled');
    const lines = text.split('\n');
    assert.ok(lines.includes(s.createSql), text);
    assert.ok(lines.includes(`-- ${s.rollbackSql}`), 'rollback present but not executable');
    assert.ok(!lines.includes(s.rollbackSql));
    // Every line that is not the DDL is a comment or blank: running the editor runs exactly the CREATE.
    for (const line of lines) assert.ok(line === '' || line.startsWith('--') || line === s.createSql, line);
    assert.match(text, /-- {3}SELECT 1\n-- {3}FROM orders/);
    assert.match(text, /Estimated only: nothing was built/);
    assert.match(text, /Warning: HypoPG did not use it/);
  });

  it('the migration document has up and down sections outside a transaction', () => {
    const s = coveringPartial();
    const text = indexDdlDocument(s, 'SELECT 1', 'migration');
    assert.ok(text.startsWith('-- migrate:up transaction:false\n'));
    const down = text.indexOf('-- migrate:down transaction:false');
    assert.ok(down > text.indexOf(s.createSql));
    assert.ok(text.slice(down).includes(`\n${s.rollbackSql}\n`));
    assert.equal(
      migrationFileName('Orders_User$Id_idx', new Date(Date.UTC(2025, 0, 2, 3, 4, 5))),
      '20250102030405_add_orders_user_id_idx.sql',
    );
  });
});

/** The arms of a rewrite and an index measured together, one run: 185 ms as written unless given. */
function arms(original = 185, rewrite = 53.2, index = 150, both = 12): NonNullable<Rewrite['combination']>['arms'] {
  const figures = (timeMs: number) => ({
    timeMs,
    samplesMs: [timeMs, timeMs, timeMs],
    sharedBuffers: 100,
    rows: 100,
    rowsScanned: 1000,
  });
  return [
    { label: 'original', rewrite: false, index: false, figures: figures(original) },
    { label: 'rewrite alone', rewrite: true, index: false, figures: figures(rewrite) },
    { label: 'index alone', rewrite: false, index: true, figures: figures(index) },
    { label: 'rewrite + index', rewrite: true, index: true, figures: figures(both) },
  ];
}

/** A proven, faster aggregate-first rewrite, its own measurement from another run (as written: 201 ms). */
function aggregateFirst(sql: string): Rewrite {
  const run = (timeMs: number) => ({ timeMs, samplesMs: [timeMs], sharedBuffers: 10, rows: 100, rowsScanned: 10 });
  return {
    id: 'aggregate-before-join',
    ref: 'aggregate-before-join#1',
    title: 'Aggregate orders first',
    explanation: 'Aggregating before the join reads each order once.',
    originalSql: sql,
    rewrittenSql:
      'SELECT u.name, s.total FROM (SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id) s JOIN users u ON u.id = s.user_id',
    sqlRange: { start: 0, end: sql.length },
    caveats: [],
    verification: 'equivalent',
    verificationReason: '0 rows differ either way; 100 = 100 rows',
    measurement: {
      where: 'test',
      before: run(201),
      after: run(60),
      ratio: 201 / 60,
      faster: true,
      noiseRule: 'after ≤ 0.9 × before',
    },
    quickFix: true,
  };
}

describe('advice in the editor: the pair, one baseline, structured text', () => {
  const sql = 'SELECT u.name, sum(o.total) AS total FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name';
  const statement: AdvisedStatement = { text: sql, start: 0, end: sql.length, sql };

  function pairAdvice(): StatementAdvice {
    const rewrite = aggregateFirst(sql);
    const s = coveringPartial();
    s.appliesTo = { kind: 'rewrite', rewrite: rewrite.ref };
    s.measurement = {
      method: 'measured',
      where: 'test',
      timeBeforeMs: 58.7,
      timeAfterMs: 11.1,
      samplesBeforeMs: [58.7],
      samplesAfterMs: [11.1],
      sizeBytes: 8192,
      buildMs: 20,
      usedInPlan: true,
    };
    const indexes = {
      sql,
      suggestions: [s],
      covered: [],
      notes: [],
      hypopg: { available: true },
      measurement: { done: true },
    };
    return { statement, connection: 'test', rewrites: [rewrite], indexes };
  }

  it('an index that gains only with a rewrite is one finding and one fix: the rewrite put in place and the DDL', () => {
    const advice = pairAdvice();
    const findings = adviceFindings(advice);
    assert.deepEqual(
      findings.map((f) => f.insight.ruleId),
      [rewriteWithIndexRule, queryRewriteRule],
    );
    const pair = findings[0].insight;
    assert.deepEqual(pair.advice, {
      kind: 'rewrite-with-index',
      rewrite: 'aggregate-before-join#1',
      indexes: ['orders_user_id_covering_partial_idx'],
    });
    const fixes = adviceFixes(advice);
    assert.equal(fixes.length, 2, 'the pair, then the rewrite alone');
    assert.match(
      fixes[0].title,
      /^Rewrite and add index: Aggregate orders first \+ orders_user_id_covering_partial_idx/,
    );
    assert.equal(fixes[0].edits?.[0].newText, advice.rewrites[0].rewrittenSql);
    assert.equal(fixes[0].command?.id, 'pgTuner.applyIndexSuggestion');
    const payload = fixes[0].command?.arguments[0] as IndexDdlPayload;
    const lines = payload.untitled.split('\n');
    const create = advice.indexes?.suggestions[0].createSql;
    // Running the whole editor runs only the DDL: the rewritten statement and the reasoning are comments.
    for (const line of lines) assert.ok(line === '' || line.startsWith('--') || line === create, line);
    assert.ok(payload.untitled.includes('--   SELECT u.name, s.total FROM (SELECT user_id'));
    const store = new AdviceStore();
    store.set(advice);
    const offered = adviceFixProvider(store).provideFixes({
      ruleId: rewriteWithIndexRule,
      insight: { ...pair, title: 'Reworded' },
      documentText: sql,
      statement: findings[0].statement,
      range: findings[0].range,
    });
    assert.equal(offered[0]?.title, fixes[0].title);
    // With named parameters the rewrite cannot go back as is: the fix opens the DDL and says to rewrite by hand.
    const named = adviceFixes({ ...advice, statement: { ...statement, sql: `${sql} ` } })[0];
    assert.equal(named.edits, undefined);
    assert.match((named.command?.arguments[0] as IndexDdlPayload).untitled, /Rewrite the statement by hand/);
  });

  it('one message, one time of the statement as written: the arms measured together, not three runs', () => {
    const advice = pairAdvice();
    // Without the joint run: no as-written time from two runs in one message.
    const apart = adviceSummary(advice).text;
    assert.ok(!(apart.includes('201') && apart.includes('58.7')), apart);
    advice.rewrites[0].combination = {
      where: 'test',
      indexSql: [],
      rollbackSql: [],
      arms: arms(),
    };
    const text = adviceSummary(advice).text;
    assert.match(
      text,
      /As written 185 ms → rewrite 53\.2 ms, index 150 ms, both 12\.0 ms \(measured together, median of 3\)\. Apply both: each is measured faster with the other than alone\./,
    );
    for (const other of ['201', '58.7', '60.0']) assert.ok(!text.includes(other), `${other} in: ${text}`);
    const hover = insightMarkdown(adviceFindings(advice)[0].insight);
    assert.match(hover, /^- As written: 185 ms \(the baseline\)$/m);
    assert.match(hover, /^- Rewrite \+ index: 12\.0 ms \(15× faster\)$/m);
    for (const other of ['201', '58.7']) assert.ok(!hover.includes(other), `${other} in the pair's hover`);
  });

  it('the fixes follow the joint verdict: no index the run found adding nothing, no rewrite that adds nothing', () => {
    const withArms = (...times: [number, number, number, number]): StatementAdvice => {
      const advice = pairAdvice();
      advice.rewrites[0].combination = { where: 'test', indexSql: [], rollbackSql: [], arms: arms(...times) };
      return advice;
    };
    const offered = (advice: StatementAdvice): ReturnType<typeof adviceFixes> => {
      const store = new AdviceStore();
      store.set(advice);
      const finding = adviceFindings(advice).find((f) => f.insight.ruleId === rewriteWithIndexRule);
      assert.ok(finding);
      return adviceFixProvider(store).provideFixes({
        ruleId: rewriteWithIndexRule,
        insight: finding.insight,
        documentText: sql,
        statement: finding.statement,
        range: finding.range,
      });
    };
    // Both: each adds to the other (185 → 53 / 150 → 12 ms): the pair's fix, preferred.
    const both = adviceFixes(withArms(185, 53.2, 150, 12));
    assert.match(both[0].title, /^Rewrite and add index: /);
    assert.equal(both[0].isPreferred, true);

    // The index adds nothing on top of the rewrite (53 → 52 ms): the rewrite alone, preferred; no index to build.
    const rewriteAlone = withArms(185, 53.2, 150, 52);
    const fixes = adviceFixes(rewriteAlone);
    assert.deepEqual(
      fixes.map((f) => [f.title.replace(/ — .*/, ''), f.isPreferred, f.command?.id]),
      [['Rewrite: Aggregate orders first', true, undefined]],
    );
    assert.equal(fixes[0].edits?.[0].newText, rewriteAlone.rewrites[0].rewrittenSql);
    assert.deepEqual(
      offered(rewriteAlone).map((f) => f.title),
      fixes.map((f) => f.title),
    );
    const hover = insightMarkdown(adviceFindings(rewriteAlone)[0].insight);
    assert.match(hover, /Apply the rewrite alone: the index adds nothing measurable on top of it/);

    // The rewrite adds nothing once the index exists (20 → 20 ms): the index's DDL, the statement left as written.
    const indexAlone = withArms(200, 190, 20, 20);
    const [indexFixOnly, ...rest] = adviceFixes(indexAlone);
    assert.equal(indexFixOnly.isPreferred, true);
    assert.ok(!rest.some((f) => f.command), 'one DDL document');
    assert.deepEqual(
      offered(indexAlone).map((f) => f.title),
      [indexFixOnly.title],
    );
    assert.match(
      indexFixOnly.title,
      /^Add index: orders_user_id_covering_partial_idx — measured together 200 → 20(\.0)? ms on the statement as written; the rewrite adds nothing once it exists$/,
    );
    assert.equal(indexFixOnly.edits, undefined, 'the statement is not rewritten');
    const doc = (indexFixOnly.command?.arguments[0] as IndexDdlPayload).untitled;
    assert.match(doc, /this rewrite adds nothing once the index exists, so the statement stays as written/);
    assert.match(doc, /^CREATE INDEX CONCURRENTLY /m);

    // Neither beyond noise: nothing from the pair; the hover says why.
    const neither = withArms(100, 98, 99, 97);
    assert.deepEqual(
      adviceFixes(neither).filter((f) => f.command?.id === 'pgTuner.applyIndexSuggestion'),
      [],
    );
    assert.deepEqual(offered(neither), []);
    assert.match(
      insightMarkdown(adviceFindings(neither)[0].insight),
      /Neither change is measured faster beyond noise here/,
    );
  });

  it('an index on the statement as written that adds nothing on top of the rewrite: the rewrite is the preferred fix', () => {
    const advice = pairAdvice();
    advice.indexes!.suggestions[0].appliesTo = asWritten;
    advice.rewrites[0].combination = { where: 'test', indexSql: [], rollbackSql: [], arms: arms(185, 53.2, 150, 52) };
    const fixes = adviceFixes(advice);
    assert.deepEqual(
      fixes.map((f) => [f.title.slice(0, 12), f.isPreferred]),
      [
        ['Add covering', false],
        ['Rewrite: Agg', true],
      ],
    );
    // The index alone pays (185 → 150 ms is beyond noise): still offered, for a statement that cannot change.
    advice.rewrites[0].combination.arms = arms(185, 53.2, 60, 20);
    assert.deepEqual(
      adviceFixes(advice).map((f) => f.isPreferred),
      [true, false],
    );
  });

  it('hovers and DDL comments are short structured Markdown: lists, headings, code blocks', () => {
    const advice = pairAdvice();
    advice.indexes!.suggestions.push({
      ...coveringPartial(),
      candidate: { ...coveringPartial().candidate, name: 'orders_plain_idx' },
    });
    advice.indexes!.suggestions[1].appliesTo = asWritten;
    advice.indexes!.suggestions[1].warnings.push('HypoPG did not use it; the measured plan did');
    for (const { insight } of adviceFindings(advice)) {
      const md = insightMarkdown(insight);
      const paragraphs = md
        .split('\n\n')
        .filter((p) => !p.startsWith('- ') && !p.startsWith('```') && !p.startsWith('**'));
      for (const p of paragraphs)
        assert.ok(p.length <= 300, `a long paragraph in the hover of ${insight.ruleId}: ${p}`);
      assert.match(md, /^\*\*[^*]+\*\*$/m, 'bold headings');
      assert.match(md, /^- /m, 'lists');
      if (insight.ruleId !== queryRewriteRule) assert.match(md, /^```sql\nCREATE INDEX CONCURRENTLY /m, insight.ruleId);
    }
    const doc = indexDdlDocument(advice.indexes!.suggestions[1], sql, 'untitled');
    assert.match(doc, /^-- Why:\n-- - Columns: /m);
    assert.match(doc, /^-- Warnings:\n-- - Warning: HypoPG did not use it/m);
    for (const line of doc.split('\n')) assert.ok(line.length <= 120 || !line.startsWith('-- '), line);
  });
});

describe('advice in the editor: from real advisors to quick fixes (test server)', function () {
  this.timeout(120_000);
  let session: DatabaseSession;

  before(async () => {
    session = await sessionWithFreshSchema(schema);
    // Generated: 500 users, 20,000 orders, deterministic arithmetic.
    await session.execute(`
      CREATE TABLE ${schema}.users (id bigint PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES ${schema}.users (id), total numeric(10,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO ${schema}.users SELECT g, 'user ' || g FROM generate_series(1, 500) g;
      INSERT INTO ${schema}.orders SELECT g, 1 + (g * 7919) % 500, ((g * 37) % 50000) / 100.0, CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'paid' END,
        timestamptz '2023-01-01' + (g % 730) * interval '1 day' FROM generate_series(1, 20000) g;
      ANALYZE ${schema}.users; ANALYZE ${schema}.orders;`);
  });

  after(async () => {
    await session
      ?.execute(
        `DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP TABLE IF EXISTS adv_tasks_${process.pid}, adv_programs_${process.pid}`,
      )
      .catch(() => undefined);
    await session?.close();
  });

  it('a measured index suggestion becomes a preferred fix that opens DDL and rollback; the store checks the text', async () => {
    const sql = `SELECT id, total, created_at FROM ${schema}.orders WHERE user_id = 42 AND status = 'paid' ORDER BY created_at DESC LIMIT 10`;
    const indexes = await adviseIndexes(session, sql, { allowMeasuredWhatIf: true });
    assert.ok(indexes.suggestions.length >= 1, JSON.stringify(indexes.notes));
    const top = indexes.suggestions[0];
    const document = `-- lookups\n${sql};\n`;
    const statement: AdvisedStatement = {
      text: sql,
      start: document.indexOf(sql),
      end: document.indexOf(sql) + sql.length,
      sql,
    };
    const advice: StatementAdvice = { statement, connection: 'test', rewrites: [], indexes };

    const fixes = adviceFixes(advice);
    assert.equal(fixes.length, indexes.suggestions.length);
    assert.equal(fixes[0].isPreferred, true);
    assert.match(fixes[0].title, new RegExp(`^Add .*index on orders \\(user_id.* — (measured|est\\. cost) `));
    assert.equal(fixes[0].edits, undefined, 'an index fix never edits the statement');
    const payload = fixes[0].command?.arguments[0] as IndexDdlPayload;
    assert.equal(fixes[0].command?.id, 'pgTuner.applyIndexSuggestion');
    assert.match(payload.untitled, /^CREATE INDEX CONCURRENTLY /m);
    assert.match(payload.untitled, /^-- DROP INDEX CONCURRENTLY /m);
    assert.match(payload.migration, /^DROP INDEX CONCURRENTLY /m);
    if (top.measurement) assert.match(payload.untitled, /Measured on test/);

    const findings = adviceFindings(advice);
    assert.equal(findings.length, indexes.suggestions.length);
    assert.ok(
      findings.every(
        (f) =>
          f.insight.ruleId === indexSuggestionRule &&
          f.range.start === statement.start &&
          f.range.end === statement.start + 'SELECT'.length,
      ),
    );
    assert.deepEqual(adviceAnchor({ text: '\n  WITH x AS (SELECT 1) SELECT 1', start: 5 }), { start: 8, end: 12 });

    const store = new AdviceStore();
    store.set(advice);
    const provider = adviceFixProvider(store);
    const input = {
      ruleId: indexSuggestionRule,
      insight: findings[0].insight,
      documentText: document,
      statement: findings[0].statement,
      range: findings[0].range,
    };
    // The index's fix, then (when the advisor kept both plans) its "Compare before/after".
    const offered = provider.provideFixes(input).map((f) => f.title);
    assert.equal(offered[0], fixes[0].title);
    assert.deepEqual(
      offered.slice(1),
      top.planBefore && top.planAfter
        ? [
            `Compare before/after: as it is ↔ with ${top.candidate.name} (${top.measurement ? 'measured' : 'estimated'} plans)`,
          ]
        : [],
    );
    // Found by the finding's id (the index name), not by its text: reworded title and evidence change nothing.
    const reworded = { ...findings[0].insight, title: 'Reworded', evidence: [] };
    assert.deepEqual(
      provider.provideFixes({ ...input, insight: reworded }).map((f) => f.title),
      offered,
    );
    // The statement edited: the advice is stale and offers nothing.
    const edited = document.replace('user_id = 42', 'user_id = 43');
    assert.deepEqual(provider.provideFixes({ ...input, documentText: edited }), []);
  });

  it('only a rewrite proven equivalent and measured faster replaces the statement, as one edit applied when picked', async () => {
    const sql = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent FROM ${schema}.users u JOIN ${schema}.orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01' GROUP BY u.id, u.name ORDER BY total_spent DESC LIMIT 10`;
    const rewrites = await adviseRewrites(session, sql, {});
    assert.ok(rewrites.length >= 1, 'the aggregate-before-join rule applies');
    const statement: AdvisedStatement = { text: sql, start: 7, end: 7 + sql.length, sql };
    for (const r of rewrites) {
      assert.equal(isRewriteFix(r, statement), r.quickFix, r.id);
      // The same rewrite advised in `$n` form of a statement with named parameters is never a fix.
      assert.equal(isRewriteFix(r, { ...statement, text: sql.replace("'2024-01-01'", ':since') }), false);
    }
    const unverified: Rewrite = { ...rewrites[0], verification: 'unverified', quickFix: false, measurement: undefined };
    const advice: StatementAdvice = { statement, connection: 'test', rewrites: [...rewrites, unverified] };
    const fixes = adviceFixes(advice);
    assert.equal(fixes.length, rewrites.filter((r) => r.quickFix).length);
    const findings = adviceFindings(advice);
    assert.equal(
      findings.filter((f) => f.insight.ruleId === rewriteInfoRule).length,
      rewrites.filter((r) => !r.quickFix).length + 1,
    );
    assert.equal(findings.filter((f) => f.insight.ruleId === queryRewriteRule).length, fixes.length);
    const fast = rewrites.find((r) => r.quickFix);
    if (fast) {
      const fix = rewriteFix(fast, statement, false);
      // Applied when picked: no refactor preview (it opened with the change unticked; Apply as shown did nothing).
      assert.equal('previewEdits' in fix, false);
      assert.equal(fix.edits?.length, 1);
      assert.deepEqual(fix.edits?.[0].range, { start: 7 + fast.sqlRange.start, end: 7 + fast.sqlRange.end });
      assert.equal(fix.edits?.[0].newText, fast.rewrittenSql);
      assert.match(fix.title, /^Rewrite: .* — same rows, measured [\d.]+ → [\d.]+ ms, [\d.]+× faster$/);
      assert.match(adviceSummary(advice).text, /verified rewrite/);
      // The fix is found by the finding's ref, not by its title: a reworded title still gets it.
      const store = new AdviceStore();
      store.set(advice);
      const finding = findings.find(
        (f) => f.insight.advice?.kind === 'rewrite' && f.insight.advice.rewrite === fast.ref,
      );
      assert.ok(finding);
      const offered = adviceFixProvider(store).provideFixes({
        ruleId: queryRewriteRule,
        insight: { ...finding.insight, title: 'Faster form of the statement' },
        documentText: ' '.repeat(7) + sql,
        statement: finding.statement,
        range: finding.range,
      });
      assert.equal(offered[0]?.title, fix.title);
    }
    assert.match(
      adviceSummary({ statement, connection: 'test', rewrites: [unverified] }).text,
      /^No index or rewrite to offer on test/,
    );
  });

  it('an N+1 loop becomes one fix applied when picked, and its measurement one line', async () => {
    // In public: the combined query quotes a schema-qualified table name as one identifier (core issue).
    await session.execute(`
      CREATE TABLE adv_programs_${process.pid} (id bigint PRIMARY KEY, name text NOT NULL, status text NOT NULL);
      CREATE TABLE adv_tasks_${process.pid} (id bigint PRIMARY KEY, program_id bigint NOT NULL REFERENCES adv_programs_${process.pid} (id), title text NOT NULL);
      INSERT INTO adv_programs_${process.pid} SELECT g, 'p' || g, CASE WHEN g % 2 = 0 THEN 'active' ELSE 'done' END FROM generate_series(1, 40) g;
      INSERT INTO adv_tasks_${process.pid} SELECT g, 1 + g % 40, 't' || g FROM generate_series(1, 400) g;
      ANALYZE adv_programs_${process.pid}; ANALYZE adv_tasks_${process.pid};`);
    const code = [
      "import { pool } from './db';",
      'export async function programsWithTasks() {',
      `  const programs = await pool.query(\`SELECT id, name FROM adv_programs_${process.pid} WHERE status = 'active' ORDER BY id\`);`,
      '  for (const program of programs.rows) {',
      `    program.tasks = (await pool.query(\`SELECT id, title FROM adv_tasks_${process.pid} WHERE program_id = $1 ORDER BY id\`, [program.id])).rows;`,
      '  }',
      '  return programs.rows;',
      '}',
      '',
    ].join('\n');
    const advice = await adviseNPlusOne(session, code, 'programs.ts', { runs: 1 });
    assert.equal(advice.length, 1);
    const fix = nPlusOneFix(advice[0]);
    assert.equal('previewEdits' in fix, false);
    assert.equal(fix.edits?.length, advice[0].edits.length);
    assert.match(fix.title, /json_agg of .*tasks.* \(1 \+ N → 1 round trips\)/);
    assert.equal(adviceAt(advice, code.indexOf('for (const program')), advice[0]);
    assert.equal(adviceAt(advice, 0), undefined);
    const m = advice[0].measurement;
    assert.ok(m, advice[0].measurementNote);
    assert.equal(m.parents, 20);
    assert.match(
      roundTripSummary(m),
      /^One query is [\d.]+× (faster|slower): 1 \+ 20 → 1 round trips, loop [\d.]+ ms vs single query [\d.]+ ms on test$/,
    );

    // One edit (half of the change would break the code), with the same result as both.
    const one = asOneEdit(fix, code);
    assert.equal(one.edits?.length, 1);
    const apply = (text: string, edits: NonNullable<typeof fix.edits>): string =>
      [...edits]
        .sort((a, b) => b.range.start - a.range.start)
        .reduce((t, e) => t.slice(0, e.range.start) + e.newText + t.slice(e.range.end), text);
    assert.equal(apply(code, one.edits ?? []), apply(code, fix.edits ?? []));
    assert.doesNotMatch(apply(code, one.edits ?? []), /for \(const program/);

    // Catalog only (the quick fix's edit when it is picked): no measurement, the same single query.
    const unmeasured = await adviseNPlusOne(session, code, 'programs.ts', { measure: false });
    assert.equal(unmeasured[0].measurement, undefined);
    assert.equal(unmeasured[0].combined.sql, advice[0].combined.sql);

    // The whole query result stored on the row (rows, rowCount, fields…): the single query gives only the rows, so
    // no edit; the action opens the single query instead.
    const whole = code.replace(/\(await (pool\.query\(.*\))\)\.rows;/, 'await $1;');
    assert.notEqual(whole, code);
    const [noEdit] = await adviseNPlusOne(session, whole, 'programs.ts', { measure: false });
    const open = nPlusOneFix(noEdit);
    assert.equal(open.edits, undefined);
    assert.equal(open.isPreferred, undefined);
    assert.match(open.title, /^Open the single query .*no code change/);
    assert.match(
      open.newDocument?.content ?? '',
      /^-- No code change: the loop stores the whole query result[^\n]*\nSELECT[\s\S]*json_agg/,
    );
  });
});
