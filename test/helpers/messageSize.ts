/**
 * The size of the plan view's first message for the generated plans, as VS Code's `webview.postMessage` sends
 * it: JSON, with each typed array replaced by a small reference and its bytes sent alongside as binary (what
 * the extension host does for extensions whose engine is ≥ 1.57). Computed here, not in the extension: the
 * host would pay for a second serialisation of the message on every show.
 */
import { analysePlanText } from '../../src/core/pipeline/explainAndOptimize';
import { firstPaintMessage, firstPaintResult } from '../../src/extension/panel/compactResult';
import type { DidShowResultNotification } from '../../src/shared/protocol';
import { planWithHotspot } from './planFiles';

export function serializedBytes(message: unknown): number {
  let binary = 0;
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      binary += value.byteLength;
      return {
        $$vscode_array_buffer_reference$$: true,
        index: 0,
        view: { type: 1, byteLength: value.byteLength, byteOffset: 0 },
      };
    }
    return value;
  });
  return Buffer.byteLength(json) + binary;
}

export interface FirstMessageSize {
  nodes: number;
  /** The first message as this version sends it (columns). */
  bytes: number;
  /** The same with the nodes as objects (the form before columns: first-paint fields, every insight). */
  objectBytes: number;
}

/** First-message sizes for the plan of `nodes` nodes the editor figures open (planWithHotspot). */
export async function firstMessageSize(nodes: number): Promise<FirstMessageSize> {
  const result = await analysePlanText(planWithHotspot(nodes));
  const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1)?.id ?? 0;
  const base = { type: 'didShowResult', title: `plan-${nodes}.json`, resultKey: 'k', fieldsToFollow: true } as const;
  const packed: DidShowResultNotification = { ...base, ...firstPaintMessage(result, new Set([hotspot])) };
  const objects: DidShowResultNotification = { ...base, result: firstPaintResult(result, new Set([hotspot])) };
  return { nodes, bytes: serializedBytes(packed), objectBytes: serializedBytes(objects) };
}
