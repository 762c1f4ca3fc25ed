import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { executeCommand } from '../commandCalls';
import { embeddedLabel } from '../connections/connectionManager';
import { describeConnection } from '../settings';

interface ConnectionPick extends vscode.QuickPickItem {
  value: string | undefined | 'add';
}

/** Switch between the embedded default and the configured connections (also from the status bar). */
export const selectConnection: CommandFactory = (ctx) => async () => {
  const current = ctx.connections.activeLabel;
  const items: ConnectionPick[] = [
    {
      label: embeddedLabel,
      description: 'PGlite with the workspace schema files; timings are not production timings',
      value: undefined,
    },
    ...ctx.config.connections.map((c) => ({
      label: c.label,
      description: describeConnection(c) + (c.production ? ' · production' : '') + (c.readOnly ? ' · read-only' : ''),
      value: c.label,
    })),
    { label: '$(add) Add Connection…', value: 'add' as const },
  ].map((item) => ({ ...item, picked: item.label === current, detail: item.label === current ? 'active' : undefined }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'PostgreSQL Query Tuner: connection',
    placeHolder: `Active: ${current}`,
  });
  if (!picked) return;
  if (picked.value === 'add') {
    await executeCommand('pgTuner.addConnection');
    return;
  }
  await ctx.connections.select(picked.value);
  ctx.log.info(`Active connection: ${ctx.connections.activeLabel}`);
};
