/** row-misestimate: the planner's row estimate for a node is off by 10× or more per loop, where it steered the plan. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { andedConditionCount, conditionColumns, conditionFunctions } from './conditionColumns';
import { formatCount, formatPercent } from './format';
import {
  ancestors,
  inclusiveShare,
  innerChild,
  isJoin,
  numberField,
  qualifiedTable,
  quoteIdent,
  stringField,
  tableOf,
} from './planFacts';
import { planIndex } from './planIndex';

export const ROW_MISESTIMATE = 'row-misestimate';

/** 10× per loop: below that the planner's choices rarely change (its cost curves are flat over small factors). */
export const MISESTIMATE_FACTOR = 10;
/** Either side must reach 100 rows per loop: 1 row expected and 9 found changes no plan. */
export const MIN_ROWS_PER_LOOP = 100;
/** A node that holds under 5 % of the time and feeds no decision does not matter. */
export const MIN_TIME_SHARE = 0.05;
/** A node whose child is off in the same direction by at least a third of its own factor only inherits the error. */
export const INHERITED_RATIO = 3;
/** 1,000× wrong under a join or aggregate that holds half the time: the plan is very likely the wrong one. */
export const CRITICAL_FACTOR = 1000;
export const CRITICAL_TIME_SHARE = 0.5;
/** A table changed by 20 % since its last ANALYZE has stale statistics (autovacuum's own default is 10 % + 50 rows). */
export const STALE_MODIFIED_SHARE = 0.2;

/** Nodes that only pass their child's rows on: their estimate is the child's. */
const PASS_THROUGH = new Set(['Hash', 'Materialize', 'Memoize', 'Gather', 'Gather Merge', 'Sort', 'Incremental Sort', 'Unique', 'Limit', 'Result']);

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  if (!plan.analyzed) return [];
  const flagged = new Set<number>();
  const insights: Insight[] = [];
  // Children first, so that a parent can tell whether it only inherits its child's error.
  for (const node of [...plan.nodes].reverse()) {
    if (!isMisestimated(context, node)) continue;
    flagged.add(node.id);
    if (inherits(node, flagged)) continue;
    if (!matters(context, node)) continue;
    insights.push(insightFor(context, node));
  }
  return insights.reverse();
}

function perLoop(node: PlanNode): { actual: number; estimate: number } {
  return { actual: numberField(node.fields, 'Actual Rows') ?? 0, estimate: numberField(node.fields, 'Plan Rows') ?? 0 };
}

function isMisestimated(context: PlanRuleContext, node: PlanNode): boolean {
  if (planIndex(context).ran[node.id] !== 1 || PASS_THROUGH.has(node.fields['Node Type'])) return false;
  const m = node.metrics;
  if (m.misestimateFactor < MISESTIMATE_FACTOR || m.misestimateDirection === 'none') return false;
  const { actual, estimate } = perLoop(node);
  if (Math.max(actual, estimate) < MIN_ROWS_PER_LOOP) return false;
  if (m.misestimateDirection === 'over' && stoppedEarly(context, node)) return false;
  return true;
}

/**
 * Fewer rows than estimated is expected when execution stopped early: under a LIMIT, on the sides of a Merge Join
 * (it stops when one side runs out), on the inner side of a semi or anti join (first match wins).
 */
function stoppedEarly(context: PlanRuleContext, node: PlanNode): boolean {
  if (planIndex(context).underLimit[node.id] === 1) return true;
  const parent = node.parentId !== null ? context.plan.nodes[node.parentId] : undefined;
  if (!parent) return false;
  if (parent.fields['Node Type'] === 'Merge Join') return true;
  const joinType = stringField(parent.fields, 'Join Type');
  return (joinType === 'Semi' || joinType === 'Anti') && innerChild(parent) === node;
}

function inherits(node: PlanNode, flagged: Set<number>): boolean {
  const own = node.metrics;
  return descendantsThroughPassThrough(node).some(
    (c) =>
      flagged.has(c.id) &&
      c.metrics.misestimateDirection === own.misestimateDirection &&
      c.metrics.misestimateFactor * INHERITED_RATIO >= own.misestimateFactor,
  );
}

