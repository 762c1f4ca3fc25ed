/**
 * Starts the embedded database in the background once a SQL file is in view, so that the first explain does not
 * wait for PGlite and the schema files (23 s under load, issue 13). Not at activation itself (activation stays
 * thin: a workspace without SQL in view never pays for PGlite), and not while a server connection is selected.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from './connectionManager';

function isSqlInEditor(document: vscode.TextDocument): boolean {
  return document.languageId === 'sql' && (document.uri.scheme === 'file' || document.uri.scheme === 'untitled');
}

export function registerEmbeddedWarmup(connections: ConnectionManager): vscode.Disposable[] {
  const check = (reason: string): void => {
    const sql = vscode.window.visibleTextEditors.find((e) => isSqlInEditor(e.document));
    if (sql) connections.warmEmbedded(`${reason}: ${vscode.workspace.asRelativePath(sql.document.uri)}`);
  };
  check('a SQL file is open');
  return [
    vscode.window.onDidChangeVisibleTextEditors(() => check('a SQL file was opened')),
    // Back on the embedded default with a SQL file in view (it is kept across switches, so usually ready).
    connections.onDidChange((active) => active.kind === 'embedded' && check('switched to the embedded database')),
  ];
}
