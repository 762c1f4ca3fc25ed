/**
 * Pairs the nodes of two plans. Each node is described by what it reads (relation, CTE, function or index:
 * its "leaf key"), the set of relations below it, its operator, its role and its parent; pairs are scored
 * on those, each before-node keeps its best few candidates, and a greedy pass takes the best pairs first.
 * Cost grows with the candidates, not with nodes × nodes, so 10,000-node plans stay fast.
 */
import type { Plan, PlanNode } from '../plan/planNode';
import type { MatchConfidence } from './planComparison';

export interface RawMatch {
  beforeId: number;
  afterId: number;
  score: number;
  confidence: MatchConfidence;
}

interface NodeKey {
  node: PlanNode;
  type: string;
  family: string;
  /** Relation, CTE or function the node reads: what identifies a scan across plans. */
  relKey?: string;
  /** relKey, or the index of a Bitmap Index Scan (which names no relation). */
  leafKey?: string;
  alias?: string;
  index?: string;
  role: string;
  /** Relation keys of the node and everything below it. */
  rels: Set<string>;
  /** The parent's type and (small) relation set, for telling apart repeated subtrees such as partitions. */
  parentSig: string;
  /** Pre-order position scaled to 0..1, a weak tie-breaker. */
  position: number;
}

/** Below this a pair is not a match at all. */
const MIN_SCORE = 0.3;
const LIKELY_SCORE = 0.55;
/** Candidates kept per before-node; enough for the greedy pass to find a free one. */
const KEEP = 8;
/** Nodes with more relations below than this are compared by set size range instead of shared postings. */
const SMALL_SET = 8;

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
/** Relations kept in a node's set (see describe). */
const MAX_RELS = 64;

function family(type: string): string {
  if (JOINS.has(type)) return 'join';
  if (/Scan$/.test(type)) return 'scan';
  if (type === 'Aggregate' || type === 'WindowAgg' || type === 'Group') return 'aggregate';
  if (type === 'Sort' || type === 'Incremental Sort') return 'sort';
  if (type === 'Gather' || type === 'Gather Merge') return 'gather';
  if (type === 'Append' || type === 'Merge Append') return 'append';
  return type;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function describe(plan: Plan): NodeKey[] {
  const keys: NodeKey[] = new Array<NodeKey>(plan.nodes.length);
  const total = Math.max(1, plan.nodes.length - 1);
  for (const node of plan.nodes) {
    const f = node.fields;
    const relation = str(f['Relation Name']);
    const schema = str(f['Schema']);
    const cte = str(f['CTE Name']);
    const fn = str(f['Function Name']);
    const index = str(f['Index Name']);
    const relKey = relation
      ? `rel:${schema ? `${schema}.` : ''}${relation}`
      : cte
        ? `cte:${cte}`
        : fn
          ? `fn:${fn}`
          : undefined;
    keys[node.id] = {
      node,
      type: f['Node Type'],
      family: family(f['Node Type']),
      relKey,
      leafKey: relKey ?? (index ? `idx:${index}` : undefined),
      alias: str(f['Alias']),
      index,
      role: str(f['Subplan Name'])?.replace(/\d+/g, '') ?? str(f['Parent Relationship']) ?? '',
      rels: new Set<string>(),
      parentSig: '',
      position: node.id / total,
    };
  }
  // Children come after their parent in pre-order, so a reverse walk fills each set from finished children.
  // A set stops growing at MAX_RELS: whole sets made a 10,000-level plan quadratic (each level holding every
  // relation below it) and its comparison took minutes. Past the cap only the first relations below count.
  for (let i = plan.nodes.length - 1; i >= 0; i--) {
    const k = keys[i];
    if (k.relKey) k.rels.add(k.relKey);
    fill: for (const c of k.node.children) {
      for (const r of keys[c.id].rels) {
        if (k.rels.size >= MAX_RELS) break fill;
        k.rels.add(r);
      }
    }
  }
  for (const k of keys) {
    const p = k.node.parentId === null ? undefined : keys[k.node.parentId];
    k.parentSig = p ? `${p.type}|${p.rels.size <= 16 ? [...p.rels].sort().join(',') : `many:${p.rels.size}`}` : 'root';
  }
  return keys;
}

/** Everything that makes two nodes the same node: equal signatures are paired without scoring. */
function signature(k: NodeKey): string {
  const rels = k.rels.size <= 16 ? [...k.rels].sort().join(',') : `many:${k.rels.size}`;
  const f = k.node.fields;
  return [
    k.type,
    f['Strategy'] ?? '',
    f['Join Type'] ?? '',
    k.leafKey ?? '',
    k.alias ?? '',
    k.index ?? '',
    k.role,
    k.parentSig,
    rels,
  ].join('\u0001');
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const x of small) if (large.has(x)) common++;
  return common / (a.size + b.size - common);
}

