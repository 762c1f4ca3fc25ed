/**
 * A result the serializer gets back from the view's saved state comes without its node list (the view saves
 * `plan.nodes` empty: it repeats every subtree once per ancestor) and without its raw text (rawPlanStore.ts).
 * The report, Copy for Sharing and the comparison read `plan.nodes`; it is rebuilt here from `plan.root`.
 */
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { preorder } from './compactResult';

/** Rebuilds `result.plan.nodes` in place (node ids are pre-order indexes), when it was saved empty. */
export function relistNodes(result: TuningResult): void {
  if (result.plan.nodes.length === 0) result.plan.nodes = preorder(result.plan.root);
}
