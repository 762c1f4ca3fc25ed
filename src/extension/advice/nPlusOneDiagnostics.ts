/**
 * N+1 query loops in .ts/.js files: diagnostics of their own (rule `n-plus-one-query`) computed on open, edit and
 * save, debounced, without a database; a hover on the loop's query explains it; a code action on the loop applies
 * the combined query, another measures the round trips on the active connection. The TypeScript compiler and the
 * SQL parser load with the first such file.
 */
import * as vscode from 'vscode';
import type { NPlusOneAdvice } from '../../core/advice/nPlusOne/adviseNPlusOne';
import { mayHoldQueryCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import { commandLink, trustedCommands, vscodeCommand } from '../commandCalls';
import type { TunerContext } from '../context';
import { toAction } from '../diagnostics/insightCodeActions';
import { markdownLines } from '../../core/text/markdownText';
import { DocumentChecks, registerDocumentChecks, type AdviceDiagnostic } from './documentChecks';
import { adviceAt, asOneEdit, nPlusOneFix, nPlusOneHoverText, nPlusOneMessage } from './nPlusOneFix';

const debounceMs = 500;

/** A fix action whose edit is computed when the user picks it (with the catalog, when a connection is there). */
interface PendingFix {
  document: vscode.TextDocument;
  version: number;
  advice: NPlusOneAdvice;
  /** The edit made without a database, used when the catalog cannot be read. */
  fallback: vscode.WorkspaceEdit | undefined;
}

export class NPlusOneChecks extends DocumentChecks<NPlusOneAdvice> {
  private readonly pending = new WeakMap<vscode.CodeAction, PendingFix>();

  constructor(ctx: TunerContext) {
    super(ctx, 'pgTuner.nPlusOne', 'N+1 check', debounceMs);
  }

  // Files without any query call never load the compiler.
  protected mayHold(text: string): boolean {
    return mayHoldQueryCall(text);
  }

  protected async find(text: string, fileName: string): Promise<NPlusOneAdvice[]> {
    return (await import('../../core/advice/nPlusOne/adviseNPlusOne')).adviseNPlusOne(undefined, text, fileName);
  }

  protected diagnosticOf(advice: NPlusOneAdvice): AdviceDiagnostic {
    return { range: advice.finding.inner.range, message: nPlusOneMessage(advice) };
  }

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const cached = this.adviceOf(document);
    if (!cached) return [];
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<NPlusOneAdvice>();
    const offer = (advice: NPlusOneAdvice | undefined, diagnostic: vscode.Diagnostic | undefined): void => {
      if (!advice || seen.has(advice)) return;
      seen.add(advice);
      const fix = toAction(document, diagnostic, asOneEdit(nPlusOneFix(advice), document.getText()));
      // Without an edit VS Code asks resolveCodeAction for it when the fix is picked, not for every light bulb.
      if (fix.edit) {
        this.pending.set(fix, { document, version: document.version, advice, fallback: fix.edit });
        fix.edit = undefined;
      }
      actions.push(fix);
      const measure = new vscode.CodeAction(
        `Measure round trips of this loop on ${this.ctx.connections.activeLabel}`,
        vscode.CodeActionKind.QuickFix,
      );
      if (diagnostic) measure.diagnostics = [diagnostic];
      measure.command = vscodeCommand(
        measure.title,
        'pgTuner.measureRoundTrips',
        document.uri.toString(),
        advice.finding.loopRange.start,
      );
      actions.push(measure);
    };
    for (const d of DocumentChecks.nPlusOneDiagnostics(context))
      offer(adviceAt(cached, document.offsetAt(d.range.start)), d);
    // On the loop itself, not only on the squiggle.
    offer(adviceAt(cached, document.offsetAt(range.start)), undefined);
    return actions;
  }

  /**
   * The fix's edit when it is picked: the columns of the child table come from the active connection's catalog
   * (json_build_object of each column, ordered by its key) when a server is selected or a session is open;
   * otherwise, or if reading the catalog fails, the edit made without a database (json_agg of whole rows).
   */
  async resolveCodeAction(action: vscode.CodeAction, token: vscode.CancellationToken): Promise<vscode.CodeAction> {
    const p = this.pending.get(action);
    if (!p) return action;
    action.edit = p.fallback;
    const connections = this.ctx.connections;
    if (
      p.document.isClosed ||
      p.document.version !== p.version ||
      (connections.active.kind !== 'server' && !connections.hasSession)
    )
      return action;
    try {
      const session = await connections.getSession(token);
      const { adviseNPlusOne } = await import('../../core/advice/nPlusOne/adviseNPlusOne');
      const found = await adviseNPlusOne(session, p.document.getText(), p.document.fileName, { measure: false });
      const advice = adviceAt(found, p.advice.finding.loopRange.start);
      const edit = advice
        ? toAction(p.document, undefined, asOneEdit(nPlusOneFix(advice), p.document.getText())).edit
        : undefined;
      if (edit && !token.isCancellationRequested && p.document.version === p.version) action.edit = edit;
    } catch (err) {
      this.ctx.log.warn(
        `N+1 fix: the catalog of ${connections.activeLabel} could not be read, the rows are folded whole (${(err as Error).message})`,
      );
    }
    return action;
  }

  /** On the loop's query: why 1 + N round trips are slow and what the fix does (the message stands above). */
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const offset = document.offsetAt(position);
    const advice = this.adviceOf(document)?.find(
      (a) => a.finding.inner.range.start <= offset && offset <= a.finding.inner.range.end,
    );
    if (!advice) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = trustedCommands('pgTuner.measureRoundTrips');
    for (const paragraph of nPlusOneHoverText(advice)) md.appendMarkdown(`${markdownLines(paragraph)}\n\n`);
    const link = commandLink('pgTuner.measureRoundTrips', document.uri.toString(), advice.finding.loopRange.start);
    md.appendMarkdown(
      `[$(pulse) Measure round trips on ${this.ctx.connections.activeLabel.replace(/[[\]]/g, '')}](${link})`,
    );
    const r = advice.finding.inner.range;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)));
  }
}

export function registerNPlusOneChecks(ctx: TunerContext): vscode.Disposable[] {
  return registerDocumentChecks(new NPlusOneChecks(ctx));
}
