/** sort-spills-to-disk: a sort did not fit in work_mem and ran as an external merge through temporary files. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatKb, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { loops, numberField, stringField } from './planFacts';
import { insightsOfRanNodes } from './planIndex';
import { suggestWorkMemKb, workMemEvidence, workMemKb, workMemText } from './workMem';

export const SORT_SPILLS_TO_DISK = 'sort-spills-to-disk';

/**
 * In memory a sorted row costs more than on disk: a 24-byte SortTuple slot (in an array grown by doubling), an
 * allocation header and alignment. Measured on PostgreSQL 15: 4,168 kB on disk became 17,082 kB in memory for
 * 200,000 narrow rows. We estimate memory as disk × 1.1 + 80 bytes per row, which covers that case with margin.
 */
export const DISK_TO_MEMORY = 1.1;
export const MEMORY_BYTES_PER_ROW = 80;
/** A spilling sort that holds a tenth of the time is worth a warning; a smaller one is noted. */
export const WARNING_TIME_SHARE = 0.1;

interface Spill {
  diskKb: number;
  method: string;
}

const GROUP_KEYS = ['Full-sort Groups', 'Pre-sorted Groups'];

/** The sort's own disk use in one set of fields (the node's or a worker's), when it beats `best`. */
function diskSort(fields: Record<string, unknown>, best: Spill | undefined): Spill | undefined {
  // Most nodes are not sorts: two plain lookups settle them.
  if (fields['Sort Space Type'] === undefined && fields['Sort Method'] === undefined) return best;
  const type = stringField(fields, 'Sort Space Type');
  const method = stringField(fields, 'Sort Method') ?? '';
  const used = numberField(fields, 'Sort Space Used') ?? 0;
  if ((type === 'Disk' || /external/i.test(method)) && used > 0 && (!best || used > best.diskKb)) {
    return { diskKb: used, method: method || 'external merge' };
  }
  return best;
}

/** The largest disk use of the node: its own, or any parallel worker's, or an Incremental Sort's group sorts. */
function spillOf(node: PlanNode): Spill | undefined {
  const f = node.fields;
  let best = diskSort(f, undefined);
  const workers = f['Workers'];
  if (Array.isArray(workers)) for (const worker of workers) best = diskSort(worker as Record<string, unknown>, best);
  for (const key of GROUP_KEYS) {
    const groups = f[key];
    if (!groups || typeof groups !== 'object') continue;
    const disk = (groups as Record<string, unknown>)['Sort Space Disk'];
    if (disk && typeof disk === 'object') {
      const peak = numberField(disk as Record<string, unknown>, 'Peak Sort Space Used') ?? 0;
      if (peak > 0 && (!best || peak > best.diskKb))
        best = { diskKb: peak, method: 'external merge (incremental sort)' };
    }
  }
  return best;
}

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(context, (node) => {
    const spill = spillOf(node);
    return spill && insightFor(context, node, spill);
  });
}

/** Rows one execution of the sort took in: its input's rows per loop (a Sort returns all of them unless limited). */
function rowsSorted(node: PlanNode): number {
  const input = node.children[0];
  const total = input ? input.metrics.actualRowsTotal : node.metrics.actualRowsTotal;
  return total / Math.max(1, loops(node));
}

function insightFor(context: PlanRuleContext, node: PlanNode, spill: Spill): Insight {
  const current = workMemKb(context);
  const rows = rowsSorted(node);
  const neededKb = spill.diskKb * DISK_TO_MEMORY + (rows * MEMORY_BYTES_PER_ROW) / 1024;
  const suggestedKb = suggestWorkMemKb(neededKb, current.kb);
  const share = node.metrics.timeShare;
  const severity: Severity = share >= WARNING_TIME_SHARE ? 'warning' : 'info';
  const keys = Array.isArray(node.fields['Sort Key']) ? node.fields['Sort Key'].join(', ') : undefined;
  const title =
    `${nodeLabel(node)} spills ${formatKb(spill.diskKb)} to disk (${spill.method}, work_mem ` +
    `${workMemText(current.kb)}${current.known ? '' : ' assumed'}); work_mem ${workMemText(suggestedKb)} would keep it in memory`;
  const evidence: Evidence[] = [
    { label: 'sort method', value: spill.method },
    { label: 'disk used', value: spill.diskKb, unit: 'kB' },
    { label: 'rows sorted', value: Math.round(rows), unit: 'rows' },
    workMemEvidence(current),
    { label: 'memory needed (estimate)', value: Math.ceil(neededKb), unit: 'kB' },
    { label: 'suggested work_mem', value: workMemText(suggestedKb) },
    { label: 'time in this sort', value: formatMsPlain(node.metrics.exclusiveTimeMs) },
    { label: 'share of query time', value: formatPercent(share) },
  ];
  if (keys) evidence.push({ label: 'sort key', value: keys });
  const explanation =
    `Sorting ${formatCount(rows)} rows needed about ${formatKb(neededKb)} of memory but work_mem allows ` +
    `${workMemText(current.kb)}, so PostgreSQL sorted in chunks, wrote them to temporary files ` +
    `(${formatKb(spill.diskKb)}) and merged them back: disk writes and reads on top of the sort itself.`;
  const suggestion =
    `Raise work_mem for this query only: SET LOCAL work_mem = '${workMemText(suggestedKb)}' inside its transaction ` +
    '(work_mem applies to each sort and hash of each connection, so raising it server-wide multiplies it). ' +
    (keys
      ? `Better still, an index on (${keys}) that matches the filter can return the rows already in order and remove the sort.`
      : 'Better still, an index that returns the rows in order removes the sort.');
  return { ruleId: SORT_SPILLS_TO_DISK, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

export const sortSpillsToDisk: PlanRule = { id: SORT_SPILLS_TO_DISK, kind: 'plan', check };
