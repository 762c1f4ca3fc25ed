/**
 * What the plan view's buttons and links do in the editor (PlanPanelHandlers, the panel's typed seam). Built by
 * tuner.ts and handed to the context: the actions reach into the report, the history and the explain command,
 * which all use the context, so the context itself must not import them (that tied six files into one knot).
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SourceRange } from '../../core/positions';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { executeCommand } from '../commandCalls';
import type { TunerContext } from '../context';
import type { PlanPanelHandlers, PlanSource } from './planPanel';
import { planAsJson } from './planJson';
import { RawPlanStore } from './rawPlanStore';

export function planPanelHandlers(ctx: TunerContext): PlanPanelHandlers {
  const extension = ctx.extension;
  return {
    revealSqlRange: (result, source, range) => revealSqlRange(result, source, range),
    copyPlanJson: async (result) => {
      await vscode.env.clipboard.writeText(planAsJson(result));
      void vscode.window.setStatusBarMessage('Plan copied as JSON', 3000);
    },
    openReport: async (result) => {
      const { openReport } = await import('../commands/saveReport');
      await openReport(ctx, result);
    },
    explainAgain: async (source) => {
      if (!source) return;
      const editor = await vscode.window.showTextDocument(source.uri, { preserveFocus: false });
      const position = editor.document.positionAt(source.statementStart);
      editor.selection = new vscode.Selection(position, position);
      await executeCommand('pgTuner.explainAndOptimize');
    },
    exportImage: async (image) => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        title: 'Save the plan as an image',
        defaultUri: folder ? vscode.Uri.joinPath(folder, image.suggestedName) : undefined,
        filters: image.format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
      });
      if (!target) return;
      const bytes =
        image.format === 'svg'
          ? new TextEncoder().encode(image.svgText ?? '')
          : Buffer.from((image.dataUrl ?? '').replace(/^data:image\/png;base64,/, ''), 'base64');
      await vscode.workspace.fs.writeFile(target, bytes);
      void vscode.window.setStatusBarMessage(`Plan saved to ${vscode.workspace.asRelativePath(target)}`, 3000);
    },
    copyPlanForSharing: async (result) => {
      const { copyPlanForSharing } = await import('../history/copyForSharing');
      await copyPlanForSharing(ctx, result);
    },
    compareWithPrevious: async (result) => {
      const { compareShownWithPrevious } = await import('../history/compareFlows');
      await compareShownWithPrevious(ctx, result);
    },
    log: (line) => ctx.log.info(line),
    rawPlans: new RawPlanStore(join((extension.storageUri ?? extension.globalStorageUri).fsPath, 'raw-plans')),
    delivered: () => ctx.planDelivered(),
  };
}

async function revealSqlRange(result: TuningResult, source: PlanSource | undefined, range: SourceRange): Promise<void> {
  const located = source ?? findSource(result);
  if (!located) {
    void vscode.window.showInformationMessage('The statement of this plan is not open in an editor.');
    return;
  }
  const document = await vscode.workspace.openTextDocument(located.uri);
  const start = document.positionAt(located.statementStart + located.toStatementOffset(range.start));
  const end = document.positionAt(located.statementStart + located.toStatementOffset(range.end));
  // The plan view keeps the keyboard: its keys (arrows, Enter, F) would otherwise type into the SQL file.
  const editor = await vscode.window.showTextDocument(document, {
    viewColumn: vscode.ViewColumn.One,
    preserveFocus: true,
  });
  editor.selection = new vscode.Selection(start, end);
  editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** After a reload the panel has no source: look for the statement in the open documents. */
function findSource(result: TuningResult): PlanSource | undefined {
  if (!result.sql) return undefined;
  for (const document of vscode.workspace.textDocuments) {
    const at = document.getText().indexOf(result.sql);
    if (at >= 0) return { uri: document.uri, statementStart: at, toStatementOffset: (o) => o };
  }
  return undefined;
}
