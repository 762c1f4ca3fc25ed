/**
 * The one object commands and providers share: log, settings, connections, diagnostics, fixes, the advisors and
 * the plan panel's handlers. Built once in startTuner(); everything it owns is disposed with the extension.
 *
 * Almost every module of the extension reads this context, so it imports none of them that do: the advisors and
 * the plan panel's handlers reach it through the typed seams below (TunerAdvice, PlanPanelHandlers), made by
 * tuner.ts (TunerParts). A test (importCycles.test.ts) keeps the extension's modules free of import cycles.
 */
import * as vscode from 'vscode';
import type { TuningResult } from '../core/pipeline/tuningResult';
import { TunerConfig } from './config';
import { ConnectionManager } from './connections/connectionManager';
import { TunerDiagnostics } from './diagnostics/tunerDiagnostics';
import { createFixRegistry } from './fixes/fixRegistry';
import type { CodeFixRegistry } from './fixes/codeFix';
import { Log } from './log';
import { PlanPanel, type PlanPanelHandlers, type PlanSource } from './panel/planPanel';
import { userMessageFor, type FailureContext } from './errorMessages';
import { isCancelled } from '../core/errors';
import type { AdviceComparePayload } from './advice/adviceComparison';
import type { AdvisedStatement } from './advice/rewriteFix';
import type { StatementAdvice } from './advice/statementAdvice';
import type { PlanHistoryStore } from './history/planHistoryStore';
import type { ComparisonLabels } from './history/comparison';

/** A statement of a document to advise on: what the commands and the explain flow hand to the advisors. */
export interface AdviceRequest {
  document: vscode.TextDocument;
  statement: AdvisedStatement;
  params?: unknown[];
}

/** What the commands and the explain flow ask of the advisors (implemented by advice/adviceService.ts). */
export interface TunerAdvice extends vscode.Disposable {
  /** Called when an explain that ran the statement finished: advise in the background unless turned off. */
  afterExplain(target: AdviceRequest): void;
  /** The advice for a statement (`$n` form): the one being computed, else the stored one; never starts the advisors. */
  adviceFor(sql: string): Promise<StatementAdvice | undefined>;
  /** Advises on the statement; `announce` also reports "nothing found" (the user asked explicitly). */
  advise(target: AdviceRequest, announce: boolean): Promise<StatementAdvice | undefined>;
  /** "Compare before/after" of one suggestion, in the plan view's compare mode. */
  compare(request: AdviceComparePayload): Promise<void>;
}

/** The parts built on the context, made by startTuner() once the context exists. */
export interface TunerParts {
  advice(ctx: TunerContext): TunerAdvice;
  panelHandlers(ctx: TunerContext): PlanPanelHandlers;
}

export class TunerContext implements vscode.Disposable {
  readonly log = new Log();
  readonly config = new TunerConfig();
  readonly diagnostics = new TunerDiagnostics();
  readonly fixes: CodeFixRegistry = createFixRegistry();
  readonly connections: ConnectionManager;
  readonly panelHandlers: PlanPanelHandlers;
  /** Index and rewrite advice per statement, and its quick fixes (registered in `fixes`). */
  readonly advice: TunerAdvice;
  /** Past plans per statement (workspace storage); made on first use: it brings the parser. */
  private historyStore: Promise<PlanHistoryStore> | undefined;
  /** Set by a command just before it shows a result, read when the webview says it is ready. */
  private paintClock: { startedAt: number; label: string } | undefined;

  constructor(
    readonly extension: vscode.ExtensionContext,
    parts: TunerParts,
  ) {
    this.connections = new ConnectionManager(this.config, extension.secrets, extension.workspaceState, this.log);
    this.advice = parts.advice(this);
    this.panelHandlers = parts.panelHandlers(this);
  }

  /** The result shown last reached the view: logs how long after its command that was. */
  planDelivered(): void {
    if (!this.paintClock) return;
    this.log.info(
      `Plan delivered to the view ${Math.round(performance.now() - this.paintClock.startedAt)} ms after "${this.paintClock.label}"`,
    );
    this.paintClock = undefined;
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

  dispose(): void {
    PlanPanel.current?.dispose();
    this.advice.dispose();
    this.connections.dispose();
    this.diagnostics.dispose();
    this.log.dispose();
  }
}
