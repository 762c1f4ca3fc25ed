/**
 * HypoPG first: every candidate family is rated by its hypothetical cost (nothing built, milliseconds each), and
 * only the few that survive are built for real (minutes each on a production table, with a lock on it). A family
 * is a table's candidates with the same leading key: its members (covering, partial, longer keys) differ in size
 * and shape, not in how the scan finds its rows. Without HypoPG the planner screens with real indexes built in
 * rolled-back transactions, so it screens as few as before.
 */
import type { EstimateMethod, IndexCandidate } from '../indexSuggestion';
import { candidateKey } from './indexDdl';

/** HypoPG screens this many candidates at most (each: a hypothetical index and one EXPLAIN per form). */
export const maxScreenedHypothetical = 48;
/** The planner screens with real builds: as many as before. */
export const maxScreenedBuilt = 12;
/** A survivor's estimated cost is at most this many times the best estimate on its table. */
export const survivorCostFactor = 4;

/** Table, access method and leading key: one way of finding the rows. */
export function familyOf(c: IndexCandidate): string {
  const k = c.keys[0];
  return `${c.schema ?? ''}|${c.table}|${c.method}|${k?.column ?? k?.expression ?? ''}`;
}

/**
 * The candidates to screen, in order: the best-rated member of every family first, so none is cut off by the
 * cap, then the others by rule score. With HypoPG all of them up to its cap; else the old cap.
 */
export function screeningOrder(candidates: IndexCandidate[], method: EstimateMethod): IndexCandidate[] {
  const byScore = [...candidates].sort((a, b) => b.ruleScore - a.ruleScore);
  if (method !== 'hypopg') return byScore.slice(0, maxScreenedBuilt);
  const seen = new Set<string>();
  const heads: IndexCandidate[] = [];
  const rest: IndexCandidate[] = [];
  for (const c of byScore) {
    const f = familyOf(c);
    if (seen.has(f)) rest.push(c);
    else {
      seen.add(f);
      heads.push(c);
    }
  }
  return [...heads, ...rest].slice(0, maxScreenedHypothetical);
}

export interface Rated {
  candidate: IndexCandidate;
  /** Estimated cost with it alone on the winning form. */
  cost: number;
  /** The plan used it. */
  used: boolean;
  sizeBytes?: number;
}

/**
 * What is worth building besides the greedy choice: per family not already chosen, its member with the lowest
 * estimate (the smaller on a tie), when the plan used it, it cuts the cost by `minimumGain` and it is within
 * `survivorCostFactor` of the best estimate on its table. Cheapest first. An index rated 1.6× when another on the
 * same table is rated 48,000× is not worth minutes of building.
 */
export function survivors(
  rated: Rated[],
  chosen: IndexCandidate[],
  baseCost: number,
  minimumGain: number,
): IndexCandidate[] {
  const chosenFamilies = new Set(chosen.map(familyOf));
  const gaining = rated.filter((r) => r.used && Number.isFinite(r.cost) && r.cost <= baseCost * (1 - minimumGain));
  const bestOnTable = new Map<string, number>();
  for (const r of gaining) {
    const t = r.candidate.table;
    bestOnTable.set(t, Math.min(bestOnTable.get(t) ?? Infinity, r.cost));
  }
  const size = (r: Rated): number => r.sizeBytes ?? Infinity;
  const perFamily = new Map<string, Rated>();
  for (const r of gaining) {
    const f = familyOf(r.candidate);
    if (chosenFamilies.has(f) || chosen.some((c) => candidateKey(c) === candidateKey(r.candidate))) continue;
    if (r.cost > (bestOnTable.get(r.candidate.table) ?? Infinity) * survivorCostFactor) continue;
    const held = perFamily.get(f);
    if (!held || r.cost < held.cost || (r.cost === held.cost && size(r) < size(held))) perFamily.set(f, r);
  }
  return [...perFamily.values()].sort((a, b) => a.cost - b.cost || size(a) - size(b)).map((r) => r.candidate);
}
