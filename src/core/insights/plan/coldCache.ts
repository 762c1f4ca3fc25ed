/** cold-cache: most pages came from outside shared buffers (the OS cache or the disk), not from PostgreSQL's cache. */
import { nodeLabel, type BufferCounts, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatBlocks, formatCount, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { planIndex } from './planIndex';

export const COLD_CACHE = 'cold-cache';

/** 1,000 blocks (8 MB) read: below that, even reads from disk cost little. */
export const MIN_READ_BLOCKS = 1_000;
/** Half or more of the blocks read rather than hit: the cache did not hold the data. */
export const READ_SHARE = 0.5;
/** A node that reads a fifth of the plan's blocks is where the reading happens. */
export const NODE_READ_SHARE = 0.2;
/** I/O waits of half the execution time: the query is bound by storage, worth a warning. */
export const WARNING_IO_SHARE = 0.5;

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  if (!plan.analyzed) return [];
  const total = plan.totals.buffers;
  const { ran } = planIndex(context);
  if (isCold(total)) {
    const readers = plan.nodes.filter(
      (n) => ran[n.id] === 1 && n.metrics.buffersExclusive.sharedRead >= NODE_READ_SHARE * total.sharedRead,
    );
    return [insightFor(context, readers, total, 'plan')];
  }
  // The plan as a whole is warm, but one node may still read a large table from outside the cache.
  return plan.nodes
    .filter((n) => ran[n.id] === 1 && isCold(n.metrics.buffersExclusive))
    .map((n) => insightFor(context, [n], n.metrics.buffersExclusive, 'node'));
}

function isCold(b: BufferCounts): boolean {
  const accessed = b.sharedRead + b.sharedHit;
  return b.sharedRead >= MIN_READ_BLOCKS && accessed > 0 && b.sharedRead / accessed >= READ_SHARE;
}

function insightFor(context: PlanRuleContext, nodes: PlanNode[], b: BufferCounts, scope: 'plan' | 'node'): Insight {
  const { plan } = context;
  const accessed = b.sharedRead + b.sharedHit;
  const readShare = b.sharedRead / accessed;
  const ioTimes = nodes.map((n) => n.metrics.ioTimeMsExclusive).filter((t): t is number => t !== undefined);
  const ioMs =
    scope === 'plan' ? sumIo(plan.nodes) : ioTimes.length > 0 ? ioTimes.reduce((a, t) => a + t, 0) : undefined;
  const ioShare = ioMs !== undefined && plan.totals.timeMs > 0 ? ioMs / plan.totals.timeMs : undefined;
  const severity: Severity = ioShare !== undefined && ioShare >= WARNING_IO_SHARE ? 'warning' : 'info';
  const where = scope === 'node' ? `${nodeLabel(nodes[0])}: ` : 'Cold cache: ';
  const title =
    `${where}${formatCount(b.sharedRead)} of ${formatCount(accessed)} blocks (${formatPercent(readShare)}, ` +
    `${formatBlocks(b.sharedRead)}) read from outside shared buffers` +
    (ioMs !== undefined && ioMs > 0 ? `, ${formatMsPlain(ioMs)} waiting for I/O` : '');
  const evidence: Evidence[] = [
    { label: 'shared blocks read', value: b.sharedRead },
    { label: 'shared blocks hit', value: b.sharedHit },
    { label: 'read share', value: formatPercent(readShare) },
    { label: 'data read', value: formatBlocks(b.sharedRead) },
  ];
  if (ioMs !== undefined) evidence.push({ label: 'I/O read/write time', value: formatMsPlain(ioMs) });
  if (ioShare !== undefined) evidence.push({ label: 'I/O share of execution time', value: formatPercent(ioShare) });
  if (scope === 'plan' && nodes.length > 0)
    evidence.push({ label: 'read mostly by', value: nodes.map(nodeLabel).join('; ') });
  const explanation =
    'A "read" block was not in shared buffers, so PostgreSQL asked the operating system for it: from its page cache ' +
    'if lucky, from disk otherwise. The first run after a restart, or after other queries pushed the data out, ' +
    'reads everything; a table larger than a quarter of shared_buffers is always scanned through a small ring ' +
    'buffer and so is read again on every Seq Scan.' +
    (ioMs === undefined ? ' (Turn on track_io_timing to see how long the reads took.)' : '');
  const suggestion =
    'Run the query again to compare with a warm cache. If it stays cold, read fewer pages (an index or a covering ' +
    'index instead of a full scan, fewer columns) or give PostgreSQL more cache (shared_buffers, and RAM for the ' +
    'OS cache); pg_prewarm can load a hot table after a restart.';
  return { ruleId: COLD_CACHE, severity, nodeIds: nodes.map((n) => n.id), title, explanation, suggestion, evidence };
}

function sumIo(nodes: PlanNode[]): number | undefined {
  let seen = false;
  let total = 0;
  for (const n of nodes) {
    if (n.metrics.ioTimeMsExclusive === undefined) continue;
    seen = true;
    total += n.metrics.ioTimeMsExclusive;
  }
  return seen ? total : undefined;
}

export const coldCache: PlanRule = { id: COLD_CACHE, kind: 'plan', check };
