import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import type { TunerContext } from '../context';
import type { MarkdownReportOptions } from '../../core/report/markdownReport';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { PlanPanel } from '../panel/planPanel';

/**
 * The report's Markdown for a shown result, with the advice the editor already computed for its statement
 * (rewrites, index suggestions, the rewrite + index measurement): taken from the advice service, waited for if it
 * is still running, never run again here.
 */
export async function reportMarkdown(
  ctx: TunerContext,
  result: TuningResult,
  options: MarkdownReportOptions = {},
): Promise<string> {
  const { renderMarkdownReport } = await import('../../core/report/markdownReport');
  const { reportAdviceOptions, reportAdviceLine } = await import('../advice/reportAdvice');
  const pending = result.sql.trim() ? ctx.advice.adviceFor(result.sql) : Promise.resolve(undefined);
  const waiting = vscode.window.setStatusBarMessage(
    '$(sync~spin) Report: waiting for the advisors to finish…',
    pending,
  );
  const advice = await pending.finally(() => waiting.dispose());
  const extra = reportAdviceOptions(result, advice);
  ctx.log.info(reportAdviceLine(extra, advice?.connection));
  return renderMarkdownReport(result, { ...options, ...extra });
}

/** The plan view's "Report" button: the report in a new editor, unsaved. */
export async function openReport(ctx: TunerContext, result: TuningResult): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: await reportMarkdown(ctx, result),
  });
  await vscode.window.showTextDocument(doc, { preview: false });
}

/**
 * Writes the shown result as a Markdown report (for a pull request or an issue) and opens it. Offers to
 * obfuscate first (names and literals replaced, for posting publicly); a comparison on show goes in as its
 * before/after section, and the advice for the statement as its rewrite and index sections.
 */
export const saveReport: CommandFactory = (ctx) => async () => {
  const panel = PlanPanel.current;
  const result = panel?.result;
  if (!result) {
    void vscode.window.showInformationMessage('No plan is shown. Run "Explain and Optimize" or open a plan first.');
    return;
  }
  const comparison = panel?.comparison;
  const asIs = {
    label: 'As it is',
    detail: 'Table, column and index names and literals as in your database, with the index and rewrite advice',
    obfuscate: false,
  };
  const obfuscated = {
    label: 'Obfuscated, for posting publicly',
    detail: comparison
      ? 'Names and literals replaced consistently (orders → table_1), numbers kept; the comparison and the advice are left out'
      : 'Names and literals replaced consistently (orders → table_1), numbers kept; the advice is left out',
    obfuscate: true,
  };
  const how = await vscode.window.showQuickPick([asIs, obfuscated], {
    title: 'Save Report',
    placeHolder: 'Save the report as it is, or obfuscated?',
  });
  if (!how) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the query report',
    defaultUri: folder
      ? vscode.Uri.joinPath(folder, how.obfuscate ? 'query-report-shared.md' : 'query-report.md')
      : undefined,
    filters: { Markdown: ['md'] },
  });
  if (!target) return;
  try {
    let text: string;
    if (how.obfuscate) {
      // The advice quotes DDL and SQL with the real names: it stays out of a report meant to hide them.
      const { renderMarkdownReport } = await import('../../core/report/markdownReport');
      const { obfuscatedResult } = await import('../history/sharePlan');
      text = renderMarkdownReport(await obfuscatedResult(result));
    } else {
      const before = comparison?.before;
      text = await reportMarkdown(
        ctx,
        comparison ? comparison.after : result,
        before && comparison
          ? {
              comparison: {
                before,
                after: comparison.after,
                label: `${comparison.beforeLabel ?? 'before'} → ${comparison.afterLabel ?? 'after'}`,
              },
            }
          : {},
      );
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    await vscode.window.showTextDocument(target, { preview: false });
  } catch (err) {
    await ctx.reportError(err, { action: 'Save Report' });
  }
};
