import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { explainInEditor } from '../explain/explainInEditor';

/** Plain EXPLAIN: the planner's estimates; the statement is not executed. */
export const explainEstimate: CommandFactory = (ctx) => async () => {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a SQL file and put the cursor in a statement to explain it.');
    return;
  }
  await explainInEditor(ctx, editor, { analyze: false, action: 'Explain (estimate only)' });
};
