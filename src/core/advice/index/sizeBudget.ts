/**
 * Which indexes, and in which form, fit a total size: a multiple-choice knapsack. Each index offers its full
 * form, smaller forms of it, or nothing; each option has a size and a measured gain (milliseconds per run of the
 * workload). Greed by gain per byte fails exactly where it matters: one large index with most of the workload's
 * gain loses to many small ones, and a smaller form that would have fitted is never tried.
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
export function bestWithinBudget<T>(groups: Array<Array<SizedOption<T>>>, budgetBytes: number): Array<SizedOption<T> | undefined> {
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
