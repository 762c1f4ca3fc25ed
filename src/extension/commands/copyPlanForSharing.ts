import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { PlanPanel } from '../panel/planPanel';

/** The shown plan and its statement with names and literals replaced, for posting publicly. */
export const copyPlanForSharing: CommandFactory = (ctx) => async () => {
  const result = PlanPanel.current?.result;
  if (!result) {
    void vscode.window.showInformationMessage('No plan is shown. Run "Explain and Optimize" or open a plan first.');
    return;
  }
  await ctx.panelHandlers.copyPlanForSharing(result);
};
