/** The plan view's webview type (package.json's `onWebviewPanel:` activation event); apart so the small entry needs no panel code. */
export const planViewType = 'pgTuner.planView';
