import * as vscode from 'vscode';
import type { CommandFactory } from './command';

/** A saved plan file (JSON or psql text), analysed without any connection. */
export const openPlanFromFile: CommandFactory = (ctx) => async (uriArg: unknown) => {
  let uri = uriArg instanceof vscode.Uri ? uriArg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      title: 'Open a saved EXPLAIN output',
      filters: { 'Plans (JSON or text)': ['json', 'txt', 'plan', 'log', 'sql'], 'All files': ['*'] },
    });
    uri = picked?.[0];
  }
  if (!uri) return;
  const startedAt = performance.now();
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const { analysePlanText } = await import('../../core/explainAndOptimize');
    const result = await analysePlanText(text);
    ctx.showResult(result, undefined, vscode.workspace.asRelativePath(uri), { startedAt, label: 'Open Plan from File' });
  } catch (err) {
    await ctx.reportError(err, { action: `Open Plan from File (${vscode.workspace.asRelativePath(uri)})` });
  }
};
