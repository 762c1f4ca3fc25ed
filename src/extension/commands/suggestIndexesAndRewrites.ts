import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { parameterLabels } from '../explain/parameterLabels';

/**
 * "Suggest Indexes and Rewrites" on the selection or the statement under the cursor (or, from a link, the
 * statement at a document offset): the advisors run with cancellable progress; results become quick fixes.
 */
export const suggestIndexesAndRewrites: CommandFactory = (ctx) => async (uri: unknown, offset: unknown) => {
  let editor = vscode.window.activeTextEditor;
  if (typeof uri === 'string' && typeof offset === 'number') {
    editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preserveFocus: false });
    const position = editor.document.positionAt(offset);
    editor.selection = new vscode.Selection(position, position);
  }
  if (!editor) {
    void vscode.window.showInformationMessage(
      'Open a SQL file and put the cursor in a statement to get index and rewrite suggestions.',
    );
    return;
  }
  const document = editor.document;
  const picked = await pickStatement(editor);
  if (!picked) {
    void vscode.window.showInformationMessage(
      'Put the cursor in a SQL statement (or select one) to get index and rewrite suggestions.',
    );
    return;
  }
  const { rewriteNamedParameters } = await import('../../core/sql/namedParameters');
  const rewrite = rewriteNamedParameters(picked.text);
  const params: string[] = [];
  for (const [i, label] of parameterLabels(rewrite).entries()) {
    const value = await vscode.window.showInputBox({
      title: `Parameter ${i + 1}: ${label}`,
      prompt: `Value for ${label}: the advisors run the statement with it (sent as a parameter, never spliced into the SQL).`,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    params.push(value);
  }
  const active = ctx.connections.active;
  if (active.kind === 'server' && active.setting.production) {
    const choice = await vscode.window.showWarningMessage(
      `${active.setting.label} is a production connection. The rewrite advisor runs the statement and its rewrites (read-only) to compare them; no index is built there.`,
      { modal: true },
      'Run the advisors',
    );
    if (choice !== 'Run the advisors') return;
  }
  await ctx.advice.advise(
    {
      document,
      statement: { text: picked.text, start: picked.start, end: picked.start + picked.text.length, sql: rewrite.text },
      params: params.length > 0 ? params : undefined,
    },
    true,
  );
};

async function pickStatement(editor: vscode.TextEditor): Promise<{ text: string; start: number } | undefined> {
  const document = editor.document;
  if (!editor.selection.isEmpty) {
    const raw = document.getText(editor.selection);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim().replace(/;\s*$/, '');
    return text ? { text, start: document.offsetAt(editor.selection.start) + lead } : undefined;
  }
  const { statementAt } = await import('../../core/sql/splitStatements');
  const found = statementAt(document.getText(), document.offsetAt(editor.selection.active));
  return found && found.text.trim() ? { text: found.text, start: found.start } : undefined;
}
