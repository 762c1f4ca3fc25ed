/** temp-buffers-written: the query wrote temporary files (spilled sorts, hashes, materializations, CTEs). */
import { nodeLabel } from '../../plan/planNode';
import type { Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatBlocks, formatCount, formatPercent } from '../../text/formatNumbers';
import { planIndex } from './planIndex';

export const TEMP_BUFFERS_WRITTEN = 'temp-buffers-written';

/** 128 blocks (1 MB): smaller spills are cheap and usually land in the OS cache. */
export const MIN_TEMP_BLOCKS = 128;
/** 16,384 blocks (128 MB) of temporary files is real disk traffic. */
export const WARNING_TEMP_BLOCKS = 16_384;

function check(context: PlanRuleContext): Insight[] {
  const { plan } = context;
  if (!plan.analyzed) return [];
  const written = plan.totals.buffers.tempWritten;
  if (written < MIN_TEMP_BLOCKS) return [];
  const { ran } = planIndex(context);
  const writers = plan.nodes
    .filter((n) => ran[n.id] === 1 && n.metrics.buffersExclusive.tempWritten > 0)
    .sort((a, b) => b.metrics.buffersExclusive.tempWritten - a.metrics.buffersExclusive.tempWritten);
  const severity: Severity = written >= WARNING_TEMP_BLOCKS ? 'warning' : 'info';
  const where = writers.map(
    (n) =>
      `${nodeLabel(n)} ${formatBlocks(n.metrics.buffersExclusive.tempWritten)} (${formatPercent(n.metrics.buffersExclusive.tempWritten / written)})`,
  );
  const read = plan.totals.buffers.tempRead;
  return [
    {
      ruleId: TEMP_BUFFERS_WRITTEN,
      severity,
      nodeIds: writers.map((n) => n.id),
      title:
        `Query wrote ${formatBlocks(written)} of temporary files (${formatCount(written)} blocks)` +
        (writers.length > 0 ? `, in ${writers.map(nodeLabel).join(', ')}` : ''),
      explanation:
        'Operations that do not fit in work_mem (sorts, hash joins, hash aggregates, materialized results) write ' +
        'their excess to temporary files and read it back. Each block is written and read again, and under ' +
        'concurrency these files compete for the disk with everything else.',
      suggestion:
        'See the spill insights on these nodes for the work_mem that keeps each in memory (set it per query with ' +
        'SET LOCAL). On the server, log_temp_files = 0 shows which queries spill, and temp_file_limit caps a runaway one.',
      evidence: [
        { label: 'temp blocks written', value: written },
        { label: 'temp blocks read', value: read },
        { label: 'temp data written', value: formatBlocks(written) },
        { label: 'written by', value: where.join('; ') || 'not attributed to a node' },
      ],
    },
  ];
}

export const tempBuffersWritten: PlanRule = { id: TEMP_BUFFERS_WRITTEN, kind: 'plan', check };
