/**
 * The plan model. Raw EXPLAIN fields keep PostgreSQL's own key names (as in FORMAT JSON), so nothing is lost
 * or renamed between the server and the view; everything we compute lives in `metrics`, apart and named.
 */
import { displayName } from '../text/displayName';

/** One node's EXPLAIN fields, as FORMAT JSON names them ("Node Type", "Actual Rows", "Shared Hit Blocks", …). */
export interface RawPlanFields {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  'Index Name'?: string;
  'CTE Name'?: string;
  'Function Name'?: string;
  'Join Type'?: string;
  Strategy?: string;
  'Startup Cost'?: number;
  'Total Cost'?: number;
  'Plan Rows'?: number;
  'Plan Width'?: number;
  'Actual Startup Time'?: number;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Filter?: string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  'Hash Cond'?: string;
  'Merge Cond'?: string;
  'Join Filter'?: string;
  'Sort Key'?: string[];
  'Sort Method'?: string;
  'Sort Space Used'?: number;
  'Sort Space Type'?: string;
  'Hash Batches'?: number;
  'Original Hash Batches'?: number;
  'Peak Memory Usage'?: number;
  'Heap Fetches'?: number;
  'Exact Heap Blocks'?: number;
  'Lossy Heap Blocks'?: number;
  'Workers Planned'?: number;
  'Workers Launched'?: number;
  'Parallel Aware'?: boolean;
  Output?: string[];
  Workers?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Buffer counts in 8 kB blocks, as EXPLAIN (BUFFERS) reports them. */
export interface BufferCounts {
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  sharedWritten: number;
  localHit: number;
  localRead: number;
  localDirtied: number;
  localWritten: number;
  tempRead: number;
  tempWritten: number;
}

export type MisestimateDirection = 'under' | 'over' | 'none';

/** What we derive per node. Times are milliseconds over all loops of the node (not per loop). */
export interface NodeMetrics {
  /** Time spent in this node and below, all loops (Actual Total Time × loops, parallel-adjusted). */
  inclusiveTimeMs: number;
  /** Inclusive time minus the inclusive time of direct children (InitPlans/SubPlans included), never < 0. */
  exclusiveTimeMs: number;
  /** exclusiveTimeMs / the plan's execution time, 0..1. */
  timeShare: number;
  /** Actual Rows × Actual Loops. */
  actualRowsTotal: number;
  /**
   * Plan Rows × Actual Loops (the planner's estimate for all loops); undefined when the plan shows no estimate
   * (EXPLAIN (COSTS OFF), Citus's placeholder figures): unknown, not 0.
   */
  estimatedRowsTotal?: number;
  /** max(actual/estimate, estimate/actual) per loop, ≥ 1; 1 when not analysed. */
  misestimateFactor: number;
  misestimateDirection: MisestimateDirection;
  /**
   * True when the node's consumer stopped asking for rows before it ran out (an early-stopping LIMIT above it,
   * a Merge Join, the inner side of a semi or anti join): fewer rows than estimated is then no misestimate,
   * and misestimateFactor/misestimateDirection do not report it (earlyStop.ts).
   */
  stoppedEarly?: boolean;
  /** Rows removed by Filter/Join Filter/Index Recheck, × loops. */
  rowsRemovedByFilter: number;
  rowsRemovedByJoinFilter: number;
  rowsRemovedByIndexRecheck: number;
  /** Share of rows read that the node's filter threw away, 0..1; undefined when there is no filter. */
  filterDiscardRatio?: number;
  buffersInclusive: BufferCounts;
  buffersExclusive: BufferCounts;
  /** I/O Read Time + I/O Write Time (shared+local+temp), exclusive, when track_io_timing was on. */
  ioTimeMsExclusive?: number;
  /** Total Cost minus children's Total Cost. */
  exclusiveCost: number;
  /** 1 = the node with the largest exclusive time; absent for nodes that are not hotspots. */
  hotspotRank?: number;
  /** True when the node ran inside a parallel worker group (below a Gather/Gather Merge). */
  underGather: boolean;
  /** True when the node was never executed ("never executed" / Actual Loops = 0). */
  neverExecuted: boolean;
}

export interface PlanNode {
  /** Pre-order index in the plan, 0 for the root; stable for one parse. */
  id: number;
  parentId: number | null;
  depth: number;
  fields: RawPlanFields;
  children: PlanNode[];
  metrics: NodeMetrics;
}

export interface JitSummary {
  functions: number;
  generationMs: number;
  inliningMs: number;
  optimizationMs: number;
  emissionMs: number;
  totalMs: number;
}

export interface TriggerTiming {
  name: string;
  relation?: string;
  timeMs: number;
  calls: number;
}

export interface Plan {
  root: PlanNode;
  /** All nodes in pre-order; nodes[i].id === i. */
  nodes: PlanNode[];
  /** True when the plan carries actual times and rows (EXPLAIN ANALYZE). */
  analyzed: boolean;
  /** Execution Time as reported; for an estimate-only plan, undefined. */
  executionTimeMs?: number;
  planningTimeMs?: number;
  jit?: JitSummary;
  triggers: TriggerTiming[];
  /** Non-default planner settings (EXPLAIN (SETTINGS)). */
  settings?: Record<string, string>;
  /** The statement text when the plan carried it (auto_explain "Query Text"). */
  queryText?: string;
  /** Which format the plan came in (EXPLAIN's FORMAT JSON, TEXT, YAML or XML). */
  format: 'json' | 'text' | 'yaml' | 'xml';
  /** Buffers used by planning ("Planning": {…} / "Planning:\n  Buffers: …", PostgreSQL 13+). */
  planningBuffers?: BufferCounts;
  /** Statement-level EXPLAIN keys as reported ("Query Identifier", "Serialization", "WAL", …), JSON names. */
  statementFields?: Record<string, unknown>;
  /** Sums over the whole plan. */
  totals: PlanTotals;
  /** Figures not as PostgreSQL writes them (numeric strings, negative or absurd values), read as well as they could be. */
  warnings?: PlanWarning[];
}

/** Something in the plan's figures that was not as EXPLAIN writes it, and how it was read. */
export interface PlanWarning {
  /** The node it is about; absent for statement-level fields ("Execution Time"). */
  nodeId?: number;
  /** The FORMAT JSON key ("Actual Total Time"); "" for a closing summary line. */
  field: string;
  /** One line naming the node and the field, for every output. */
  message: string;
}

export interface PlanTotals {
  /** Execution time, or the root's inclusive time when Execution Time is missing. */
  timeMs: number;
  cost: number;
  buffers: BufferCounts;
  /** Rows read from tables: Σ over scan nodes of (actual rows + rows removed by filter/recheck). */
  rowsScanned: number;
}

export function emptyBuffers(): BufferCounts {
  return {
    sharedHit: 0,
    sharedRead: 0,
    sharedDirtied: 0,
    sharedWritten: 0,
    localHit: 0,
    localRead: 0,
    localDirtied: 0,
    localWritten: 0,
    tempRead: 0,
    tempWritten: 0,
  };
}

/**
 * A short human label: "Seq Scan on orders o", "Index Scan using idx on users", "Hash Join". Names go through
 * displayName: capped, one line, no control characters, whatever the plan held.
 */
export function nodeLabel(node: PlanNode): string {
  const f = node.fields;
  const parts: string[] = [];
  const strategy = f['Strategy'];
  const type = displayName(f['Node Type']);
  if (type === 'Aggregate' && typeof strategy === 'string' && strategy !== 'Plain') {
    parts.push(
      strategy === 'Hashed'
        ? 'HashAggregate'
        : strategy === 'Sorted'
          ? 'GroupAggregate'
          : `${displayName(strategy)}Aggregate`,
    );
  } else if (f['Join Type'] && f['Join Type'] !== 'Inner' && /Join|Nested Loop/.test(type)) {
    parts.push(`${type} ${displayName(f['Join Type'])}`);
  } else if (type === 'ModifyTable' && typeof f['Operation'] === 'string') {
    // EXPLAIN's text format says "Delete on t"; JSON keeps the verb in "Operation".
    parts.push(displayName(f['Operation']));
  } else {
    parts.push(type);
  }
  if (typeof f['Index Name'] === 'string' && f['Index Name']) parts.push(`using ${displayName(f['Index Name'])}`);
  if (typeof f['Relation Name'] === 'string' && f['Relation Name']) {
    parts.push(`on ${displayName(f['Relation Name'])}`);
    if (typeof f['Alias'] === 'string' && f['Alias'] && f['Alias'] !== f['Relation Name'])
      parts.push(displayName(f['Alias']));
  } else if (typeof f['CTE Name'] === 'string' && f['CTE Name']) {
    parts.push(`on ${displayName(f['CTE Name'])}`);
  } else if (typeof f['Function Name'] === 'string' && f['Function Name']) {
    parts.push(`on ${displayName(f['Function Name'])}`);
  }
  return parts.join(' ');
}
