/** The status-bar item: shows the active connection and, for the embedded default, that it is starting; clicking it switches. */
import * as vscode from 'vscode';
import type { CommandId } from './commandTable';
import type { ConnectionManager } from './connections/connectionManager';

export function createConnectionStatusItem(connections: ConnectionManager): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('pgTuner.connection', vscode.StatusBarAlignment.Left, 50);
  item.name = 'PostgreSQL Query Tuner connection';
  item.command = 'pgTuner.selectConnection' satisfies CommandId;
  const update = (): void => {
    const active = connections.active;
    if (active.kind === 'server') {
      item.text = `$(database) ${connections.activeLabel}`;
      item.tooltip = `PostgreSQL Query Tuner: explaining on ${active.setting.label}${active.setting.production ? ' (production)' : ''}. Click to switch.`;
      return;
    }
    const state = connections.embeddedState;
    const about = 'PostgreSQL Query Tuner: explaining on an embedded PostgreSQL built from the workspace schema files.';
    switch (state.kind) {
      case 'starting':
        item.text = `$(loading~spin) ${connections.activeLabel}: starting…`;
        item.tooltip = `${about} Loading the schema files; the first explain waits for it. Click to switch.`;
        break;
      case 'ready':
        item.text = `$(database) ${connections.activeLabel}`;
        item.tooltip = `${about} Ready (started in ${(state.ms / 1000).toFixed(1)} s). Click to switch.`;
        break;
      case 'failed':
        item.text = `$(warning) ${connections.activeLabel}`;
        item.tooltip = `${about} It could not start: ${state.message} The next explain tries again. Click to switch.`;
        break;
      case 'idle':
        item.text = `$(database) ${connections.activeLabel}`;
        item.tooltip = `${about} Click to switch.`;
    }
  };
  update();
  item.show();
  return [
    item,
    connections.onDidChange(update),
    connections.onDidChangeEmbeddedState(update),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgTuner.connections') && update()),
  ];
}
