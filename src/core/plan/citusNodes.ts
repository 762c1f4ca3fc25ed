/**
 * Citus's distributed plans, as its EXPLAIN prints them in text (citusdata/citus, multi_explain.c; shapes in
 * its regression outputs, src/test/regress/expected/multi_explain.out):
 *
 *   Custom Scan (Citus Adaptive)  (cost=0.00..0.00 rows=100000 width=8) (actual time=13.0..13.0 rows=32 loops=1)
 *     Task Count: 32
 *     Tuple data received from nodes: 256 bytes
 *     Tasks Shown: One of 32
 *     ->  Task
 *           Tuple data received from node: 8 bytes
 *           Node: host=w1 port=5432 dbname=app
 *           ->  Aggregate  (cost=…) (actual time=…)          ← the worker's own plan of its shard
 *                 …
 *               Planning Time: 0.226 ms                      ← the worker's, for this task
 *               Execution Time: 0.040 ms
 *
 * and `->  Distributed Subplan 31_1` (a CTE or subquery run first, with "Subplan Duration: … ms") and
 * `->  MapMergeJob` (a repartition step). They are not executor nodes and print no figures of their own: read
 * plainly they would be never-executed nodes without a time. Here a Task becomes what it is, the worker's run
 * of its shard's plan: executed once when its plan ran, its time the worker's Execution Time (or its plan's
 * root time), its rows its plan's. A Distributed Subplan gets its Subplan Duration, and runs before the scan
 * like an InitPlan. The Custom Scan's row figure is not an estimate: Citus prints a fixed placeholder (0 or
 * 100,000), which is kept as "Citus Placeholder Rows", so no rule compares it with the rows that came.
 */
import type { RawNode } from './rawPlan';
import { rawPlanFromDocument } from './readJsonPlan';

/**
 * FORMAT JSON, YAML and XML put a Citus scan's tasks beside its fields, not under "Plans":
 *   "Distributed Query": {"Job": {"Task Count": 2, "Tasks Shown": "One of 2",
 *     "Tasks": [{"Node": "host=… port=… dbname=…", "Remote Plan": [[{"Plan": {…}, "Execution Time": …}]]}]}}
 * Each task becomes a Task node with the worker's plan under it, as the text format draws it; the readers of
 * those formats leave "Distributed Query" as a field, so this runs after them (parsePlan.ts).
 */
export function expandCitusTasks(root: RawNode): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as RawNode;
    const fields = node.fields as Record<string, unknown>;
    const job = objectAt(objectAt(fields['Distributed Query'])?.['Job']);
    if (job) {
      for (const [key, value] of Object.entries(job))
        if (key !== 'Tasks' && fields[key] === undefined) fields[key] = value;
      const tasks = Array.isArray(job['Tasks']) ? job['Tasks'] : [];
      for (const entry of tasks) {
        const task = objectAt(entry);
        if (!task) continue;
        const taskNode: RawNode = { fields: { 'Node Type': 'Task' }, children: [] };
        const document = planDocument(task['Remote Plan']);
        for (const [key, value] of Object.entries(task))
          if (key !== 'Remote Plan') (taskNode.fields as Record<string, unknown>)[key] = value;
        if (document) {
          const remote = rawPlanFromDocument(document, 'json');
          for (const key of ['Planning Time', 'Execution Time'])
            if (remote.top[key] !== undefined) (taskNode.fields as Record<string, unknown>)[key] = remote.top[key];
          taskNode.children.push(remote.root);
        }
        node.children.push(taskNode);
      }
      delete fields['Distributed Query'];
    }
    for (const child of node.children) stack.push(child);
  }
}

function objectAt(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The first object with a "Plan" key in a task's "Remote Plan" (an array of arrays in FORMAT JSON). */
function planDocument(value: unknown): Record<string, unknown> | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (objectAt(v)?.['Plan'] !== undefined) return v as Record<string, unknown>;
  }
  return undefined;
}

