/**
 * Numbers read as PostgreSQL writes them (JSON numbers, never negative, finite). A numeric string, a negative
 * or non-finite value, or an absurd time used to be taken silently: a string time showed the node as "never
 * executed", a negative child time made its 5 ms parent 16 minutes. Now each is read as well as it can be
 * and a warning names the node and the field, in the plan, the CLI output and the report.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createColours } from '../../../src/cli/colours';
import { formatResult } from '../../../src/cli/formatResult';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { parsePlan, planFromRaw } from '../../../src/core/plan/parsePlan';
import type { RawPlanFields } from '../../../src/core/plan/planNode';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';

/** A Hash Join of 5 ms over two scans whose figures the test sets. */
function joinPlan(
  left: Record<string, unknown>,
  right: Record<string, unknown>,
  top: Record<string, unknown> = {},
): string {
  const scan = (relation: string, extra: Record<string, unknown>) => ({
    'Node Type': 'Seq Scan',
    'Parent Relationship': 'Outer',
    'Relation Name': relation,
    Alias: relation,
    'Startup Cost': 0,
    'Total Cost': 4,
    'Plan Rows': 3,
    'Plan Width': 8,
    'Actual Startup Time': 0.01,
    'Actual Total Time': 1.5,
    'Actual Rows': 3,
    'Actual Loops': 1,
    ...extra,
  });
  return JSON.stringify([
    {
      Plan: {
        'Node Type': 'Hash Join',
        'Join Type': 'Inner',
        'Startup Cost': 1,
        'Total Cost': 10,
        'Plan Rows': 3,
        'Plan Width': 16,
        'Actual Startup Time': 0.1,
        'Actual Total Time': 5,
        'Actual Rows': 3,
        'Actual Loops': 1,
        Plans: [scan('accounts', left), scan('orders', right)],
      },
      'Planning Time': 0.2,
      'Execution Time': 5.2,
      ...top,
    },
  ]);
}

