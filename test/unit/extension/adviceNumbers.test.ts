/**
 * The advisor's numbers in the editor, from the real advisors on the PostgreSQL 15 test server: a deep OFFSET page
 * whose index gains only with the keyset rewrite (docs/cases.md, case 4; the data of advice/rewrite/deepPageEvents.ts).
 * The index is offered as the pair, the message gives every arm against one as-written time from the same run, and
 * "Compare before/after" shows the statement as it is on the left.
 */
import { strict as assert } from 'node:assert';
import { adviseStatement } from '../../../src/core/pipeline/statementAdvice';
import { rewriteWithIndexRule, indexSuggestionRule } from '../../../src/core/insights/ruleIds';
import { adviceFixes } from '../../../src/extension/advice/adviceFixProvider';
import { comparableIndex, comparesWithRewrite, indexComparison } from '../../../src/extension/advice/adviceComparison';
import { adviceSummary, jointSummary } from '../../../src/extension/advice/adviceSummary';
import { shortMs } from '../../../src/core/text/shortFigures';
import { statementAsItIs } from '../../../src/extension/advice/rewriteComparison';
import { adviceFindings, type StatementAdvice } from '../../../src/extension/advice/statementAdvice';
import { insightMarkdown } from '../../../src/extension/diagnostics/insightMarkdown';
import { deepPage, useDeepPageDatabase } from '../advice/rewrite/deepPageEvents';

describe('advice in the editor: the numbers of an index that gains only with a rewrite (test server)', function () {
  this.timeout(300_000);
  const db = useDeepPageDatabase('rw_numbers');
  let advice: StatementAdvice;

  before(async () => {
    const advised = await adviseStatement(db().session, deepPage, { allowMeasuredWhatIf: true, params: [4] });
    advice = {
      statement: { text: deepPage, start: 0, end: deepPage.length, sql: deepPage },
      connection: 'test',
      rewrites: advised.rewrites,
      indexes: advised.indexes,
      params: [4],
    };
  });

  it('the keyset and its index are one finding and one fix, never a plain index', () => {
    const keyset = advice.rewrites.find((r) => r.id === 'keyset-pagination');
    assert.ok(keyset?.combination, 'the keyset measured with its index');
    const best = advice.indexes?.best;
    assert.deepEqual(best?.appliesTo, { kind: 'rewrite', rewrite: keyset.ref });
    const findings = adviceFindings(advice);
    assert.equal(findings.filter((f) => f.insight.ruleId === indexSuggestionRule).length, 0, 'no plain index');
    const pair = findings.filter((f) => f.insight.ruleId === rewriteWithIndexRule);
    assert.equal(pair.length, 1);
    assert.match(pair[0].insight.title, /^Rewrite \+ index: .* — measured together [\d.]+ → [\d.]+ ms/);
    // The keyset brings parameters the caller must supply: the fix opens the DDL and says to rewrite by hand.
    const fix = adviceFixes(advice).find((f) => f.title.startsWith('Add index (rewrite by hand)'));
    assert.ok(
      fix,
      adviceFixes(advice)
        .map((f) => f.title)
        .join(' | '),
    );
    assert.equal(fix.edits, undefined);
    assert.equal(fix.command?.id, 'pgTuner.applyIndexSuggestion');
  });

  it('the message and the hover give every arm against the one as-written time of that run', () => {
    const keyset = advice.rewrites.find((r) => r.id === 'keyset-pagination')!;
    const c = keyset.combination!;
    const base = c.arms.find((a) => !a.rewrite && !a.index)!.figures.timeMs;
    const text = adviceSummary(advice).text;
    console.log(`      message: ${text}`);
    const joint = jointSummary(c);
    assert.ok(joint && text.toLowerCase().includes(joint.toLowerCase()), text);
    assert.ok(text.includes(`As written ${shortMs(base)} ms`), text);
    // No other time of the statement as written: the rewrite's own run and the index's own run are left out. An
    // index measured on the rewrite has the rewrite's time as its "before" (the rewrite arm may quote the same).
    const others = [
      keyset.measurement?.before.timeMs,
      ...(advice.indexes?.suggestions ?? [])
        .filter((s) => s.appliesTo.kind !== 'rewrite')
        .map((s) => s.measurement?.timeBeforeMs),
    ]
      .filter((t): t is number => t !== undefined)
      .map(shortMs)
      .filter((t) => t !== shortMs(base));
    for (const t of others) assert.ok(!text.includes(`${t} ms`), `${t} ms in: ${text}`);
    const hover = insightMarkdown(
      adviceFindings(advice).find((f) => f.insight.ruleId === rewriteWithIndexRule)!.insight,
    );
    assert.ok(hover.includes(`- As written: ${shortMs(base)} ms (the baseline)`), hover);
  });

  it('everything the hover on the statement shows gives that one as-written time; the keyset is not listed again alone', () => {
    const keyset = advice.rewrites.find((r) => r.id === 'keyset-pagination')!;
    const base = keyset.combination!.arms.find((a) => !a.rewrite && !a.index)!.figures.timeMs;
    const findings = adviceFindings(advice);
    // Not a fix on its own (it needs the last key from the caller): said with its index, not as a second finding.
    assert.deepEqual(
      findings.filter((f) => f.insight.advice?.kind === 'rewrite' && f.insight.advice.rewrite === keyset.ref),
      [],
    );
    // All of the statement's advice sits on its first word: the hover there shows every finding, title and text.
    const hover = findings.map((f) => `${f.insight.title}\n${insightMarkdown(f.insight)}`).join('\n');
    const times = [...hover.matchAll(/as written\b[^\n\d]*?([\d,]+(?:\.\d+)?) ms/gi)].map((m) =>
      Number(m[1].replace(/,/g, '')),
    );
    assert.ok(times.length >= 1, hover);
    for (const t of times)
      assert.ok(Math.abs(t - base) <= 0.01 * base + 0.01, `as written ${t} ms, baseline ${base} ms`);
  });

  it('"Compare before/after" shows the statement as it is on the left, the keyset with the index on the right', async () => {
    const s = (advice.indexes?.suggestions ?? []).filter(comparableIndex)[0];
    assert.ok(s, 'the advisor kept both plans');
    assert.equal(comparesWithRewrite(s), true);
    const asItIs = await statementAsItIs(db().session, deepPage, { params: [4] });
    const { before, after, labels } = indexComparison(advice, s, asItIs);
    assert.equal(labels.before, 'as it is');
    assert.equal(before.sql, deepPage);
    // As it is: OFFSET reads and drops 60,000 rows; on the right the keyset with the index reads the page.
    assert.ok(before.plan.nodes.some((n) => n.fields['Node Type'] === 'Limit'));
    assert.match(after.sql, /\(created_at, id\) > \(/);
    assert.equal(after.plan, s.planAfter);
  });
});