function score(b: NodeKey, a: NodeKey): number {
  const sameType = b.type === a.type;
  const context = (b.parentSig === a.parentSig ? 0.1 : 0) + (b.role === a.role ? 0.05 : 0);
  if (b.leafKey !== undefined || a.leafKey !== undefined) {
    if (b.leafKey !== a.leafKey) return 0;
    return (
      0.45 +
      (sameType ? 0.2 : b.family === a.family ? 0.05 : 0) +
      (b.alias === a.alias ? 0.1 : 0) +
      (b.index === a.index ? 0.1 : 0) +
      context
    );
  }
  const j = jaccard(b.rels, a.rels);
  if (j === 0) return 0;
  const typeScore = sameType ? 0.3 : b.family === a.family ? 0.15 : 0;
  return 0.4 * j + typeScore + context + 0.1 * (1 - Math.min(1, Math.abs(b.position - a.position) * 4));
}

function isExact(b: NodeKey, a: NodeKey): boolean {
  if (b.type !== a.type) return false;
  if (b.leafKey !== undefined) return b.leafKey === a.leafKey && b.alias === a.alias && b.index === a.index;
  if (a.leafKey !== undefined) return false;
  const sameStrategy =
    b.node.fields['Strategy'] === a.node.fields['Strategy'] &&
    b.node.fields['Join Type'] === a.node.fields['Join Type'];
  return sameStrategy && b.rels.size > 0 && jaccard(b.rels, a.rels) === 1;
}

function confidence(b: NodeKey, a: NodeKey, s: number): MatchConfidence {
  if (isExact(b, a)) return 'exact';
  return s >= LIKELY_SCORE ? 'likely' : 'guessed';
}

interface Candidate {
  afterId: number;
  score: number;
}

/** Best candidates of one before-node, highest score first. */
function candidatesOf(
  b: NodeKey,
  after: NodeKey[],
  byRel: Map<string, number[]>,
  bySize: NodeKey[],
  noRels: number[],
  taken: ReadonlySet<number>,
): Candidate[] {
  const seen = new Set<number>();
  const found: Candidate[] = [];
  const consider = (id: number): void => {
    if (taken.has(id) || seen.has(id)) return;
    seen.add(id);
    const s = score(b, after[id]);
    if (s >= MIN_SCORE) found.push({ afterId: id, score: s });
  };
  if (b.rels.size === 0) {
    for (const id of noRels) consider(id);
  } else if (b.leafKey !== undefined || b.rels.size <= SMALL_SET) {
    for (const r of b.rels) for (const id of byRel.get(r) ?? []) consider(id);
    if (b.leafKey !== undefined && b.relKey === undefined) for (const id of byRel.get(b.leafKey) ?? []) consider(id);
  } else {
    // Jaccard ≥ MIN_SCORE-ish needs comparable sizes: scan the size-sorted list over that range only.
    const lo = b.rels.size * 0.3;
    const hi = b.rels.size / 0.3;
    for (const a of bySize) {
      if (a.rels.size < lo) continue;
      if (a.rels.size > hi) break;
      consider(a.node.id);
    }
  }
  found.sort(
    (x, y) =>
      y.score - x.score ||
      Math.abs(after[x.afterId].position - b.position) - Math.abs(after[y.afterId].position - b.position),
  );
  return found.slice(0, KEEP);
}

