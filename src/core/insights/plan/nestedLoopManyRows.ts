/** nested-loop-many-rows: a Nested Loop runs its inner side once per outer row, many thousand times. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { inclusiveShare, innerChild, loops, numberField, outerChild } from './planFacts';
import { insightsOfRanNodes, planIndex } from './planIndex';

export const NESTED_LOOP_MANY_ROWS = 'nested-loop-many-rows';

/**
 * 10,000 inner executions: even cached index probes cost some microseconds each, so past this a Hash Join that reads
 * each side once is usually cheaper, and the planner chose the loop because it expected far fewer outer rows.
 */
export const MANY_LOOPS = 10_000;
/** Worth a warning when the loop holds a fifth of the query's time; otherwise noted. */
export const WARNING_TIME_SHARE = 0.2;
/** The outer side counts as misestimated at 10× (the threshold of row-misestimate). */
export const OUTER_MISESTIMATE_FACTOR = 10;

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(
    context,
    (node) => {
      const inner = innerChild(node);
      const outer = outerChild(node);
      if (!inner || !outer || inner === outer || loops(inner) < MANY_LOOPS) return undefined;
      return insightFor(context, node, outer, inner);
    },
    'Nested Loop',
  );
}

function insightFor(context: PlanRuleContext, node: PlanNode, outer: PlanNode, inner: PlanNode): Insight {
  const innerLoops = loops(inner);
  const outerRows = outer.metrics.actualRowsTotal;
  const outerEstimate = (numberField(outer.fields, 'Plan Rows') ?? 0) * Math.max(1, loops(outer));
  const share = inclusiveShare(context.plan, node);
  const severity: Severity = share >= WARNING_TIME_SHARE ? 'warning' : 'info';
  const innerScan = planIndex(context).relationBelow(inner) ?? inner;
  // "Memoize over Index Scan using users_pkey on users": a cache or materialization says little by itself.
  const innerText = innerScan === inner ? nodeLabel(inner) : `${nodeLabel(inner)} over ${nodeLabel(innerScan)}`;
  const title = `Nested Loop runs ${innerText} ${formatCount(innerLoops)} times, once per row of ${nodeLabel(outer)}`;
  const outerMisestimated =
    outer.metrics.misestimateDirection === 'under' && outer.metrics.misestimateFactor >= OUTER_MISESTIMATE_FACTOR;
  const evidence: Evidence[] = [
    { label: 'inner loops', value: innerLoops },
    { label: 'outer rows', value: outerRows, unit: 'rows' },
    { label: 'outer rows estimated', value: outerEstimate, unit: 'rows' },
    { label: 'inner time (all loops)', value: formatMsPlain(inner.metrics.inclusiveTimeMs) },
    { label: 'loop time', value: formatMsPlain(node.metrics.inclusiveTimeMs) },
    { label: 'share of query time', value: formatPercent(share) },
  ];
  if (inner.fields['Node Type'] === 'Memoize') {
    const hits = numberField(inner.fields, 'Cache Hits');
    const misses = numberField(inner.fields, 'Cache Misses');
    if (hits !== undefined) evidence.push({ label: 'memoize hits', value: hits });
    if (misses !== undefined) evidence.push({ label: 'memoize misses', value: misses });
  }
  const explanation =
    `For each of the ${formatCount(outerRows)} rows of ${nodeLabel(outer)}, the Nested Loop runs ${innerText} ` +
    'again. That is the best join for a handful of outer rows; for thousands, one lookup per row (random page ' +
    'reads, per-call overhead) adds up, where a Hash Join reads each side once.' +
    (outerMisestimated
      ? ` The planner expected only ${formatCount(outerEstimate)} outer rows, which is why it chose the loop.`
      : '');
  const noIndex = innerScan.fields['Node Type'] === 'Seq Scan';
  const suggestion = outerMisestimated
    ? 'Fix the outer estimate first (see the row-misestimate insight on it); with the right row count the planner ' +
      'chooses a hash or merge join by itself. To see the alternative, explain with SET LOCAL enable_nestloop = off ' +
      '(a diagnostic, not a fix).'
    : noIndex
      ? `The inner side is a Seq Scan repeated ${formatCount(innerLoops)} times: an index on the join column of ` +
        `${nodeLabel(innerScan)} turns each repetition into a lookup.`
      : 'Compare with SET LOCAL enable_nestloop = off (a diagnostic, not a fix): if the hash join is faster, the ' +
        'planner misjudges the cost, often because of an estimate further down or random_page_cost set for disks ' +
        'slower than yours. Reducing the outer rows (filter earlier, aggregate first) helps either way.';
  return {
    ruleId: NESTED_LOOP_MANY_ROWS,
    severity,
    nodeIds: [node.id, inner.id],
    title,
    explanation,
    suggestion,
    evidence,
  };
}

export const nestedLoopManyRows: PlanRule = { id: NESTED_LOOP_MANY_ROWS, kind: 'plan', check };
