/**
 * Starts the embedded database in the background before the first explain needs it, so that it does not wait for
 * PGlite, the schema files and the generated rows (23 s under load, issue 13). By default as soon as a workspace
 * with schema files opens (the extension activates on `workspaceContains` of the default schema folders); with
 * `pgTuner.embedded.startWhen: sqlInView`, once a SQL file is in view, so a workspace where the user never tunes
 * a query does not pay for PGlite. Never while a server connection is selected.
 */
import * as vscode from 'vscode';
import type { TunerConfig } from '../config';
import type { ConnectionManager } from './connectionManager';
import { hasSchemaFiles } from './embeddedWorkspace';

function isSqlInEditor(document: vscode.TextDocument): boolean {
  return document.languageId === 'sql' && (document.uri.scheme === 'file' || document.uri.scheme === 'untitled');
}

export function registerEmbeddedWarmup(connections: ConnectionManager, config: TunerConfig): vscode.Disposable[] {
  const check = (reason: string): void => {
    const sql = vscode.window.visibleTextEditors.find((e) => isSqlInEditor(e.document));
    if (sql) connections.warmEmbedded(`${reason}: ${vscode.workspace.asRelativePath(sql.document.uri)}`);
  };
  check('a SQL file is open');
  if (config.embeddedStartWhen === 'workspaceOpens' && connections.active.kind === 'embedded')
    void hasSchemaFiles(config).then(
      (found) => found && connections.warmEmbedded('the workspace has schema files'),
      () => undefined,
    );
  return [
    vscode.window.onDidChangeVisibleTextEditors(() => check('a SQL file was opened')),
    // Back on the embedded default with a SQL file in view (it is kept across switches, so usually ready).
    connections.onDidChange((active) => active.kind === 'embedded' && check('switched to the embedded database')),
  ];
}
