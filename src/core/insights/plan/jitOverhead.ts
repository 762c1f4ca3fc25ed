/** jit-overhead: JIT compilation costs a large share of a short query's execution time. */
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { setting } from './planFacts';

export const JIT_OVERHEAD = 'jit-overhead';

/** JIT under 10 ms is noise next to any query worth tuning. */
export const MIN_JIT_MS = 10;
/** A fifth of the execution time spent compiling is worth noting; half of it is the main cost of the query. */
export const INFO_SHARE = 0.2;
export const WARNING_SHARE = 0.5;

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  const jit = plan.jit;
  const execution = plan.executionTimeMs;
  if (!plan.analyzed || !jit || execution === undefined || execution <= 0) return [];
  if (jit.totalMs < MIN_JIT_MS) return [];
  // Execution Time includes the JIT time.
  const share = Math.min(1, jit.totalMs / execution);
  if (share < INFO_SHARE) return [];
  const severity: Severity = share >= WARNING_SHARE ? 'warning' : 'info';
  const cost = plan.totals.cost;
  const aboveCost = setting(context, 'jit_above_cost');
  const evidence: Evidence[] = [
    { label: 'JIT time', value: formatMsPlain(jit.totalMs) },
    { label: 'execution time', value: formatMsPlain(execution) },
    { label: 'JIT share', value: formatPercent(share) },
    { label: 'functions compiled', value: jit.functions },
    { label: 'generation', value: formatMsPlain(jit.generationMs) },
    { label: 'inlining', value: formatMsPlain(jit.inliningMs) },
    { label: 'optimization', value: formatMsPlain(jit.optimizationMs) },
    { label: 'emission', value: formatMsPlain(jit.emissionMs) },
    { label: 'plan cost', value: formatCount(cost) },
  ];
  if (aboveCost !== undefined) evidence.push({ label: 'jit_above_cost', value: aboveCost });
  const heavy = jit.inliningMs + jit.optimizationMs > jit.totalMs / 2;
  const target = Math.max(100_000, Math.pow(10, Math.ceil(Math.log10(Math.max(cost, 1) + 1))));
  return [
    {
      ruleId: JIT_OVERHEAD,
      severity,
      nodeIds: [],
      title: `JIT compilation takes ${formatMsPlain(jit.totalMs)} of ${formatMsPlain(execution)} execution (${formatPercent(share)})`,
      explanation:
        'PostgreSQL compiled parts of this query to machine code with LLVM because its estimated cost ' +
        `(${formatCount(cost)}) is above jit_above_cost${aboveCost !== undefined ? ` (${aboveCost})` : ''}. ` +
        'Compiling pays off for long analytical queries that process millions of rows; for a query this short ' +
        'the compilation costs more than it saves.' +
        (heavy ? ' Most of it is inlining and optimization, the expensive JIT stages.' : ''),
      suggestion:
        `Raise jit_above_cost above this plan's cost (e.g. SET jit_above_cost = ${formatCount(target).replace(/,/g, '')}), ` +
        (heavy ? 'or at least jit_inline_above_cost and jit_optimize_above_cost, ' : '') +
        'or turn JIT off for this kind of short query (SET jit = off for the session or role that runs them). If ' +
        'the cost estimate is far above what the query really does, fix the estimate: JIT is decided on it.',
      evidence,
    },
  ];
}

export const jitOverhead: PlanRule = { id: JIT_OVERHEAD, kind: 'plan', check };
