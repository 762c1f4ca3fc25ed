/** What several plan rules need to know about a node or the plan beyond its own metrics. */
import type { TableStats } from '../../db/catalog';
import { numberField, stringField } from '../../plan/fieldValues';
import type { Plan, PlanNode } from '../../plan/planNode';
import type { PlanRuleContext } from '../insight';
import { planIndex } from './planIndex';
import { quoteIdentifier as quoteIdent } from '../../sql/quoteIdentifier';

export { numberField, stringField };

/** Share of the plan's time spent in this node and below, 0..1 (0 without actual times). */
export function inclusiveShare(plan: Plan, node: PlanNode): number {
  const total = plan.totals.timeMs;
  return total > 0 ? Math.min(1, node.metrics.inclusiveTimeMs / total) : 0;
}

/** A node with actual figures that really ran. */
export function ran(plan: Plan, node: PlanNode): boolean {
  return plan.analyzed && !node.metrics.neverExecuted && numberField(node.fields, 'Actual Loops') !== undefined;
}

export function loops(node: PlanNode): number {
  return numberField(node.fields, 'Actual Loops') ?? 0;
}

/** A server setting as the plan reports it (EXPLAIN SETTINGS lists non-default ones), else as the catalog read it. */
export function setting(context: PlanRuleContext, name: string): string | undefined {
  return context.plan.settings?.[name] ?? context.catalog?.server.settings[name];
}

/** The catalog's statistics for the table a scan node reads, when a catalog was read. */
export function tableOf(context: PlanRuleContext, node: PlanNode): TableStats | undefined {
  return planIndex(context).tableOf(node);
}

/** The node's table as written in SQL: "public.orders" when the plan names the schema, else "orders". */
export function qualifiedTable(node: PlanNode): string | undefined {
  const name = stringField(node.fields, 'Relation Name');
  if (!name) return undefined;
  const schema = stringField(node.fields, 'Schema');
  return schema && schema !== 'public' ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

export { quoteIdentifier as quoteIdent } from '../../sql/quoteIdentifier';

/**
 * The first node below (or at) `node`, in pre-order, that reads a relation: what a Hash, Memoize or Materialize
 * holds. An explicit stack: plans come thousands of levels deep.
 */
export function relationBelow(node: PlanNode): PlanNode | undefined {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as PlanNode;
    if (n.fields['Relation Name'] !== undefined) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return undefined;
}

export function ancestors(plan: Plan, node: PlanNode, limit = Infinity): PlanNode[] {
  const out: PlanNode[] = [];
  let id = node.parentId;
  while (id !== null && out.length < limit) {
    const parent = plan.nodes[id];
    out.push(parent);
    id = parent.parentId;
  }
  return out;
}

/** The inner (second) side of a join node. */
export function innerChild(node: PlanNode): PlanNode | undefined {
  return node.children.find((c) => c.fields['Parent Relationship'] === 'Inner') ?? node.children[1];
}

export function outerChild(node: PlanNode): PlanNode | undefined {
  return node.children.find((c) => c.fields['Parent Relationship'] === 'Outer') ?? node.children[0];
}

/** Node types whose row estimate steers a planner decision (join method, hash size, sort method, grouping). */
const JOIN_TYPES = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);

export function isJoin(node: PlanNode): boolean {
  return JOIN_TYPES.has(node.fields['Node Type']);
}
