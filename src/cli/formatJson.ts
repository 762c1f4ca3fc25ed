/**
 * `--json` for a TuningResult, written in pieces. As one JSON.stringify it failed twice on big plans: every
 * node carried its whole subtree (`children`), so a 10,000-level plan nested 20,000 deep (past what
 * JSON.stringify survives) and a node list repeated each node once per ancestor (~29× the input; "Invalid
 * string length" beyond ~40 MB of plan). Here the plan's nodes are a flat list (`parentId`, `childIds`),
 * there is no nested `root` and no second copy of the raw plan (the nodes' `fields` are that plan), insight
 * texts are capped as every output caps them (capText), each
 * node is one line, and the text goes out a node at a time, so the output stays proportional to the input.
 */
import type { Insight } from '../core/insights/insight';
import type { PlanNode } from '../core/plan/planNode';
import { capText } from '../core/text/displayName';
import type { TuningResult } from '../core/pipeline/tuningResult';

/** Pieces are gathered up to about this size before each write: fewer, bigger writes to stdout. */
const CHUNK_CHARS = 1 << 20;

/** A node as --json gives it: its children by id. */
export interface JsonPlanNode extends Omit<PlanNode, 'children'> {
  childIds: number[];
}

/**
 * An insight with its texts capped (capText): they quote names from the plan, an insight about a table with a
 * 100 MB name quoted it three times. The node's `fields` keep every name whole, once.
 */
function insightJson(insight: Insight): Insight {
  const out: Insight = {
    ...insight,
    title: capText(insight.title),
    explanation: capText(insight.explanation),
    evidence: insight.evidence.map((e) => (typeof e.value === 'string' ? { ...e, value: capText(e.value) } : e)),
  };
  if (insight.suggestion !== undefined) out.suggestion = capText(insight.suggestion);
  return out;
}

function nodeJson(node: PlanNode): JsonPlanNode {
  return {
    id: node.id,
    parentId: node.parentId,
    depth: node.depth,
    fields: node.fields,
    metrics: node.metrics,
    childIds: node.children.map((c) => c.id),
  };
}

/** Indents every line after the first of a pretty-printed piece that sits `depth` levels in. */
function indented(json: string, depth: number): string {
  return json.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/** Writes `result` as pretty-printed JSON through `write`, in pieces of about CHUNK_CHARS. */
export function writeResultJson(result: TuningResult, write: (text: string) => void): void {
  let buffer = '';
  const put = (text: string): void => {
    buffer += text;
    if (buffer.length >= CHUNK_CHARS) {
      write(buffer);
      buffer = '';
    }
  };
  const { plan, rawPlan: _raw, insights, ...rest } = result;
  const { root: _root, nodes, ...planRest } = plan;
  put('{\n');
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    put(`  ${JSON.stringify(key)}: ${indented(JSON.stringify(value, null, 2), 1)},\n`);
  }
  put(`  "insights": ${indented(JSON.stringify(insights.map(insightJson), null, 2), 1)},\n`);
  put('  "plan": {\n');
  for (const [key, value] of Object.entries(planRest)) {
    if (value === undefined) continue;
    put(`    ${JSON.stringify(key)}: ${indented(JSON.stringify(value, null, 2), 2)},\n`);
  }
  put('    "nodes": [');
  for (let i = 0; i < nodes.length; i++) {
    // One line per node: indented, a node's ~45 metrics made the output five times the plan.
    put(`${i === 0 ? '\n' : ',\n'}      ${JSON.stringify(nodeJson(nodes[i]))}`);
  }
  put(nodes.length > 0 ? '\n    ]\n  }\n}\n' : ']\n  }\n}\n');
  if (buffer) write(buffer);
}
