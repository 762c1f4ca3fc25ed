import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { PlanRun } from '../panel/planRun';

/**
 * A saved plan file (JSON or psql text), analysed without any connection. The plan view opens (busy) as the
 * command starts, so VS Code's webview start runs while the user picks the file; a cancelled pick closes it.
 */
export const openPlanFromFile: CommandFactory = (ctx) => async (uriArg: unknown) => {
  let uri = uriArg instanceof vscode.Uri ? uriArg : undefined;
  const run = PlanRun.begin(
    ctx.extensionUri,
    ctx.panelHandlers,
    uri ? 'Reading the plan…' : 'Waiting for a plan file…',
  );
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      title: 'Open a saved EXPLAIN output',
      filters: { 'Plans (JSON or text)': ['json', 'txt', 'plan', 'log', 'sql'], 'All files': ['*'] },
    });
    uri = picked?.[0];
  }
  if (!uri) {
    run.end();
    return;
  }
  const startedAt = performance.now();
  run.startClock('plan file chosen');
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const { analysePlanText } = await import('../../core/pipeline/explainAndOptimize');
    const planFile = vscode.workspace.asRelativePath(uri);
    // The view says where the plan came from: this file, not "Pasted plan" (issue 13).
    const result = { ...(await analysePlanText(text)), planFile };
    ctx.showResult(result, undefined, planFile, { startedAt, label: 'Open Plan from File' });
    run.end();
  } catch (err) {
    run.fail('The plan file could not be read as a plan.');
    await ctx.reportError(err, { action: `Open Plan from File (${vscode.workspace.asRelativePath(uri)})` });
  }
};
