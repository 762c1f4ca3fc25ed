import { strict as assert } from 'node:assert';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { joinOrderText } from '../../../src/core/compare/joinOrder';
import { summariseComparison } from '../../../src/core/compare/summariseComparison';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan } from '../../../src/core/plan/planNode';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { testServer } from '../../helpers/globalServer';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';
import { COMPARE_SQL, realPlans, type RealPlans } from './realPlans';

function byLabel(plan: Plan, pattern: RegExp): number {
  const node = plan.nodes.find((n) =>
    pattern.test(`${n.fields['Node Type']} ${n.fields['Relation Name'] ?? ''} ${n.fields['Alias'] ?? ''}`),
  );
  assert.ok(node, `no node like ${pattern}`);
  return node.id;
}

describe('comparePlans (real PostgreSQL plans)', function () {
  this.timeout(120_000);
  let plans: RealPlans;
  let planB: Plan;
  let planA: Plan;

  before(async () => {
    plans = await realPlans((await testServer()).url);
    planB = parsePlan(plans.before);
    planA = parsePlan(plans.after);
  });

  it('matches every node of a plan with itself, exactly, with no changes', () => {
    const c = comparePlans(planB, parsePlan(plans.before));
    assert.equal(c.matches.length, planB.nodes.length);
    assert.ok(
      c.matches.every((m) => m.beforeId === m.afterId && m.confidence === 'exact'),
      JSON.stringify(c.matches.map((m) => [m.beforeId, m.afterId, m.confidence])),
    );
    assert.deepEqual(c.unmatchedBefore, []);
    assert.deepEqual(c.unmatchedAfter, []);
    assert.deepEqual(c.typeChanges, []);
    assert.equal(c.joinOrder.changed, false);
    assert.deepEqual(c.spills.appeared, []);
    assert.deepEqual(c.spills.vanished, []);
    assert.equal(c.totals.timeMs?.delta, 0);
  });

  it('finds the join method change, the scan change on the same relation, and the vanished sort spill', () => {
    const c = comparePlans(planB, planA);
    assert.equal(c.analyzed, true);
    const merge = byLabel(planB, /^Merge Join/);
    const join = c.matches.find((m) => m.beforeId === merge);
    assert.ok(join, 'the Merge Join has a counterpart');
    assert.equal(planA.nodes[join.afterId].fields['Node Type'] === 'Merge Join', false);
    assert.match(planA.nodes[join.afterId].fields['Node Type'], /Join|Nested Loop/);
    assert.deepEqual(join.typeChange, { before: 'Merge Join', after: planA.nodes[join.afterId].fields['Node Type'] });
    assert.equal(join.confidence, 'likely');

    const ordersBefore = byLabel(planB, /Scan orders o$/);
    const ordersMatch = c.matches.find((m) => m.beforeId === ordersBefore);
    assert.ok(ordersMatch);
    assert.equal(planA.nodes[ordersMatch.afterId].fields['Relation Name'], 'orders');
    assert.equal(planA.nodes[ordersMatch.afterId].fields['Alias'], 'o');
    // The before scan read the whole table; the after one uses the new index.
    assert.equal(planB.nodes[ordersBefore].fields['Node Type'], 'Seq Scan');
    assert.notEqual(planA.nodes[ordersMatch.afterId].fields['Node Type'], 'Seq Scan');
    assert.ok(c.typeChanges.some((t) => t.beforeId === ordersBefore && t.before === 'Seq Scan'));

    // Root and aggregate are the same operators over the same relations: exact.
    assert.equal(c.matches.find((m) => m.beforeId === 0)?.confidence, 'exact');
    assert.equal(c.matches.find((m) => m.beforeId === 0)?.afterId, 0);

    assert.ok(
      c.spills.vanished.some((s) => s.kind === 'sort' && /external/.test(s.detail)),
      JSON.stringify(c.spills),
    );
    assert.deepEqual(c.spills.appeared, []);
    assert.ok(c.totals.tempBlocks && c.totals.tempBlocks.before > 0 && c.totals.tempBlocks.after === 0);
    assert.ok(c.totals.rowsScanned && c.totals.rowsScanned.after < c.totals.rowsScanned.before);
    assert.equal(c.totals.timeMs?.before, planB.totals.timeMs);
    assert.equal(c.totals.timeMs?.ratio, planA.totals.timeMs / planB.totals.timeMs);

    // Per-node deltas are the plans' own figures.
    assert.equal(ordersMatch.rows.before, planB.nodes[ordersBefore].metrics.actualRowsTotal);
    assert.equal(ordersMatch.rows.after, planA.nodes[ordersMatch.afterId].metrics.actualRowsTotal);
    assert.equal(
      ordersMatch.selfTimeMs.delta,
      planA.nodes[ordersMatch.afterId].metrics.exclusiveTimeMs - planB.nodes[ordersBefore].metrics.exclusiveTimeMs,
    );

    // Every node is either matched or listed as unmatched, once.
    const seenB = new Set([...c.matches.map((m) => m.beforeId), ...c.unmatchedBefore]);
    const seenA = new Set([...c.matches.map((m) => m.afterId), ...c.unmatchedAfter]);
    assert.equal(seenB.size, planB.nodes.length);
    assert.equal(seenA.size, planA.nodes.length);
    assert.equal(new Set(c.matches.map((m) => m.afterId)).size, c.matches.length, 'an after node is matched once');
  });

  it('summarises time, the operator changes and the spill in a few lines', () => {
    const lines = summariseComparison(comparePlans(planB, planA));
    assert.match(lines[0], /^Execution time .* → .* \(\d+(\.\d)?× (faster|slower)\)\.$/);
    assert.ok(
      lines.some((l) => /^Merge Join → (Hash Join|Nested Loop)/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^Seq Scan → .*Scan/.test(l) && /on orders o/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^Spill gone: Sort no longer spills \(was external merge/.test(l)),
      lines.join('\n'),
    );
    assert.match(lines[lines.length - 1], /^\d+ nodes matched \(\d+ exact, \d+ likely, \d+ guessed\)/);
    assert.ok(lines.length <= 14);
  });

  it('sees a changed join order of a three-table join', () => {
    const a = parsePlan(plans.joinOrderA);
    const b = parsePlan(plans.joinOrderB);
    assert.equal(joinOrderText(a), '((o ⋈ c) ⋈ r)');
    assert.notEqual(joinOrderText(b), joinOrderText(a));
    assert.match(joinOrderText(b), /^\(.*r.*\)$/);
    const c = comparePlans(a, b);
    assert.equal(c.joinOrder.changed, true);
    assert.ok(summariseComparison(c).some((l) => l.startsWith('Join order changed: ((o ⋈ c) ⋈ r) → ')));
    // The three scans keep their identity whatever the order.
    for (const alias of ['o', 'c', 'r']) {
      const id = a.nodes.find((n) => n.fields['Alias'] === alias)!.id;
      const m = c.matches.find((x) => x.beforeId === id);
      assert.equal(m && b.nodes[m.afterId].fields['Alias'], alias);
    }
  });

  it('puts the summary in the Markdown report before/after section', () => {
    const result = (plan: Plan, raw: string): TuningResult => ({
      sql: COMPARE_SQL,
      plan,
      insights: [],
      nodeRanges: {},
      rawPlan: raw,
    });
    const md = renderMarkdownReport(result(planA, plans.after), {
      comparison: { before: result(planB, plans.before), after: result(planA, plans.after), label: 'with the index' },
    });
    const section = md.slice(md.indexOf('## Before / after'));
    assert.match(section, /- Merge Join → /);
    assert.match(section, /- Spill gone: Sort/);
    assert.match(section, /\| Execution time \|/);
  });

  it('compares estimate-only plans by cost, without times', () => {
    const est = (raw: string): Plan => {
      const doc = JSON.parse(raw) as Array<{ Plan: Record<string, unknown> }>;
      const strip = (n: Record<string, unknown>): void => {
        for (const k of Object.keys(n)) if (/^Actual|Blocks$|I\/O/.test(k)) delete n[k];
        for (const c of (n.Plans as Array<Record<string, unknown>> | undefined) ?? []) strip(c);
      };
      strip(doc[0].Plan);
      return parsePlan(JSON.stringify([{ Plan: doc[0].Plan }]));
    };
    const c = comparePlans(est(plans.before), est(plans.after));
    assert.equal(c.analyzed, false);
    assert.equal(c.totals.timeMs, undefined);
    assert.ok(c.typeChanges.length > 0);
    assert.match(summariseComparison(c)[0], /^Total cost .* estimates only/);
  });
});

describe('comparePlans on huge generated plans', function () {
  this.timeout(60_000);
  // How long it takes is a benchmark figure, not a test (no bench step measures it yet).
  it('matches a 10,000-node plan with itself exactly', () => {
    const plan = parsePlan(syntheticPlanJson(10_000));
    const twin = parsePlan(syntheticPlanJson(10_000));
    const c = comparePlans(plan, twin);
    assert.equal(c.matches.length, 10_000);
    const wrong = c.matches.filter((m) => m.beforeId !== m.afterId);
    assert.equal(
      wrong.length,
      0,
      `mismatched: ${wrong
        .slice(0, 5)
        .map((m) => `${m.beforeLabel}#${m.beforeId}→#${m.afterId}`)
        .join(', ')}`,
    );
  });

  it('keeps partitions apart when one partition disappears', () => {
    const plan = parsePlan(syntheticPlanJson(400));
    const doc = JSON.parse(syntheticPlanJson(400)) as Array<{ Plan: { Plans: Array<{ Plans: unknown[] }> } }>;
    const append = doc[0].Plan.Plans[0];
    append.Plans.splice(1, 1);
    const smaller = parsePlan(JSON.stringify(doc));
    const c = comparePlans(plan, smaller);
    for (const m of c.matches) {
      const rb = plan.nodes[m.beforeId].fields['Relation Name'];
      if (typeof rb === 'string' && rb.startsWith('measurements_'))
        assert.equal(smaller.nodes[m.afterId].fields['Relation Name'], rb);
    }
    assert.equal(c.unmatchedAfter.length, 0);
    assert.equal(c.unmatchedBefore.length, plan.nodes.length - smaller.nodes.length);
  });
});
