// Entry point of the plan view webview (bundled to dist/webview.js, loaded by the panel's HTML).
// Before the imports run: when the script started, for the host's "plan view ready" log.
import { scriptStartMs } from './bootClock';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { PlanViewApp } from './planViewApp';
import { installStyles } from './styles';
import { vscodeApi } from './vscodeApi';

installStyles();
const app = new PlanViewApp(vscodeApi(), document.body);
app.start({ scriptStartMs });
