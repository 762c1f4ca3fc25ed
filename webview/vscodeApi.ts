import type { PlanViewState, WebviewToHostMessage } from '../src/shared/protocol';

/** The part of the webview API we use, typed with our protocol. */
export interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: PlanViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** `acquireVsCodeApi` may be called once per page load. */
export function vscodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
