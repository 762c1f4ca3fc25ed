/** hash-spills-to-disk: a hash table (Hash Join's inner side, or a HashAggregate) outgrew its memory and went to disk. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatKb, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { loops, numberField } from './planFacts';
import { insightsOfRanNodes, planIndex } from './planIndex';
import { hashMemMultiplier, suggestWorkMemKb, workMemEvidence, workMemKb, workMemText } from './workMem';

export const HASH_SPILLS_TO_DISK = 'hash-spills-to-disk';

/** Memory for a Hash Join's whole hash table ≈ peak memory of one batch × batches, 25 % on top for uneven batches. */
export const HASH_HEADROOM = 1.25;
/**
 * A HashAggregate's memory grows with its groups, not with what it spilled (it spills input rows, which are compact).
 * Measured on PostgreSQL 15 for GROUP BY int with sum(numeric), a common and fairly large transition state:
 * 13,841 kB for 29,423 groups and 22,033 kB for 49,056 groups, about 470 bytes a group; we count 512.
 * Aggregates that collect values (array_agg, string_agg, json_agg) need more, and this stays a floor for them.
 */
export const HASHAGG_BYTES_PER_GROUP = 512;
/** A spilling hash whose join or aggregate holds a tenth of the time is worth a warning; a smaller one is noted. */
export const WARNING_TIME_SHARE = 0.1;

interface HashSpill {
  /** The node that holds the hash table: Hash, or Aggregate/SetOp. */
  node: PlanNode;
  /** The join above a Hash node, whose time also pays for the batches. */
  join?: PlanNode;
  batches: number;
  originalBatches?: number;
  peakKb: number;
  diskKb?: number;
  /** Groups one execution of a HashAggregate formed (its rows, plus those its HAVING removed). */
  groups?: number;
  neededKb: number;
}

function spillOf(plan: PlanRuleContext['plan'], node: PlanNode): HashSpill | undefined {
  const f = node.fields;
  const type = f['Node Type'];
  // Most nodes hold no hash table: settled by plain lookups before any parsing of figures.
  if (type !== 'Hash' && f['HashAgg Batches'] === undefined && f['Disk Usage'] === undefined) return undefined;
  const peakKb = numberField(f, 'Peak Memory Usage') ?? 0;
  if (type === 'Hash') {
    const batches = numberField(f, 'Hash Batches') ?? 1;
    const originalBatches = numberField(f, 'Original Hash Batches');
    if (batches <= 1) return undefined;
    const join = node.parentId !== null ? plan.nodes[node.parentId] : undefined;
    return { node, join, batches, originalBatches, peakKb, neededKb: peakKb * batches * HASH_HEADROOM };
  }
  // HashAggregate on PostgreSQL 13+: it spills partitions instead of growing past hash memory.
  const batches = numberField(f, 'HashAgg Batches');
  const diskKb = numberField(f, 'Disk Usage');
  if (batches === undefined && diskKb === undefined) return undefined;
  if ((batches ?? 0) <= 1 && (diskKb ?? 0) <= 0) return undefined;
  const groups = (node.metrics.actualRowsTotal + node.metrics.rowsRemovedByFilter) / Math.max(1, loops(node));
  const neededKb = Math.max((peakKb + (diskKb ?? 0)) * HASH_HEADROOM, (groups * HASHAGG_BYTES_PER_GROUP) / 1024);
  return { node, batches: batches ?? 1, peakKb, diskKb, groups, neededKb };
}

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(context, (node) => {
    const spill = spillOf(context.plan, node);
    return spill && insightFor(context, spill);
  });
}

