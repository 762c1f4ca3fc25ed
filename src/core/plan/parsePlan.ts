/**
 * The one entry point for plans: EXPLAIN output as JSON or text, as pasted from psql or a tool, becomes a
 * Plan whose nodes keep EXPLAIN's fields and carry derived metrics. Metric rules: docs/plan-metrics.md.
 */
import { TunerError } from '../errors';
import { attributeChildren } from './attribution';
import { applyBuffers } from './buffers';
import { buildNodes } from './buildNodes';
import { applyExclusiveCosts } from './costs';
import { applyEstimates } from './estimates';
import { applyExclusiveTimes } from './exclusiveTime';
import { applyHotspots } from './hotspots';
import { applyInclusiveTimes } from './inclusiveTime';
import type { Plan } from './planNode';
import type { RawPlan } from './rawPlan';
import { readJsonPlan } from './readJsonPlan';
import { readTextPlan } from './readTextPlan';
import { readStatementInfo } from './statementInfo';
import { computeTotals } from './totals';

export function parsePlan(text: string): Plan {
  if (text.trim() === '') {
    throw new TunerError('not-a-plan', 'the plan is empty: paste the output of EXPLAIN (FORMAT JSON or TEXT)', { line: 1 });
  }
  return planFromRaw(looksLikeJson(text) ? readJsonPlan(text) : readTextPlan(text));
}

/** JSON if the first thing that is not psql decoration opens a JSON value, or the text names JSON plan keys. */
function looksLikeJson(text: string): boolean {
  const head = text.slice(0, 4096);
  if (/"(Plan|Node Type)"\s*:|""(Plan|Node Type)""\s*:/.test(head)) return true;
  const firstReal = head
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .find((l) => l !== '' && l !== 'QUERY PLAN' && !/^-{3,}[-+]*$/.test(l));
  return firstReal !== undefined && /^[[{]/.test(firstReal);
}

export function planFromRaw(raw: RawPlan): Plan {
  const nodes = buildNodes(raw.root);
  const root = nodes[0];
  const analyzed = root.fields['Actual Loops'] !== undefined || root.fields['Actual Rows'] !== undefined;
  const info = readStatementInfo(raw.top);

  applyInclusiveTimes(nodes, analyzed);
  const attribution = attributeChildren(nodes);
  const timeMs = analyzed ? info.executionTimeMs ?? root.metrics.inclusiveTimeMs : 0;
  applyExclusiveTimes(nodes, attribution, timeMs);
  applyEstimates(nodes, analyzed);
  applyBuffers(nodes, attribution);
  applyExclusiveCosts(nodes);
  const totals = computeTotals(nodes, timeMs);
  applyHotspots(nodes, analyzed, totals.cost);

  const plan: Plan = {
    root,
    nodes,
    analyzed,
    triggers: info.triggers,
    format: raw.format,
    totals,
  };
  if (analyzed && info.executionTimeMs !== undefined) plan.executionTimeMs = info.executionTimeMs;
  if (info.planningTimeMs !== undefined) plan.planningTimeMs = info.planningTimeMs;
  if (info.jit) plan.jit = info.jit;
  if (info.settings) plan.settings = info.settings;
  if (info.queryText !== undefined) plan.queryText = info.queryText;
  if (info.planningBuffers) plan.planningBuffers = info.planningBuffers;
  const rest = Object.fromEntries(
    Object.entries(raw.top).filter(
      ([k]) => !['Execution Time', 'Planning Time', 'Triggers', 'JIT', 'Settings', 'Query Text', 'Planning'].includes(k),
    ),
  );
  if (Object.keys(rest).length > 0) plan.statementFields = rest;
  return plan;
}
