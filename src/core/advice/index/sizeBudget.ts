/**
 * Which indexes, and in which form, fit a total size: a multiple-choice knapsack. Each index offers its full
 * form, smaller forms of it, or nothing; each option has a size and a measured gain (milliseconds per run of the
 * workload). Greed by gain per byte fails exactly where it matters: one large index with most of the workload's
 * gain loses to many small ones, and a smaller form that would have fitted is never tried.
 *
 * Gains do not simply add: (a) and (a, b) both serve a statement that filters on a, and keeping both saves it
 * only what the better one saves. bestSetWithinBudget() values a set per statement (the best of its indexes
 * on each table); bestWithinBudget() is the plain knapsack over independent gains.
 */

export interface SizedOption<T> {
  item: T;
  sizeBytes: number;
  gainMs: number;
}

/** Size steps of the table: fine enough that rounding up loses little of the budget. */
const steps = 2000;

/**
 * At most one option per group, total size ≤ `budgetBytes`, the largest total gain; ties go to the smaller
 * total size. Returns the chosen option per group (undefined: none of the group's options).
 */
export function bestWithinBudget<T>(
  groups: Array<Array<SizedOption<T>>>,
  budgetBytes: number,
): Array<SizedOption<T> | undefined> {
  const unit = Math.max(1, budgetBytes / steps);
  const capacity = Math.max(0, Math.floor(budgetBytes / unit));
  const units = (bytes: number): number => Math.ceil(bytes / unit - 1e-9);
  // best[w]: the largest gain within w units; size[w]: the bytes it takes (for ties).
  let best = new Array<number>(capacity + 1).fill(0);
  let bytes = new Array<number>(capacity + 1).fill(0);
  const picks: Int32Array[] = [];
  for (const group of groups) {
    const nextBest = [...best];
    const nextBytes = [...bytes];
    const pick = new Int32Array(capacity + 1).fill(-1);
    group.forEach((o, oi) => {
      const u = units(o.sizeBytes);
      if (o.gainMs <= 0 || u > capacity) return;
      for (let w = u; w <= capacity; w++) {
        const gain = best[w - u] + o.gainMs;
        const size = bytes[w - u] + o.sizeBytes;
        if (gain > nextBest[w] + 1e-9 || (Math.abs(gain - nextBest[w]) <= 1e-9 && size < nextBytes[w])) {
          nextBest[w] = gain;
          nextBytes[w] = size;
          pick[w] = oi;
        }
      }
    });
    picks.push(pick);
    best = nextBest;
    bytes = nextBytes;
  }
  const out: Array<SizedOption<T> | undefined> = new Array(groups.length).fill(undefined);
  let w = capacity;
  for (let g = groups.length - 1; g >= 0; g--) {
    const oi = picks[g][w];
    if (oi < 0) continue;
    const o = groups[g][oi];
    out[g] = o;
    w -= units(o.sizeBytes);
  }
  return out;
}

/**
 * An option whose gain is not its own alone: two indexes that serve the same statement stand in for each other,
 * so a set of them saves that statement what the best of them saves, not the sum. Measured per statement with
 * the option the only index of the pool built.
 */
export interface OverlappingOption<T> {
  item: T;
  sizeBytes: number;
  /** Options of one scope (the table) stand in for each other on a statement; the gains of different scopes add. */
  scope: string;
  /** Statement id → ms per run it saves with this option alone (positive entries only). */
  gains: ReadonlyMap<string, number>;
}

export interface SetChoice<T> {
  /** The chosen option per group (undefined: none of the group's options). */
  picked: Array<OverlappingOption<T> | undefined>;
  gainMs: number;
  /** 'exact': the best set; 'greedy': the search hit its bound and the best of the greedy sets was taken. */
  search: 'exact' | 'greedy';
}

/**
 * Per statement, the ms a set saves: per scope the best of the set's options (a statement served by both (a)
 * and (a, b) gains the better of the two, once), the scopes added (a join gains from an index on each of its
 * tables), and the whole at most `caps` (what the statement saved with every index built: the scopes of a join
 * do not add beyond it). Without a cap the statement's gain is not bounded.
 */
class SetGain {
  private readonly best = new Map<string, number>();
  private readonly sums = new Map<string, number>();
  total = 0;

  constructor(private readonly caps: ReadonlyMap<string, number> | undefined) {}

  private capped(statement: string, sum: number): number {
    return Math.min(this.caps?.get(statement) ?? Infinity, sum);
  }

  /** Adds `o`; returns what to pass to `remove` to undo it. */
  add(o: OverlappingOption<unknown>): Array<[string, string, number]> {
    const undo: Array<[string, string, number]> = [];
    for (const [statement, gain] of o.gains) {
      const key = `${statement}\u0000${o.scope}`;
      const old = this.best.get(key) ?? 0;
      if (gain <= old) continue;
      const sum = this.sums.get(statement) ?? 0;
      this.total += this.capped(statement, sum - old + gain) - this.capped(statement, sum);
      this.best.set(key, gain);
      this.sums.set(statement, sum - old + gain);
      undo.push([statement, key, old]);
    }
    return undo;
  }

  remove(undo: Array<[string, string, number]>): void {
    for (let i = undo.length - 1; i >= 0; i--) {
      const [statement, key, old] = undo[i];
      const gain = this.best.get(key) ?? 0;
      const sum = this.sums.get(statement) ?? 0;
      this.total += this.capped(statement, sum - gain + old) - this.capped(statement, sum);
      this.best.set(key, old);
      this.sums.set(statement, sum - gain + old);
    }
  }
}

/** What a set of options saves per run of the workload (see SetGain). */
export function setGain(options: Array<OverlappingOption<unknown>>, caps?: ReadonlyMap<string, number>): number {
  const g = new SetGain(caps);
  for (const o of options) g.add(o);
  return g.total;
}

