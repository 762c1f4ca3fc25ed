import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { PlanRun } from '../panel/planRun';

/** A plan copied from psql or a log (text or JSON): analysed without any connection, while the plan view opens. */
export const openPlanFromClipboard: CommandFactory = (ctx) => async () => {
  const text = (await vscode.env.clipboard.readText()).trim();
  if (!text) {
    void vscode.window.showInformationMessage(
      "The clipboard is empty. Copy the output of EXPLAIN (ANALYZE, FORMAT JSON) or psql's plan text first.",
    );
    return;
  }
  const startedAt = performance.now();
  const run = PlanRun.begin(ctx.extensionUri, ctx.panelHandlers, 'Reading the plan…');
  try {
    const { analysePlanText } = await import('../../core/pipeline/explainAndOptimize');
    const result = await analysePlanText(text);
    ctx.showResult(result, undefined, 'plan from clipboard', { startedAt, label: 'Open Plan from Clipboard' });
    run.end();
  } catch (err) {
    run.fail('The clipboard does not hold a plan.');
    await ctx.reportError(err, { action: 'Open Plan from Clipboard' });
  }
};
