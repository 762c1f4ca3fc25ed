/**
 * Buffers and I/O time. EXPLAIN reports both inclusive (a node's counts contain its children's) and summed
 * over loops and over parallel processes, so no loop or worker scaling applies; exclusive values come by
 * the same subtraction as time (attribution.ts).
 */
import { exclusiveValues, type Attribution } from './attribution';
import { numberField } from './fieldValues';
import type { BufferCounts, PlanNode } from './planNode';

/** BufferCounts member → FORMAT JSON key. */
export const BUFFER_KEYS: ReadonlyArray<readonly [keyof BufferCounts, string]> = [
  ['sharedHit', 'Shared Hit Blocks'],
  ['sharedRead', 'Shared Read Blocks'],
  ['sharedDirtied', 'Shared Dirtied Blocks'],
  ['sharedWritten', 'Shared Written Blocks'],
  ['localHit', 'Local Hit Blocks'],
  ['localRead', 'Local Read Blocks'],
  ['localDirtied', 'Local Dirtied Blocks'],
  ['localWritten', 'Local Written Blocks'],
  ['tempRead', 'Temp Read Blocks'],
  ['tempWritten', 'Temp Written Blocks'],
];

/** I/O timing keys across versions: ≤ 15 "I/O Read Time"; 16 adds "Temp I/O …"; 17+ "Shared/Local I/O …". */
export const IO_TIME_KEYS = [
  'I/O Read Time',
  'I/O Write Time',
  'Shared I/O Read Time',
  'Shared I/O Write Time',
  'Local I/O Read Time',
  'Local I/O Write Time',
  'Temp I/O Read Time',
  'Temp I/O Write Time',
] as const;

export function buffersFrom(fields: Record<string, unknown>): BufferCounts {
  return {
    sharedHit: numberField(fields, 'Shared Hit Blocks') ?? 0,
    sharedRead: numberField(fields, 'Shared Read Blocks') ?? 0,
    sharedDirtied: numberField(fields, 'Shared Dirtied Blocks') ?? 0,
    sharedWritten: numberField(fields, 'Shared Written Blocks') ?? 0,
    localHit: numberField(fields, 'Local Hit Blocks') ?? 0,
    localRead: numberField(fields, 'Local Read Blocks') ?? 0,
    localDirtied: numberField(fields, 'Local Dirtied Blocks') ?? 0,
    localWritten: numberField(fields, 'Local Written Blocks') ?? 0,
    tempRead: numberField(fields, 'Temp Read Blocks') ?? 0,
    tempWritten: numberField(fields, 'Temp Written Blocks') ?? 0,
  };
}

function ioTimeOf(fields: Record<string, unknown>): number | undefined {
  let sum: number | undefined;
  for (const key of IO_TIME_KEYS) {
    const v = numberField(fields, key);
    if (v !== undefined) sum = (sum ?? 0) + v;
  }
  return sum;
}

export function applyBuffers(nodes: PlanNode[], attribution: Attribution): void {
  const n = nodes.length;
  for (const node of nodes) node.metrics.buffersInclusive = buffersFrom(node.fields);
  const column = (member: keyof BufferCounts): Float64Array => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = nodes[i].metrics.buffersInclusive[member];
    return exclusiveValues(attribution, values);
  };
  const sh = column('sharedHit');
  const sr = column('sharedRead');
  const sd = column('sharedDirtied');
  const sw = column('sharedWritten');
  const lh = column('localHit');
  const lr = column('localRead');
  const ld = column('localDirtied');
  const lw = column('localWritten');
  const tr = column('tempRead');
  const tw = column('tempWritten');
  const io = nodes.map((node) => ioTimeOf(node.fields));
  const ioExclusive = exclusiveValues(attribution, io.map((v) => v ?? 0));
  for (let i = 0; i < n; i++) {
    // CTE shares are taken whole-block, but keep the counts integral whatever the split.
    const m = nodes[i].metrics;
    m.buffersExclusive = {
      sharedHit: Math.round(sh[i]),
      sharedRead: Math.round(sr[i]),
      sharedDirtied: Math.round(sd[i]),
      sharedWritten: Math.round(sw[i]),
      localHit: Math.round(lh[i]),
      localRead: Math.round(lr[i]),
      localDirtied: Math.round(ld[i]),
      localWritten: Math.round(lw[i]),
      tempRead: Math.round(tr[i]),
      tempWritten: Math.round(tw[i]),
    };
    if (io[i] !== undefined) m.ioTimeMsExclusive = ioExclusive[i];
  }
}