describe('plan numbers as PostgreSQL writes them', () => {
  it('no plan among the fixtures (real servers, versions 9.6–18, pasted forms, Citus) raises a warning', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
    let read = 0;
    for (const file of walk(join(__dirname, '../../fixtures/plans'))) {
      if (/expect|README|\.(ts|md)$/.test(file)) continue;
      let plan;
      try {
        plan = parsePlan(readFileSync(file, 'utf8'));
      } catch {
        continue; // fixtures of reader errors
      }
      read++;
      assert.equal(plan.warnings, undefined, `${file}: ${JSON.stringify(plan.warnings)}`);
    }
    assert.ok(read > 100, `${read} plans read`);
  });

  it('a time given as a string is read as its number, with a warning naming the node and the field', () => {
    const plan = parsePlan(joinPlan({ 'Actual Total Time': '2.5' }, {}));
    const scan = plan.nodes[1];
    assert.equal(scan.metrics.neverExecuted, false, 'not "never executed"');
    assert.equal(scan.metrics.inclusiveTimeMs, 2.5);
    assert.equal(plan.warnings?.length, 1);
    assert.deepEqual(
      { nodeId: plan.warnings?.[0].nodeId, field: plan.warnings?.[0].field },
      { nodeId: 1, field: 'Actual Total Time' },
    );
    assert.match(
      plan.warnings?.[0].message ?? '',
      /node #1 \(Seq Scan on accounts\): "Actual Total Time" is the string "2\.5", a number written as a string; read as 2\.5/,
    );
  });

  it('loops as a string: the node still ran, its rows are counted', () => {
    const plan = parsePlan(joinPlan({ 'Actual Loops': '1' }, {}));
    assert.equal(plan.nodes[1].metrics.neverExecuted, false);
    assert.equal(plan.nodes[1].metrics.actualRowsTotal, 3);
    assert.match(plan.warnings?.[0].message ?? '', /"Actual Loops"/);
  });

  it('a negative time is read as absent: the 5 ms parent stays 5 ms, and the warning says so', () => {
    const plan = parsePlan(joinPlan({}, { 'Actual Total Time': -960000 }));
    assert.ok(plan.root.metrics.exclusiveTimeMs <= 5, `${plan.root.metrics.exclusiveTimeMs} ms`);
    assert.match(
      plan.warnings?.[0].message ?? '',
      /node #2 \(Seq Scan on orders\): "Actual Total Time" is negative \(-960000\); read as absent/,
    );
  });

  it('negative rows, a non-numeric string and NaN/Infinity each warn; the rest of the plan reads', () => {
    const raw = (v: unknown): RawPlanFields =>
      ({
        'Node Type': 'Seq Scan',
        'Relation Name': 't',
        'Actual Total Time': v,
        'Actual Loops': 1,
        'Actual Rows': 1,
      }) as RawPlanFields;
    for (const [value, pattern] of [
      [Number.NaN, /is NaN; read as absent/],
      [Number.POSITIVE_INFINITY, /is Infinity; read as absent/],
      ['fast', /is the string "fast", not a number; read as absent/],
      [null, /is null, not a number/],
    ] as const) {
      const plan = planFromRaw({ root: { fields: raw(value), children: [] }, top: {}, format: 'json' });
      assert.match(plan.warnings?.[0].message ?? '', pattern, String(value));
      assert.equal(plan.root.metrics.inclusiveTimeMs, 0);
    }
    const rows = parsePlan(joinPlan({ 'Actual Rows': -3 }, {}));
    assert.match(rows.warnings?.[0].message ?? '', /node #1 .*"Actual Rows" is negative/);
    assert.equal(rows.nodes[1].metrics.actualRowsTotal, 0);
  });

  it('absurd times: over 1e9 ms, or a child far slower than the parent holding it', () => {
    const huge = parsePlan(joinPlan({ 'Actual Total Time': 2e9 }, {}, { 'Execution Time': 3e9 }));
    const messages = (huge.warnings ?? []).map((w) => w.message).join('\n');
    assert.match(messages, /"Execution Time" is 3000000000 ms \(over 11 days\)/);
    assert.match(
      messages,
      /node #1 \(Seq Scan on accounts\): "Actual Total Time" × loops is 2000000000 ms \(over 11 days\)/,
    );
    const child = parsePlan(joinPlan({}, { 'Actual Total Time': 960000 }));
    assert.match(
      child.warnings?.[0].message ?? '',
      /node #2 \(Seq Scan on orders\): "Actual Total Time" × loops is 960000 ms, far more than the 5 ms of node #0/,
    );
  });

  it('a statement time as a string warns too', () => {
    const plan = parsePlan(joinPlan({}, {}, { 'Execution Time': '5.2' }));
    assert.equal(plan.executionTimeMs, 5.2);
    assert.match(plan.warnings?.[0].message ?? '', /^"Execution Time" is the string "5\.2"/);
  });

  it('a plan with every node broken lists the first 50 warnings and counts the rest', () => {
    const scans = Array.from({ length: 80 }, (_, i) => ({
      'Node Type': 'Seq Scan',
      'Relation Name': `t${i}`,
      'Actual Total Time': '0.1',
      'Actual Loops': 1,
      'Actual Rows': 1,
    }));
    const plan = parsePlan(
      JSON.stringify([
        { Plan: { 'Node Type': 'Append', 'Actual Total Time': 9, 'Actual Loops': 1, 'Actual Rows': 80, Plans: scans } },
      ]),
    );
    assert.equal(plan.warnings?.length, 51);
    assert.equal(plan.warnings?.[50].message, '30 more warnings like these not listed');
  });

  it('the warnings show in the CLI output and in the Markdown report', async () => {
    const result = await analysePlanText(joinPlan({ 'Actual Total Time': '2.5' }, { 'Actual Total Time': -1 }));
    const out = formatResult(result, createColours(false));
    assert.match(out, /^Warning: node #1 \(Seq Scan on accounts\): "Actual Total Time" is the string "2\.5"/m);
    assert.match(out, /^Warning: node #2 \(Seq Scan on orders\): "Actual Total Time" is negative/m);
    const md = renderMarkdownReport(result);
    assert.match(
      md,
      /## Plan warnings\n\n- node #1 \(Seq Scan on accounts\): "Actual Total Time" is the string "2\.5"/,
    );
  });
});
