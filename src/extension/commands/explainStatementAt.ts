import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { explainInEditor } from '../explain/explainInEditor';

/** From a code action or hover link: explain the statement starting at a document offset. */
export const explainStatementAt: CommandFactory = (ctx) => async (uri: unknown, offset: unknown) => {
  if (typeof uri !== 'string' || typeof offset !== 'number') return;
  const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preserveFocus: false });
  const position = editor.document.positionAt(offset);
  editor.selection = new vscode.Selection(position, position);
  await explainInEditor(ctx, editor, { analyze: true, action: 'Explain and Optimize' });
};
