/** The plan rules, in one table, and the runner that orders their findings for display. */
import { severityOrder, type Insight, type PlanRule, type PlanRuleContext } from './insight';
import { coldCache } from './plan/coldCache';
import { filterDiscardsMostRows } from './plan/filterDiscardsMostRows';
import { hashSpillsToDisk } from './plan/hashSpillsToDisk';
import { highPlanningTime } from './plan/highPlanningTime';
import { hotspot } from './plan/hotspot';
import { indexOnlyScanHeapFetches } from './plan/indexOnlyScanHeapFetches';
import { jitOverhead } from './plan/jitOverhead';
import { lossyBitmapHeapScan } from './plan/lossyBitmapHeapScan';
import { nestedLoopManyRows } from './plan/nestedLoopManyRows';
import { parallelWorkersNotLaunched } from './plan/parallelWorkersNotLaunched';
import { rowMisestimate } from './plan/rowMisestimate';
import { seqScanLargeTable } from './plan/seqScanLargeTable';
import { sortSpillsToDisk } from './plan/sortSpillsToDisk';
import { tempBuffersWritten } from './plan/tempBuffersWritten';

/** Every plan rule. The order breaks ties: causes before symptoms (a misestimate before the loop it caused). */
export const planRules: PlanRule[] = [
  seqScanLargeTable,
  rowMisestimate,
  nestedLoopManyRows,
  filterDiscardsMostRows,
  sortSpillsToDisk,
  hashSpillsToDisk,
  lossyBitmapHeapScan,
  indexOnlyScanHeapFetches,
  parallelWorkersNotLaunched,
  jitOverhead,
  highPlanningTime,
  tempBuffersWritten,
  coldCache,
  hotspot,
];

/** Runs the rules over one plan; most severe first, then by the share of time the concerned nodes take. */
export function runPlanRules(context: PlanRuleContext, rules: readonly PlanRule[] = planRules): Insight[] {
  // A context of this run's own: the facts rules share (planIndex) are kept per context object, so they are
  // worked out once for all rules here and never outlive this run.
  const shared: PlanRuleContext = { ...context };
  const nodes = context.plan.nodes;
  const found: Array<{ insight: Insight; order: number; severity: number; weight: number }> = [];
  rules.forEach((rule, order) => {
    for (const insight of rule.check(shared)) {
      // Weighed once here, not in every comparison of the sort.
      let sum = 0;
      for (const id of insight.nodeIds) sum += nodes[id]?.metrics.timeShare ?? 0;
      found.push({ insight, order, severity: severityOrder[insight.severity], weight: Math.min(1, sum) });
    }
  });
  return found
    .sort((a, b) => b.severity - a.severity || b.weight - a.weight || a.order - b.order)
    .map((f) => f.insight);
}
