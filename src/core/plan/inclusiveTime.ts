/**
 * Inclusive time, wall-clock comparable. EXPLAIN reports Actual Total Time per loop; below a Gather the
 * loops of every process (workers + leader) are pooled, so time × loops is the processes' summed time, not
 * elapsed time. We divide by the number of processes (Workers Launched + 1), as pev2 does: the figure is
 * then the average process's share, which compares with the Gather's own (leader, wall-clock) time.
 * See docs/plan-metrics.md.
 */
import { numberField } from './fieldValues';
import type { NodeNumbers } from './nodeNumbers';
import type { PlanNode } from './planNode';

export function applyInclusiveTimes(nodes: PlanNode[], analyzed: boolean, numbers: NodeNumbers): void {
  const { actualLoops, actualTotalTime } = numbers;
  // Pre-order: a parent is always done before its children, so the group size can be inherited.
  const processes = new Float64Array(nodes.length).fill(1);
  for (const node of nodes) {
    const f = node.fields;
    const parent = node.parentId === null ? undefined : nodes[node.parentId];
    let groupSize = 1;
    if (parent) {
      const rel = f['Parent Relationship'];
      const parentType = parent.fields['Node Type'];
      if (parentType === 'Gather' || parentType === 'Gather Merge') {
        // InitPlans of a Gather run in the leader alone and hand their value to the workers.
        if (rel !== 'InitPlan') groupSize = launchedProcesses(parent);
      } else if (rel !== 'InitPlan') {
        groupSize = processes[parent.id];
      }
      node.metrics.underGather =
        groupSize > 1 ||
        (parent.metrics.underGather && rel !== 'InitPlan') ||
        ((parentType === 'Gather' || parentType === 'Gather Merge') && rel !== 'InitPlan');
    }
    processes[node.id] = groupSize;

    const loops = actualLoops[node.id];
    node.metrics.neverExecuted = analyzed && (loops === undefined || loops === 0);
    const total = actualTotalTime[node.id];
    node.metrics.inclusiveTimeMs = total !== undefined && loops !== undefined ? (total * loops) / groupSize : 0;
  }
}

function launchedProcesses(gather: PlanNode): number {
  const launched = numberField(gather.fields, 'Workers Launched');
  const planned = numberField(gather.fields, 'Workers Planned');
  // Without ANALYZE only "Workers Planned" exists; times are 0 then anyway.
  const workers = launched ?? planned ?? 0;
  // Single Copy: the leader only gathers, one process runs the plan below.
  if (gather.fields['Single Copy'] === true) return Math.max(workers, 1);
  return workers + 1;
}
