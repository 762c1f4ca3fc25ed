/**
 * The plan view's host side: one panel at a time, revived after a reload by the serializer from the state the
 * webview saved (`setState`), so no database is needed to redraw it. The webview runs only our bundle from dist/.
 */
import { compactResult, firstPaintMessage, nodeFieldsById } from './compactResult';
import { planViewType } from './planViewType';
import { keepRawPlans, readBackRawPlans, type KeyedResult } from './rawPlanStore';
import { relistNodes } from './revivedResult';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { SourceRange } from '../../core/positions';
import {
  assertNever,
  isPlanViewState,
  isWebviewToHostMessage,
  type DidShowComparisonNotification,
  type DidShowResultNotification,
  type HostToWebviewMessage,
  type PlanViewState,
  type WebviewToHostMessage,
} from '../../shared/protocol';

/** Where the shown statement came from, to map its ranges back into the document. */
export interface PlanSource {
  uri: vscode.Uri;
  /** Document offset of the statement's first character. */
  statementStart: number;
  /** Maps an offset in `TuningResult.sql` to one in the statement as written (named parameters differ). */
  toStatementOffset(offset: number): number;
}

export interface PlanPanelHandlers {
  revealSqlRange(result: TuningResult, source: PlanSource | undefined, range: SourceRange): Promise<void>;
  copyPlanJson(result: TuningResult): Promise<void>;
  openReport(result: TuningResult): Promise<void>;
  explainAgain(source: PlanSource | undefined, result: TuningResult): Promise<void>;
  exportImage(image: {
    format: 'svg' | 'png';
    svgText?: string;
    dataUrl?: string;
    suggestedName: string;
  }): Promise<void>;
  copyPlanForSharing(result: TuningResult): Promise<void>;
  /** Compare the shown result with the previous plan of its statement from the plan history. */
  compareWithPrevious?(result: TuningResult): Promise<void>;
  /** A result reached the webview (posted to a loaded view, or sent on its `ready`): for the timing log. */
  delivered?(result: TuningResult): void;
  /** A line for the output channel (the "first paint" figure). */
  log?(line: string): void;
  /** Where shown results' raw EXPLAIN text is kept for a panel revived after a reload (rawPlanStore.ts). */
  rawPlans?: { put(key: string, rawPlan: string): Promise<void>; get(key: string): Promise<string | undefined> };
}

export class PlanPanel {
  static readonly viewType = planViewType;
  static current: PlanPanel | undefined;

  private readonly _disposables: vscode.Disposable[] = [];
  private pending: ShownMessage | undefined;
  private ready = false;
  /** In compare mode `result` is the after side (what Copy for Sharing and Save Report take). */
  private shown: { result: TuningResult; source: PlanSource | undefined; message: ShownMessage } | undefined;
  /** When show() was last called, until the view reports it painted that result. */
  private paintStartedAt: number | undefined;
  /** The result whose full node fields go to the view after its next paint (it was sent with fieldsToFollow). */
  private fieldsToSend: { key: string; result: TuningResult; insights: boolean } | undefined;
  /** When the webview was created, until it first says ready (logged: VS Code's webview start + our boot). */
  private createdAt: number | undefined = performance.now();
  /** The busy line last set, for a view that says ready after it was set (a panel opened for an explain). */
  private busy: { busy: boolean; message?: string } | undefined;
  /** Counts results and comparisons shown, so an explain run can tell whether its result arrived. */
  private shows = 0;
  /** When an explain run opened or revealed this panel (PlanRun), until the view paints its result. */
  private runStartedAt: number | undefined;
  private runLabel = 'explain';
  /** Work waiting for the view to paint the shown result (afterPaint). */
  private paintTasks: Array<() => void> = [];

