/**
 * The Markdown report rendered from real plans (fixtures/README.md), checked section by section: the
 * structure, and every figure against a value derived here from the raw EXPLAIN JSON, not a frozen blob.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { runSqlRules } from '../../../src/core/insights/sqlRules';
import { analyseStatement } from '../../../src/core/sql/analyseStatement';
import { loadParser } from '../../../src/core/sql/parser';
import { formatCost, formatCount, formatMs, formatShare } from '../../../src/core/text/formatNumbers';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';

const fixtures = join(__dirname, 'fixtures');
const read = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

interface RawNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Total Cost': number;
  'Plan Rows': number;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: RawNode[];
}
interface RawPlan {
  Plan: RawNode;
  'Planning Time'?: number;
  'Execution Time'?: number;
}

const rawOf = (name: string): RawPlan => (JSON.parse(read(name)) as RawPlan[])[0];

function walk(node: RawNode, visit: (n: RawNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** Sections keyed by their `## ` heading; the title (`# `) under ''. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^## /m);
  out.set('', parts[0]);
  for (const part of parts.slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return out;
}

/** Rows of the first Markdown table in a section, as trimmed cells (header and alignment row dropped). */
function tableRows(section: string): string[][] {
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
}

function tableValue(section: string, key: string): string {
  const row = tableRows(section).find((r) => r[0] === key);
  assert.ok(row, `row "${key}" missing in:\n${section}`);
  return row[1];
}

