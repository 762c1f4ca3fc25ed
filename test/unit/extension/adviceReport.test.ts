/**
 * The editor's advice in the saved report and in the compare view, on the parts free of `vscode`: which advice a
 * report of a shown plan takes (the store's latest for that statement), the report's sections, and the
 * "Compare before/after" actions with what they open. Advice and plans come from the real advisors on the test
 * server (PostgreSQL 15 + HypoPG) over tables our generator fills below.
 */
import { strict as assert } from 'node:assert';
import type { IndexSuggestion } from '../../../src/core/advice/indexSuggestion';
import type { DatabaseSession } from '../../../src/core/db/session';
import type { Plan } from '../../../src/core/plan/planNode';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { adviseStatement } from '../../../src/core/pipeline/statementAdvice';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import {
  adviceCompareFixes,
  comparableIndex,
  comparesWithRewrite,
  compareCommandId,
  indexComparison,
  isAdviceComparePayload,
  type AdviceComparePayload,
} from '../../../src/extension/advice/adviceComparison';
import { statementAsItIs } from '../../../src/extension/advice/rewriteComparison';
import { jointSummary, adviceSummary } from '../../../src/extension/advice/adviceSummary';
import { adviceFixProvider } from '../../../src/extension/advice/adviceFixProvider';
import { rewriteInfoRule, queryRewriteRule } from '../../../src/core/insights/ruleIds';
import { reportAdviceLine, reportAdviceOptions } from '../../../src/extension/advice/reportAdvice';
import { AdviceStore, adviceFindings, type StatementAdvice } from '../../../src/extension/advice/statementAdvice';
import { comparisonMessage } from '../../../src/extension/history/comparison';
import { shortMs } from '../../../src/core/text/shortFigures';
import { sessionWithFreshSchema } from '../../helpers/testDatabase';

const schema = `adv_report_${process.pid}`;

