import type { Plan, PlanNode } from '../plan/planNode';

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);

/** A short name for what a scan reads: the alias, else the relation, CTE or function. */
function leafName(node: PlanNode): string | undefined {
  const f = node.fields;
  for (const key of ['Alias', 'Relation Name', 'CTE Name', 'Function Name'] as const) {
    const v = f[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function describe(node: PlanNode): string | undefined {
  const type = node.fields['Node Type'];
  // Sub-plans are evaluated per row, not joined: they are not part of the join order.
  const main = node.children.filter((c) => c.fields['Parent Relationship'] !== 'SubPlan' && c.fields['Parent Relationship'] !== 'InitPlan');
  if (JOINS.has(type)) {
    const sides = main.map(describe).filter((s): s is string => s !== undefined);
    return sides.length ? `(${sides.join(' ⋈ ')})` : undefined;
  }
  const name = leafName(node);
  // A scan with children (Bitmap Heap Scan over its index scan) is still one leaf.
  if (name !== undefined && /Scan/.test(type)) return name;
  const parts = main.map(describe).filter((s): s is string => s !== undefined);
  if (parts.length === 0) return name;
  // Append/Union branches keep their own order; a single pass-through child is transparent.
  return parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
}

/** The plan's join tree as text, e.g. "((o ⋈ c) ⋈ r)": leaves in order, methods and pass-through nodes left out. */
export function joinOrderText(plan: Plan): string {
  return describe(plan.root) ?? '';
}