/** Direct children, looking through nodes that only pass rows on (a Hash's estimate is its child's). */
function descendantsThroughPassThrough(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  for (const child of node.children) {
    out.push(child);
    if (PASS_THROUGH.has(child.fields['Node Type'])) out.push(...descendantsThroughPassThrough(child));
  }
  return out;
}

/** The estimate mattered if the node holds real time or if a join, hash, sort or aggregate was chosen on it. */
function matters(context: PlanRuleContext, node: PlanNode): boolean {
  if (inclusiveShare(context.plan, node) >= MIN_TIME_SHARE) return true;
  return ancestors(context.plan, node, 3).some((a) => isJoin(a) || ['Aggregate', 'Sort', 'Hash'].includes(a.fields['Node Type']));
}

function insightFor(context: PlanRuleContext, node: PlanNode): Insight {
  const m = node.metrics;
  const { actual, estimate } = perLoop(node);
  const under = m.misestimateDirection === 'under';
  const factor = m.misestimateFactor;
  const share = inclusiveShare(context.plan, node);
  const decides = ancestors(context.plan, node, 3).some((a) => isJoin(a) || a.fields['Node Type'] === 'Aggregate');
  let severity: Severity = 'warning';
  if (factor >= CRITICAL_FACTOR && decides && share >= CRITICAL_TIME_SHARE) severity = 'critical';
  else if (!decides && share < MIN_TIME_SHARE * 4) severity = 'info';

  const loopsText = (numberField(node.fields, 'Actual Loops') ?? 1) > 1 ? ' per loop' : '';
  const title =
    `${nodeLabel(node)}: planner expected ${formatCount(estimate)} rows${loopsText}, got ${formatCount(actual)} ` +
    `(${formatCount(factor)}× ${under ? 'under' : 'over'}estimated)`;
  const evidence: Evidence[] = [
    { label: 'estimated rows', value: estimate, unit: `rows${loopsText}` },
    { label: 'actual rows', value: actual, unit: `rows${loopsText}` },
    { label: 'factor', value: `${formatCount(factor)}×` },
    { label: 'direction', value: under ? 'underestimate' : 'overestimate' },
    { label: 'share of query time (this node and below)', value: formatPercent(share) },
  ];
  const causes = likelyCauses(context, node, evidence);
  const consequence = under
    ? 'Believing few rows come, the planner picks plans that are cheap for few rows: nested loops, index probes per ' +
      'row, hashes sized too small, in-memory sorts that then spill.'
    : 'Believing many rows come, the planner picks plans built for volume (hash joins, full scans, parallel workers) ' +
      'where a direct index lookup would have done.';
  const explanation =
    `PostgreSQL chose this plan believing ${nodeLabel(node)} returns ${formatCount(estimate)} rows${loopsText}; it ` +
    `returned ${formatCount(actual)}. ${consequence}` +
    (causes.length > 0 ? ` Likely cause: ${causes.map((c) => c.why).join(' ')}` : '');
  const suggestion =
    causes.length > 0
      ? causes.map((c) => c.fix).join(' ')
      : 'Run ANALYZE on the tables involved; if the estimate stays wrong, look for conditions on related columns ' +
        '(CREATE STATISTICS), functions or expressions on columns (an expression index gives them statistics), or ' +
        'a LIMIT that makes the planner expect an early stop.';
  return { ruleId: ROW_MISESTIMATE, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

interface Cause {
  why: string;
  fix: string;
}

function likelyCauses(context: PlanRuleContext, node: PlanNode, evidence: Evidence[]): Cause[] {
  const causes: Cause[] = [];
  const f = node.fields;
  const table = qualifiedTable(node);
  const stats = tableOf(context, node);
  if (table && stats) {
    const analyzed = stats.lastAnalyze ?? stats.lastAutoAnalyze;
    const modified = stats.modificationsSinceAnalyze;
    if (!analyzed || stats.estimatedRows < 0) {
      evidence.push({ label: 'last analyze', value: 'never' });
      causes.push({ why: `${table} has never been analysed, so the planner has no statistics for it.`, fix: `Run ANALYZE ${table};` });
    } else if (modified !== undefined && modified >= STALE_MODIFIED_SHARE * Math.max(stats.estimatedRows, 1)) {
      evidence.push({ label: 'last analyze', value: analyzed });
      evidence.push({ label: 'rows changed since', value: modified, unit: 'rows' });
      evidence.push({ label: 'rows per statistics (pg_class)', value: stats.estimatedRows, unit: 'rows' });
      causes.push({
        why:
          `stale statistics: ${formatCount(modified)} rows of ${table} changed since its last ANALYZE, which saw ` +
          `${formatCount(stats.estimatedRows)} rows.`,
        fix:
          `Run ANALYZE ${table}; if the table changes this fast all the time, lower its ` +
          `autovacuum_analyze_scale_factor (ALTER TABLE ${table} SET (autovacuum_analyze_scale_factor = 0.02)).`,
      });
    }
  }
  const conditions = [stringField(f, 'Filter'), stringField(f, 'Index Cond'), stringField(f, 'Recheck Cond')].filter(
    (c): c is string => c !== undefined,
  );
  const condition = conditions.join(' AND ');
  if (condition) {
    evidence.push({ label: 'condition', value: condition });
    const functions = conditionFunctions(condition);
    let columns = conditionColumns(condition);
    const known = planIndex(context).columnNamesOf(stringField(f, 'Relation Name'));
    if (known && known.length > 0) columns = columns.filter((c) => known.includes(c));
    const anded = conditions.reduce((n, c) => n + andedConditionCount(c), 0);
    if (table && columns.length >= 2 && anded >= 2) {
      const name = `${stringField(f, 'Relation Name') ?? 'tbl'}_${columns.join('_')}_stats`.slice(0, 63);
      causes.push({
        why:
          `the conditions on ${columns.join(', ')} are estimated as if independent (their selectivities are ` +
          'multiplied); when the columns are related the real result is much larger.',
        fix:
          `Teach the planner the relation: CREATE STATISTICS ${quoteIdent(name)} (dependencies, mcv) ON ` +
          `${columns.map(quoteIdent).join(', ')} FROM ${table}; ANALYZE ${table};`,
      });
    }
    if (functions.length > 0) {
      causes.push({
        why:
          `${functions.join(', ')}() applied to a column has no statistics, so the planner falls back to a fixed guess ` +
          '(0.5 % for equality, 33 % for ranges).',
        fix:
          'Give the expression statistics: an expression index on it (which also serves the lookup), or ' +
          'CREATE STATISTICS on the expression (PostgreSQL 14+), then ANALYZE.',
      });
    }
    if (/\$\d+/.test(condition)) {
      causes.push({
        why: 'the condition compares with a parameter; a generic plan estimates it without knowing the value.',
        fix: 'Compare with plan_cache_mode = force_custom_plan, or explain with the literal values.',
      });
    }
  }
  if (isJoin(node) && causes.length === 0) {
    causes.push({
      why:
        'the join condition matches far more (or fewer) pairs than the column statistics predict: skewed join keys or ' +
        'columns that depend on each other across the two tables.',
      fix:
        'Check the estimates of both inputs first; raise the statistics target of the join columns ' +
        '(ALTER TABLE … ALTER COLUMN … SET STATISTICS 1000; ANALYZE) if the keys are skewed.',
    });
  }
  if (context.statement?.limit && node.metrics.misestimateDirection === 'under') {
    causes.push({
      why: 'the statement has a LIMIT, and the planner plans for stopping early.',
      fix: 'If the LIMIT is rarely reached, the plan chosen for an early stop runs to the end: check it without the LIMIT.',
    });
  }
  return causes;
}

export const rowMisestimate: PlanRule = { id: ROW_MISESTIMATE, kind: 'plan', check };
