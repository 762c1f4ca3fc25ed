/**
 * Plan shapes people paste that were refused or misread: localised psql footers, fragments starting with
 * "->", single-quoted lines, older servers' spellings and unnumbered subplan headers, EXPLAIN (COSTS OFF)
 * (test/fixtures/plans/variants, real PostgreSQL 15 output through psql), Citus's distributed plans
 * (test/fixtures/plans/citus), tab indentation that used to re-parent lines without an error, and inputs that
 * took quadratic time.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunerError } from '../../../src/core/errors';
import { runPlanRules } from '../../../src/core/insights/planRules';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan, PlanNode } from '../../../src/core/plan/planNode';
import { treeOf, unexpand } from './pasteVariants';

const fixtures = join(__dirname, '../../fixtures/plans');
const read = (path: string): string => readFileSync(join(fixtures, path), 'utf8');
const types = (plan: Plan): string[] =>
  plan.nodes.map((n) => `${n.depth} ${n.fields['Node Type']} ${n.fields['Parent Relationship'] ?? ''}`);

function refusal(text: string): TunerError {
  try {
    parsePlan(text);
  } catch (err) {
    assert.ok(err instanceof TunerError, String(err));
    assert.equal(err.reason, 'not-a-plan');
    return err;
  }
  assert.fail('parsePlan accepted it');
}

describe('pasted shapes: read right or refused', () => {
  it("psql's footer in French and German ends the plan (real psql 15 output, LANGUAGE=fr / de)", () => {
    for (const name of ['pg15-footer-fr', 'pg15-footer-de']) {
      const text = read(`variants/${name}.psql.txt`);
      assert.match(text, /\((\d+) (lignes|Zeilen)\)/);
      const plan = parsePlan(text);
      const twin = parsePlan(read(`variants/${name}.json`));
      assert.deepEqual(types(plan), types(twin), name);
      assert.ok((plan.executionTimeMs ?? 0) > 0, name);
    }
    // FORMAT JSON through a French psql.
    const json = read('real/01-seq-scan-filter.psql-json.txt').replace('(1 row)', '(1 ligne)');
    assert.equal(parsePlan(json).nodes.length, parsePlan(read('real/01-seq-scan-filter.json')).nodes.length);
    for (const footer of ['(3 filas)', '(3 строки)', '(3 行)', '(3개 행)', '(1 riga)']) {
      const plan = parsePlan(`Seq Scan on t  (cost=0.00..1.03 rows=3 width=4)\n${footer}\n`);
      assert.equal(plan.nodes.length, 1, footer);
    }
  });

  it('a fragment copied from inside a plan, first line starting with "->"', () => {
    const lines = read('real/06-hash-join.txt').split('\n');
    const at = lines.findIndex((l) => l.includes('->  Hash  '));
    const whole = parsePlan(lines.join('\n'));
    const hash = whole.nodes.find((n) => n.fields['Node Type'] === 'Hash') as PlanNode;
    for (const fragment of [lines.slice(at).join('\n'), [lines[at].trimStart(), ...lines.slice(at + 1)].join('\n')]) {
      const plan = parsePlan(fragment);
      assert.equal(plan.root.fields['Node Type'], 'Hash');
      assert.deepEqual(
        plan.nodes.map((n) => [n.fields['Node Type'], n.fields['Filter'], n.fields['Actual Rows']]),
        whole.nodes.slice(hash.id).map((n) => [n.fields['Node Type'], n.fields['Filter'], n.fields['Actual Rows']]),
      );
    }
  });

  it('every line in single quotes, SQL or Python style', () => {
    const text = read('real/06-hash-join.txt');
    const sql = text
      .trimEnd()
      .split('\n')
      .map((l) => `'${l.replace(/'/g, "''")}'`)
      .join('\n');
    const python = text
      .trimEnd()
      .split('\n')
      .map((l) => `'${l.replace(/'/g, "\\'")}',`)
      .join('\n');
    assert.deepEqual(treeOf(parsePlan(sql)), treeOf(parsePlan(text)));
    assert.deepEqual(treeOf(parsePlan(python)), treeOf(parsePlan(text)));
  });

  it("older servers' statement lines keep their values", () => {
    const body = 'Seq Scan on t  (cost=0.00..1.03 rows=3 width=4) (actual time=0.010..0.012 rows=3 loops=1)\n';
    const p96 = parsePlan(`${body}Planning time: 0.050 ms\nExecution time: 0.031 ms\n`);
    assert.equal(p96.planningTimeMs, 0.05);
    assert.equal(p96.executionTimeMs, 0.031);
    assert.equal(parsePlan(`${body}Total runtime: 0.044 ms\n`).executionTimeMs, 0.044);
  });

  it('unnumbered InitPlan / SubPlan headers of older servers are subplans, not children', () => {
    const text = [
      'Seq Scan on t  (cost=1.01..2.04 rows=1 width=4)',
      '  Filter: ((a = $0) OR (SubPlan))',
      '  InitPlan',
      '    ->  Result  (cost=0.00..0.01 rows=1 width=0)',
      '  SubPlan',
      '    ->  Seq Scan on u  (cost=0.00..1.01 rows=1 width=4)',
    ].join('\n');
    const plan = parsePlan(text);
    assert.deepEqual(
      plan.nodes.slice(1).map((n) => [n.fields['Parent Relationship'], n.fields['Subplan Name']]),
      [
        ['InitPlan', 'InitPlan'],
        ['SubPlan', 'SubPlan'],
      ],
    );
  });

  describe('EXPLAIN (COSTS OFF), real psql 15 output', () => {
    for (const name of [
      'pg15-costs-off-join',
      'pg15-costs-off-subplan',
      'pg15-costs-off-analyze-join',
      'pg15-costs-off-analyze-subplan',
    ]) {
      it(`${name} reads to its JSON twin's tree, estimates unknown`, () => {
        const plan = parsePlan(read(`variants/${name}.psql.txt`));
        const twin = parsePlan(read(`variants/${name}.json`));
        assert.deepEqual(types(plan), types(twin));
        assert.equal(plan.analyzed, name.includes('analyze'));
        for (const n of plan.nodes) {
          assert.equal(n.metrics.estimatedRowsTotal, undefined, 'no estimate is not an estimate of 0');
          assert.equal(n.metrics.misestimateDirection, 'none');
        }
      });
    }
    it('gives no row-misestimate warning for estimates it was not shown', () => {
      for (const name of ['pg15-costs-off-analyze-join', 'pg15-costs-off-analyze-subplan']) {
        const insights = runPlanRules({ plan: parsePlan(read(`variants/${name}.psql.txt`)) });
        assert.deepEqual(
          insights.filter((i) => i.ruleId === 'row-misestimate'),
          [],
          name,
        );
      }
    });
  });

  describe('Citus distributed plans (shapes of citusdata/citus multi_explain.out; see citus/README.md)', () => {
    it('keeps the custom scan provider and reads each Task as the worker run it is, with its time', () => {
      const plan = parsePlan(read('citus/citus-adaptive-all-tasks.psql.txt'));
      assert.equal(plan.root.fields['Node Type'], 'Custom Scan');
      assert.equal(plan.root.fields['Custom Plan Provider'], 'Citus Adaptive');
      const tasks = plan.nodes.filter((n) => n.fields['Node Type'] === 'Task');
      assert.equal(tasks.length, 2);
      assert.deepEqual(
        tasks.map((t) => t.fields['Node']),
        ['host=worker-1 port=5432 dbname=billing', 'host=worker-2 port=5432 dbname=billing'],
      );
      assert.deepEqual(
        tasks.map((t) => t.fields['Tuple data received from node']),
        ['36 bytes', '18 bytes'],
      );
      for (const t of tasks) assert.equal(t.metrics.neverExecuted, false);
      // Per task: the worker's execution time, its plan's rows.
      assert.deepEqual(
        tasks.map((t) => t.metrics.inclusiveTimeMs),
        [0.061, 6.912],
      );
      assert.deepEqual(
        tasks.map((t) => t.metrics.actualRowsTotal),
        [2, 1],
      );
      assert.equal(plan.executionTimeMs, 9.455);
      // Citus's 0 / 100,000 row figures are placeholders, not estimates.
      assert.equal(plan.root.metrics.estimatedRowsTotal, undefined);
    });
    it('one task shown of 16: the coordinator keeps the rest of the time', () => {
      const plan = parsePlan(read('citus/citus-adaptive-one-task.psql.txt'));
      const scan = plan.nodes[1];
      const task = plan.nodes[2];
      assert.equal(task.fields['Node Type'], 'Task');
      assert.equal(task.metrics.inclusiveTimeMs, 3.96);
      assert.ok(Math.abs(scan.metrics.exclusiveTimeMs - (41.818 - 3.96)) < 1e-9);
      const insights = runPlanRules({ plan });
      assert.deepEqual(
        insights.filter((i) => i.ruleId === 'row-misestimate' && i.nodeIds.includes(scan.id)),
        [],
      );
    });
    it('Distributed Subplan runs first with its duration; MapMergeJob and COSTS OFF shapes read', () => {
      const plan = parsePlan(read('citus/citus-distributed-subplan.txt'));
      const sub = plan.nodes[1];
      assert.equal(sub.fields['Node Type'], 'Distributed Subplan');
      assert.equal(sub.fields['Subplan Name'], 'Distributed Subplan 17_1');
      assert.equal(sub.metrics.inclusiveTimeMs, 1843.2);
      assert.deepEqual(
        plan.nodes.filter((n) => n.fields['Node Type'] === 'Task').map((t) => t.metrics.inclusiveTimeMs),
        [1836.201, 5.311],
      );
      const repartition = parsePlan(read('citus/citus-repartition.txt'));
      assert.deepEqual(
        repartition.nodes.map((n) => n.fields['Node Type']),
        ['Aggregate', 'Custom Scan', 'MapMergeJob', 'MapMergeJob'],
      );
      assert.ok(repartition.nodes.every((n) => !n.metrics.neverExecuted));
      const costsOff = parsePlan(read('citus/citus-costs-off.txt'));
      assert.deepEqual(
        costsOff.nodes.map((n) => n.fields['Node Type']),
        ['Sort', 'Aggregate', 'Custom Scan', 'Task', 'Aggregate', 'Seq Scan'],
      );
      // FORMAT JSON keeps the tasks in "Distributed Query": read into the same tree.
      const json = parsePlan(read('citus/citus-costs-off.json'));
      assert.deepEqual(types(json), types(costsOff));
      assert.equal(json.nodes[3].fields['Node'], 'host=localhost port=9701 dbname=regression');
      assert.equal(json.nodes[5].fields['Filter'], costsOff.nodes[5].fields['Filter']);
    });
  });

  describe('tab indentation', () => {
    it('an editor converting spaces to tabs at 8-column stops: the same tree, Buffers and Filters where they were', () => {
      for (const name of ['real/13-parallel-gather.txt', 'real/06-hash-join.txt', 'variants/pg15-footer-fr.psql.txt']) {
        const text = read(name);
        assert.deepEqual(treeOf(parsePlan(unexpand(text, 8))), treeOf(parsePlan(text)), name);
      }
    });
    it('lines converted at different widths: refused, naming a line', () => {
      const lines = read('real/06-hash-join.txt').split('\n');
      const mixed = lines.map((l, i) => (i % 2 === 0 ? unexpand(l, 8) : unexpand(l, 4))).join('\n');
      const err = refusal(mixed);
      assert.match(err.message, /^line \d+: the indentation mixes tabs and spaces/);
    });
    it("a detail inside its node's arrow columns is refused: its node or the parent?", () => {
      const text =
        'Hash Join  (cost=1.00..2.00 rows=1 width=4)\n  Hash Cond: (a.x = b.x)\n  ->  Seq Scan on a  (cost=0.00..1.00 rows=1 width=4)\n    Filter: (y > 1)\n  ->  Hash  (cost=1.00..1.00 rows=1 width=4)\n        ->  Seq Scan on b  (cost=0.00..1.00 rows=1 width=4)\n';
      const err = refusal(text);
      assert.equal(err.detail.line, 4);
      assert.match(
        err.message,
        /does not say whether this line belongs to 'Seq Scan' \(line 3\) or to 'Hash Join' \(line 1\)/,
      );
    });
  });

  describe('reading is linear: large hostile inputs are read or refused, not hung (figures: bench/safety)', () => {
    it('a 200 KB run of spaces inside a plan', () => {
      const spaces = ' '.repeat(200_000);
      for (const text of [
        `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Filter:${spaces}x\n`,
        `Seq Scan on t${spaces}(cost=0.00..1.00 rows=1 width=4)\n`,
        `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)${spaces}x\n${spaces}y\n`,
        `Sort  (cost=1.00..1.00 rows=1 width=4)\n  Sort Method: a${spaces}b\n  ->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n`,
        `Seq Scan on t  (cost=0.${'1.'.repeat(100_000)}\n`,
        `<explain xmlns="http://www.postgresql.org/2009/explain">${'<a'.repeat(100_000)}`,
        `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Buffers: shared ${'a '.repeat(100_000)}\n`,
      ]) {
        try {
          parsePlan(text);
        } catch (err) {
          assert.ok(err instanceof TunerError, String(err));
        }
      }
    });
    it('YAML and XML plans 3,000 levels deep are read without overflowing the call stack', () => {
      const yaml = ['- Plan: '];
      let pad = '    ';
      for (let d = 0; d < 3000; d++) {
        yaml.push(`${pad}Node Type: "Limit"`, `${pad}Plans: `);
        pad += '  ';
        yaml.push(`${pad}- Node Type: "Limit"`);
        pad += '  ';
      }
      assert.equal(parsePlan(yaml.join('\n') + '\n').nodes.length, 3001);
      const open = '<Plan><Node-Type>Limit</Node-Type><Plans>';
      const xml = `<explain xmlns="http://www.postgresql.org/2009/explain"><Query>${open.repeat(3000)}<Plan><Node-Type>Seq Scan</Node-Type></Plan>${'</Plans></Plan>'.repeat(3000)}</Query></explain>`;
      assert.equal(parsePlan(xml).nodes.length, 3001);
    });
    it('a text plan with 300,000 children under one node', () => {
      const lines = ['Append  (cost=0.00..1.00 rows=1 width=4)'];
      for (let i = 0; i < 300_000; i++) lines.push(`  ->  Seq Scan on t${i}  (cost=0.00..1.00 rows=1 width=4)`);
      assert.equal(parsePlan(lines.join('\n')).nodes.length, 300_001);
    });
    it('a 2,000-level text plan of 12 MB', () => {
      const lines = ['Limit  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)'];
      for (let d = 1; d < 2000; d++) {
        const pad = ' '.repeat(6 * d - 4);
        lines.push(`${pad}->  Limit  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)`);
        lines.push(`${pad}      Buffers: shared hit=1`);
      }
      lines.push(
        `${' '.repeat(6 * 2000 - 4)}->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)`,
      );
      const text = lines.join('\n');
      assert.ok(text.length > 12_000_000);
      const plan = parsePlan(text + '\n');
      assert.equal(plan.nodes.length, 2001);
    });
  });
});
