// Entry point of the plan view webview (bundled to dist/webview.js, loaded by the panel's HTML).
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
app.start();
