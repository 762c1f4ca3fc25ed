import type { BufferCounts, Plan, PlanNode } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { joinOrderText } from './joinOrder';
import { matchNodes } from './matchNodes';
import { delta, type NodeMatch, type PlanComparison, type PlanTotalsComparison, type Spill } from './planComparison';
import { planSpills } from './spills';

function hitRead(b: BufferCounts): number {
  return b.sharedHit + b.sharedRead + b.localHit + b.localRead;
}

/** The operator as the user reads it: "Hash Join", "HashAggregate", "Index Only Scan". */
function operator(node: PlanNode): string {
  return nodeLabel({ ...node, fields: { 'Node Type': node.fields['Node Type'], Strategy: node.fields['Strategy'] } });
}

function rowsOut(plan: Plan, node: PlanNode): number {
  return plan.analyzed
    ? node.metrics.actualRowsTotal
    : node.metrics.estimatedRowsTotal || (node.fields['Plan Rows'] ?? 0);
}

/**
 * Compares two plans of a statement (before → after a change): node matching with confidence, operator and
 * join-order changes, per-node and total deltas, and spills that appeared or went away.
 */
export function comparePlans(before: Plan, after: Plan): PlanComparison {
  const analyzed = before.analyzed && after.analyzed;
  const raw = matchNodes(before, after);
  const matches: NodeMatch[] = raw.map((m) => {
    const b = before.nodes[m.beforeId];
    const a = after.nodes[m.afterId];
    const match: NodeMatch = {
      beforeId: m.beforeId,
      afterId: m.afterId,
      score: m.score,
      confidence: m.confidence,
      beforeLabel: nodeLabel(b),
      afterLabel: nodeLabel(a),
      rows: delta(rowsOut(before, b), rowsOut(after, a)),
      selfTimeMs: delta(analyzed ? b.metrics.exclusiveTimeMs : 0, analyzed ? a.metrics.exclusiveTimeMs : 0),
      inclusiveTimeMs: delta(analyzed ? b.metrics.inclusiveTimeMs : 0, analyzed ? a.metrics.inclusiveTimeMs : 0),
      selfCost: delta(b.metrics.exclusiveCost, a.metrics.exclusiveCost),
      buffers: delta(hitRead(b.metrics.buffersExclusive), hitRead(a.metrics.buffersExclusive)),
    };
    const ob = operator(b);
    const oa = operator(a);
    if (ob !== oa) match.typeChange = { before: ob, after: oa };
    return match;
  });
  const matchedB = new Map(matches.map((m) => [m.beforeId, m]));
  const matchedA = new Map(matches.map((m) => [m.afterId, m]));
  const unmatchedBefore = before.nodes.filter((n) => !matchedB.has(n.id)).map((n) => n.id);
  const unmatchedAfter = after.nodes.filter((n) => !matchedA.has(n.id)).map((n) => n.id);

  const joinBefore = joinOrderText(before);
  const joinAfter = joinOrderText(after);

  const totals: PlanTotalsComparison = {
    cost: delta(before.totals.cost, after.totals.cost),
    nodes: delta(before.nodes.length, after.nodes.length),
  };
  if (analyzed) {
    totals.timeMs = delta(before.totals.timeMs, after.totals.timeMs);
    totals.buffers = delta(hitRead(before.totals.buffers), hitRead(after.totals.buffers));
    totals.tempBlocks = delta(
      before.totals.buffers.tempRead + before.totals.buffers.tempWritten,
      after.totals.buffers.tempRead + after.totals.buffers.tempWritten,
    );
    totals.rowsScanned = delta(before.totals.rowsScanned, after.totals.rowsScanned);
  }
  if (before.planningTimeMs !== undefined && after.planningTimeMs !== undefined) {
    totals.planningTimeMs = delta(before.planningTimeMs, after.planningTimeMs);
  }

  const spillsBefore = planSpills(before);
  const spillsAfter = planSpills(after);
  const has = (list: Spill[], nodeId: number | undefined, kind: Spill['kind']): boolean =>
    nodeId !== undefined && list.some((s) => s.nodeId === nodeId && s.kind === kind);
  const appeared = spillsAfter.filter((s) => !has(spillsBefore, matchedA.get(s.nodeId)?.beforeId, s.kind));
  const remained = spillsAfter.filter((s) => has(spillsBefore, matchedA.get(s.nodeId)?.beforeId, s.kind));
  const vanished = spillsBefore.filter((s) => !has(spillsAfter, matchedB.get(s.nodeId)?.afterId, s.kind));

  return {
    analyzed,
    matches,
    unmatchedBefore,
    unmatchedAfter,
    unmatchedBeforeLabels: Object.fromEntries(unmatchedBefore.map((id) => [id, nodeLabel(before.nodes[id])])),
    unmatchedAfterLabels: Object.fromEntries(unmatchedAfter.map((id) => [id, nodeLabel(after.nodes[id])])),
    typeChanges: matches
      .filter((m) => m.typeChange !== undefined)
      .map((m) => ({
        beforeId: m.beforeId,
        afterId: m.afterId,
        before: m.typeChange!.before,
        after: m.typeChange!.after,
      })),
    joinOrder: { before: joinBefore, after: joinAfter, changed: joinBefore !== joinAfter },
    totals,
    spills: { appeared, vanished, remained },
  };
}
