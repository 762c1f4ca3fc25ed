/**
 * Buffers and I/O time. EXPLAIN reports both inclusive (a node's counts contain its children's) and summed
 * over loops and over parallel processes, so no loop or worker scaling applies; exclusive values come by
 * the same subtraction as time (attribution.ts).
 */
import { exclusiveColumns, type Attribution } from './attribution';
import { numberField } from './fieldValues';
import type { NodeNumbers } from './nodeNumbers';
import type { BufferCounts, PlanNode } from './planNode';

// The keys live apart: nodeNumbers.ts reads them, and this file takes its columns.

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

/** exclusiveColumns' layout here: per node the ten counters of BufferCounts in declaration order, then I/O time. */
const STRIDE = 11;

export function applyBuffers(nodes: PlanNode[], attribution: Attribution, numbers: NodeNumbers): void {
  const n = nodes.length;
  const ioTime = numbers.ioTime;
  const [
    sharedHit,
    sharedRead,
    sharedDirtied,
    sharedWritten,
    localHit,
    localRead,
    localDirtied,
    localWritten,
    tempRead,
    tempWritten,
  ] = numbers.buffers;
  // One node-major array and one subtraction walk for all measures, instead of a column and a walk each.
  const inclusive = new Float64Array(n * STRIDE);
  const hasIoTime = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // EXPLAIN's own values, not copies out of a Float64Array: those would make V8 box all ten as doubles.
    const b: BufferCounts = {
      sharedHit: sharedHit[i] ?? 0,
      sharedRead: sharedRead[i] ?? 0,
      sharedDirtied: sharedDirtied[i] ?? 0,
      sharedWritten: sharedWritten[i] ?? 0,
      localHit: localHit[i] ?? 0,
      localRead: localRead[i] ?? 0,
      localDirtied: localDirtied[i] ?? 0,
      localWritten: localWritten[i] ?? 0,
      tempRead: tempRead[i] ?? 0,
      tempWritten: tempWritten[i] ?? 0,
    };
    nodes[i].metrics.buffersInclusive = b;
    const o = i * STRIDE;
    inclusive[o] = b.sharedHit;
    inclusive[o + 1] = b.sharedRead;
    inclusive[o + 2] = b.sharedDirtied;
    inclusive[o + 3] = b.sharedWritten;
    inclusive[o + 4] = b.localHit;
    inclusive[o + 5] = b.localRead;
    inclusive[o + 6] = b.localDirtied;
    inclusive[o + 7] = b.localWritten;
    inclusive[o + 8] = b.tempRead;
    inclusive[o + 9] = b.tempWritten;
    const io = ioTime[i];
    if (io !== undefined) {
      inclusive[o + 10] = io;
      hasIoTime[i] = 1;
    }
  }
  const ex = exclusiveColumns(attribution, inclusive, STRIDE);
  for (let i = 0; i < n; i++) {
    // CTE shares are taken whole-block, but keep the counts integral whatever the split.
    const m = nodes[i].metrics;
    const o = i * STRIDE;
    m.buffersExclusive = {
      sharedHit: Math.round(ex[o]),
      sharedRead: Math.round(ex[o + 1]),
      sharedDirtied: Math.round(ex[o + 2]),
      sharedWritten: Math.round(ex[o + 3]),
      localHit: Math.round(ex[o + 4]),
      localRead: Math.round(ex[o + 5]),
      localDirtied: Math.round(ex[o + 6]),
      localWritten: Math.round(ex[o + 7]),
      tempRead: Math.round(ex[o + 8]),
      tempWritten: Math.round(ex[o + 9]),
    };
    if (hasIoTime[i] === 1) m.ioTimeMsExclusive = ex[o + 10];
  }
}
