/**
 * Nodes whose execution was cut short: their consumer stopped asking for rows before they ran out. A Sort under
 * a LIMIT 25 returns 25 of its 29,000 rows; that is the LIMIT at work, not the planner expecting 1,000× too many.
 * Such a node's "fewer rows than estimated" says nothing about the estimate, so it is not called a misestimate.
 * More rows than estimated still is one: the node gave them even though it was stopped.
 */
import type { NodeNumbers } from './nodeNumbers';
import type { PlanNode } from './planNode';

/**
 * Nodes that read all their input before they return their first row: whoever stops them, their input ran to the
 * end. Aggregates only when hashed or plain (a sorted aggregate streams group by group).
 */
function readsAllInput(parent: PlanNode, child: PlanNode): boolean {
  const type = parent.fields['Node Type'];
  if (type === 'Sort' || type === 'Hash' || type === 'Bitmap Heap Scan' || type === 'BitmapAnd' || type === 'BitmapOr')
    return true;
  // A Hash Join builds its whole hash table (the Hash child) before it reads a row of the outer side.
  if (type === 'Hash Join' && child.fields['Node Type'] === 'Hash') return true;
  const strategy = parent.fields['Strategy'];
  if (type === 'Aggregate') return strategy === 'Plain' || strategy === 'Hashed' || strategy === 'Mixed';
  return type === 'SetOp' && strategy === 'Hashed';
}

/**
 * A Limit stopped early when it returned as many rows as the planner gave it: its estimate is min(count, the
 * input's estimate), so fewer rows means the input ran out first and everything below ran to completion. Over
 * several loops the average hides which loops stopped, so those are taken as stopped.
 */
function limitStopped(limit: PlanNode, numbers: NodeNumbers): boolean {
  const planRows = numbers.planRows[limit.id];
  const actualRows = numbers.actualRows[limit.id];
  if (planRows === undefined || actualRows === undefined) return true;
  if ((numbers.actualLoops[limit.id] ?? 0) > 1) return true;
  return actualRows >= planRows;
}

/** Whether `child` was cut short, given whether its parent was. */
function childStopped(parent: PlanNode, child: PlanNode, parentStopped: boolean, numbers: NodeNumbers): boolean {
  // InitPlans and SubPlans run on their own, whatever happens to the node that holds them.
  const relationship = child.fields['Parent Relationship'];
  if (relationship === 'InitPlan' || relationship === 'SubPlan') return false;
  if (readsAllInput(parent, child)) return false;
  const type = parent.fields['Node Type'];
  if (type === 'Limit') return parentStopped || limitStopped(parent, numbers);
  // A Merge Join stops when either side runs out, leaving the other unread; the plan does not say which.
  if (type === 'Merge Join') return true;
  // The inner side of a semi or anti join stops at the first match.
  const joinType = parent.fields['Join Type'];
  if ((joinType === 'Semi' || joinType === 'Anti') && child.fields['Parent Relationship'] === 'Inner') return true;
  return parentStopped;
}

/**
 * Marks the nodes cut short (metrics.stoppedEarly) and clears their overestimate, which only reflects the stop.
 * Run after applyEstimates; nodes are in pre-order, so a parent is decided before its children.
 */
export function applyEarlyStops(nodes: PlanNode[], analyzed: boolean, numbers: NodeNumbers): void {
  if (!analyzed) return;
  const stopped = new Uint8Array(nodes.length);
  for (const node of nodes) {
    if (node.parentId === null) continue;
    const parent = nodes[node.parentId];
    if (!childStopped(parent, node, stopped[parent.id] === 1, numbers)) continue;
    stopped[node.id] = 1;
    const m = node.metrics;
    if (m.neverExecuted) continue;
    m.stoppedEarly = true;
    if (m.misestimateDirection === 'over') {
      m.misestimateFactor = 1;
      m.misestimateDirection = 'none';
    }
  }
}
