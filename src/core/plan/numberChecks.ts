/**
 * EXPLAIN writes its figures as JSON numbers, never negative, always finite. A plan edited by hand or by a
 * tool can carry "12.5" (a string), -960000 or NaN; taken silently, a string time read as absent showed a
 * node as "never executed", and a negative child time made its 5 ms parent 16 minutes. Here each such value
 * is read the way it can be (a numeric string as its number, anything else as absent) and a warning names
 * the node and the field, so the reader sees the plan was not as PostgreSQL writes it.
 */
import type { PlanNode, PlanWarning } from './planNode';
import { nodeLabel } from './planNode';
import { BUFFER_KEYS, IO_TIME_KEYS } from './bufferKeys';

/** Fields EXPLAIN always writes as numbers (FORMAT JSON names). */
const NUMERIC_KEYS = new Set([
  'Startup Cost',
  'Total Cost',
  'Plan Rows',
  'Plan Width',
  'Actual Startup Time',
  'Actual Total Time',
  'Actual Rows',
  'Actual Loops',
  'Rows Removed by Filter',
  'Rows Removed by Join Filter',
  'Rows Removed by Index Recheck',
  'Sort Space Used',
  'Hash Buckets',
  'Original Hash Buckets',
  'Hash Batches',
  'Original Hash Batches',
  'Peak Memory Usage',
  'Disk Usage',
  'HashAgg Batches',
  'Planned Partitions',
  'Heap Fetches',
  'Exact Heap Blocks',
  'Lossy Heap Blocks',
  'Workers Planned',
  'Workers Launched',
  ...BUFFER_KEYS.map(([, key]) => key),
  ...IO_TIME_KEYS,
  'WAL Records',
  'WAL FPI',
  'WAL Bytes',
]);

/** Statement-level times (top of the document). */
const TOP_NUMERIC_KEYS = ['Planning Time', 'Execution Time', 'Total Runtime'];

/** Over 11 days for one statement: no EXPLAIN ANALYZE a person waited for; most likely a unit or typing slip. */
export const ABSURD_TIME_MS = 1e9;
/** A child's inclusive time this many times its parent's (and a second more) cannot be: the parent contains it. */
const CHILD_OVER_PARENT_FACTOR = 10;
const CHILD_OVER_PARENT_MARGIN_MS = 1000;

/** A plan with every figure broken must not carry one warning per node: the first ones, then a count. */
export const MAX_PLAN_WARNINGS = 50;

/** Collects warnings up to MAX_PLAN_WARNINGS and counts the rest into one closing warning. */
export class PlanWarnings {
  readonly list: PlanWarning[] = [];
  private dropped = 0;

  add(warning: PlanWarning): void {
    if (this.list.length < MAX_PLAN_WARNINGS) this.list.push(warning);
    else this.dropped++;
  }

  done(): PlanWarning[] {
    if (this.dropped > 0) {
      this.list.push({
        field: '',
        message: `${this.dropped} more warning${this.dropped === 1 ? '' : 's'} like these not listed`,
      });
      this.dropped = 0;
    }
    return this.list;
  }
}

/** "12.5" → 12.5; undefined for anything that is not a plain decimal number. */
function numericString(v: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A short, printable rendering of a bad value for the message (a 100 MB string must not be copied). */
function shownValue(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `the string "${v.slice(0, 40)}…"` : `the string "${v}"`;
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  return `a${Array.isArray(v) ? 'n array' : ` ${typeof v}`}`;
}

/**
 * Reads one value of a numeric field: the number to use (or undefined) and why it was not as EXPLAIN writes
 * it (or undefined when it was).
 */
export function checkedNumber(v: unknown): { value: number | undefined; problem?: string } {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { value: undefined, problem: `is ${String(v)}; read as absent` };
    if (v < 0) return { value: undefined, problem: `is negative (${v}); read as absent` };
    return { value: v };
  }
  if (typeof v === 'string') {
    const n = numericString(v);
    if (n === undefined) return { value: undefined, problem: `is ${shownValue(v)}, not a number; read as absent` };
    if (n < 0)
      return { value: undefined, problem: `is ${shownValue(v)}, a negative number as a string; read as absent` };
    return { value: n, problem: `is ${shownValue(v)}, a number written as a string; read as ${n}` };
  }
  return { value: undefined, problem: `is ${shownValue(v)}, not a number; read as absent` };
}

function nodeName(node: PlanNode): string {
  return `node #${node.id} (${nodeLabel(node)})`;
}

/**
 * Puts every numeric field of every node in the form EXPLAIN writes (in place: every later reader, the passes
 * and the insight rules, then sees the same value) and warns about each one that was not.
 */
export function normaliseNodeNumbers(nodes: PlanNode[], warnings: PlanWarnings): void {
  for (const node of nodes) {
    const fields = node.fields as Record<string, unknown>;
    for (const key in fields) {
      if (!NUMERIC_KEYS.has(key)) continue;
      const v = fields[key];
      if (v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) continue;
      const { value, problem } = checkedNumber(v);
      if (value === undefined) delete fields[key];
      else fields[key] = value;
      if (problem) warnings.add({ nodeId: node.id, field: key, message: `${nodeName(node)}: "${key}" ${problem}` });
    }
  }
}

/** The same for the statement-level times. */
export function normaliseTopNumbers(top: Record<string, unknown>, warnings: PlanWarnings): void {
  for (const key of TOP_NUMERIC_KEYS) {
    const v = top[key];
    if (v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) continue;
    const { value, problem } = checkedNumber(v);
    if (value === undefined) delete top[key];
    else top[key] = value;
    if (problem) warnings.add({ field: key, message: `"${key}" ${problem}` });
  }
  const execution = top['Execution Time'];
  if (typeof execution === 'number' && execution > ABSURD_TIME_MS) {
    warnings.add({
      field: 'Execution Time',
      message: `"Execution Time" is ${execution} ms (over 11 days): most likely not a real figure`,
    });
  }
}

/**
 * After inclusive times: a time past ABSURD_TIME_MS, or a child far slower than the parent that contains it
 * (InitPlans aside: a CTE's time is counted in its scans, not in its parent).
 */
export function checkAbsurdTimes(nodes: PlanNode[], warnings: PlanWarnings): void {
  for (const node of nodes) {
    const time = node.metrics.inclusiveTimeMs;
    if (time > ABSURD_TIME_MS) {
      warnings.add({
        nodeId: node.id,
        field: 'Actual Total Time',
        message: `${nodeName(node)}: "Actual Total Time" × loops is ${Math.round(time)} ms (over 11 days): most likely not a real figure`,
      });
      continue;
    }
    if (node.parentId === null || node.fields['Parent Relationship'] === 'InitPlan') continue;
    const parent = nodes[node.parentId];
    if (parent.metrics.neverExecuted) continue;
    const parentTime = parent.metrics.inclusiveTimeMs;
    if (time > parentTime * CHILD_OVER_PARENT_FACTOR + CHILD_OVER_PARENT_MARGIN_MS) {
      warnings.add({
        nodeId: node.id,
        field: 'Actual Total Time',
        message:
          `${nodeName(node)}: "Actual Total Time" × loops is ${Math.round(time)} ms, far more than the ` +
          `${Math.round(parentTime)} ms of node #${parent.id}, which contains it`,
      });
    }
  }
}