export function matchNodes(before: Plan, after: Plan): RawMatch[] {
  const bk = describe(before);
  const ak = describe(after);
  const byRel = new Map<string, number[]>();
  const noRels: number[] = [];
  for (const a of ak) {
    if (a.rels.size === 0 && a.leafKey === undefined) noRels.push(a.node.id);
    for (const r of a.rels) {
      let list = byRel.get(r);
      if (!list) byRel.set(r, (list = []));
      list.push(a.node.id);
    }
    if (a.leafKey !== undefined && a.relKey === undefined) {
      let list = byRel.get(a.leafKey);
      if (!list) byRel.set(a.leafKey, (list = []));
      list.push(a.node.id);
    }
  }
  const bySize = ak.filter((a) => a.rels.size > 0 && a.leafKey === undefined).sort((x, y) => x.rels.size - y.rels.size);

  // Most nodes of two plans of one statement are unchanged: pair identical descriptions first, in order, so
  // the scored pass below only sees what changed.
  const takenB = new Map<number, RawMatch>();
  const takenA = new Set<number>();
  const groups = new Map<string, number[]>();
  for (const a of ak) {
    const key = signature(a);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(a.node.id);
  }
  const used = new Map<string, number>();
  for (const b of bk) {
    const key = signature(b);
    const list = groups.get(key);
    const next = used.get(key) ?? 0;
    if (!list || next >= list.length) continue;
    const a = ak[list[next]];
    if (!isExact(b, a) && (b.leafKey !== undefined || b.rels.size > 0)) continue;
    used.set(key, next + 1);
    takenB.set(b.node.id, {
      beforeId: b.node.id,
      afterId: a.node.id,
      score: round(score(b, a)),
      confidence: isExact(b, a) ? 'exact' : 'likely',
    });
    takenA.add(a.node.id);
  }

  const pairs: Array<{ b: number; a: number; score: number; drift: number }> = [];
  for (const b of bk) {
    if (takenB.has(b.node.id)) continue;
    for (const c of candidatesOf(b, ak, byRel, bySize, noRels, takenA)) {
      pairs.push({ b: b.node.id, a: c.afterId, score: c.score, drift: Math.abs(ak[c.afterId].position - b.position) });
    }
  }
  pairs.sort((x, y) => y.score - x.score || x.drift - y.drift || x.b - y.b);
  for (const p of pairs) {
    if (takenB.has(p.b) || takenA.has(p.a)) continue;
    takenB.set(p.b, {
      beforeId: p.b,
      afterId: p.a,
      score: round(p.score),
      confidence: confidence(bk[p.b], ak[p.a], p.score),
    });
    takenA.add(p.a);
  }

  // What is left pairs up by position: an unmatched child of matched parents, same operator family.
  for (const b of bk) {
    if (takenB.has(b.node.id) || b.node.parentId === null) continue;
    const parentMatch = takenB.get(b.node.parentId);
    if (!parentMatch) continue;
    const siblings = after.nodes[parentMatch.afterId].children.filter((c) => !takenA.has(c.id));
    const pick =
      siblings.find((c) => ak[c.id].type === b.type) ??
      siblings.find((c) => ak[c.id].family === b.family && ak[c.id].leafKey === undefined && b.leafKey === undefined);
    if (!pick) continue;
    takenB.set(b.node.id, { beforeId: b.node.id, afterId: pick.id, score: MIN_SCORE, confidence: 'guessed' });
    takenA.add(pick.id);
  }
  if (!takenB.has(0) && !takenA.has(0))
    takenB.set(0, { beforeId: 0, afterId: 0, score: MIN_SCORE, confidence: 'guessed' });
  return [...takenB.values()].sort((x, y) => x.beforeId - y.beforeId);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
