/** Statement-level parts of an EXPLAIN document: times, JIT, triggers, settings, planning buffers. */
import { buffersFrom } from './buffers';
import { numberField, stringField } from './fieldValues';
import type { BufferCounts, JitSummary, TriggerTiming } from './planNode';

export interface StatementInfo {
  executionTimeMs?: number;
  planningTimeMs?: number;
  jit?: JitSummary;
  triggers: TriggerTiming[];
  settings?: Record<string, string>;
  queryText?: string;
  planningBuffers?: BufferCounts;
}

export function readStatementInfo(top: Record<string, unknown>): StatementInfo {
  const info: StatementInfo = {
    executionTimeMs: numberField(top, 'Execution Time') ?? numberField(top, 'Total Runtime'),
    planningTimeMs: numberField(top, 'Planning Time'),
    triggers: readTriggers(top['Triggers']),
    queryText: stringField(top, 'Query Text'),
  };
  const jit = readJit(top['JIT']);
  if (jit) info.jit = jit;
  const settings = top['Settings'];
  if (isObject(settings)) {
    info.settings = {};
    for (const [k, v] of Object.entries(settings)) info.settings[k] = String(v);
  }
  const planning = top['Planning'];
  if (isObject(planning)) info.planningBuffers = buffersFrom(planning);
  return info;
}

function readTriggers(value: unknown): TriggerTiming[] {
  if (!Array.isArray(value)) return [];
  const out: TriggerTiming[] = [];
  for (const t of value) {
    if (!isObject(t)) continue;
    // A constraint's trigger is named RI_ConstraintTrigger_…; the constraint says more, and text shows only it.
    const name = stringField(t, 'Constraint Name') ?? stringField(t, 'Trigger Name') ?? 'trigger';
    const trigger: TriggerTiming = { name, timeMs: numberField(t, 'Time') ?? 0, calls: numberField(t, 'Calls') ?? 0 };
    const relation = stringField(t, 'Relation');
    if (relation !== undefined) trigger.relation = relation;
    out.push(trigger);
  }
  return out;
}

function readJit(value: unknown): JitSummary | undefined {
  if (!isObject(value)) return undefined;
  const timing = isObject(value['Timing']) ? value['Timing'] : {};
  // PostgreSQL 17 turned "Generation" into {"Deform": …, "Total": …}.
  const phase = (key: string): number => {
    const v = timing[key];
    if (typeof v === 'number') return v;
    if (isObject(v)) return numberField(v, 'Total') ?? 0;
    return 0;
  };
  return {
    functions: numberField(value, 'Functions') ?? 0,
    generationMs: phase('Generation'),
    inliningMs: phase('Inlining'),
    optimizationMs: phase('Optimization'),
    emissionMs: phase('Emission'),
    totalMs: phase('Total'),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
