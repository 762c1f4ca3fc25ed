import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { PlanPanel } from '../panel/planPanel';

/**
 * Writes the shown result as a Markdown report (for a pull request or an issue) and opens it. Offers to
 * obfuscate first (names and literals replaced, for posting publicly); a comparison on show goes in as its
 * before/after section.
 */
export const saveReport: CommandFactory = (ctx) => async () => {
  const panel = PlanPanel.current;
  const result = panel?.result;
  if (!result) {
    void vscode.window.showInformationMessage('No plan is shown. Run "Explain and Optimize" or open a plan first.');
    return;
  }
  const comparison = panel?.comparison;
  const asIs = { label: 'As it is', detail: 'Table, column and index names and literals as in your database', obfuscate: false };
  const obfuscated = {
    label: 'Obfuscated, for posting publicly',
    detail: comparison
      ? 'Names and literals replaced consistently (orders → table_1), numbers kept; the comparison is left out'
      : 'Names and literals replaced consistently (orders → table_1), numbers kept',
    obfuscate: true,
  };
  const how = await vscode.window.showQuickPick([asIs, obfuscated], { title: 'Save Report', placeHolder: 'Save the report as it is, or obfuscated?' });
  if (!how) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the query report',
    defaultUri: folder ? vscode.Uri.joinPath(folder, how.obfuscate ? 'query-report-shared.md' : 'query-report.md') : undefined,
    filters: { Markdown: ['md'] },
  });
  if (!target) return;
  try {
    const { renderMarkdownReport } = await import('../../core/report/markdownReport');
    let text: string;
    if (how.obfuscate) {
      const { obfuscatedResult } = await import('../history/sharePlan');
      text = renderMarkdownReport(await obfuscatedResult(result));
    } else {
      const before = comparison?.before;
      text = renderMarkdownReport(
        comparison ? comparison.after : result,
        before && comparison ? { comparison: { before, after: comparison.after, label: `${comparison.beforeLabel ?? 'before'} → ${comparison.afterLabel ?? 'after'}` } } : {},
      );
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    await vscode.window.showTextDocument(target, { preview: false });
  } catch (err) {
    await ctx.reportError(err, { action: 'Save Report' });
  }
};