describe('advice in the saved report and the compare view (test server)', function () {
  this.timeout(180_000);
  let session: DatabaseSession;
  let sql: string;
  /** The dashboard: a proven rewrite (and perhaps an index with it). */
  let advice: StatementAdvice;
  let result: TuningResult;
  /** A selective lookup on a large table: a measured index suggestion with both plans. */
  let lookup: StatementAdvice;
  let lookupResult: TuningResult;
  const documentText = (s: string): string => `-- dashboard\n${s};\n`;

  async function advise(statementSql: string): Promise<StatementAdvice> {
    const text = documentText(statementSql);
    const advised = await adviseStatement(session, statementSql, { allowMeasuredWhatIf: true });
    return {
      statement: {
        text: statementSql,
        start: text.indexOf(statementSql),
        end: text.indexOf(statementSql) + statementSql.length,
        sql: statementSql,
      },
      connection: 'test',
      rewrites: advised.rewrites,
      indexes: advised.indexes,
      combinationNote: advised.combinationNote,
    };
  }

  before(async () => {
    session = await sessionWithFreshSchema(schema);
    // Generated: 2,000 users, 200,000 orders, deterministic arithmetic.
    await session.execute(`
      CREATE TABLE ${schema}.users (id bigint PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES ${schema}.users (id), total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO ${schema}.users SELECT g, 'user ' || g FROM generate_series(1, 2000) g;
      INSERT INTO ${schema}.orders SELECT g, 1 + (g * 7919) % 2000, ((g * 37) % 50000) / 100.0, timestamptz '2023-01-01' + (g % 730) * interval '1 day' FROM generate_series(1, 200000) g;
      ANALYZE ${schema}.users; ANALYZE ${schema}.orders;`);
    sql = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent FROM ${schema}.users u JOIN ${schema}.orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01' GROUP BY u.id, u.name ORDER BY total_spent DESC LIMIT 10`;
    advice = await advise(sql);
    const lookupSql = `SELECT id, total, created_at FROM ${schema}.orders WHERE user_id = 42`;
    lookup = await advise(lookupSql);
    lookupResult = await explainAndOptimize(session, lookupSql, { analyze: true });
    // The plan the user sees, explained separately and with other whitespace: the report still finds its advice.
    result = await explainAndOptimize(session, sql.replace(/ FROM /g, '\n  FROM ').replace(/ WHERE /, '\n WHERE '), {
      analyze: true,
    });
  });

  after(async () => {
    await session?.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await session?.close();
  });

  it('the store hands the report the latest advice for the shown statement, and none for another', () => {
    const store = new AdviceStore();
    const older: StatementAdvice = {
      ...advice,
      connection: 'older',
      statement: { ...advice.statement, start: advice.statement.start + 100 },
    };
    store.set(advice);
    store.set(older);
    assert.equal(store.latestFor(result.sql)?.connection, 'older');
    store.set(advice);
    assert.equal(store.latestFor(`${result.sql};`)?.connection, 'test', 'set again: the latest');
    assert.equal(store.latestFor('SELECT 1'), undefined);

    const options = reportAdviceOptions(result, store.latestFor(result.sql));
    assert.equal(options.rewrites, advice.rewrites);
    assert.equal(options.indexAdvice, advice.indexes);
    assert.deepEqual(reportAdviceOptions({ ...result, sql: 'SELECT 2' }, advice), {});
    assert.deepEqual(
      reportAdviceOptions({ ...result, sql: '' }, advice),
      {},
      'a pasted plan without SQL takes no advice',
    );
    assert.match(
      reportAdviceLine(options, 'test'),
      new RegExp(
        `^Report: ${advice.rewrites.length} rewrite\\(s\\), ${advice.indexes?.suggestions.length ?? 0} index suggestion\\(s\\)`,
      ),
    );
    assert.match(reportAdviceLine({}, undefined), /no advice for this statement/);
  });

  it('the saved report holds the rewrites with their tables and the index suggestions with DDL, figures and rollback', () => {
    const md = renderMarkdownReport(result, reportAdviceOptions(result, advice));
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings.slice(-3), ['Rewrites', 'Index advice', 'Plan']);
    assert.match(md, /^### 1\. Aggregate /m);
    assert.match(md, /^\| original EXCEPT ALL rewrite \| 0 rows \|$/m);
    assert.match(md, /^\| Time \(median of 3\) \| [\d.]+ m?s \| [\d.]+ m?s \| /m);

    const lookupMd = renderMarkdownReport(lookupResult, reportAdviceOptions(lookupResult, lookup));
    const suggestions = lookup.indexes?.suggestions ?? [];
    assert.ok(suggestions.length >= 1, JSON.stringify(lookup.indexes?.notes));
    for (const s of suggestions) {
      assert.ok(lookupMd.includes(s.createSql), s.createSql);
      assert.ok(lookupMd.includes(s.rollbackSql), s.rollbackSql);
    }
    assert.match(lookupMd, /^### 1\. `orders_user_id\w*` on orders \(measured\)$/m);
    assert.match(lookupMd, /^- \*\*Why this column order:\*\* 1\. equality on user_id/m);
    assert.match(lookupMd, /^- \*\*Measured:\*\* measured on test \(EXPLAIN ANALYZE, median of \d runs/m);
    assert.match(lookupMd, /^\| Before \| cost [\d,.]+, [\d.]+ m?s: Seq Scan on orders/m);
    assert.match(lookupMd, /^## Rewrites\n\nNo rewrite applies to this statement\.$/m);
    // When the index advisor picked the rewrite, its four arms are in the report.
    const combined = advice.rewrites.find((r) => r.combination);
    console.log(`      message: ${adviceSummary(advice).text}`);
    // An index and a faster rewrite are always measured together (one run, one time of the statement as written).
    if ((advice.indexes?.suggestions.length ?? 0) > 0 && advice.rewrites.some((r) => r.quickFix))
      assert.ok(combined || advice.combinationNote, 'the index and the rewrite measured together');
    if (combined) {
      assert.match(md, /^#### Rewrite \+ index, measured on test$/m);
      assert.match(md, /^\| rewrite \+ index \| [\d.]+ m?s \| /m);
      const joint = jointSummary(combined.combination!);
      assert.ok(joint);
      const text = adviceSummary(advice).text;
      assert.ok(text.toLowerCase().includes(joint.toLowerCase()), text);
      const base = combined.combination!.arms.find((a) => !a.rewrite && !a.index)!.figures.timeMs;
      // The one as-written time of the message is the joint run's.
      assert.match(text, new RegExp(`^On test: .*As written ${shortMs(base).replace('.', '\\.')} ms → `));
    } else {
      assert.doesNotMatch(md, /#### Rewrite \+ index/);
      const best = advice.indexes?.best;
      assert.ok(
        !best || best.appliesTo.kind === 'as-written' || advice.combinationNote !== undefined,
        JSON.stringify(best?.appliesTo),
      );
    }
  });

  it('each index with plans and each rewrite that returns the same rows offers "Compare before/after"', () => {
    const fixes = adviceCompareFixes(advice);
    const indexes = (advice.indexes?.suggestions ?? []).filter(comparableIndex);
    assert.equal(adviceCompareFixes(lookup).length, (lookup.indexes?.suggestions ?? []).filter(comparableIndex).length);
    assert.ok(adviceCompareFixes(lookup).length >= 1);
    const rewrites = advice.rewrites.filter((r) => r.verification === 'equivalent' && !r.newParameters?.length);
    assert.ok(rewrites.length >= 1, 'the aggregate-first rewrite is proven');
    assert.equal(fixes.length, indexes.length + rewrites.length);
    for (const f of fixes) {
      assert.equal(f.command?.id, compareCommandId);
      assert.ok(isAdviceComparePayload(f.command?.arguments[0]));
      assert.match(f.title, /^Compare before\/after: /);
    }
    const payloads = fixes.map((f) => f.command?.arguments[0] as AdviceComparePayload);
    assert.deepEqual(
      payloads.flatMap((p) => (p.kind === 'advice-rewrite' ? [p.rewrite] : [])),
      rewrites.map((r) => r.ref),
    );
    assert.ok(
      payloads.every((p) => p.statementStart === advice.statement.start && p.statementText === advice.statement.text),
    );
    assert.equal(
      isAdviceComparePayload({ kind: 'advice-index', statementStart: '1', statementText: 'x', index: 'y' }),
      false,
    );
    assert.equal(isAdviceComparePayload(undefined), false);
    // A rewrite is named by its ref, not its title.
    assert.equal(
      isAdviceComparePayload({
        kind: 'advice-rewrite',
        statementStart: 1,
        statementText: 'x',
        rewrite: 'Aggregate first',
      }),
      false,
    );

    // Through the fix registry's provider: on the rewrite's own diagnostic, whatever its rule.
    const store = new AdviceStore();
    store.set(advice);
    const provider = adviceFixProvider(store);
    const text = documentText(sql);
    for (const finding of adviceFindings(advice).filter(
      (f) => f.insight.ruleId === rewriteInfoRule || f.insight.ruleId === queryRewriteRule,
    )) {
      const offered = provider.provideFixes({
        ruleId: finding.insight.ruleId,
        insight: finding.insight,
        documentText: text,
        statement: finding.statement,
        range: finding.range,
      });
      const ref = finding.insight.advice;
      const rewrite = ref?.kind === 'rewrite' ? advice.rewrites.find((r) => r.ref === ref.rewrite) : undefined;
      assert.ok(rewrite);
      const compare = offered.filter((f) => f.command?.id === compareCommandId);
      assert.equal(compare.length, rewrites.includes(rewrite) ? 1 : 0, finding.insight.title);
    }
  });

  it('an index comparison shows the statement as it is on the left and with the index on the right, labelled with their method', async () => {
    for (const a of [lookup, advice])
      for (const s of (a.indexes?.suggestions ?? []).filter(comparableIndex)) await checkIndexComparison(a, s);
  });

  async function checkIndexComparison(
    advice: StatementAdvice,
    s: IndexSuggestion & { planBefore: Plan; planAfter: Plan },
  ): Promise<void> {
    // An index that gains only with a rewrite: the advisor's plans are of the rewritten form, so the statement as it
    // is is explained again for the left side.
    const asItIs = comparesWithRewrite(s) ? await statementAsItIs(session, advice.statement.sql, {}) : undefined;
    const { before, after, labels } = indexComparison(advice, s, asItIs);
    assert.equal(labels.before, 'as it is');
    assert.equal(before.sql, advice.statement.sql, 'the left side is the statement as it is');
    assert.equal(before.plan, asItIs ? asItIs.plan : s.planBefore);
    assert.equal(after.plan, s.planAfter);
    assert.ok(
      after.plan.nodes.some((n) => n.fields['Index Name'] === s.candidate.name),
      'the after plan uses the index',
    );
    assert.ok(!before.plan.nodes.some((n) => n.fields['Index Name'] === s.candidate.name));
    assert.match(labels.after ?? '', new RegExp(`with ${s.candidate.name}$`));
    assert.match(
      labels.title ?? '',
      s.measurement ? /EXPLAIN ANALYZE with the index built in a rolled-back transaction on test$/ : /estimated/,
    );
    const applies = s.appliesTo;
    if (applies.kind === 'rewrite') {
      const r = advice.rewrites.find((x) => x.ref === applies.rewrite);
      assert.ok(r, applies.rewrite);
      assert.equal(labels.after, `${r.title}, with ${s.candidate.name}`);
      assert.equal(after.sql, r.rewrittenSql);
    }
    const message = comparisonMessage(before, after, labels);
    assert.equal(message.type, 'didShowComparison');
    assert.ok(message.summary.length >= 1);
    assert.ok(
      message.summary.some(
        (line) => line.includes(s.candidate.name) || /(Index( Only)? Scan|Bitmap Heap Scan)/.test(line),
      ),
      message.summary.join(' | '),
    );
  }
});
