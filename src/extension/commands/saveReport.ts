import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { PlanPanel } from '../panel/planPanel';

/** Writes the shown result as a Markdown report (for a pull request or an issue) and opens it. */
export const saveReport: CommandFactory = (ctx) => async () => {
  const result = PlanPanel.current?.result;
  if (!result) {
    void vscode.window.showInformationMessage('No plan is shown. Run "Explain and Optimize" or open a plan first.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the query report',
    defaultUri: folder ? vscode.Uri.joinPath(folder, 'query-report.md') : undefined,
    filters: { Markdown: ['md'] },
  });
  if (!target) return;
  try {
    const { renderMarkdownReport } = await import('../../core/report/markdownReport');
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(renderMarkdownReport(result)));
    await vscode.window.showTextDocument(target, { preview: false });
  } catch (err) {
    await ctx.reportError(err, { action: 'Save Report' });
  }
};
