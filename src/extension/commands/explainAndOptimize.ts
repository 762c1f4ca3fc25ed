import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { explainInEditor } from '../explain/explainInEditor';

/** EXPLAIN ANALYZE of the selection or the statement under the cursor, then the plan view and findings. */
export const explainAndOptimize: CommandFactory = (ctx) => async () => {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a SQL file and put the cursor in a statement to explain it.');
    return;
  }
  await explainInEditor(ctx, editor, { analyze: true, action: 'Explain and Optimize' });
};
