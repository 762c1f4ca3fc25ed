// Runs of similar siblings (an Append over hundreds of partitions, a node with dozens of SubPlans of the same
// form) are drawn as one group box showing the count, the summed figures and the slowest members; the rest
// of the members appear on demand. Siblings are grouped by shape, not only when adjacent: an Append's
// partitions interleave shapes (a Nested Loop for one, a Hash Join for the next) and their order means little.

import type { Plan, PlanNode, RawPlanFields } from '../src/shared/protocol';
import { nodeLabel } from './nodeLabel';

/** Fewer similar siblings than this are drawn one by one. */
export const MIN_GROUP_SIZE = 8;
/** How many of the slowest members a closed group shows. */
export const SHOWN_SLOWEST = 3;
/** How deep below a sibling its shape looks (its children's and grandchildren's types and relations). */
const SHAPE_DEPTH = 2;

export interface GroupTotals {
  /** Σ inclusive time of the members, ms (0 for an estimate-only plan). */
  timeMs: number;
  /** Σ actual rows (all loops), or Σ estimated rows for an estimate-only plan. */
  rows: number;
  /** Σ Total Cost. */
  cost: number;
  /** Σ inclusive shared + local blocks hit and read (temp read counted as read). */
  hitBlocks: number;
  readBlocks: number;
  /** The members' share of the plan (time when analysed, cost otherwise), 0..1. */
  share: number;
}

export interface SiblingGroup {
  /** The first member's node id: the group's identity, stable for one parse and kept in the persisted state. */
  id: number;
  parentId: number;
  /** In plan order. */
  members: PlanNode[];
  /** What a closed group draws, in plan order: the slowest members and any member holding a hotspot. */
  shown: PlanNode[];
  /** How many of `shown` are there for being among the slowest (the rest hold hotspots). */
  slowestCount: number;
  /** "Seq Scan on events_p…": the members' common label. */
  label: string;
  totals: GroupTotals;
}

export interface SiblingGroups {
  groups: SiblingGroup[];
  byId: Map<number, SiblingGroup>;
  byMember: Map<number, SiblingGroup>;
}

/**
 * Ids of group boxes in the drawing and in the selection are negative, so they never collide with node ids
 * (which are ≥ 0) and `plan.nodes[id]` stays undefined for them.
 */
export function groupBoxId(groupId: number): number {
  return -1 - groupId;
}

export function groupIdOfBox(boxId: number): number | undefined {
  return boxId < 0 ? -1 - boxId : undefined;
}

/** "events_p001" → "events_p", "events_2024_01" → "events_": a partition's name without its number. */
export function nameStem(name: string): string {
  const stem = name.replace(/[0-9](?:[0-9_]*[0-9])?$/, '');
  return stem || name;
}

/**
 * "events_p001" → "events_p…", "measurements_p00042_recorded_at_idx" → "measurements_p…_recorded_at_idx": a
 * name with its numbers cut, wherever they are. A partition's index is named after the partition, so its
 * number sits in the middle.
 */
export function nameShape(name: string): string {
  return name.replace(/[0-9](?:[0-9_]*[0-9])?/g, '…');
}

function ownShape(f: RawPlanFields): string {
  const stem = (v: unknown) => (typeof v === 'string' ? nameShape(v) : '');
  return [
    f['Node Type'],
    f['Join Type'] ?? '',
    f['Strategy'] ?? '',
    f['Parent Relationship'] ?? '',
    typeof f['Operation'] === 'string' ? f['Operation'] : '',
    stem(f['Relation Name']),
    stem(f['Index Name']),
    stem(f['CTE Name']),
    stem(f['Function Name']),
  ].join('|');
}

function shapeOf(node: PlanNode, depth: number): string {
  const own = ownShape(node.fields);
  if (depth >= SHAPE_DEPTH || node.children.length === 0) return own;
  return `${own}(${node.children.map((c) => shapeOf(c, depth + 1)).join(',')})`;
}

function weight(plan: Plan, node: PlanNode): number {
  return plan.analyzed ? node.metrics.inclusiveTimeMs : (node.fields['Total Cost'] ?? 0);
}

function holdsHotspot(node: PlanNode): boolean {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.metrics.hotspotRank !== undefined) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

