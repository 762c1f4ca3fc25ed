/**
 * The plan view during one explain: opened (or revealed) busy when the command starts, so VS Code's webview
 * start (about a second in code-server) runs while the database works and the plan paints as soon as it
 * arrives. If no result comes, a panel opened for this run closes again (an empty "Waiting for a plan" tab is
 * no use; the failure has its notification), and a panel that shows an earlier plan keeps it with its busy line
 * cleared: the failure is not written into the view of another statement's plan (issue 13), the notification
 * says it. Only the panel's latest run touches its busy line: an older run ending does not clear a newer one's.
 */
import type * as vscode from 'vscode';
import { PlanPanel, type PlanPanelHandlers } from './planPanel';

/** Each panel's latest run: the one that owns its busy line. */
const latestRun = new WeakMap<PlanPanel, PlanRun>();

export class PlanRun {
  private ended = false;

  private constructor(
    private readonly panel: PlanPanel,
    private readonly createdForRun: boolean,
    private readonly showsAtStart: number,
  ) {}

  /** Reveals the plan view (creating it if needed) with `busyMessage` on its busy line. */
  static begin(extensionUri: vscode.Uri, handlers: PlanPanelHandlers, busyMessage: string): PlanRun {
    const existing = PlanPanel.current;
    const panel = PlanPanel.createOrShow(extensionUri, handlers);
    panel.setBusy(true, busyMessage);
    panel.markRunStart(performance.now());
    const run = new PlanRun(panel, existing !== panel || panel.isEmpty, panel.showCount);
    latestRun.set(panel, run);
    return run;
  }

  /** From now on the "first paint" log line counts from here (`label`): the user's own wait starts now. */
  startClock(label: string): void {
    this.panel.markRunStart(performance.now(), label);
  }

  /**
   * The run failed: ends it now, with one sentence for the busy line of a panel that stays (the notification,
   * which the caller shows next and may wait on, says it too).
   */
  fail(message: string): void {
    this.finish(message);
  }

  /** The run is over (a cancel when nothing was shown); nothing to do if its result or anything else was shown. */
  end(): void {
    this.finish(undefined);
  }

  private finish(failure: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    const panel = this.panel;
    if (panel.disposed || panel.showCount !== this.showsAtStart || latestRun.get(panel) !== this) return;
    panel.markRunStart(undefined);
    if (this.createdForRun && panel.isEmpty) panel.dispose();
    // The failure goes on the busy line only of a view that shows no plan: on a plan it would read as that plan's.
    else panel.setBusy(false, panel.isEmpty ? failure : undefined);
  }
}