describe('markdown report', () => {
  let result: TuningResult;
  let report: string;
  let byHeading: Map<string, string>;
  const raw = rawOf('dashboard.plan.json');
  const sql = read('dashboard.sql');

  before(async () => {
    result = await analysePlanText(read('dashboard.plan.json'), sql);
    report = renderMarkdownReport(result, { title: 'Dashboard query' });
    byHeading = sections(report);
  });

  it("shows a suggestion's quoted SQL as inline code, not as escaped backticks", async () => {
    await loadParser();
    const facts = analyseStatement('SELECT id FROM orders WHERE created_at + 1 = 5');
    const insights = runSqlRules(facts).filter((i) => i.ruleId === 'function-on-column');
    assert.equal(insights.length, 1);
    const insightsSection = sections(renderMarkdownReport({ ...result, insights })).get('Insights') ?? '';
    // It read "\`created_at = &lt;value> - 1\`".
    assert.ok(
      insightsSection.includes(
        '**Suggestion:** Move the arithmetic to the other side (`created_at = <value> - 1` instead of ' +
          '`created_at + 1 = <value>`) so the column stands alone.',
      ),
      insightsSection,
    );
  });

  it('has the sections in order', () => {
    assert.deepEqual(
      [...byHeading.keys()],
      ['', 'Query', 'Where it ran', 'Plan summary', 'Hotspots', 'Insights', 'Plan'],
    );
    assert.equal(byHeading.get('')?.trim(), '# Dashboard query');
  });

  it('shows the query in a sql block', () => {
    assert.equal(byHeading.get('Query')?.trim(), `\`\`\`sql\n${sql.trim()}\n\`\`\``);
  });

  it('says the plan was saved, not run, and analysed', () => {
    const where = byHeading.get('Where it ran') ?? '';
    assert.match(tableValue(where, 'Source'), /saved plan \(JSON\)/);
    assert.equal(tableValue(where, 'Mode'), 'EXPLAIN ANALYZE');
  });

  it('summarises the plan with the figures of the raw EXPLAIN output', () => {
    const summary = byHeading.get('Plan summary') ?? '';
    assert.equal(tableValue(summary, 'Execution time'), formatMs(raw['Execution Time'] ?? NaN));
    assert.equal(tableValue(summary, 'Planning time'), formatMs(raw['Planning Time'] ?? NaN));
    assert.equal(tableValue(summary, 'Total cost'), formatCost(raw.Plan['Total Cost']));
    let scanned = 0;
    let nodes = 0;
    walk(raw.Plan, (n) => {
      nodes++;
      if (n['Node Type'].includes('Scan'))
        scanned += (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1) + (n['Rows Removed by Filter'] ?? 0);
    });
    assert.equal(tableValue(summary, 'Rows scanned'), formatCount(scanned));
    assert.equal(tableValue(summary, 'Plan nodes'), formatCount(nodes));
    assert.match(
      tableValue(summary, 'Buffers hit'),
      new RegExp(`^${formatCount(raw.Plan['Shared Hit Blocks'] ?? 0)} \\(`),
    );
    assert.match(
      tableValue(summary, 'Buffers read'),
      new RegExp(`^${formatCount(raw.Plan['Shared Read Blocks'] ?? 0)} \\(`),
    );
  });

  it('ranks hotspots by exclusive time computed from the raw plan', () => {
    // Exclusive time = Actual Total Time × loops minus the children's; no parallelism in this plan.
    const exclusive: Array<{ label: string; ms: number; node: RawNode }> = [];
    walk(raw.Plan, (n) => {
      const incl = (x: RawNode): number => (x['Actual Total Time'] ?? 0) * (x['Actual Loops'] ?? 1);
      const ms = Math.max(0, incl(n) - (n.Plans ?? []).reduce((s, c) => s + incl(c), 0));
      exclusive.push({ label: n['Node Type'], ms, node: n });
    });
    exclusive.sort((a, b) => b.ms - a.ms);
    const rows = tableRows(byHeading.get('Hotspots') ?? '');
    assert.ok(rows.length >= 1 && rows.length <= 5, `hotspot rows: ${rows.length}`);
    rows.forEach((row, i) => assert.equal(row[0], `#${i + 1}`));
    const top = exclusive[0];
    assert.ok(
      rows[0][1].startsWith(top.label === 'Aggregate' ? 'HashAggregate' : top.label),
      `${rows[0][1]} vs ${top.label}`,
    );
    assert.equal(rows[0][2], formatMs(top.ms));
    assert.equal(rows[0][3], formatShare(top.ms / (raw['Execution Time'] ?? 1)));
    assert.equal(rows[0][4], formatCount(top.node['Plan Rows'] * (top.node['Actual Loops'] ?? 1)));
    assert.equal(rows[0][5], formatCount((top.node['Actual Rows'] ?? 0) * (top.node['Actual Loops'] ?? 1)));
  });

  it('lists every insight under its severity with its evidence', () => {
    const insights = byHeading.get('Insights') ?? '';
    assert.ok(result.insights.length > 0, 'the dashboard plan with its SQL should raise findings');
    for (const insight of result.insights) {
      assert.ok(insights.includes(`#### ${insight.title}`), `missing ${insight.title}`);
      assert.ok(insights.includes(`\`${insight.ruleId}\``));
    }
    for (const severity of ['critical', 'warning', 'info'] as const) {
      const count = result.insights.filter((i) => i.severity === severity).length;
      const heading = `### ${severity[0].toUpperCase()}${severity.slice(1)} (${count})`;
      assert.equal(insights.includes(heading), count > 0, heading);
    }
    const withEvidence = result.insights.find((i) => i.evidence.length > 0);
    if (withEvidence) assert.ok(insights.includes('**Evidence:**'));
  });

  it('folds the whole plan tree into <details>, one line per node', () => {
    const tree = byHeading.get('Plan') ?? '';
    assert.match(tree, /^\n?<details>\n<summary>Plan tree \(\d+ nodes\)<\/summary>/);
    const block = /```text\n([\s\S]*?)\n```/.exec(tree)?.[1] ?? '';
    const lines = block.split('\n');
    assert.equal(lines.length, result.plan.nodes.length + 1);
    assert.match(lines[2], /└─ /);
    assert.match(block, /Seq Scan on orders o/);
    assert.match(tree, /<\/details>\s*$/);
  });

  it('adds a before/after table a pull request can take', async () => {
    const after = await analysePlanText(read('dashboard-rewrite.plan.json'), read('dashboard-rewrite.sql'));
    const md = renderMarkdownReport(after, { comparison: { before: result, after, label: 'aggregate-first rewrite' } });
    const compare = sections(md).get('Before / after: aggregate-first rewrite');
    assert.ok(compare, 'comparison section missing');
    const rows = tableRows(compare);
    const before = raw['Execution Time'] ?? NaN;
    const afterTime = rawOf('dashboard-rewrite.plan.json')['Execution Time'] ?? NaN;
    const time = rows.find((r) => r[0] === 'Execution time');
    assert.deepEqual(time?.slice(1, 3), [formatMs(before), formatMs(afterTime)]);
    const ratio = before / afterTime;
    assert.equal(time?.[3], ratio >= 1 ? `${ratio.toFixed(1)}× lower` : `${(1 / ratio).toFixed(1)}× higher`);
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['Execution time', 'Total cost', 'Buffers (hit + read)', 'Temp blocks', 'Rows scanned'],
    );
    // Every table row has as many cells as its header.
    for (const row of rows) assert.equal(row.length, 4);
  });

  it('reports an estimate-only plan by cost, without timings', async () => {
    const estimate = await analysePlanText(read('dashboard-estimate.plan.json'), sql);
    const s = sections(renderMarkdownReport(estimate));
    assert.equal(tableValue(s.get('Plan summary') ?? '', 'Execution time'), 'not run (estimate only)');
    const costly = s.get('Costliest nodes (estimate only, no timings)');
    assert.ok(costly, 'costliest-nodes section missing');
    const rawEstimate = rawOf('dashboard-estimate.plan.json');
    let maxExclusiveCost = 0;
    walk(rawEstimate.Plan, (n) => {
      const own = n['Total Cost'] - (n.Plans ?? []).reduce((sum, c) => sum + c['Total Cost'], 0);
      maxExclusiveCost = Math.max(maxExclusiveCost, own);
    });
    assert.equal(tableRows(costly)[0][2], formatCost(maxExclusiveCost));
  });

  it('escapes pipes in table cells and keeps SQL with backticks inside its fence', () => {
    const tricky: TuningResult = {
      ...result,
      sql: "SELECT '```' AS fence, a || b FROM t",
      run: {
        sessionKind: 'server',
        sessionLabel: 'me@db|primary:5432/shop',
        serverVersion: 'PostgreSQL 15',
        wrapper: 'read-only-transaction',
        analyzed: true,
        roundTripMs: 12.5,
        explainStatement: 'EXPLAIN (ANALYZE) …',
      },
    };
    const s = sections(renderMarkdownReport(tricky));
    assert.ok((s.get('Query') ?? '').includes("````sql\nSELECT '```' AS fence, a || b FROM t\n````"));
    const where = s.get('Where it ran') ?? '';
    assert.equal(tableValue(where, 'Connection'), 'me@db\\|primary:5432/shop');
    for (const row of tableRows(where)) assert.equal(row.length, 2, row.join(' / '));
    assert.equal(tableValue(where, 'Safety'), 'read-only transaction');
    assert.equal(tableValue(where, 'Round trip'), formatMs(12.5));
  });
});
