import type { Plan, PlanNode } from '../plan/planNode';
import { displayName } from '../text/displayName';

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);

/** A short name for what a scan reads: the alias, else the relation, CTE or function. */
function leafName(node: PlanNode): string | undefined {
  const f = node.fields;
  for (const key of ['Alias', 'Relation Name', 'CTE Name', 'Function Name'] as const) {
    const v = f[key];
    if (typeof v === 'string' && v !== '') return displayName(v);
  }
  return undefined;
}

/** A node's part of the join tree: a name, or its parts joined ("(a ⋈ b)") or listed ("[a, b]"). */
type Part = string | { open: string; separator: string; close: string; items: Part[] };

/**
 * One node's part, from its children's parts (`parts[c.id]`): a join is "(a ⋈ b)", a scan its name, anything
 * else its children's parts (one passes through, several as "[a, b]"). Parts refer to their children's parts
 * instead of copying their text: as strings, every level of a 10,000-level plan copied all the text below it.
 */
function describe(node: PlanNode, parts: ReadonlyArray<Part | undefined>): Part | undefined {
  const type = node.fields['Node Type'];
  // Sub-plans are evaluated per row, not joined: they are not part of the join order.
  const main = node.children.filter(
    (c) => c.fields['Parent Relationship'] !== 'SubPlan' && c.fields['Parent Relationship'] !== 'InitPlan',
  );
  const below = main.map((c) => parts[c.id]).filter((p): p is Part => p !== undefined);
  if (JOINS.has(type)) return below.length ? { open: '(', separator: ' ⋈ ', close: ')', items: below } : undefined;
  const name = leafName(node);
  // A scan with children (Bitmap Heap Scan over its index scan) is still one leaf.
  if (name !== undefined && /Scan/.test(type)) return name;
  if (below.length === 0) return name;
  // Append/Union branches keep their own order; a single pass-through child is transparent.
  return below.length === 1 ? below[0] : { open: '[', separator: ', ', close: ']', items: below };
}

/** A part as text, with an explicit stack (parts nest as deep as the plan). */
function render(part: Part): string {
  const out: string[] = [];
  const stack: Array<Part | { text: string }> = [part];
  while (stack.length > 0) {
    const top = stack.pop() as Part | { text: string };
    if (typeof top === 'string') out.push(top);
    else if ('text' in top) out.push(top.text);
    else {
      out.push(top.open);
      stack.push({ text: top.close });
      for (let i = top.items.length - 1; i >= 0; i--) {
        stack.push(top.items[i]);
        if (i > 0) stack.push({ text: top.separator });
      }
    }
  }
  return out.join('');
}

/**
 * The plan's join tree as text, e.g. "((o ⋈ c) ⋈ r)": leaves in order, methods and pass-through nodes left
 * out. Built bottom-up over the pre-order node list (children come after their parent), not recursively:
 * plans come thousands of levels deep.
 */
export function joinOrderText(plan: Plan): string {
  const parts = new Array<Part | undefined>(plan.nodes.length);
  for (let id = plan.nodes.length - 1; id >= 0; id--) parts[id] = describe(plan.nodes[id], parts);
  const root = parts[plan.root.id];
  return root === undefined ? '' : render(root);
}
