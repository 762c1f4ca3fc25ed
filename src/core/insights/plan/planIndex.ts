/**
 * Facts about one plan that several rules ask for, worked out once per rule run instead of once per node per
 * rule: on a 10,000-node plan a per-node ancestor walk, subtree search or catalog scan adds up to seconds.
 * Kept per context object (runPlanRules hands every rule the same one), so a plan or catalog changed between
 * two runs is never served stale figures.
 */
import type { TableStats } from '../../db/catalog';
import { numberField, stringField } from '../../plan/fieldValues';
import type { PlanNode } from '../../plan/planNode';
import type { Insight, PlanRuleContext } from '../insight';

export interface PlanIndex {
  /** 1 where the node has actual figures and really ran (planFacts.ran). */
  readonly ran: Uint8Array;
  /** Actual Loops, 0 when absent (planFacts.loops). */
  readonly loops: Float64Array;
  /** Nodes by "Node Type", in plan (pre-)order. */
  nodesOfType(type: string): readonly PlanNode[];
  /** planFacts.relationBelow, for every node in one pass. */
  relationBelow(node: PlanNode): PlanNode | undefined;
  /** planFacts.tableOf, looked up in a map instead of a scan of the catalog. */
  tableOf(node: PlanNode): TableStats | undefined;
  /** Catalog column names of the table called `name` (any schema), in catalog order. */
  columnNamesOf(name: string | undefined): string[] | undefined;
}

const indexes = new WeakMap<PlanRuleContext, PlanIndex>();

export function planIndex(context: PlanRuleContext): PlanIndex {
  let index = indexes.get(context);
  if (!index) {
    index = buildIndex(context);
    indexes.set(context, index);
  }
  return index;
}

/**
 * The per-node rule loop: what `find` says about each node that really ran (of one "Node Type", or all), in
 * plan order. A plan without actual figures gives nothing, before any index is built.
 */
export function insightsOfRanNodes(
  context: PlanRuleContext,
  find: (node: PlanNode) => Insight | undefined,
  nodeType?: string,
): Insight[] {
  if (!context.plan.analyzed) return [];
  const index = planIndex(context);
  const insights: Insight[] = [];
  for (const node of nodeType === undefined ? context.plan.nodes : index.nodesOfType(nodeType)) {
    if (index.ran[node.id] !== 1) continue;
    const insight = find(node);
    if (insight) insights.push(insight);
  }
  return insights;
}

function buildIndex(context: PlanRuleContext): PlanIndex {
  const { plan } = context;
  const nodes = plan.nodes;
  const ran = new Uint8Array(nodes.length);
  const loops = new Float64Array(nodes.length);
  const byType = new Map<string, PlanNode[]>();
  for (const node of nodes) {
    const actualLoops = numberField(node.fields, 'Actual Loops');
    loops[node.id] = actualLoops ?? 0;
    if (plan.analyzed && !node.metrics.neverExecuted && actualLoops !== undefined) ran[node.id] = 1;
    const type = node.fields['Node Type'];
    const list = byType.get(type);
    if (list) list.push(node);
    else byType.set(type, [node]);
  }

  let below: Array<PlanNode | undefined> | undefined;
  const relationBelow = (node: PlanNode): PlanNode | undefined => {
    if (!below) {
      below = new Array<PlanNode | undefined>(nodes.length);
      // Children come after their parent in pre-order, so walking backwards sees them first.
      for (let id = nodes.length - 1; id >= 0; id--) {
        const n = nodes[id];
        if (n.fields['Relation Name'] !== undefined) {
          below[id] = n;
          continue;
        }
        for (const child of n.children) {
          const found = below[child.id];
          if (found) {
            below[id] = found;
            break;
          }
        }
      }
    }
    return below[node.id];
  };

  let tables: Map<string, TableStats[]> | undefined;
  const tableOf = (node: PlanNode): TableStats | undefined => {
    const name = stringField(node.fields, 'Relation Name');
    if (!name || !context.catalog) return undefined;
    if (!tables) {
      tables = new Map();
      for (const t of context.catalog.tables) {
        const list = tables.get(t.name);
        if (list) list.push(t);
        else tables.set(t.name, [t]);
      }
    }
    const schema = stringField(node.fields, 'Schema');
    const named = tables.get(name) ?? [];
    const matches = schema === undefined ? named : named.filter((t) => t.schema === schema);
    // Without a schema in the plan (no VERBOSE), an unambiguous name is still the table; two schemas are not.
    return matches.length === 1 ? matches[0] : matches.find((t) => t.schema === 'public');
  };

  let columns: Map<string, string[]> | undefined;
  const columnNamesOf = (name: string | undefined): string[] | undefined => {
    if (!context.catalog) return undefined;
    if (!columns) {
      columns = new Map();
      for (const c of context.catalog.columns) {
        const list = columns.get(c.table);
        if (list) list.push(c.column);
        else columns.set(c.table, [c.column]);
      }
    }
    return name === undefined ? [] : (columns.get(name) ?? []);
  };

  return {
    ran,
    loops,
    nodesOfType: (type) => byType.get(type) ?? [],
    relationBelow,
    tableOf,
    columnNamesOf,
  };
}
