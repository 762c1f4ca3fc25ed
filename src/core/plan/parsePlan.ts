/**
 * The one entry point for plans: EXPLAIN output as JSON, text, YAML or XML, as pasted from psql, a result
 * grid, a log or a terminal (unwrapPastedText.ts), becomes a Plan whose nodes keep EXPLAIN's fields and carry
 * derived metrics. Metric rules: docs/plan-metrics.md.
 */
import { TunerError } from '../errors';
import { attributeChildren } from './attribution';
import { applyBuffers } from './buffers';
import { buildNodes } from './buildNodes';
import { expandCitusTasks, readCitusNodes } from './citusNodes';
import { applyExclusiveCosts } from './costs';
import { applyEarlyStops } from './earlyStop';
import { applyEstimates } from './estimates';
import { applyExclusiveTimes } from './exclusiveTime';
import { applyHotspots } from './hotspots';
import { applyInclusiveTimes } from './inclusiveTime';
import { checkAbsurdTimes, normaliseNodeNumbers, normaliseTopNumbers, PlanWarnings } from './numberChecks';
import { readNodeNumbers } from './nodeNumbers';
import type { Plan } from './planNode';
import type { RawNode, RawPlan } from './rawPlan';
import type { PlanFormat } from './planFormat';
import { readJsonPlan } from './readJsonPlan';
import { readTextPlan } from './readTextPlan';
import { readXmlPlan } from './readXmlPlan';
import { readYamlPlan } from './readYamlPlan';
import { keepExactQueryIdentifier } from './queryIdentifier';
import { readStatementInfo } from './statementInfo';
import { computeTotals } from './totals';
import { unwrapPastedText } from './unwrapPastedText';

export function parsePlan(text: string): Plan {
  if (text.trim() === '') {
    throw new TunerError('not-a-plan', 'the plan is empty: paste the output of EXPLAIN (FORMAT JSON or TEXT)', {
      line: 1,
    });
  }
  const pasted = unwrapPastedText(text);
  const raw = readPlanText(pasted.text, pasted.format, pasted.lineMap);
  if (raw.format !== 'text' && /Distributed[ -]Query/.test(pasted.text)) readCitusJob(raw.root);
  keepExactQueryIdentifier(raw.top, pasted.text);
  for (const [key, value] of Object.entries(pasted.top)) if (!(key in raw.top)) raw.top[key] = value;
  return planFromRaw(raw);
}

/** Citus's tasks, which the JSON, YAML and XML formats keep beside the scan's fields (citusNodes.ts). */
function readCitusJob(root: RawNode): void {
  expandCitusTasks(root);
  readCitusNodes(root);
}

function readPlanText(text: string, format: PlanFormat, lineMap: number[] | undefined): RawPlan {
  switch (format) {
    case 'json':
      return withInputLines(lineMap, () => readJsonPlan(text));
    case 'yaml':
      return readYamlPlan(text, lineMap);
    case 'xml':
      return readXmlPlan(text, lineMap);
    case 'text':
      return withInputLines(lineMap, () => readTextPlan(text));
  }
}

/**
 * The readers number the lines of the text they were given; when that text was unwrapped from a log, grid
 * or frame, their errors are renumbered to the lines of the input. (The YAML and XML readers take the map.)
 */
function withInputLines(lineMap: number[] | undefined, read: () => RawPlan): RawPlan {
  try {
    return read();
  } catch (err) {
    if (!lineMap || !(err instanceof TunerError) || err.detail.line === undefined) throw err;
    const map = (n: number): number => lineMap[n - 1] ?? lineMap[lineMap.length - 1] ?? n;
    const message = err.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${map(Number(n))}`);
    throw new TunerError(err.reason, message, { ...err.detail, line: map(err.detail.line) });
  }
}

export function planFromRaw(raw: RawPlan): Plan {
  const nodes = buildNodes(raw.root);
  const root = nodes[0];
  const analyzed = root.fields['Actual Loops'] !== undefined || root.fields['Actual Rows'] !== undefined;
  const warnings = new PlanWarnings();
  normaliseTopNumbers(raw.top, warnings);
  normaliseNodeNumbers(nodes, warnings);
  const info = readStatementInfo(raw.top);

  // Every node's numeric fields read once for all the passes below.
  const numbers = readNodeNumbers(nodes);
  applyInclusiveTimes(nodes, analyzed, numbers);
  if (analyzed) checkAbsurdTimes(nodes, warnings);
  const attribution = attributeChildren(nodes);
  const timeMs = analyzed ? (info.executionTimeMs ?? root.metrics.inclusiveTimeMs) : 0;
  applyExclusiveTimes(nodes, attribution, timeMs);
  applyEstimates(nodes, analyzed, numbers);
  applyEarlyStops(nodes, analyzed, numbers);
  applyBuffers(nodes, attribution, numbers);
  applyExclusiveCosts(nodes, numbers);
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
  const found = warnings.done();
  if (found.length > 0) plan.warnings = found;
  // Only keys read whole above are left out: "Planning" (17+: memory), "JIT" (options, 17's deform) and
  // "Triggers" hold more than their summaries, so they stay as PostgreSQL wrote them.
  const rest = Object.fromEntries(
    Object.entries(raw.top).filter(([k]) => !['Execution Time', 'Planning Time', 'Settings', 'Query Text'].includes(k)),
  );
  if (Object.keys(rest).length > 0) plan.statementFields = rest;
  return plan;
}
