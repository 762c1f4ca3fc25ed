import { hierarchy, tree, type HierarchyPointNode } from 'd3-hierarchy';
import type { Plan, PlanNode } from '../src/shared/protocol';
import { groupBoxId, type SiblingGroup, type SiblingGroups } from './siblingGroups';

export const NODE_WIDTH = 248;
export const NODE_HEIGHT = 104;
const GAP_X = 28;
const GAP_Y = 64;

export interface LayoutNode {
  /** The node's id, or for a group box `groupBoxId(group.id)` (negative). */
  id: number;
  /** The plan node; for a group box, the group's first member. */
  node: PlanNode;
  /** Set on a group box (a run of similar siblings drawn as one). */
  group?: SiblingGroup;
  /** 1 for the root; a group box adds a level above its members. */
  level: number;
  /** Centre x and top y in world coordinates. */
  x: number;
  y: number;
  parent?: LayoutNode;
  /** Visible children (empty when collapsed). */
  children: LayoutNode[];
  /** A collapsed subtree, or a closed group. */
  collapsed: boolean;
  /** Descendants hidden by collapsing this node; for a closed group, the members it does not draw. */
  hiddenCount: number;
}

export interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PlanLayout {
  /** Visible nodes in pre-order. */
  nodes: LayoutNode[];
  byId: Map<number, LayoutNode>;
  bounds: Bounds;
  /** The grouping it was laid out with (export lays out the whole plan with the same groups open). */
  grouping?: Grouping;
}

/** Runs of similar siblings to draw as groups, and which groups the user opened. */
export interface Grouping {
  groups: SiblingGroups;
  expanded: ReadonlySet<number>;
}

interface Item {
  node: PlanNode;
  group?: SiblingGroup;
}

function childItems(item: Item, collapsed: ReadonlySet<number>, grouping: Grouping | undefined): Item[] | null {
  const g = item.group;
  if (g) return (grouping?.expanded.has(g.id) ? g.members : g.shown).map((node) => ({ node }));
  const node = item.node;
  if (collapsed.has(node.id) || node.children.length === 0) return null;
  if (!grouping) return node.children.map((c) => ({ node: c }));
  const out: Item[] = [];
  for (const c of node.children) {
    const cg = grouping.groups.byMember.get(c.id);
    if (!cg) out.push({ node: c });
    else if (cg.id === c.id) out.push({ node: c, group: cg });
  }
  return out;
}

/** How many boxes the tree would draw with this collapsed state (nothing is laid out). */
export function visibleCount(plan: Plan, collapsed: ReadonlySet<number>, grouping?: Grouping): number {
  let n = 0;
  const stack: Item[] = [{ node: plan.root }];
  while (stack.length) {
    const item = stack.pop()!;
    n++;
    const kids = childItems(item, collapsed, grouping);
    if (kids) for (const k of kids) stack.push(k);
  }
  return n;
}

