/**
 * Runs inside the downloaded VS Code (see ../runTest.ts): the extension activates, its static warning appears on
 * the dashboard query, and Explain and Optimize on the embedded database opens the plan view.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the sample workspace is open');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder.uri.fsPath, 'queries.sql')));
  const editor = await vscode.window.showTextDocument(document);

  const warning = await poll(() =>
    vscode.languages
      .getDiagnostics(document.uri)
      .find((d) => d.source === 'PostgreSQL Query Tuner' && codeOf(d) === 'left-join-nullified'),
  );
  assert.equal(document.getText(warning.range).includes('created_at'), true);

  const at = document.positionAt(document.getText().indexOf('GROUP BY'));
  editor.selection = new vscode.Selection(at, at);
  const before = document.getText();
  await vscode.commands.executeCommand('pgTuner.explainAndOptimize');
  const tab = await poll(
    () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.startsWith('Plan:')),
    120_000,
  );
  assert.ok(tab);
  assert.equal(document.getText(), before, 'explaining never edits the document');
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}

async function poll<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