export function readCitusNodes(root: RawNode): void {
  let citus = false;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as RawNode;
    const fields = node.fields as Record<string, unknown>;
    const type = node.fields['Node Type'];
    if (
      type === 'Custom Scan' &&
      /^Citus\b/.test(String(fields['Custom Plan Provider'] ?? '')) &&
      fields['Plan Rows'] !== undefined
    ) {
      fields['Citus Placeholder Rows'] = fields['Plan Rows'];
      delete fields['Plan Rows'];
    }
    if (type === 'Task' || type === 'MapMergeJob' || type.startsWith('Distributed Subplan ')) citus = true;
    if (type === 'Task') readTask(node);
    else if (type.startsWith('Distributed Subplan ')) readDistributedSubplan(node);
    else if (type === 'MapMergeJob') node.fields['Parent Relationship'] = 'Member';
    // One by one: spreading 400,000 children into push() overflows the call stack.
    for (const child of node.children) stack.push(child);
  }
  // Executed when the scan above ran: a pass from the top, after each Task has its own figures.
  if (citus) markRun(root, false);
}

function readTask(task: RawNode): void {
  const fields = task.fields as Record<string, unknown>;
  task.fields['Parent Relationship'] = 'Member';
  for (const key of ['Planning Time', 'Execution Time']) {
    const ms = msValue(fields[key]);
    if (ms !== undefined) fields[key] = ms;
  }
  const plan = task.children[0];
  if (!plan) return;
  plan.fields['Parent Relationship'] = 'Outer';
  const loops = plan.fields['Actual Loops'];
  if (loops === undefined) return;
  task.fields['Actual Loops'] = loops > 0 ? 1 : 0;
  task.fields['Actual Rows'] = (plan.fields['Actual Rows'] ?? 0) * loops;
  const execution = msValue(fields['Execution Time']);
  const planTime = plan.fields['Actual Total Time'];
  const time = execution ?? (planTime !== undefined ? planTime * loops : undefined);
  if (time !== undefined) {
    task.fields['Actual Startup Time'] = 0;
    task.fields['Actual Total Time'] = time;
  }
}

function readDistributedSubplan(node: RawNode): void {
  const fields = node.fields as Record<string, unknown>;
  const name = node.fields['Node Type'];
  node.fields['Node Type'] = 'Distributed Subplan';
  node.fields['Subplan Name'] = name;
  node.fields['Parent Relationship'] = 'InitPlan';
  const plan = node.children[0];
  if (plan) plan.fields['Parent Relationship'] = 'Outer';
  const duration = msValue(fields['Subplan Duration']);
  if (duration !== undefined) fields['Subplan Duration'] = duration;
  const loops = plan?.fields['Actual Loops'];
  if (loops === undefined) return;
  node.fields['Actual Loops'] = loops > 0 ? 1 : 0;
  node.fields['Actual Rows'] = (plan?.fields['Actual Rows'] ?? 0) * loops;
  if (duration !== undefined) {
    node.fields['Actual Startup Time'] = 0;
    node.fields['Actual Total Time'] = duration;
  }
}

/** A Task or MapMergeJob without figures under a scan that ran: it ran too (Citus shows only tasks it ran). */
function markRun(root: RawNode, rootParentRan: boolean): void {
  const stack: Array<[RawNode, boolean]> = [[root, rootParentRan]];
  while (stack.length > 0) {
    const [node, parentRan] = stack.pop() as [RawNode, boolean];
    const type = node.fields['Node Type'];
    if ((type === 'Task' || type === 'MapMergeJob') && node.fields['Actual Loops'] === undefined && parentRan) {
      node.fields['Actual Loops'] = 1;
    }
    const loops = node.fields['Actual Loops'];
    const ran = loops !== undefined && loops > 0;
    for (const child of node.children) stack.push([child, ran]);
  }
}

/** "0.226 ms" (a detail line's text) or a number → milliseconds. */
function msValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?) ms$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}