function standalone(o: OverlappingOption<unknown>): number {
  let sum = 0;
  for (const v of o.gains.values()) sum += Math.max(0, v);
  return sum;
}

/** Nodes the exact search may visit before it gives way to the greedy sets: ample for the ~20 indexes of a pool. */
const defaultMaxNodes = 200_000;

/**
 * At most one option per group, total size ≤ `budgetBytes`, the largest set gain (overlaps counted once);
 * ties go to the smaller total size. Exact by branch and bound: an option adds at most its gain alone to any
 * set, so the gains alone of the groups left, each its best option that still fits, bound what a branch can
 * reach. Should the search visit `maxNodes` nodes first (a pool far larger than the advisor's), it stops and
 * the best of: what it found so far, greedy by marginal set gain per byte, greedy by marginal set gain, and the
 * knapsack on gains alone (bestWithinBudget), each valued as a set.
 */
export function bestSetWithinBudget<T>(
  groups: Array<Array<OverlappingOption<T>>>,
  budgetBytes: number,
  caps?: ReadonlyMap<string, number>,
  maxNodes = defaultMaxNodes,
): SetChoice<T> {
  const eps = 1e-9;
  const usable = groups.map((g) => g.filter((o) => o.sizeBytes <= budgetBytes && standalone(o) > 0));
  // The most promising groups first: good sets are found early and bound the rest.
  const order = usable.map((_, i) => i).filter((i) => usable[i].length > 0);
  order.sort((a, b) => Math.max(...usable[b].map(standalone)) - Math.max(...usable[a].map(standalone)));
  const sorted = order.map((i) => [...usable[i]].sort((a, b) => standalone(b) - standalone(a)));

  const gain = new SetGain(caps);
  const current: Array<OverlappingOption<T> | undefined> = new Array(order.length).fill(undefined);
  let best = { gain: 0, bytes: 0, picks: [...current] };
  let nodes = 0;
  let complete = true;

  const bound = (from: number, room: number): number => {
    let sum = 0;
    for (let k = from; k < sorted.length; k++) {
      for (const o of sorted[k]) {
        if (o.sizeBytes <= room) {
          sum += standalone(o);
          break;
        }
      }
    }
    return sum;
  };
  const search = (k: number, bytes: number): void => {
    if (++nodes > maxNodes) {
      complete = false;
      return;
    }
    if (gain.total > best.gain + eps || (Math.abs(gain.total - best.gain) <= eps && bytes < best.bytes))
      best = { gain: gain.total, bytes, picks: [...current] };
    if (k === sorted.length || gain.total + bound(k, budgetBytes - bytes) < best.gain - eps) return;
    for (const o of sorted[k]) {
      if (!complete) return;
      if (bytes + o.sizeBytes > budgetBytes) continue;
      const undo = gain.add(o);
      current[k] = o;
      search(k + 1, bytes + o.sizeBytes);
      current[k] = undefined;
      gain.remove(undo);
    }
    if (complete) search(k + 1, bytes);
  };
  search(0, 0);

  const toGroups = (picks: Array<OverlappingOption<T> | undefined>): Array<OverlappingOption<T> | undefined> => {
    const out: Array<OverlappingOption<T> | undefined> = new Array(groups.length).fill(undefined);
    picks.forEach((o, k) => {
      out[order[k]] = o;
    });
    return out;
  };
  if (complete) return { picked: toGroups(best.picks), gainMs: best.gain, search: 'exact' };

  const candidates: Array<Array<OverlappingOption<T> | undefined>> = [toGroups(best.picks)];
  for (const perByte of [true, false]) candidates.push(greedy(usable, budgetBytes, caps, perByte));
  const alone = bestWithinBudget(
    usable.map((g) => g.map((o) => ({ item: o, sizeBytes: o.sizeBytes, gainMs: standalone(o) }))),
    budgetBytes,
  );
  candidates.push(alone.map((o) => o?.item));
  const valued = candidates.map((picks) => {
    const chosen = picks.filter((o): o is OverlappingOption<T> => o !== undefined);
    return { picks, gain: setGain(chosen, caps), bytes: chosen.reduce((s, o) => s + o.sizeBytes, 0) };
  });
  const top = valued.reduce((a, b) =>
    b.gain > a.gain + eps || (Math.abs(b.gain - a.gain) <= eps && b.bytes < a.bytes) ? b : a,
  );
  return { picked: top.picks, gainMs: top.gain, search: 'greedy' };
}

/** Adds, while anything fits, the option with the most marginal set gain (per byte, or in all). */
function greedy<T>(
  groups: Array<Array<OverlappingOption<T>>>,
  budgetBytes: number,
  caps: ReadonlyMap<string, number> | undefined,
  perByte: boolean,
): Array<OverlappingOption<T> | undefined> {
  const picks: Array<OverlappingOption<T> | undefined> = new Array(groups.length).fill(undefined);
  const gain = new SetGain(caps);
  let bytes = 0;
  for (;;) {
    let next: { g: number; o: OverlappingOption<T>; score: number } | undefined;
    groups.forEach((group, g) => {
      if (picks[g]) return;
      for (const o of group) {
        if (bytes + o.sizeBytes > budgetBytes) continue;
        const before = gain.total;
        const undo = gain.add(o);
        const marginal = gain.total - before;
        gain.remove(undo);
        const score = perByte ? marginal / Math.max(1, o.sizeBytes) : marginal;
        if (marginal > 0 && (!next || score > next.score)) next = { g, o, score };
      }
    });
    if (!next) return picks;
    picks[next.g] = next.o;
    gain.add(next.o);
    bytes += next.o.sizeBytes;
  }
}
