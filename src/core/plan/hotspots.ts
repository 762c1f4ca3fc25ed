/**
 * Hotspot ranks: nodes holding at least 5 % of the plan's time (exclusive), the largest first, at most 10.
 * An estimate-only plan has no times, so there the same rule runs on exclusive cost share.
 */
import type { PlanNode } from './planNode';

export const HOTSPOT_MIN_SHARE = 0.05;
export const HOTSPOT_MAX_COUNT = 10;

export function applyHotspots(nodes: PlanNode[], analyzed: boolean, totalCost: number): void {
  const weight = (n: PlanNode) =>
    analyzed ? n.metrics.timeShare : totalCost > 0 ? n.metrics.exclusiveCost / totalCost : 0;
  const ranked = nodes
    .filter((n) => weight(n) >= HOTSPOT_MIN_SHARE)
    .sort((a, b) => weight(b) - weight(a) || a.id - b.id)
    .slice(0, HOTSPOT_MAX_COUNT);
  ranked.forEach((n, i) => {
    n.metrics.hotspotRank = i + 1;
  });
}