/** Tidy top-down tree of the plan's visible nodes (those not under a collapsed node nor hidden in a group). */
export function layoutPlan(plan: Plan, collapsed: ReadonlySet<number>, grouping?: Grouping): PlanLayout {
  const root = hierarchy<Item>({ node: plan.root }, (item) => childItems(item, collapsed, grouping));
  const laidOut = tree<Item>()
    .nodeSize([NODE_WIDTH + GAP_X, NODE_HEIGHT + GAP_Y])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.12))(root);

  const nodes: LayoutNode[] = [];
  const byId = new Map<number, LayoutNode>();
  const bounds: Bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  // Iterative pre-order walk: a plan of deep nested loops would overflow a recursive one.
  const stack: Array<[HierarchyPointNode<Item>, LayoutNode | undefined]> = [[laidOut, undefined]];
  while (stack.length) {
    const [h, parent] = stack.pop()!;
    const { node, group } = h.data;
    let ln: LayoutNode;
    if (group) {
      const open = grouping?.expanded.has(group.id) ?? false;
      ln = {
        id: groupBoxId(group.id),
        node,
        group,
        level: h.depth + 1,
        x: h.x,
        y: h.y,
        parent,
        children: [],
        collapsed: !open,
        hiddenCount: open ? 0 : group.members.length - group.shown.length,
      };
    } else {
      const isCollapsed = collapsed.has(node.id) && node.children.length > 0;
      ln = {
        id: node.id,
        node,
        level: h.depth + 1,
        x: h.x,
        y: h.y,
        parent,
        children: [],
        collapsed: isCollapsed,
        hiddenCount: isCollapsed ? countDescendants(node) : 0,
      };
    }
    nodes.push(ln);
    byId.set(ln.id, ln);
    parent?.children.push(ln);
    bounds.x0 = Math.min(bounds.x0, h.x - NODE_WIDTH / 2);
    bounds.x1 = Math.max(bounds.x1, h.x + NODE_WIDTH / 2);
    bounds.y0 = Math.min(bounds.y0, h.y);
    bounds.y1 = Math.max(bounds.y1, h.y + NODE_HEIGHT);
    const kids = h.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], ln]);
  }
  return { nodes, byId, bounds, grouping };
}

function countDescendants(node: PlanNode): number {
  let n = 0;
  const stack = [...node.children];
  while (stack.length) {
    const c = stack.pop()!;
    n++;
    // One by one: spreading an Append's 200,000 children as arguments overflows the call stack.
    for (const child of c.children) stack.push(child);
  }
  return n;
}

/**
 * For a huge plan, the subtrees to collapse on first show so that at most about `maxVisible` nodes are
 * drawn: everything deeper than the deepest level that still fits, except the path to the hotspots, which
 * the user came to see. With `grouping`, nothing is collapsed when the groups alone bring the plan under that.
 */
export function defaultCollapsed(plan: Plan, maxVisible = 200, grouping?: Grouping): number[] {
  if (plan.nodes.length <= maxVisible) return [];
  // Groups often shrink a huge plan to a readable one (an Append over 3,000 partitions becomes a few boxes).
  if (grouping && visibleCount(plan, new Set(), grouping) <= maxVisible) return [];
  const perDepth: number[] = [];
  for (const n of plan.nodes) perDepth[n.depth] = (perDepth[n.depth] ?? 0) + 1;
  let depth = 0;
  let seen = 0;
  while (depth < perDepth.length && seen + perDepth[depth] <= maxVisible) {
    seen += perDepth[depth];
    depth++;
  }
  // Never hide the first level that branches: a plan that is wide near the top (an Append over hundreds of
  // partitions) shows that level, collapsed below; virtualisation keeps its DOM small.
  const firstBranching = perDepth.findIndex((count) => count > 1);
  const cutDepth = Math.max(1, depth - 1, firstBranching);
  const keepOpen = new Set<number>();
  for (const n of plan.nodes) {
    if (n.metrics.hotspotRank !== undefined && n.metrics.hotspotRank <= 3) {
      for (let p = n.parentId; p !== null; p = plan.nodes[p].parentId) keepOpen.add(p);
    }
  }
  return plan.nodes
    .filter((n) => n.depth === cutDepth && n.children.length > 0 && !keepOpen.has(n.id))
    .concat(
      plan.nodes.filter(
        (n) =>
          n.depth > cutDepth &&
          n.children.length > 0 &&
          !keepOpen.has(n.id) &&
          keepOpenAncestor(plan, n, keepOpen, cutDepth),
      ),
    )
    .map((n) => n.id);
}

/** Below the cut, only nodes on a kept-open path stay expanded; their other children collapse. */
function keepOpenAncestor(
  plan: Plan,
  node: { parentId: number | null },
  keepOpen: Set<number>,
  cutDepth: number,
): boolean {
  const parent = node.parentId === null ? undefined : plan.nodes[node.parentId];
  return parent !== undefined && parent.depth >= cutDepth && keepOpen.has(parent.id);
}
