import type { Plan, PlanNode } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { formatBytes, formatCount } from '../text/formatNumbers';
import type { Spill } from './planComparison';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** What the node wrote to disk: sorts and hashes that did not fit in work_mem, and temp blocks. */
export function nodeSpills(node: PlanNode): Spill[] {
  const f = node.fields;
  const label = nodeLabel(node);
  const out: Spill[] = [];
  const sortMethod = typeof f['Sort Method'] === 'string' ? f['Sort Method'] : '';
  if (f['Sort Space Type'] === 'Disk' || /external/.test(sortMethod)) {
    const kb = num(f['Sort Space Used']);
    out.push({
      nodeId: node.id,
      label,
      kind: 'sort',
      detail: `${sortMethod || 'external sort'}${kb !== undefined ? `, ${formatBytes(kb * 1024)} on disk` : ''}`,
    });
  }
  const batches = num(f['Hash Batches']);
  if (f['Node Type'] === 'Hash' && batches !== undefined && batches > 1) {
    const original = num(f['Original Hash Batches']);
    out.push({
      nodeId: node.id,
      label,
      kind: 'hash',
      detail: `${batches} batches${original !== undefined && original !== batches ? ` (planned ${original})` : ''}`,
    });
  }
  const aggBatches = num(f['HashAgg Batches']);
  const diskKb = num(f['Disk Usage']);
  if (
    (aggBatches !== undefined && aggBatches > 1) ||
    (diskKb !== undefined && diskKb > 0 && f['Node Type'] === 'Aggregate')
  ) {
    out.push({
      nodeId: node.id,
      label,
      kind: 'hash-aggregate',
      detail: `${aggBatches ?? '?'} batches${diskKb ? `, ${formatBytes(diskKb * 1024)} on disk` : ''}`,
    });
  }
  const temp = node.metrics.buffersExclusive.tempWritten;
  if (temp > 0 && out.length === 0) {
    out.push({
      nodeId: node.id,
      label,
      kind: 'temp-buffers',
      detail: `${formatCount(temp)} temp blocks written (${formatBytes(temp * 8192)})`,
    });
  }
  return out;
}

export function planSpills(plan: Plan): Spill[] {
  return plan.nodes.flatMap(nodeSpills);
}
