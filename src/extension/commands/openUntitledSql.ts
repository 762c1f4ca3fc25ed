import * as vscode from 'vscode';
import type { CommandFactory } from './command';

/** DDL from a quick fix goes into a new, unsaved SQL document for the user to review and run; never executed. */
export const openUntitledSql: CommandFactory = () => async (content: unknown) => {
  if (typeof content !== 'string') return;
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
};
