/**
 * The reference the size budget's choice is checked against: every set of options (at most one per group)
 * tried one by one, the best set gain within the budget. Exponential: for the small pools of the tests only.
 */
import { setGain, type OverlappingOption } from '../../../../src/core/advice/index/sizeBudget';

export function bestGainOfEverySet<T>(
  groups: Array<Array<OverlappingOption<T>>>,
  budget: number,
  caps?: ReadonlyMap<string, number>,
): number {
  let best = 0;
  const walk = (g: number, chosen: Array<OverlappingOption<T>>, bytes: number): void => {
    if (g === groups.length) {
      best = Math.max(best, setGain(chosen, caps));
      return;
    }
    walk(g + 1, chosen, bytes);
    for (const o of groups[g]) if (bytes + o.sizeBytes <= budget) walk(g + 1, [...chosen, o], bytes + o.sizeBytes);
  };
  walk(0, [], 0);
  return best;
}
