/** The status-bar item: shows the active connection; clicking it switches. */
import * as vscode from 'vscode';
import type { ConnectionManager } from './connections/connectionManager';

export function createConnectionStatusItem(connections: ConnectionManager): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('pgTuner.connection', vscode.StatusBarAlignment.Left, 50);
  item.name = 'PostgreSQL Query Tuner connection';
  item.command = 'pgTuner.selectConnection';
  const update = (): void => {
    const active = connections.active;
    item.text = `$(database) ${connections.activeLabel}`;
    item.tooltip =
      active.kind === 'embedded'
        ? 'PostgreSQL Query Tuner: explaining on an embedded PostgreSQL built from the workspace schema files. Click to switch.'
        : `PostgreSQL Query Tuner: explaining on ${active.setting.label}${active.setting.production ? ' (production)' : ''}. Click to switch.`;
  };
  update();
  item.show();
  return [item, connections.onDidChange(update), vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgTuner.connections') && update())];
}