/** Finds the groups of a plan; nodes with fewer than MIN_GROUP_SIZE children are never looked at. */
export function findSiblingGroups(plan: Plan, minSize = MIN_GROUP_SIZE, slowest = SHOWN_SLOWEST): SiblingGroups {
  const groups: SiblingGroup[] = [];
  for (const parent of plan.nodes) {
    if (parent.children.length < minSize) continue;
    const byShape = new Map<string, PlanNode[]>();
    for (const child of parent.children) {
      const key = shapeOf(child, 0);
      const list = byShape.get(key);
      if (list) list.push(child);
      else byShape.set(key, [child]);
    }
    for (const members of byShape.values()) {
      if (members.length >= minSize) groups.push(makeGroup(plan, parent, members, slowest));
    }
  }
  const byId = new Map<number, SiblingGroup>();
  const byMember = new Map<number, SiblingGroup>();
  for (const g of groups) {
    byId.set(g.id, g);
    for (const m of g.members) byMember.set(m.id, g);
  }
  return { groups, byId, byMember };
}

function makeGroup(plan: Plan, parent: PlanNode, members: PlanNode[], slowest: number): SiblingGroup {
  const ranked = [...members].sort((a, b) => weight(plan, b) - weight(plan, a) || a.id - b.id);
  const top = new Set(ranked.slice(0, slowest).map((n) => n.id));
  const shownIds = new Set(top);
  for (const m of members) if (!shownIds.has(m.id) && holdsHotspot(m)) shownIds.add(m.id);
  const totals: GroupTotals = { timeMs: 0, rows: 0, cost: 0, hitBlocks: 0, readBlocks: 0, share: 0 };
  for (const m of members) {
    const mm = m.metrics;
    totals.timeMs += plan.analyzed ? mm.inclusiveTimeMs : 0;
    totals.rows +=
      plan.analyzed && !mm.neverExecuted ? mm.actualRowsTotal : mm.estimatedRowsTotal || (m.fields['Plan Rows'] ?? 0);
    totals.cost += m.fields['Total Cost'] ?? 0;
    const b = mm.buffersInclusive;
    totals.hitBlocks += b.sharedHit + b.localHit;
    totals.readBlocks += b.sharedRead + b.localRead + b.tempRead;
  }
  const whole = plan.analyzed ? plan.totals.timeMs : plan.totals.cost || (plan.root.fields['Total Cost'] ?? 0);
  const part = plan.analyzed ? totals.timeMs : totals.cost;
  totals.share = whole > 0 ? Math.min(1, part / whole) : 0;
  return {
    id: members[0].id,
    parentId: parent.id,
    members,
    shown: members.filter((m) => shownIds.has(m.id)),
    slowestCount: top.size,
    label: commonLabel(members),
    totals,
  };
}

/** The members' label with the names that vary cut to their common stem: "Seq Scan on events_p…". */
function commonLabel(members: PlanNode[]): string {
  const first = members[0].fields;
  const fields: RawPlanFields = { ...first };
  for (const key of ['Relation Name', 'Index Name', 'CTE Name', 'Function Name'] as const) {
    const value = first[key];
    if (typeof value !== 'string') continue;
    if (members.some((m) => m.fields[key] !== value)) fields[key] = nameShape(value);
  }
  if (members.some((m) => m.fields['Alias'] !== first['Alias'])) delete fields['Alias'];
  return nodeLabel(fields);
}

/** "512 × Seq Scan on events_p…". */
export function groupTitle(group: SiblingGroup): string {
  return `${group.members.length.toLocaleString('en-US')} × ${group.label}`;
}

/** "(3 slowest shown)", "(3 slowest + 1 with a hotspot shown)", "(all shown)". */
export function groupShownText(group: SiblingGroup, expanded: boolean): string {
  if (expanded) return 'all shown';
  const extra = group.shown.length - group.slowestCount;
  return extra > 0
    ? `${group.slowestCount} slowest + ${extra} with a hotspot shown`
    : `${group.slowestCount} slowest shown`;
}

/** True when `node` is a member of a closed group that does not draw it. */
export function hiddenInGroup(
  groups: SiblingGroups,
  expanded: ReadonlySet<number>,
  nodeId: number,
): SiblingGroup | undefined {
  const g = groups.byMember.get(nodeId);
  if (!g || expanded.has(g.id)) return undefined;
  return g.shown.some((m) => m.id === nodeId) ? undefined : g;
}
