// Sibling groups in the compare view: each side groups its runs of similar siblings as the plan view does
// (siblingGroups.ts), and a group on one side is paired with the group on the other side that holds the
// matches of most of its members. Grouping stays per side (the two plans may split their partitions into
// different shapes); pairing goes by node matches, so the pair is the same whichever side one starts from.

import type { Delta, NodeMatch } from '../src/shared/protocol';
import type { SiblingGroup, SiblingGroups } from './siblingGroups';

export interface GroupPair {
  before: SiblingGroup;
  after: SiblingGroup;
  /** Members of `before` whose match is a member of `after`. */
  matched: number;
  /** The groups' summed figures (every member, matched or not): Σ inclusive time, Σ rows, Σ cost. */
  timeMs: Delta;
  rows: Delta;
  cost: Delta;
}

export interface GroupPairs {
  pairs: GroupPair[];
  /** By group id (its first member's node id) on each side. */
  byBefore: Map<number, GroupPair>;
  byAfter: Map<number, GroupPair>;
}

function delta(before: number, after: number): Delta {
  const d: Delta = { before, after, delta: after - before };
  if (before !== 0) d.ratio = after / before;
  return d;
}

/**
 * Pairs the groups of the two sides: each (before group, after group) is scored by how many member matches
 * join them, and the best-scored pairs are taken first, one partner per group. A group whose members'
 * matches are not grouped on the other side (a few partitions left after pruning) stays unpaired.
 */
export function pairGroups(before: SiblingGroups, after: SiblingGroups, matches: readonly NodeMatch[]): GroupPairs {
  const counts = new Map<string, { b: SiblingGroup; a: SiblingGroup; n: number }>();
  for (const m of matches) {
    const b = before.byMember.get(m.beforeId);
    const a = after.byMember.get(m.afterId);
    if (!b || !a) continue;
    const key = `${b.id}:${a.id}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { b, a, n: 1 });
  }
  const ranked = [...counts.values()].sort((x, y) => y.n - x.n || x.b.id - y.b.id || x.a.id - y.a.id);
  const pairs: GroupPair[] = [];
  const byBefore = new Map<number, GroupPair>();
  const byAfter = new Map<number, GroupPair>();
  for (const { b, a, n } of ranked) {
    if (byBefore.has(b.id) || byAfter.has(a.id)) continue;
    const pair: GroupPair = {
      before: b,
      after: a,
      matched: n,
      timeMs: delta(b.totals.timeMs, a.totals.timeMs),
      rows: delta(b.totals.rows, a.totals.rows),
      cost: delta(b.totals.cost, a.totals.cost),
    };
    pairs.push(pair);
    byBefore.set(b.id, pair);
    byAfter.set(a.id, pair);
  }
  pairs.sort((x, y) => x.before.id - y.before.id);
  return { pairs, byBefore, byAfter };
}
