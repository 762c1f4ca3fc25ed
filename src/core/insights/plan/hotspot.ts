/** hotspot: the nodes where the query spends most of its own time (exclusive of the nodes below them). */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { loops } from './planFacts';

export const HOTSPOT = 'hotspot';

/** A node holding a fifth of the time is where to look; below that, time is spread and no node stands out. */
export const HOTSPOT_SHARE = 0.2;
/** Half the time in one node: that node is the query's cost. */
export const WARNING_SHARE = 0.5;
/** At most the top three: the rest is noise next to them. */
export const MAX_HOTSPOTS = 3;
/** A query that runs in under a millisecond has no hotspot worth a user's attention. */
export const MIN_PLAN_MS = 1;
/** A warning needs real time too: a node under 100 ms is rarely what makes a user call a query slow. */
export const WARNING_MIN_MS = 100;

/** What usually makes each kind of node expensive, and where to look. */
const ADVICE: Record<string, string> = {
  'Seq Scan': 'Reading the whole table: an index on the filtered columns, or fewer rows to read, makes it cheaper.',
  'Index Scan':
    'Many index lookups with table visits: a covering index (INCLUDE) can skip the table, a tighter condition reads fewer rows.',
  'Index Only Scan':
    'If it still fetches heap rows, VACUUM the table; otherwise it reads many index entries: narrow the condition.',
  'Bitmap Heap Scan':
    'Reading many table pages: check for lossy blocks (work_mem) and whether a more selective index exists.',
  Sort: 'Sorting: an index in the sort order removes it; if it spills, more work_mem keeps it in memory.',
  'Incremental Sort': 'Sorting groups: an index covering all sort keys removes it.',
  'Hash Join': 'Joining by hash: check the row counts of both sides and whether the hash spills to disk.',
  Hash: 'Building a hash table: a smaller inner side (fewer columns, earlier filters) or more work_mem helps.',
  'Nested Loop': 'Looping: the inner side runs once per outer row; fewer outer rows or a hash join help.',
  'Merge Join': 'Merging sorted inputs: check the sorts below it.',
  Aggregate: 'Aggregating: fewer input rows (filter first) or fewer groups make it cheaper; check it does not spill.',
  'Function Scan': 'Running a function: its cost is inside the function body.',
  'CTE Scan':
    'Reading a materialized CTE: inlining it (NOT MATERIALIZED, PostgreSQL 12+) lets filters reach the tables.',
};

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  if (!plan.analyzed || plan.totals.timeMs < MIN_PLAN_MS) return [];
  const ranked = plan.nodes
    .filter((n) => n.metrics.timeShare >= HOTSPOT_SHARE)
    .sort((a, b) => b.metrics.timeShare - a.metrics.timeShare || a.id - b.id)
    .slice(0, MAX_HOTSPOTS);
  return ranked.map((node, i) => insightFor(context, node, node.metrics.hotspotRank ?? i + 1));
}

function insightFor(context: PlanRuleContext, node: PlanNode, rank: number): Insight {
  const m = node.metrics;
  const severity: Severity = m.timeShare >= WARNING_SHARE && m.exclusiveTimeMs >= WARNING_MIN_MS ? 'warning' : 'info';
  const title = `Hotspot #${rank}: ${nodeLabel(node)} takes ${formatPercent(m.timeShare)} of the time (${formatMsPlain(m.exclusiveTimeMs)})`;
  const n = loops(node);
  return {
    ruleId: HOTSPOT,
    severity,
    nodeIds: [node.id],
    title,
    explanation:
      `${formatMsPlain(m.exclusiveTimeMs)} of the query's ${formatMsPlain(context.plan.totals.timeMs)} is spent in this node ` +
      `itself, not counting the nodes below it${n > 1 ? `, over ${n.toLocaleString('en-US')} executions` : ''}. ` +
      'Making anything else faster cannot save more than the rest.',
    suggestion:
      ADVICE[node.fields['Node Type']] ?? 'Look at what this node does with its rows, and at the other insights on it.',
    evidence: [
      { label: 'rank', value: rank },
      { label: 'share of query time', value: formatPercent(m.timeShare) },
      { label: 'time in this node', value: formatMsPlain(m.exclusiveTimeMs) },
      { label: 'query time', value: formatMsPlain(context.plan.totals.timeMs) },
      { label: 'loops', value: n },
    ],
  };
}

export const hotspot: PlanRule = { id: HOTSPOT, kind: 'plan', check };
