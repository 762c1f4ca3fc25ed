/**
 * The one object commands and providers share: log, settings, connections, diagnostics, fixes and the plan
 * panel's handlers. Built once in activate(); everything it owns is disposed with the extension.
 */
import * as vscode from 'vscode';
import type { TuningResult } from '../core/pipeline/tuningResult';
import type { SourceRange } from '../core/positions';
import { TunerConfig } from './config';
import { ConnectionManager } from './connections/connectionManager';
import { TunerDiagnostics } from './diagnostics/tunerDiagnostics';
import { createFixRegistry } from './fixes/fixRegistry';
import type { CodeFixRegistry } from './fixes/codeFix';
import { Log } from './log';
import { PlanPanel, type PlanPanelHandlers, type PlanSource } from './panel/planPanel';
import { planAsJson } from './panel/planJson';
import { RawPlanStore } from './panel/rawPlanStore';
import { join } from 'node:path';
import { userMessageFor, type FailureContext } from './errorMessages';
import { isCancelled } from '../core/errors';
import { AdviceService } from './advice/adviceService';
import type { PlanHistoryStore } from './history/planHistoryStore';
import type { ComparisonLabels } from './history/comparison';

export class TunerContext implements vscode.Disposable {
  readonly log = new Log();
  readonly config = new TunerConfig();
  readonly diagnostics = new TunerDiagnostics();
  readonly fixes: CodeFixRegistry = createFixRegistry();
  readonly connections: ConnectionManager;
  readonly panelHandlers: PlanPanelHandlers;
  /** Index and rewrite advice per statement, and its quick fixes (registered in `fixes`). */
  readonly advice: AdviceService;
  /** Past plans per statement (workspace storage); made on first use: it brings the parser. */
  private historyStore: Promise<PlanHistoryStore> | undefined;
  /** Set by a command just before it shows a result, read when the webview says it is ready. */
  private paintClock: { startedAt: number; label: string } | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.connections = new ConnectionManager(this.config, extension.secrets, extension.workspaceState, this.log);
    this.advice = new AdviceService(this);
    this.panelHandlers = {
      revealSqlRange: (result, source, range) => this.revealSqlRange(result, source, range),
      copyPlanJson: async (result) => {
        await vscode.env.clipboard.writeText(planAsJson(result));
        void vscode.window.setStatusBarMessage('Plan copied as JSON', 3000);
      },
      openReport: async (result) => {
        const { openReport } = await import('./commands/saveReport');
        await openReport(this, result);
      },
      explainAgain: async (source) => {
        if (!source) return;
        const editor = await vscode.window.showTextDocument(source.uri, { preserveFocus: false });
        const position = editor.document.positionAt(source.statementStart);
        editor.selection = new vscode.Selection(position, position);
        await vscode.commands.executeCommand('pgTuner.explainAndOptimize');
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
        const { copyPlanForSharing } = await import('./history/copyForSharing');
        await copyPlanForSharing(this, result);
      },
      compareWithPrevious: async (result) => {
        const { compareShownWithPrevious } = await import('./history/compareFlows');
        await compareShownWithPrevious(this, result);
      },
      log: (line) => this.log.info(line),
      rawPlans: new RawPlanStore(join((extension.storageUri ?? extension.globalStorageUri).fsPath, 'raw-plans')),
      delivered: () => {
        if (!this.paintClock) return;
        this.log.info(
          `Plan delivered to the view ${Math.round(performance.now() - this.paintClock.startedAt)} ms after "${this.paintClock.label}"`,
        );
        this.paintClock = undefined;
      },
    };
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /** Shows a result in the plan view (created or revealed). */
  showResult(
    result: TuningResult,
    source: PlanSource | undefined,
    title: string,
    clock?: { startedAt: number; label: string },
  ): PlanPanel {
    this.paintClock = clock;
    const panel = PlanPanel.createOrShow(this.extensionUri, this.panelHandlers);
    panel.show(result, source, title, result.run?.sessionKind === 'embedded');
    // Every plan explained on a connection goes to the history; pasted plans and advisors' what-ifs don't.
    if (result.run) {
      // After the first paint: the history brings the parser, which would hold the thread the plan goes out on.
      panel.afterPaint(
        () =>
          void this.history()
            .then((history) => history.record(result))
            .then(
              (outcome) => {
                if ('skipped' in outcome) this.log.info(`Plan history: not kept (${outcome.skipped})`);
              },
              (err: unknown) =>
                this.log.warn(`Plan history: not kept (${err instanceof Error ? err.message : String(err)})`),
            ),
      );
    }
    return panel;
  }

  /**
   * Two results side by side in the plan view's compare mode, the differences summarised on top. For the
   * history commands, and for the advisors' before/after of an index or a rewrite.
   */
  async showComparison(before: TuningResult, after: TuningResult, labels: ComparisonLabels = {}): Promise<PlanPanel> {
    const { comparisonMessage } = await import('./history/comparison');
    const message = comparisonMessage(before, after, labels);
    this.log.info(`Compare: ${message.summary.join(' ')}`);
    const panel = PlanPanel.createOrShow(this.extensionUri, this.panelHandlers);
    panel.showComparison(message);
    return panel;
  }

  /** The plan history of this workspace, for "Compare with Previous" and "Compare Plans…". */
  history(): Promise<PlanHistoryStore> {
    this.historyStore ??= import('./history/planHistoryStore').then(
      ({ PlanHistoryStore }) => new PlanHistoryStore(this.extension.workspaceState),
    );
    return this.historyStore;
  }

  /** Reports a failure: one sentence and "Open Output"; details to the log. A cancel is silent. */
  async reportError(err: unknown, failure: FailureContext): Promise<void> {
    if (isCancelled(err)) {
      this.log.info(`${failure.action} cancelled`);
      return;
    }
    this.log.error(failure.action, err);
    const choice = await vscode.window.showErrorMessage(userMessageFor(err, failure), 'Open Output');
    if (choice === 'Open Output') this.log.show();
  }

  private async revealSqlRange(
    result: TuningResult,
    source: PlanSource | undefined,
    range: SourceRange,
  ): Promise<void> {
    const located = source ?? (await this.findSource(result));
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
  private async findSource(result: TuningResult): Promise<PlanSource | undefined> {
    if (!result.sql) return undefined;
    for (const document of vscode.workspace.textDocuments) {
      const at = document.getText().indexOf(result.sql);
      if (at >= 0) return { uri: document.uri, statementStart: at, toStatementOffset: (o) => o };
    }
    return undefined;
  }

  dispose(): void {
    PlanPanel.current?.dispose();
    this.advice.dispose();
    this.connections.dispose();
    this.diagnostics.dispose();
    this.log.dispose();
  }
}
