/**
 * The numeric EXPLAIN fields the metric passes use, read from every node in one walk over its own keys. By
 * name, the passes would make some forty lookups per node, most of them for keys the node does not have;
 * on a 10,000-node plan that was a good part of parsePlan's time.
 */
import { BUFFER_KEYS, IO_TIME_KEYS } from './bufferKeys';
import type { PlanNode } from './planNode';

/**
 * One value per node id; undefined where the field is absent or not a finite number (as numberField has it).
 * Plain arrays, not Float64Arrays: EXPLAIN's integers stay small integers through the passes' arithmetic,
 * which lets V8 keep the metrics made from them unboxed.
 */
export type NodeColumn = Array<number | undefined>;

export interface NodeNumbers {
  planRows: NodeColumn;
  actualLoops: NodeColumn;
  actualRows: NodeColumn;
  removedByFilter: NodeColumn;
  removedByJoinFilter: NodeColumn;
  removedByIndexRecheck: NodeColumn;
  totalCost: NodeColumn;
  actualTotalTime: NodeColumn;
  /** The ten counters of BufferCounts, in its order (buffers.ts). */
  buffers: NodeColumn[];
  /** The sum of the node's I/O times in IO_TIME_KEYS order (buffers.ts); undefined when it has none. */
  ioTime: NodeColumn;
  /** 1 where the node has a filter or reports rows removed by one (estimates.ts). */
  hasFilter: Uint8Array;
}

const COLUMN_KEYS = [
  'Plan Rows',
  'Actual Loops',
  'Actual Rows',
  'Rows Removed by Filter',
  'Rows Removed by Join Filter',
  'Rows Removed by Index Recheck',
  'Total Cost',
  'Actual Total Time',
] as const;
const FIRST_REMOVED = 3;
const LAST_REMOVED = 5;

/** The FORMAT JSON names of the buffer counters, in BufferCounts order. */
const BUFFER_FIELD_NAMES = BUFFER_KEYS.map(([, key]) => key);
const BUFFER_BASE = COLUMN_KEYS.length;

const IO_BASE = 100;
/** Keys whose mere presence says the node filters rows. */
const FILTER_ONLY = -1;

const KEY_CODES = new Map<string, number>([
  ...COLUMN_KEYS.map((key, i): [string, number] => [key, i]),
  ...BUFFER_FIELD_NAMES.map((key, i): [string, number] => [key, BUFFER_BASE + i]),
  ...IO_TIME_KEYS.map((key, i): [string, number] => [key, IO_BASE + i]),
  ['Filter', FILTER_ONLY],
  ['Join Filter', FILTER_ONLY],
]);

export function readNodeNumbers(nodes: PlanNode[]): NodeNumbers {
  const n = nodes.length;
  const columns = [...COLUMN_KEYS, ...BUFFER_FIELD_NAMES].map((): NodeColumn =>
    new Array<number | undefined>(n).fill(undefined),
  );
  const hasFilter = new Uint8Array(n);
  const ioWidth = IO_TIME_KEYS.length;
  // Most plans carry no I/O timing (track_io_timing is off by default): made when first needed.
  let io: NodeColumn | undefined;
  for (let i = 0; i < n; i++) {
    const fields = nodes[i].fields as Record<string, unknown>;
    for (const key in fields) {
      const v = fields[key];
      if (v === undefined) continue;
      const code = KEY_CODES.get(key);
      if (code === undefined) continue;
      if (code === FILTER_ONLY || (code >= FIRST_REMOVED && code <= LAST_REMOVED)) hasFilter[i] = 1;
      if (code === FILTER_ONLY || typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (code >= IO_BASE) {
        io ??= new Array<number | undefined>(n * ioWidth).fill(undefined);
        io[i * ioWidth + code - IO_BASE] = v;
      } else {
        columns[code][i] = v;
      }
    }
  }
  const ioTime = new Array<number | undefined>(n).fill(undefined);
  if (io) {
    for (let i = 0; i < n; i++) {
      // Summed in IO_TIME_KEYS order whatever the order of the keys in the node.
      let sum: number | undefined;
      for (let k = 0; k < ioWidth; k++) {
        const v = io[i * ioWidth + k];
        if (v !== undefined) sum = (sum ?? 0) + v;
      }
      ioTime[i] = sum;
    }
  }
  const [
    planRows,
    actualLoops,
    actualRows,
    removedByFilter,
    removedByJoinFilter,
    removedByIndexRecheck,
    totalCost,
    actualTotalTime,
  ] = columns;
  const buffers = columns.slice(BUFFER_BASE);
  return {
    planRows,
    actualLoops,
    actualRows,
    removedByFilter,
    removedByJoinFilter,
    removedByIndexRecheck,
    totalCost,
    actualTotalTime,
    buffers,
    ioTime,
    hasFilter,
  };
}