function insightFor(context: PlanRuleContext, spill: HashSpill): Insight {
  const { node, join } = spill;
  const current = workMemKb(context);
  const multiplier = hashMemMultiplier(context);
  // Hash tables may use work_mem × hash_mem_multiplier, so the work_mem to set is the need divided by it.
  const suggestedKb = suggestWorkMemKb(spill.neededKb / multiplier, current.kb);
  const timeNode = join ?? node;
  // The batches cost time in the Hash (writing the inner side) and in the join (writing and re-reading the outer).
  const share = (join?.metrics.timeShare ?? 0) + node.metrics.timeShare;
  const severity: Severity = share >= WARNING_TIME_SHARE ? 'warning' : 'info';
  const isAgg = node.fields['Node Type'] !== 'Hash';
  const holds = planIndex(context).relationBelow(node);
  const what = isAgg ? nodeLabel(node) : `Hash${holds ? ` of ${nodeLabel(holds)}` : ''}`;
  const grew = spill.originalBatches !== undefined && spill.batches > spill.originalBatches;
  const title = isAgg
    ? `${what} spills to disk: ${formatCount(spill.batches)} batches, ${formatKb(spill.diskKb ?? 0)} written ` +
      `(work_mem ${workMemText(current.kb)}); work_mem ${workMemText(suggestedKb)} would keep it in memory`
    : `${what} runs in ${formatCount(spill.batches)} batches${grew ? ` (planned ${formatCount(spill.originalBatches ?? 1)})` : ''} ` +
      `(work_mem ${workMemText(current.kb)}); work_mem ${workMemText(suggestedKb)} would keep it in memory`;
  const evidence: Evidence[] = [{ label: isAgg ? 'HashAgg batches' : 'hash batches', value: spill.batches }];
  if (spill.originalBatches !== undefined) evidence.push({ label: 'planned batches', value: spill.originalBatches });
  evidence.push({ label: 'peak memory', value: spill.peakKb, unit: 'kB' });
  if (spill.diskKb !== undefined) evidence.push({ label: 'disk used', value: spill.diskKb, unit: 'kB' });
  if (spill.groups !== undefined) evidence.push({ label: 'groups', value: Math.round(spill.groups) });
  evidence.push(
    { label: 'memory needed (estimate)', value: Math.ceil(spill.neededKb), unit: 'kB' },
    workMemEvidence(current),
    { label: 'hash_mem_multiplier', value: multiplier },
    { label: 'suggested work_mem', value: workMemText(suggestedKb) },
    { label: 'time', value: formatMsPlain(timeNode.metrics.inclusiveTimeMs) },
    { label: 'share of query time', value: formatPercent(share) },
  );
  const limit = `work_mem × hash_mem_multiplier (${workMemText(current.kb)} × ${multiplier})`;
  const explanation = isAgg
    ? `The aggregate keeps one entry per group (${formatCount(spill.groups ?? 0)} groups) in a hash table limited to ${limit}. It needed about ` +
      `${formatKb(spill.neededKb)}, so it wrote the input rows of the groups that did not fit to temporary files ` +
      `(${formatKb(spill.diskKb ?? 0)}) and went back over them in ${formatCount(spill.batches)} batches.`
    : `The hash table built from ${holds ? nodeLabel(holds) : 'the inner side'} did not fit in ${limit}; ` +
      `PostgreSQL split both join inputs into ${formatCount(spill.batches)} batches and wrote all but the first to ` +
      'temporary files, so each row of both sides is written and read again.' +
      (grew ? ' The planner expected fewer batches: the inner side is larger than estimated.' : '');
  const suggestion =
    `Raise work_mem for this query only: SET LOCAL work_mem = '${workMemText(suggestedKb)}' inside its transaction ` +
    `(with hash_mem_multiplier = ${multiplier} the hash may then use ${formatKb(suggestedKb * multiplier)}). ` +
    (isAgg
      ? 'Fewer groups also help: aggregate after filtering, or group by fewer columns.'
      : 'Or make the hashed side smaller: select fewer columns from it and filter it before the join.');
  const nodeIds = join ? [node.id, join.id] : [node.id];
  return { ruleId: HASH_SPILLS_TO_DISK, severity, nodeIds, title, explanation, suggestion, evidence };
}

export const hashSpillsToDisk: PlanRule = { id: HASH_SPILLS_TO_DISK, kind: 'plan', check };
