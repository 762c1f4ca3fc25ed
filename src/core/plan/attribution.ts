/**
 * Which nodes' inclusive figures (time, buffers, I/O time) are subtracted from which node to get its
 * exclusive share. A child is subtracted from its parent, except:
 * - a CTE (InitPlan named "CTE x") runs while a CTE Scan on x pulls rows, so its figures already sit inside
 *   those CTE Scans (and through them in the parent): it is taken out of the CTE Scans (see exclusiveValues),
 *   never from the parent;
 * - any other InitPlan runs when its value ($0, "(InitPlan 1).col1") is first needed: it is subtracted from
 *   the node that references it (the parent itself if it does, else the first executed referencing node in
 *   the parent's subtree), falling back to the parent.
 * SubPlans are evaluated by the node they hang from, so they are subtracted from it like any child.
 */
import { fieldStrings, stringField } from './fieldValues';
import type { PlanNode } from './planNode';

export interface Attribution {
  /** For each node id, the ids whose whole inclusive value is subtracted from it. */
  direct: number[][];
  /** Each CTE, with the CTE Scans that pulled its rows: its value is taken out of those scans. */
  ctes: Array<{ cte: number; scans: number[] }>;
}

/** Works out what is subtracted from what; the same answer serves time, buffers and I/O time. */
export function attributeChildren(nodes: PlanNode[]): Attribution {
  const direct: number[][] = nodes.map(() => []);
  const ctes: Attribution['ctes'] = [];
  const ends = subtreeEnds(nodes);
  for (const node of nodes) {
    if (node.parentId === null) continue;
    const parent = nodes[node.parentId];
    const rel = node.fields['Parent Relationship'];
    const name = stringField(node.fields, 'Subplan Name') ?? '';
    let target = parent.id;
    if (rel === 'InitPlan' && name.startsWith('CTE ')) {
      const scans = cteScans(nodes, ends, parent, node, name.slice(4));
      if (scans.length > 0) {
        ctes.push({ cte: node.id, scans });
        continue;
      }
    } else if (rel === 'InitPlan') {
      target = initPlanTarget(nodes, ends, parent, node, name) ?? parent.id;
    }
    direct[target].push(node.id);
  }
  return { direct, ctes };
}

/**
 * Exclusive values of one measure (time, a buffer counter, I/O time): inclusive minus what attribution
 * assigns, never below 0. A CTE's value is taken out of its scans greedily, the scan with the largest value
 * first: the scan that pulled the CTE's rows holds its cost, the others mostly re-read the tuplestore.
 */
export function exclusiveValues(attribution: Attribution, inclusive: ArrayLike<number>): Float64Array {
  const n = inclusive.length;
  const out = new Float64Array(n);
  const direct = attribution.direct;
  for (let id = 0; id < n; id++) {
    let v = inclusive[id];
    const from = direct[id];
    for (let k = 0; k < from.length; k++) v -= inclusive[from[k]];
    out[id] = v;
  }
  for (const { cte, scans } of attribution.ctes) {
    let remaining = inclusive[cte];
    const order = [...scans].sort((a, b) => inclusive[b] - inclusive[a] || a - b);
    for (const id of order) {
      if (remaining <= 0) break;
      const take = Math.min(remaining, inclusive[id]);
      out[id] -= take;
      remaining -= take;
    }
  }
  for (let id = 0; id < n; id++) if (!(out[id] > 0)) out[id] = 0;
  return out;
}

/** Pre-order ids make a subtree contiguous: node i's subtree is [i, ends[i]). */
function subtreeEnds(nodes: PlanNode[]): number[] {
  const ends = nodes.map((n) => n.id + 1);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const p = nodes[i].parentId;
    if (p !== null && ends[i] > ends[p]) ends[p] = ends[i];
  }
  return ends;
}

function cteScans(nodes: PlanNode[], ends: number[], parent: PlanNode, cte: PlanNode, cteName: string): number[] {
  const scans: number[] = [];
  for (let id = parent.id + 1; id < ends[parent.id]; id++) {
    if (id >= cte.id && id < ends[cte.id]) continue;
    const n = nodes[id];
    if (n.fields['Node Type'] === 'CTE Scan' && n.fields['CTE Name'] === cteName) scans.push(id);
  }
  return scans;
}

function initPlanTarget(nodes: PlanNode[], ends: number[], parent: PlanNode, init: PlanNode, name: string): number | undefined {
  const patterns = initPlanReferences(name);
  if (patterns.length === 0) return undefined;
  const references = (n: PlanNode) => fieldStrings(n.fields).some((s) => patterns.some((p) => p.test(s)));
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
