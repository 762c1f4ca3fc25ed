import type { TuningResult } from '../../core/tuningResult';

/**
 * The form a result crosses to the webview in. `plan.nodes` lists every node while each node also holds its
 * children, so JSON repeats every subtree once per ancestor (16 MB for a 2,000-node plan instead of 3 MB).
 * The list is sent empty; the webview rebuilds it from `plan.root` (node ids are pre-order indexes).
 */
export function compactResult(result: TuningResult): TuningResult {
  if (result.plan.nodes.length === 0) return result;
  return { ...result, plan: { ...result.plan, nodes: [] } };
}
