/**
 * Which nodes' inclusive figures (time, buffers, I/O time) are subtracted from which node to get its
 * exclusive share. A child is subtracted from its parent, except:
 * - a CTE (InitPlan named "CTE x") runs while a CTE Scan on x pulls rows, so its figures already sit inside
 *   those CTE Scans (and through them in the parent): it is taken out of the CTE Scans (see exclusiveValues),
 *   the parent only when it is itself one of them;
 * - any other InitPlan runs when its value ($0, "(InitPlan 1).col1") is first needed: it is subtracted from
 *   the node that references it (the parent itself if it does, else the first executed referencing node in
 *   the parent's subtree; a value its Output only passes up in parentheses does not count), falling back to
 *   the parent.
 * SubPlans are evaluated by the node they hang from, so they are subtracted from it like any child.
 */
import { fieldStrings, stringField } from './fieldValues';
import type { PlanNode } from './planNode';

export interface Attribution {
  /**
   * For each node id, the id of the node its whole inclusive value is subtracted from, or -1 (the root, and
   * CTEs taken out of their scans). One number per node: a 10,000-node plan needs no 10,000 little arrays.
   */
  target: Int32Array;
  /** Each CTE, with the CTE Scans that pulled its rows: its value is taken out of those scans. */
  ctes: Array<{ cte: number; scans: number[] }>;
}

/** Works out what is subtracted from what; the same answer serves time, buffers and I/O time. */
export function attributeChildren(nodes: PlanNode[]): Attribution {
  const target = new Int32Array(nodes.length).fill(-1);
  const ctes: Attribution['ctes'] = [];
  let ends: Int32Array | undefined;
  for (let id = 1; id < nodes.length; id++) {
    const node = nodes[id];
    const parentId = node.parentId;
    if (parentId === null) continue;
    let to = parentId;
    if (node.fields['Parent Relationship'] === 'InitPlan') {
      const parent = nodes[parentId];
      const name = stringField(node.fields, 'Subplan Name') ?? '';
      ends ??= subtreeEnds(nodes);
      if (name.startsWith('CTE ')) {
        const scans = cteScans(nodes, ends, parent, node, name.slice(4));
        if (scans.length > 0) {
          ctes.push({ cte: node.id, scans });
          continue;
        }
      } else {
        to = initPlanTarget(nodes, ends, parent, node, name) ?? parentId;
      }
    }
    target[id] = to;
  }
  return { target, ctes };
}

/**
 * Exclusive values of one measure (time, a buffer counter, I/O time): inclusive minus what attribution
 * assigns, never below 0. A CTE's value is taken out of its scans (the owner included when it is one) once
 * their children are out, greedily, the scan with most left first: the scan that pulled the CTE's rows holds
 * its cost, the others mostly re-read the tuplestore. No scan goes below 0, so the CTE is never counted twice
 * and the exclusive values sum to at most the root's inclusive value; what no scan can hold (the numbers
 * disagree, e.g. rounding) is left out rather than invented.
 */
export function exclusiveValues(attribution: Attribution, inclusive: ArrayLike<number>): Float64Array {
  const values = inclusive instanceof Float64Array ? inclusive : Float64Array.from(inclusive);
  return exclusiveColumns(attribution, values, 1);
}

/**
 * exclusiveValues over `width` measures at once, stored node-major (node i's measure k at i × width + k):
 * the buffer counters share one walk and one array instead of ten.
 */
