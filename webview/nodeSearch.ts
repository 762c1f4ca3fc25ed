import type { Plan, PlanNode } from '../src/shared/protocol';
import { nodeLabel } from './nodeLabel';

/** What a node is found by: its type, relation, index, alias and the other names EXPLAIN gives it. */
function haystack(node: PlanNode): string {
  const f = node.fields;
  const parts = [
    nodeLabel(f),
    f['Node Type'],
    f['Relation Name'],
    f['Schema'],
    f['Alias'],
    f['Index Name'],
    f['CTE Name'],
    f['Function Name'],
    f['Subplan Name'],
  ];
  return parts
    .filter((p): p is string => typeof p === 'string')
    .join('\n')
    .toLowerCase();
}

/** Finds nodes by relation, index, node type or alias; built once per plan, cheap per keystroke. */
export class NodeSearch {
  private readonly texts: string[];

  constructor(private readonly plan: Plan) {
    this.texts = plan.nodes.map(haystack);
  }

  /**
   * Ids of the nodes matching every word of `query` (case-insensitive substrings: "seq events_p04" finds
   * Seq Scans on events_p040…049), in plan (pre-order) order, which is the tree's reading order.
   */
  find(query: string): number[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const out: number[] = [];
    for (let i = 0; i < this.texts.length; i++) {
      const text = this.texts[i];
      if (words.every((w) => text.includes(w))) out.push(this.plan.nodes[i].id);
    }
    return out;
  }
}
