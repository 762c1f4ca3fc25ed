/**
 * The plan as an aligned text table: one row per node, the tree drawn with box-drawing characters in the
 * label column. The terminal output and the Markdown report's <details> block both use it, so the two
 * show the same tree; the terminal adds colour after alignment (escape codes would spoil the widths).
 */
import type { Plan, PlanNode } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { displayName } from '../text/displayName';
import { formatCount, formatCost, formatFactor, formatMs, formatShare } from '../text/formatNumbers';
import { formatBuffers } from '../plan/formatBuffers';

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
  return typeof subplan === 'string' && subplan ? `[${displayName(subplan)}] ${label}` : label;
}

/**
 * Levels of tree lines drawn before the indentation stops growing: a 10,000-level plan drawn in full would
 * print 30,000 columns of "│  " on each of its 20,000 lines (600 MB). Deeper rows show the last levels only,
 * after "…(+n) " saying how many were left out.
 */
export const MAX_DRAWN_DEPTH = 40;

function prefixOf(segments: readonly string[]): string {
  if (segments.length <= MAX_DRAWN_DEPTH) return segments.join('');
  const hidden = segments.length - MAX_DRAWN_DEPTH;
  return `…(+${hidden}) ${segments.slice(hidden).join('')}`;
}

/**
 * Pre-order rows with box-drawing prefixes ("├─ ", "└─ ", "│  "). Iterative (an explicit stack): plans come
 * thousands of levels deep, past what a recursive walk survives.
 */
function treeLabels(root: PlanNode): Array<{ node: PlanNode; label: string }> {
  const out: Array<{ node: PlanNode; label: string }> = [{ node: root, label: treeNodeLabel(root) }];
  // segments[k]: what the k-th level below the root draws for rows further down ("│  " while it has more children).
  const segments: string[] = [];
  const stack: Array<{ node: PlanNode; next: number }> = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const children = frame.node.children;
    if (frame.next >= children.length) {
      stack.pop();
      segments.pop();
      continue;
    }
    const i = frame.next++;
    const child = children[i];
    const last = i === children.length - 1;
    out.push({ node: child, label: `${prefixOf(segments)}${last ? '└─ ' : '├─ '}${treeNodeLabel(child)}` });
    if (child.children.length > 0) {
      segments.push(last ? '   ' : '│  ');
      stack.push({ node: child, next: 0 });
    }
  }
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
  if (m.neverExecuted) return '';
  // Fewer rows than estimated because whatever read the node stopped early (a LIMIT): said, not called a misestimate.
  const estimate = m.estimatedRowsTotal ?? 0;
  if (m.stoppedEarly && m.misestimateDirection === 'none' && estimate >= 2 * Math.max(m.actualRowsTotal, 1))
    return 'stopped early';
  if (m.misestimateDirection === 'none' || m.misestimateFactor < 2) return '';
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
        cells: [
          formatCost(node.fields['Total Cost'] ?? 0),
          formatCost(node.metrics.exclusiveCost),
          rowsCell(node, false),
        ],
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

/**
 * A column is padded to its widest cell up to this width; a longer cell (a long name) overruns its own row
 * only. Padding every row to one 200-character name would multiply the output by the number of rows.
 */
export const MAX_PADDED_WIDTH = 120;

/** Pads every column to its widest cell (at most MAX_PADDED_WIDTH); the header line and one line per row, in order. */
export function alignPlanTreeTable(table: PlanTreeTable): { header: string; lines: string[] } {
  const grid = [table.header, ...table.rows.map((r) => [r.gutter, r.label, ...r.cells])];
  // Code points, not UTF-16 units: the box-drawing characters are one column each. A loop, not Math.max(...):
  // spreading 200,000 rows as arguments overflows the stack.
  const length = (text: string): number => {
    let n = 0;
    for (const _ of text) n++;
    return n;
  };
  const widths = table.header.map(() => 0);
  for (const row of grid) {
    for (let col = 0; col < widths.length; col++)
      widths[col] = Math.min(MAX_PADDED_WIDTH, Math.max(widths[col], length(row[col])));
  }
  const pad = (text: string, col: number): string => {
    const gap = ' '.repeat(Math.max(0, widths[col] - length(text)));
    return table.numeric[col] ? gap + text : text + gap;
  };
  const render = (row: string[]): string =>
    row
      .map((cell, col) => pad(cell, col))
      .join('  ')
      .trimEnd();
  return { header: render(table.header), lines: grid.slice(1).map(render) };
}

/** The whole tree as plain text (header + rows), for the report and for logs. */
export function planTreeText(plan: Plan): string {
  const { header, lines } = alignPlanTreeTable(planTreeTable(plan));
  return [header, ...lines].join('\n');
}
