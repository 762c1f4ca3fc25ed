/**
 * The plan as an aligned box-drawing tree for the terminal: the shared table from core/report, with the
 * hotspots coloured (#1 red, the others yellow) and never-executed nodes dimmed.
 */
import type { Plan } from '../core/plan/planNode';
import { alignPlanTreeTable, planTreeTable } from '../core/report/planTreeTable';
import { formatCost, formatMs, formatShare } from '../core/text/formatNumbers';
import { treeNodeLabel } from '../core/report/planTreeTable';
import type { Colours } from './colours';

export function formatTree(plan: Plan, colours: Colours): string {
  const table = planTreeTable(plan);
  const { header, lines } = alignPlanTreeTable(table);
  const body = lines.map((line, i) => {
    const m = table.rows[i].node.metrics;
    if (m.hotspotRank === 1) return colours.red(colours.bold(line));
    if (m.hotspotRank !== undefined) return colours.yellow(line);
    if (m.neverExecuted) return colours.dim(line);
    return line;
  });
  return [colours.dim(header), ...body].join('\n');
}

/** "Hotspots: #1 HashAggregate 103 ms (39.8%) · #2 …", the top few by exclusive time. */
export function formatHotspots(plan: Plan, colours: Colours, limit = 3): string {
  const ranked = plan.nodes
    .filter((n) => n.metrics.hotspotRank !== undefined)
    .sort((a, b) => (a.metrics.hotspotRank ?? 0) - (b.metrics.hotspotRank ?? 0))
    .slice(0, limit);
  if (ranked.length === 0) return '';
  const items = ranked.map((n) => {
    // Without ANALYZE there are no times; the ranking is then by the planner's cost.
    const figure = plan.analyzed
      ? `${formatMs(n.metrics.exclusiveTimeMs)} (${formatShare(n.metrics.timeShare)})`
      : `cost ${formatCost(n.metrics.exclusiveCost)}`;
    const text = `#${n.metrics.hotspotRank} ${treeNodeLabel(n)} ${figure}`;
    return n.metrics.hotspotRank === 1 ? colours.red(text) : colours.yellow(text);
  });
  return `${colours.bold(plan.analyzed ? 'Hotspots:' : 'Costliest (estimate only):')} ${items.join(' · ')}`;
}
