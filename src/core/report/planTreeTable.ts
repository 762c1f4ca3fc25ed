/**
 * The plan as an aligned text table: one row per node, the tree drawn with box-drawing characters in the
 * label column. The terminal output and the Markdown report's <details> block both use it, so the two
 * show the same tree; the terminal adds colour after alignment (escape codes would spoil the widths).
 */
import type { Plan, PlanNode } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { formatBuffers, formatCount, formatCost, formatFactor, formatMs, formatShare } from './formatNumbers';

export interface PlanTreeRow {
  node: PlanNode;
  /** "#1" for the top hotspot, "" otherwise. */
  gutter: string;
  /** Tree branches plus the node label: "   └─ Seq Scan on orders o". */
  label: string;
  /** The remaining columns, in `planTreeHeader` order after the label. */
  cells: string[];
}

export interface PlanTreeTable {
  header: string[];
  rows: PlanTreeRow[];
  /** Right-aligned columns (numbers), by index into `header`. */
  numeric: boolean[];
}

/** "[InitPlan 1] Seq Scan on t": InitPlans, SubPlans and CTEs are shown with the name EXPLAIN gives them. */
export function treeNodeLabel(node: PlanNode): string {
  const subplan = node.fields['Subplan Name'];
  const label = nodeLabel(node);
  return typeof subplan === 'string' && subplan ? `[${subplan}] ${label}` : label;
}

/** Pre-order rows with box-drawing prefixes ("├─ ", "└─ ", "│  "). */
function treeLabels(root: PlanNode): Array<{ node: PlanNode; label: string }> {
  const out: Array<{ node: PlanNode; label: string }> = [];
  const walk = (node: PlanNode, prefix: string, branch: string): void => {
    out.push({ node, label: `${prefix}${branch}${treeNodeLabel(node)}` });
    const childPrefix = branch === '' ? prefix : prefix + (branch === '└─ ' ? '   ' : '│  ');
    node.children.forEach((child, i) => walk(child, childPrefix, i === node.children.length - 1 ? '└─ ' : '├─ '));
  };
  walk(root, '', '');
  return out;
}

function rowsCell(node: PlanNode, analyzed: boolean): string {
  const m = node.metrics;
  if (!analyzed) return formatCount(node.fields['Plan Rows'] ?? 0);
  if (m.neverExecuted) return 'never executed';
  return `${formatCount(m.actualRowsTotal)} / ${m.estimatedRowsTotal === undefined ? '–' : formatCount(m.estimatedRowsTotal)}`;
}

function misestimateCell(node: PlanNode): string {
  const m = node.metrics;
  // Below 2× a misestimate changes no plan choice; leaving it blank lets the real ones stand out.
  if (m.neverExecuted || m.misestimateDirection === 'none' || m.misestimateFactor < 2) return '';
  // "under": the planner expected fewer rows than came; "over": more.
  return `${formatFactor(m.misestimateFactor)} ${m.misestimateDirection}`;
}

/** Builds the table for an analysed plan (times, rows actual/estimated) or an estimate-only plan (costs). */
export function planTreeTable(plan: Plan): PlanTreeTable {
  const labels = treeLabels(plan.root);
  if (!plan.analyzed) {
    return {
      header: ['', 'Node', 'Cost', 'Excl. cost', 'Rows (est.)'],
      numeric: [false, false, true, true, true],
      rows: labels.map(({ node, label }) => ({
        node,
        gutter: node.metrics.hotspotRank !== undefined ? `#${node.metrics.hotspotRank}` : '',
        label,
        cells: [formatCost(node.fields['Total Cost'] ?? 0), formatCost(node.metrics.exclusiveCost), rowsCell(node, false)],
      })),
    };
  }
  return {
    header: ['', 'Node', 'Excl.', 'Incl.', 'Share', 'Rows act. / est.', 'Misest.', 'Loops', 'Buffers'],
    numeric: [false, false, true, true, true, true, true, true, false],
    rows: labels.map(({ node, label }) => {
      const m = node.metrics;
      return {
        node,
        gutter: m.hotspotRank !== undefined ? `#${m.hotspotRank}` : '',
        label,
        cells: [
          m.neverExecuted ? '' : formatMs(m.exclusiveTimeMs),
          m.neverExecuted ? '' : formatMs(m.inclusiveTimeMs),
          m.neverExecuted ? '' : formatShare(m.timeShare),
          rowsCell(node, true),
          misestimateCell(node),
          formatCount(node.fields['Actual Loops'] ?? 0),
          formatBuffers(m.buffersExclusive),
        ],
      };
    }),
  };
}

/** Pads every column to its widest cell; returns the header line and one line per row, in order. */
export function alignPlanTreeTable(table: PlanTreeTable): { header: string; lines: string[] } {
  const grid = [table.header, ...table.rows.map((r) => [r.gutter, r.label, ...r.cells])];
  const widths = table.header.map((_, col) => Math.max(...grid.map((row) => [...row[col]].length)));
  const pad = (text: string, col: number): string => {
    const gap = ' '.repeat(widths[col] - [...text].length);
    return table.numeric[col] ? gap + text : text + gap;
  };
  const render = (row: string[]): string => row.map((cell, col) => pad(cell, col)).join('  ').trimEnd();
  return { header: render(table.header), lines: grid.slice(1).map(render) };
}

/** The whole tree as plain text (header + rows), for the report and for logs. */
export function planTreeText(plan: Plan): string {
  const { header, lines } = alignPlanTreeTable(planTreeTable(plan));
  return [header, ...lines].join('\n');
}