export function exclusiveColumns(attribution: Attribution, inclusive: Float64Array, width: number): Float64Array {
  const out = Float64Array.from(inclusive);
  const target = attribution.target;
  const n = target.length;
  // Ascending ids: each node's children are subtracted in the order they appear, as a per-node loop would.
  for (let id = 0; id < n; id++) {
    const to = target[id];
    if (to < 0) continue;
    const from = id * width;
    const at = to * width;
    for (let k = 0; k < width; k++) out[at + k] -= inclusive[from + k];
  }
  for (const { cte, scans } of attribution.ctes) {
    for (let k = 0; k < width; k++) {
      let remaining = inclusive[cte * width + k];
      // What a scan can give is what is left of it once its own children are out: taking the CTE out of
      // its inclusive value instead left the CTE counted twice when a scan's children (an InitPlan, a
      // SubPlan) were already subtracted from it.
      const order = [...scans].sort((a, b) => out[b * width + k] - out[a * width + k] || a - b);
      for (const id of order) {
        if (remaining <= 0) break;
        const take = Math.min(remaining, Math.max(out[id * width + k], 0));
        out[id * width + k] -= take;
        remaining -= take;
      }
    }
  }
  for (let i = 0; i < out.length; i++) if (!(out[i] > 0)) out[i] = 0;
  return out;
}

/** Pre-order ids make a subtree contiguous: node i's subtree is [i, ends[i]). */
function subtreeEnds(nodes: PlanNode[]): Int32Array {
  const ends = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) ends[i] = i + 1;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const p = nodes[i].parentId;
    if (p !== null && ends[i] > ends[p]) ends[p] = ends[i];
  }
  return ends;
}

function cteScans(nodes: PlanNode[], ends: Int32Array, parent: PlanNode, cte: PlanNode, cteName: string): number[] {
  const scans: number[] = [];
  // From the owner itself: the node that owns a CTE is often its only scan (WITH x AS (…) SELECT … FROM x).
  for (let id = parent.id; id < ends[parent.id]; id++) {
    if (id >= cte.id && id < ends[cte.id]) continue;
    const n = nodes[id];
    if (n.fields['Node Type'] === 'CTE Scan' && n.fields['CTE Name'] === cteName) scans.push(id);
  }
  return scans;
}

function initPlanTarget(
  nodes: PlanNode[],
  ends: Int32Array,
  parent: PlanNode,
  init: PlanNode,
  name: string,
): number | undefined {
  const patterns = initPlanReferences(name);
  if (patterns.length === 0) return undefined;
  const references = (n: PlanNode) => evaluatedStrings(n).some((s) => patterns.some((p) => p.test(s)));
  if (references(parent)) return undefined;
  const end = ends[parent.id];
  const initEnd = ends[init.id];
  for (let id = parent.id + 1; id < end; id++) {
    if (id >= init.id && id < initEnd) continue;
    const n = nodes[id];
    if (!n.metrics.neverExecuted && references(n)) return n.id;
  }
  return undefined;
}

/**
 * The node's expressions, less the InitPlan values it only passes up: in VERBOSE Output a value computed
 * below is shown in parentheses, "($1)" or "((InitPlan 2).col1)", while the node that evaluates the InitPlan
 * shows "$1" or "(InitPlan 2).col1". Taking the Limit above for the evaluator put the InitPlan's time out of
 * the Limit (to 0) and left it inside the Nested Loop that ran it: counted twice.
 */
function evaluatedStrings(n: PlanNode): string[] {
  const strings = fieldStrings(n.fields);
  const output = n.fields['Output'];
  if (output === undefined) return strings;
  const passed = new Set(typeof output === 'string' ? [output] : Array.isArray(output) ? output : []);
  return strings.map((s) => (passed.has(s) ? s.replace(PASSED_UP, '') : s));
}

const PASSED_UP = /\((?:\$\d+|\(InitPlan \d+\)\.col\d+)\)/g;

/** "InitPlan 2 (returns $1,$2)" → /\$1(?!\d)/, /\$2(?!\d)/; "InitPlan 1" (PG 17+) → /\(InitPlan 1\)/. */
function initPlanReferences(name: string): RegExp[] {
  const m = /^InitPlan (\d+)(?: \(returns ([^)]*)\))?/.exec(name);
  if (!m) return [];
  const out = [new RegExp(`\\(InitPlan ${m[1]}\\)`)];
  if (m[2]) {
    for (const p of m[2].split(',')) {
      const param = p.trim();
      if (/^\$\d+$/.test(param)) out.push(new RegExp(`\\${param}(?!\\d)`));
    }
  }
  return out;
}
