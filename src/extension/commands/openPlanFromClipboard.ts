import * as vscode from 'vscode';
import type { CommandFactory } from './command';

/** A plan copied from psql or a log (text or JSON): analysed without any connection. */
export const openPlanFromClipboard: CommandFactory = (ctx) => async () => {
  const text = (await vscode.env.clipboard.readText()).trim();
  if (!text) {
    void vscode.window.showInformationMessage('The clipboard is empty. Copy the output of EXPLAIN (ANALYZE, FORMAT JSON) or psql\'s plan text first.');
    return;
  }
  const startedAt = performance.now();
  try {
    const { analysePlanText } = await import('../../core/explainAndOptimize');
    const result = await analysePlanText(text);
    ctx.showResult(result, undefined, 'plan from clipboard', { startedAt, label: 'Open Plan from Clipboard' });
  } catch (err) {
    await ctx.reportError(err, { action: 'Open Plan from Clipboard' });
  }
};
