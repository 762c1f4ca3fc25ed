import { hierarchy, tree, type HierarchyPointNode } from 'd3-hierarchy';
import type { Plan, PlanNode } from '../src/shared/protocol';

export const NODE_WIDTH = 248;
export const NODE_HEIGHT = 104;
const GAP_X = 28;
const GAP_Y = 64;

export interface LayoutNode {
  node: PlanNode;
  /** Centre x and top y in world coordinates. */
  x: number;
  y: number;
  parent?: LayoutNode;
  /** Visible children (empty when collapsed). */
  children: LayoutNode[];
  collapsed: boolean;
  /** Descendants hidden by collapsing this node. */
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
}

/** Tidy top-down tree of the plan's visible nodes (those not under a collapsed node). */
export function layoutPlan(plan: Plan, collapsed: ReadonlySet<number>): PlanLayout {
  const root = hierarchy<PlanNode>(plan.root, (n) => (collapsed.has(n.id) ? null : n.children));
  const laidOut = tree<PlanNode>()
    .nodeSize([NODE_WIDTH + GAP_X, NODE_HEIGHT + GAP_Y])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.12))(root);

  const nodes: LayoutNode[] = [];
  const byId = new Map<number, LayoutNode>();
  const bounds: Bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const visit = (h: HierarchyPointNode<PlanNode>, parent: LayoutNode | undefined): void => {
    const isCollapsed = collapsed.has(h.data.id) && h.data.children.length > 0;
    const ln: LayoutNode = {
      node: h.data,
      x: h.x,
      y: h.y,
      parent,
      children: [],
      collapsed: isCollapsed,
      hiddenCount: isCollapsed ? countDescendants(h.data) : 0,
    };
    nodes.push(ln);
    byId.set(h.data.id, ln);
    parent?.children.push(ln);
    bounds.x0 = Math.min(bounds.x0, h.x - NODE_WIDTH / 2);
    bounds.x1 = Math.max(bounds.x1, h.x + NODE_WIDTH / 2);
    bounds.y0 = Math.min(bounds.y0, h.y);
    bounds.y1 = Math.max(bounds.y1, h.y + NODE_HEIGHT);
    for (const c of h.children ?? []) visit(c, ln);
  };
  visit(laidOut, undefined);
  return { nodes, byId, bounds };
}

function countDescendants(node: PlanNode): number {
  let n = 0;
  const stack = [...node.children];
  while (stack.length) {
    const c = stack.pop()!;
    n++;
    stack.push(...c.children);
  }
  return n;
}

/**
 * For a huge plan, the subtrees to collapse on first show so that at most about `maxVisible` nodes are
 * drawn: everything deeper than the deepest level that still fits, except the path to the hotspots, which
 * the user came to see.
 */
export function defaultCollapsed(plan: Plan, maxVisible = 200): number[] {
  if (plan.nodes.length <= maxVisible) return [];
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
    .concat(plan.nodes.filter((n) => n.depth > cutDepth && n.children.length > 0 && !keepOpen.has(n.id) && keepOpenAncestor(plan, n, keepOpen, cutDepth)))
    .map((n) => n.id);
}

/** Below the cut, only nodes on a kept-open path stay expanded; their other children collapse. */
function keepOpenAncestor(plan: Plan, node: { parentId: number | null }, keepOpen: Set<number>, cutDepth: number): boolean {
  const parent = node.parentId === null ? undefined : plan.nodes[node.parentId];
  return parent !== undefined && parent.depth >= cutDepth && keepOpen.has(parent.id);
}
