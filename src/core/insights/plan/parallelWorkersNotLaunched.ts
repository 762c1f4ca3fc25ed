/** parallel-workers-not-launched: a Gather was planned with N workers and got fewer at run time. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatMsPlain } from '../../text/formatNumbers';
import { numberField, setting } from './planFacts';
import { insightsOfRanNodes } from './planIndex';

export const PARALLEL_WORKERS_NOT_LAUNCHED = 'parallel-workers-not-launched';

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(context, (node) => {
    if (node.fields['Workers Planned'] === undefined) return undefined;
    const planned = numberField(node.fields, 'Workers Planned');
    const launched = numberField(node.fields, 'Workers Launched');
    if (planned === undefined || launched === undefined || launched >= planned) return undefined;
    return insightFor(context, node, planned, launched);
  });
}

function insightFor(context: PlanRuleContext, node: PlanNode, planned: number, launched: number): Insight {
  // None launched: the leader does all the work of a plan costed for several processes.
  const severity: Severity = launched === 0 ? 'warning' : 'info';
  const evidence: Evidence[] = [
    { label: 'workers planned', value: planned },
    { label: 'workers launched', value: launched },
    { label: 'time', value: formatMsPlain(node.metrics.inclusiveTimeMs) },
  ];
  for (const name of ['max_parallel_workers', 'max_worker_processes', 'max_parallel_workers_per_gather']) {
    const value = setting(context, name);
    if (value !== undefined) evidence.push({ label: name, value });
  }
  const maxWorkers = setting(context, 'max_parallel_workers');
  return {
    ruleId: PARALLEL_WORKERS_NOT_LAUNCHED,
    severity,
    nodeIds: [node.id],
    title: `${nodeLabel(node)} planned ${planned} parallel workers but launched ${launched}`,
    explanation:
      'The planner chose a parallel plan, counting on the work being split, but when the query started only ' +
      `${launched} of ${planned} background workers were free. Workers come from a server-wide pool ` +
      '(max_parallel_workers, itself within max_worker_processes) shared by all running queries; when it is empty ' +
      'the leader process does the work alone, so this part runs up to ' +
      `${planned + 1}× slower than planned.` +
      (maxWorkers === '0' ? ' Here max_parallel_workers is 0: no worker can ever start.' : ''),
    suggestion:
      'If this happens under normal load, the pool is too small for the concurrency: raise max_parallel_workers ' +
      '(and max_worker_processes, which needs a restart) in line with the CPU cores, or lower ' +
      'max_parallel_workers_per_gather so that more queries get some workers. If it only happens at peaks, it is ' +
      'expected behaviour.',
    evidence,
  };
}

export const parallelWorkersNotLaunched: PlanRule = { id: PARALLEL_WORKERS_NOT_LAUNCHED, kind: 'plan', check };
