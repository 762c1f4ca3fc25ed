/** high-planning-time: planning the statement costs a lot, absolutely or next to running it. */
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatMsPlain } from '../../text/formatNumbers';
import { setting } from './planFacts';

export const HIGH_PLANNING_TIME = 'high-planning-time';

/** 100 ms of planning is slow for any statement run more than once. */
export const ABSOLUTE_MS = 100;
/** From 10 ms, planning that takes longer than execution is worth noting: a prepared statement would save most of it. */
export const RELATIVE_MIN_MS = 10;
/** Eight relations or more: the exhaustive join search (up to join_collapse_limit = 8) grows exponentially. */
export const MANY_RELATIONS = 8;
/** An Append over 100 children is a partitioned table without pruning at plan time. */
export const MANY_PARTITIONS = 100;

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  const planning = plan.planningTimeMs;
  if (planning === undefined) return [];
  const execution = plan.executionTimeMs;
  const absolute = planning >= ABSOLUTE_MS;
  const relative = execution !== undefined && planning >= RELATIVE_MIN_MS && planning > execution;
  if (!absolute && !relative) return [];
  const severity: Severity = absolute ? 'warning' : 'info';
  let relations = 0;
  let widestAppend = 0;
  // A loop, not Math.max(...spread): a plan with a hundred thousand nodes would overflow the call stack.
  for (const n of plan.nodes) {
    if (n.fields['Relation Name'] !== undefined) relations++;
    const type = n.fields['Node Type'];
    if ((type === 'Append' || type === 'Merge Append') && n.children.length > widestAppend)
      widestAppend = n.children.length;
  }
  const evidence: Evidence[] = [{ label: 'planning time', value: formatMsPlain(planning) }];
  if (execution !== undefined) evidence.push({ label: 'execution time', value: formatMsPlain(execution) });
  evidence.push({ label: 'relations scanned', value: relations }, { label: 'plan nodes', value: plan.nodes.length });
  if (widestAppend > 0) evidence.push({ label: 'largest Append', value: `${widestAppend} children` });
  for (const name of ['join_collapse_limit', 'from_collapse_limit', 'geqo_threshold']) {
    const value = setting(context, name);
    if (value !== undefined) evidence.push({ label: name, value });
  }
  const causes: string[] = [];
  const fixes: string[] = [];
  if (relations >= MANY_RELATIONS) {
    causes.push(
      `The statement joins ${relations} relations; the planner compares join orders, and their number grows ` +
        'exponentially up to join_collapse_limit / from_collapse_limit (8 by default; GEQO takes over at geqo_threshold).',
    );
    fixes.push(
      'Keep join_collapse_limit at its default (or lower it for this statement), or write the joins in a good order ' +
        'with join_collapse_limit = 1.',
    );
  }
  if (widestAppend >= MANY_PARTITIONS) {
    causes.push(`An Append over ${widestAppend} partitions: each partition is planned separately.`);
    fixes.push('Compare the partition key with constants so the planner prunes partitions, or use fewer partitions.');
  }
  if (causes.length === 0) {
    causes.push(
      'Planning reads statistics and index definitions for every table involved; many indexes, high statistics ' +
        'targets, or the first statement of a new connection (empty catalog caches) make it slow.',
    );
  }
  fixes.push(
    "For a statement run often, a prepared statement (or the driver's named statements) plans once and reuses the plan.",
  );
  const versus = execution !== undefined ? ` vs ${formatMsPlain(execution)} execution` : '';
  return [
    {
      ruleId: HIGH_PLANNING_TIME,
      severity,
      nodeIds: [],
      title: `Planning takes ${formatMsPlain(planning)}${versus}`,
      explanation: `PostgreSQL spends ${formatMsPlain(planning)} choosing a plan before running it. ${causes.join(' ')}`,
      suggestion: fixes.join(' '),
      evidence,
    },
  ];
}

export const highPlanningTime: PlanRule = { id: HIGH_PLANNING_TIME, kind: 'plan', check };
