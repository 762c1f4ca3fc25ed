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
  const found = rules.flatMap((rule, order) => rule.check(context).map((insight) => ({ insight, order })));
  const weight = (insight: Insight): number =>
    Math.min(1, insight.nodeIds.reduce((sum, id) => sum + (context.plan.nodes[id]?.metrics.timeShare ?? 0), 0));
  return found
    .sort(
      (a, b) =>
        severityOrder[b.insight.severity] - severityOrder[a.insight.severity] ||
        weight(b.insight) - weight(a.insight) ||
        a.order - b.order,
    )
    .map((f) => f.insight);
}
