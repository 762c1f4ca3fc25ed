import type { Plan, PlanNode } from '../src/shared/protocol';
import { groupBoxId, type SiblingGroup, type SiblingGroups } from './siblingGroups';

export const NODE_WIDTH = 248;
export const NODE_HEIGHT = 104;
const GAP_X = 28;
/** The vertical gap; the canvas's BUS_OFFSET (the bus over a node's children) is half of it. */
export const GAP_Y = 56;

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

interface Placed {
  item: Item;
  depth: number;
  kids: Placed[];
  /** Columns right of the parent (the first child sits right below its parent: 0). */
  offset: number;
  /** Column of the box, from the root's 0. */
  column: number;
  contour?: Contour;
}

/**
 * The leftmost and rightmost column of a subtree at each of its depths, relative to its root's column plus
 * `shift`, stored bottom-up (index 0 is the subtree's deepest level) so that a parent is one push.
 */
interface Contour {
  left: number[];
  right: number[];
  shift: number;
}

/**
 * Top-down tree of the plan's visible nodes (those not under a collapsed node nor hidden in a group), each
 * parent right above its first child and the later children packed as far left as their subtrees allow: the
 * outer side of a join chain runs straight down, so a plan hundreds of levels deep stays two columns wide
 * instead of drifting off to the left as a centred tidy tree does (issue 13), and nothing lies left of the root.
 */
export function layoutPlan(plan: Plan, collapsed: ReadonlySet<number>, grouping?: Grouping): PlanLayout {
  // Pre-order list, built iteratively: a plan of deep nested loops would overflow a recursive walk.
  const order: Placed[] = [];
  const rootBox: Placed = { item: { node: plan.root }, depth: 0, kids: [], offset: 0, column: 0 };
  const stack: Placed[] = [rootBox];
  while (stack.length) {
    const box = stack.pop()!;
    order.push(box);
    const items = childItems(box.item, collapsed, grouping) ?? [];
    box.kids = items.map((item) => ({ item, depth: box.depth + 1, kids: [], offset: 0, column: 0 }));
    for (let i = box.kids.length - 1; i >= 0; i--) stack.push(box.kids[i]);
  }
  // Bottom-up (reverse pre-order: every box after its descendants), merging the shorter contour into the longer.
  for (let i = order.length - 1; i >= 0; i--) {
    const box = order[i];
    let acc: Contour | undefined;
    for (const kid of box.kids) {
      const c = kid.contour!;
      kid.contour = undefined;
      if (!acc) {
        acc = c;
        continue;
      }
      const common = Math.min(acc.left.length, c.left.length);
      let offset = 0;
      for (let r = 0; r < common; r++) {
        const need = acc.right[acc.right.length - 1 - r] + acc.shift - (c.left[c.left.length - 1 - r] + c.shift) + 1;
        if (need > offset) offset = need;
      }
      kid.offset = offset;
      c.shift += offset;
      const [base, other] = c.left.length > acc.left.length ? [c, acc] : [acc, c];
      for (let r = 0; r < other.left.length; r++) {
        const bi = base.left.length - 1 - r;
        const oi = other.left.length - 1 - r;
        base.left[bi] = Math.min(base.left[bi] + base.shift, other.left[oi] + other.shift) - base.shift;
        base.right[bi] = Math.max(base.right[bi] + base.shift, other.right[oi] + other.shift) - base.shift;
      }
      acc = base;
    }
    acc ??= { left: [], right: [], shift: 0 };
    acc.left.push(-acc.shift);
    acc.right.push(-acc.shift);
    box.contour = acc;
  }
  rootBox.contour = undefined;

  const nodes: LayoutNode[] = [];
  const byId = new Map<number, LayoutNode>();
  const bounds: Bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const parents = new Map<Placed, LayoutNode>();
  for (const box of order) {
    const parent = box === rootBox ? undefined : parents.get(box);
    const { node, group } = box.item;
    const x = box.column * (NODE_WIDTH + GAP_X);
    const y = box.depth * (NODE_HEIGHT + GAP_Y);
    let ln: LayoutNode;
    if (group) {
      const open = grouping?.expanded.has(group.id) ?? false;
      ln = {
        id: groupBoxId(group.id),
        node,
        group,
        level: box.depth + 1,
        x,
        y,
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
        level: box.depth + 1,
        x,
        y,
        parent,
        children: [],
        collapsed: isCollapsed,
        hiddenCount: isCollapsed ? countDescendants(node) : 0,
      };
    }
    nodes.push(ln);
    byId.set(ln.id, ln);
    parent?.children.push(ln);
    for (const kid of box.kids) {
      kid.column = box.column + kid.offset;
      parents.set(kid, ln);
    }
    parents.delete(box);
    bounds.x0 = Math.min(bounds.x0, x - NODE_WIDTH / 2);
    bounds.x1 = Math.max(bounds.x1, x + NODE_WIDTH / 2);
    bounds.y0 = Math.min(bounds.y0, y);
    bounds.y1 = Math.max(bounds.y1, y + NODE_HEIGHT);
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
