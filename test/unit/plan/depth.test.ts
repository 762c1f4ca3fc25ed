/**
 * Plans 10,000 levels deep and 200,000 nodes wide through every entry point that walks a plan: parse, analyse
 * (insights, the mapping to SQL), the CLI's text and --json output, the Markdown report, compare (text and
 * Markdown), obfuscation, the extension host's copies of the plan, and the plan view's layout code. Each used to
 * end in "Maximum call stack size exceeded" (a recursive walk, JSON.stringify of the nested tree,
 * Math.max(...rows)) or "Invalid string length" (--json repeating every subtree under each ancestor). Outputs
 * must also stay proportional to the input.
 */
import { strict as assert } from 'node:assert';
import { createColours } from '../../../src/cli/colours';
import { writeResultJson } from '../../../src/cli/formatJson';
import { formatResult } from '../../../src/cli/formatResult';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { comparisonMarkdown, comparisonRows, comparisonText } from '../../../src/core/compare/comparisonTable';
import { joinOrderText } from '../../../src/core/compare/joinOrder';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan } from '../../../src/core/plan/planNode';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { obfuscatePlan } from '../../../src/core/share/obfuscatePlan';
import { loadParser } from '../../../src/core/sql/parser';
import { firstPaintResult, preorder } from '../../../src/extension/panel/compactResult';
import { planAsJson } from '../../../src/extension/panel/planJson';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { withNodeList, withoutNodeList } from '../../../webview/nodeList';
import { defaultCollapsed, layoutPlan, visibleCount } from '../../../webview/planLayout';
import { findSiblingGroups } from '../../../webview/siblingGroups';
import { deepPlanJson, widePlanJson } from '../../helpers/extremePlans';

const DEPTH = 10_000;
const WIDTH = 200_000;

function jsonOutput(result: TuningResult): string {
  const pieces: string[] = [];
  writeResultJson(result, (text) => pieces.push(text));
  return pieces.join('');
}

for (const shape of ['deep', 'wide'] as const) {
  describe(`a plan ${shape === 'deep' ? `${DEPTH.toLocaleString('en-US')} levels deep` : `${WIDTH.toLocaleString('en-US')} nodes wide`}`, function () {
    this.timeout(600_000);
    let text: string;
    let result: TuningResult;
    const nodeCount = shape === 'deep' ? 2 * DEPTH + 1 : WIDTH + 1;

    before(async () => {
      text = shape === 'deep' ? deepPlanJson(DEPTH) : widePlanJson(WIDTH);
      result = await analysePlanText(text);
    });

    it('parses and analyses, with every node and the deepest one at its depth', () => {
      assert.equal(result.plan.nodes.length, nodeCount);
      const deepest = result.plan.nodes.reduce((d, n) => Math.max(d, n.depth), 0);
      assert.equal(deepest, shape === 'deep' ? DEPTH : 1);
      assert.equal(result.plan.warnings, undefined, 'consistent figures raise no warning');
    });

    it('analyses with its SQL: the plan is mapped to the statement without recursion', async () => {
      const sql = 'SELECT * FROM t0 JOIN t1 ON t1.id = t0.id JOIN t2 ON t2.id = t1.id';
      const withSql = await analysePlanText(text, sql);
      assert.equal(withSql.plan.nodes.length, nodeCount);
      assert.ok(Object.keys(withSql.nodeRanges).length > 0, 'some nodes are mapped to the SQL');
    });

    it('prints the CLI tree, one line per node, no bigger than a few times the input', () => {
      const out = formatResult(result, createColours(false));
      const lines = out.split('\n');
      assert.ok(lines.length > nodeCount, `${lines.length} lines`);
      assert.ok(out.length < text.length * 3, `${out.length} characters for ${text.length} of plan`);
      if (shape === 'deep')
        assert.match(out, /…\(\+\d+\) /, 'the indentation stops growing and says how many levels it left out');
    });

    it('--json parses back with every node flat, proportional to the input', () => {
      const json = jsonOutput(result);
      assert.ok(json.length < text.length * 4, `${json.length} characters of JSON for ${text.length} of plan`);
      const back = JSON.parse(json) as {
        plan: { nodes: Array<{ id: number; parentId: number | null; childIds: number[] }> };
      };
      assert.equal(back.plan.nodes.length, nodeCount);
      assert.deepEqual(back.plan.nodes[1].parentId, 0);
      assert.equal(back.plan.nodes[0].childIds.length, shape === 'deep' ? 2 : WIDTH);
    });

    it('renders the Markdown report', () => {
      const md = renderMarkdownReport(result);
      assert.match(md, /## Plan\n/);
      assert.ok(md.length < text.length * 3, `${md.length} characters`);
    });

    it('compares the plan with itself: every node matched, text and Markdown tables', () => {
      const other = parsePlan(text);
      const c = comparePlans(result.plan, other);
      assert.equal(c.matches.length, nodeCount);
      assert.equal(c.joinOrder.changed, false);
      assert.ok(joinOrderText(other).length > 0);
      const rows = comparisonRows(
        c,
        (id) => result.plan.nodes[id].depth,
        (id) => other.nodes[id].depth,
      );
      const plain = comparisonText(c, rows);
      const md = comparisonMarkdown(c, rows);
      assert.ok(plain.length < text.length * 3 && md.length < text.length * 3, `${plain.length} / ${md.length}`);
    });

    it('obfuscates, and the obfuscated plan parses back to the same shape', async () => {
      await loadParser();
      const shared = obfuscatePlan(text);
      const back = parsePlan(shared.text);
      assert.equal(back.nodes.length, nodeCount);
      assert.doesNotMatch(shared.text.slice(0, 100_000), /"t1"/);
      // From the model (the extension's "Copy Plan for Sharing"): the nested copy is made without recursion.
      // Deep is the case that matters; wide would only double the slowest test of the file.
      if (shape === 'deep') assert.equal(parsePlan(obfuscatePlan(result.plan).text).nodes.length, nodeCount);
    });

    it('the extension host: the first-paint copy and Copy Plan as JSON (rebuilt from the model)', () => {
      const firstPaint = firstPaintResult(result, new Set([0]));
      assert.equal(preorder(firstPaint.plan.root).length, nodeCount);
      // As received (a JSON plan is copied re-indented) and rebuilt from the model (a text plan).
      assert.equal(parsePlan(planAsJson(result)).nodes.length, nodeCount);
      const copied = planAsJson({ ...result, rawPlan: '' });
      assert.equal(parsePlan(copied).nodes.length, nodeCount);
      // Indented like EXPLAIN's own JSON but only to 64 levels (deepJson.ts); the input here has no indentation.
      assert.ok(copied.length < text.length * 10, `${copied.length} characters`);
    });

    it('lays out in the plan view: node list rebuilt, groups, default collapse, layout', () => {
      const sent = withoutNodeList(result);
      const plan: Plan = withNodeList(sent).plan;
      assert.equal(plan.nodes.length, nodeCount);
      const groups = findSiblingGroups(plan);
      const collapsed = new Set(defaultCollapsed(plan, 200, { groups, expanded: new Set() }));
      assert.ok(visibleCount(plan, collapsed, { groups, expanded: new Set() }) <= 400);
      const layout = layoutPlan(plan, collapsed, { groups, expanded: new Set() });
      assert.ok(layout.nodes.length > 0);
      const whole = layoutPlan(plan, new Set());
      assert.equal(whole.nodes.length, nodeCount, 'everything expanded still lays out');
    });
  });
}
