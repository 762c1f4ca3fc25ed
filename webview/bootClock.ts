/** When the webview's script started, in ms since its page began loading; imported first by main.ts. */
export const scriptStartMs = performance.now();
