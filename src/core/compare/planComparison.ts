/**
 * The result of comparing two plans of (usually) the same statement: which node became which, what changed
 * per node and in total. Plain data (it crosses to the webview as JSON); node ids are those of each plan.
 */

/**
 * How sure a match is. exact: same node type on the same relation/index/alias, or a join/aggregate over the
 * same relations; likely: the same relation or the same relations below with a different operator;
 * guessed: tree position and operator family only.
 */
export type MatchConfidence = 'exact' | 'likely' | 'guessed';

/** A figure before and after. `ratio` is after / before, undefined when before is 0. */
export interface Delta {
  before: number;
  after: number;
  delta: number;
  ratio?: number;
}

export interface NodeMatch {
  beforeId: number;
  afterId: number;
  /** 0..1, higher is a better match. */
  score: number;
  confidence: MatchConfidence;
  /** Short labels ("Seq Scan on orders o") of both sides. */
  beforeLabel: string;
  afterLabel: string;
  /** Set when the operator changed (Merge Join → Hash Join, Seq Scan → Index Only Scan). */
  typeChange?: { before: string; after: string };
  /** Rows out of the node over all loops (actual when both are analysed, else estimated). */
  rows: Delta;
  /** Exclusive time, all loops (0 when a side is not analysed). */
  selfTimeMs: Delta;
  inclusiveTimeMs: Delta;
  /** Exclusive cost. */
  selfCost: Delta;
  /** Exclusive shared+local hit+read blocks. */
  buffers: Delta;
}

export type SpillKind = 'sort' | 'hash' | 'hash-aggregate' | 'temp-buffers';

export interface Spill {
  nodeId: number;
  label: string;
  kind: SpillKind;
  /** "external merge, 12.4 MB on disk", "8 batches", "1,234 temp blocks written". */
  detail: string;
}

export interface JoinOrder {
  /** "((o ⋈ c) ⋈ r)": leaves are aliases (or relation names), pass-through nodes skipped, join methods ignored. */
  before: string;
  after: string;
  changed: boolean;
}

export interface PlanTotalsComparison {
  /** Execution time (or root inclusive time), both analysed only. */
  timeMs?: Delta;
  planningTimeMs?: Delta;
  cost: Delta;
  /** Shared + local hit + read blocks, whole plan. */
  buffers?: Delta;
  /** Temp blocks read + written, whole plan. */
  tempBlocks?: Delta;
  rowsScanned?: Delta;
  nodes: Delta;
}

export interface PlanComparison {
  /** Both plans carry actual times (EXPLAIN ANALYZE); otherwise time figures are left out. */
  analyzed: boolean;
  /** Matches, in the before plan's pre-order. */
  matches: NodeMatch[];
  /** Node ids with no counterpart. */
  unmatchedBefore: number[];
  unmatchedAfter: number[];
  /** Labels of unmatched nodes, by id, for the summary and the view. */
  unmatchedBeforeLabels: Record<number, string>;
  unmatchedAfterLabels: Record<number, string>;
  typeChanges: Array<{ beforeId: number; afterId: number; before: string; after: string }>;
  joinOrder: JoinOrder;
  totals: PlanTotalsComparison;
  spills: { appeared: Spill[]; vanished: Spill[]; remained: Spill[] };
}

export function delta(before: number, after: number): Delta {
  const d: Delta = { before, after, delta: after - before };
  if (before !== 0) d.ratio = after / before;
  return d;
}