  static createOrShow(extensionUri: vscode.Uri, handlers: PlanPanelHandlers): PlanPanel {
    if (PlanPanel.current) {
      PlanPanel.current.panel.reveal(PlanPanel.current.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
      return PlanPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      PlanPanel.viewType,
      'Query Plan',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      PlanPanel.webviewOptions(extensionUri),
    );
    PlanPanel.current = new PlanPanel(panel, extensionUri, handlers);
    return PlanPanel.current;
  }

  /** Called by the serializer after a reload, with what the webview saved. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    handlers: PlanPanelHandlers,
    state: unknown,
  ): PlanPanel {
    panel.webview.options = PlanPanel.webviewOptions(extensionUri);
    PlanPanel.current?.dispose();
    const revived = new PlanPanel(panel, extensionUri, handlers);
    // The view saved its results without their node lists and raw text: the lists are rebuilt now, the raw
    // plans read back (Copy Plan as JSON, Copy for Sharing and Save Report then work as before the reload).
    let sides: KeyedResult[] = [];
    if (isPlanViewState(state) && state.comparison) {
      const { before, after, beforeKey, afterKey } = state.comparison;
      sides = [
        { key: beforeKey, result: before },
        { key: afterKey, result: after },
      ];
      for (const side of sides) PlanPanel.adoptRevived(side);
      revived.showComparison({ type: 'didShowComparison', ...state.comparison });
    } else if (isPlanViewState(state) && state.result) {
      sides = [{ key: state.resultKey, result: state.result }];
      // The same key as before the reload: the view keeps where the user was.
      PlanPanel.adoptRevived(sides[0]);
      revived.show(state.result, undefined, state.title ?? 'Query Plan', state.embeddedTimingsNote);
    }
    if (handlers.rawPlans && sides.length) {
      readBackRawPlans(handlers.rawPlans, sides).catch((err: unknown) => {
        handlers.log?.(`Raw plan of the revived view not read: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    PlanPanel.current = revived;
    return revived;
  }

  /** A revived result keeps its key (re-sent, the view knows it again) and gets its node list back. */
  private static adoptRevived({ key, result }: KeyedResult): void {
    if (key) resultKeys.set(result, key);
    relistNodes(result);
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
      retainContextWhenHidden: false,
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: PlanPanelHandlers,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this._disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
  }

  get result(): TuningResult | undefined {
    return this.shown?.result;
  }

  /** The comparison on show, if the panel is in compare mode. */
  get comparison(): DidShowComparisonNotification | undefined {
    return this.shown?.message.type === 'didShowComparison' ? this.shown.message : undefined;
  }

  /** Two plans side by side (the webview's compare mode); replaces what the panel showed. */
  showComparison(shownMessage: DidShowComparisonNotification): void {
    this.clearBusy();
    // Named like single results, so the view saves the names and a revived panel reads both raw plans back.
    const message = {
      ...shownMessage,
      beforeKey: shownMessage.beforeKey ?? keyOf(shownMessage.before),
      afterKey: shownMessage.afterKey ?? keyOf(shownMessage.after),
    };
    this.shown = { result: message.after, source: undefined, message };
    if (this.handlers.rawPlans) {
      const sides = [
        { key: message.beforeKey, result: message.before },
        { key: message.afterKey, result: message.after },
      ];
      keepRawPlans(this.handlers.rawPlans, sides).catch((err: unknown) => {
        this.handlers.log?.(
          `Raw plans of the comparison not kept for a reload: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    }
    this.paintStartedAt = undefined;
    this.panel.title = `Compare: ${message.title}`;
    if (this.ready) this.post(message);
    else this.pending = message;
  }

  show(
    result: TuningResult,
    source: PlanSource | undefined,
    title: string,
    embeddedTimingsNote?: boolean,
    selectNodeId?: number,
  ): void {
    const message: DidShowResultNotification = {
      type: 'didShowResult',
      result,
      title,
      embeddedTimingsNote,
      selectNodeId,
      resultKey: keyOf(result),
    };
    this.clearBusy();
    this.shown = { result, source, message };
    if (result.rawPlan && this.handlers.rawPlans) {
      this.handlers.rawPlans.put(message.resultKey ?? keyOf(result), result.rawPlan).catch((err: unknown) => {
        this.handlers.log?.(`Raw plan not kept for a reload: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    this.paintStartedAt = performance.now();
    this.panel.title = `Plan: ${title}`;
    if (this.ready) {
      this.post(message);
      this.handlers.delivered?.(result);
    } else this.pending = message;
  }

  selectNode(nodeId: number): void {
    this.panel.reveal(undefined, true);
    if (this.ready) this.post({ type: 'didSelectNode', nodeId });
    else if (this.pending?.type === 'didShowResult') this.pending = { ...this.pending, selectNodeId: nodeId };
  }

  setBusy(busy: boolean, message?: string): void {
    this.busy = busy || message ? { busy, message } : undefined;
    if (this.ready) this.post({ type: 'didChangeBusy', busy, message });
  }

  /**
   * A run started (`at`: an explain, a chosen plan file) or ended without a result (undefined): the next "first
   * paint" log line then also says how long after that start it came, named by `label`.
   */
  markRunStart(at: number | undefined, label = 'explain'): void {
    this.runStartedAt = at;
    this.runLabel = label;
  }

  /**
   * Runs `task` once the view has painted the result on show, at once if none is waiting to be painted, and
   * after `maxWaitMs` at the latest (a hidden view paints nothing). For work that holds the extension host's
   * thread (the advisors on the embedded database, the plan history's parser): started with the result, it
   * delayed the message to the view and the view's "painted" by 300–500 ms.
   */
  afterPaint(task: () => void, maxWaitMs = 1500): void {
    if (this.paintStartedAt === undefined || this.isDisposed) {
      task();
      return;
    }
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      task();
    };
    const timer = setTimeout(run, maxWaitMs);
    this.paintTasks.push(run);
  }

  private runPaintTasks(): void {
    for (const task of this.paintTasks.splice(0)) task();
  }

  /** How many results and comparisons this panel was given so far. */
  get showCount(): number {
    return this.shows;
  }

  /** True until the panel is given a result or a comparison. */
  get isEmpty(): boolean {
    return this.shown === undefined;
  }

  private clearBusy(): void {
    this.shows++;
    if (!this.busy) return;
    this.busy = undefined;
    if (this.ready) this.post({ type: 'didChangeBusy', busy: false });
  }

  private post(message: HostToWebviewMessage): void {
    if (message.type === 'didShowResult') {
      // What the first paint needs now; every node's full fields once the view has painted (see 'painted').
      const { result, selectNodeId } = message;
      const key = message.resultKey ?? keyOf(result);
      const hotspot = result.plan.nodes.find((n) => n.metrics.hotspotRank === 1);
      const selected = new Set([selectNodeId ?? hotspot?.id ?? 0]);
      const first = firstPaintMessage(result, selected);
      this.fieldsToSend = { key, result, insights: first.insightsToFollow !== undefined };
      void this.panel.webview.postMessage({
        ...message,
        ...first,
        resultKey: key,
        fieldsToFollow: true,
      } satisfies DidShowResultNotification);
      return;
    }
    if (message.type === 'didShowComparison') this.fieldsToSend = undefined;
    void this.panel.webview.postMessage(compactMessage(message));
  }

  private sendFollowingFields(): void {
    const pending = this.fieldsToSend;
    this.fieldsToSend = undefined;
    if (pending) {
      this.post({
        type: 'didLoadNodeFields',
        resultKey: pending.key,
        fields: nodeFieldsById(pending.result),
        insights: pending.insights ? pending.result.insights : undefined,
      });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    // Webview content is untrusted: only well-formed protocol messages are acted on.
    if (!isWebviewToHostMessage(raw)) return;
    const message: WebviewToHostMessage = raw;
    const shown = this.shown;
    switch (message.type) {
      case 'ready': {
        // The webview (re)loaded, e.g. after being hidden: send what it should show again.
        this.ready = true;
        if (this.createdAt !== undefined) {
          const boot =
            message.boot && Number.isFinite(message.boot.scriptStartMs) && Number.isFinite(message.boot.readyMs)
              ? message.boot
              : undefined;
          const inView = boot
            ? ` (in the view: script started ${Math.round(boot.scriptStartMs)} ms and ready ${Math.round(boot.readyMs)} ms after its page began loading)`
            : '';
          this.handlers.log?.(
            `plan view ready ${Math.round(performance.now() - this.createdAt)} ms after the panel was created${inView}`,
          );
          this.createdAt = undefined;
        }
        const toSend = this.pending ?? shown?.message;
        this.pending = undefined;
        if (toSend) {
          this.post(toSend);
          if (toSend.type === 'didShowResult') this.handlers.delivered?.(toSend.result);
        }
        if (this.busy) this.post({ type: 'didChangeBusy', ...this.busy });
        return;
      }
      case 'revealSqlRange':
        if (shown) await this.handlers.revealSqlRange(shown.result, shown.source, message.range);
        return;
      case 'selectNode': {
        const range = shown?.result.nodeRanges[message.nodeId];
        if (shown && range) await this.handlers.revealSqlRange(shown.result, shown.source, range);
        return;
      }
      case 'copyPlanJson':
        if (shown) await this.handlers.copyPlanJson(shown.result);
        return;
      case 'openReport':
        if (shown) await this.handlers.openReport(shown.result);
        return;
      case 'explainAgain':
        if (shown) await this.handlers.explainAgain(shown.source, shown.result);
        return;
      case 'exportImage':
        await this.handlers.exportImage(message);
        return;
      case 'copyPlanForSharing':
        if (shown) await this.handlers.copyPlanForSharing(shown.result);
        return;
      case 'painted':
        // Only the paint that follows show(): a view reloaded after being hidden repaints without a command.
        if (this.paintStartedAt !== undefined) {
          const received =
            typeof message.receivedMs === 'number' && Number.isFinite(message.receivedMs)
              ? `; the view received it ${Math.round(message.receivedMs)} ms after its page began loading`
              : '';
          this.handlers.log?.(
            `first paint ${Math.round(performance.now() - this.paintStartedAt)} ms for ${message.nodes} nodes (${Math.round(message.ms)} ms of it in the view${received})`,
          );
          if (this.runStartedAt !== undefined)
            this.handlers.log?.(
              `${this.runLabel} → first paint ${Math.round(performance.now() - this.runStartedAt)} ms (plan view opened as the ${this.runLabel === 'explain' ? 'explain' : 'command'} started)`,
            );
          this.paintStartedAt = undefined;
          this.runStartedAt = undefined;
        }
        this.sendFollowingFields();
        this.runPaintTasks();
        return;
      case 'compareWithPrevious':
        if (shown && this.handlers.compareWithPrevious) await this.handlers.compareWithPrevious(shown.result);
        else void vscode.window.showInformationMessage('Comparing with the previous plan is not available yet.');
        return;
      default:
        assertNever(message);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    // Scripts only by nonce. The bundle brings its styles as constructed style sheets; d3 sets inline styles.
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Query Plan</title>
</head>
<body>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  private isDisposed = false;

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    if (PlanPanel.current === this) PlanPanel.current = undefined;
    this.runPaintTasks();
    this.panel.dispose();
    while (this._disposables.length) this._disposables.pop()?.dispose();
  }
}

type ShownMessage = DidShowResultNotification | DidShowComparisonNotification;

export class PlanPanelSerializer implements vscode.WebviewPanelSerializer<PlanViewState> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: PlanPanelHandlers,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PlanViewState | undefined): Promise<void> {
    PlanPanel.revive(panel, this.extensionUri, this.handlers, state);
  }
}

/** Keys for shown results: the same object (re-sent after a reload or focus change) keeps its key. */
const resultKeys = new WeakMap<TuningResult, string>();
let lastKey = 0;

function keyOf(result: TuningResult): string {
  let key = resultKeys.get(result);
  if (!key) {
    key = `${Date.now().toString(36)}-${++lastKey}`;
    resultKeys.set(result, key);
  }
  return key;
}

function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

function compactMessage(message: HostToWebviewMessage): HostToWebviewMessage {
  switch (message.type) {
    case 'didShowResult':
      return { ...message, result: compactResult(message.result) };
    case 'didShowComparison':
      return { ...message, before: compactResult(message.before), after: compactResult(message.after) };
    default:
      return message;
  }
}
