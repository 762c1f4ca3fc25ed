/**
 * What the editor's N+1 checks (raw SQL, ORM calls) share: a check per TS/JS document, debounced after its last
 * open/edit/save, its advice cached by document version (hover and code actions read only advice made from the
 * text on screen), its diagnostics in a collection of its own, forgotten when the document closes. Each check
 * says what it finds, where the warning goes and what its hover and fixes offer.
 */
import * as vscode from 'vscode';
import type { SourceRange } from '../../core/positions';
import { nPlusOneRule } from '../../core/insights/ruleIds';
import type { TunerContext } from '../context';
import { diagnosticSource } from '../diagnostics/tunerDiagnostics';

export const nPlusOneLanguages = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'];
export const nPlusOneSelector: vscode.DocumentSelector = nPlusOneLanguages.flatMap((language) => [
  { language, scheme: 'file' },
  { language, scheme: 'untitled' },
]);

/** The warning a piece of advice puts on the document. */
export interface AdviceDiagnostic {
  range: SourceRange;
  message: string;
}

export abstract class DocumentChecks<TAdvice>
  implements vscode.CodeActionProvider, vscode.HoverProvider, vscode.Disposable
{
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection: vscode.DiagnosticCollection;
  private readonly found = new Map<string, { version: number; advice: TAdvice[] }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * @param collectionName the diagnostic collection's name
   * @param logLabel what the log calls the check when it fails
   * @param debounceMs quiet time after the document's last event before the check runs
   */
  constructor(
    protected readonly ctx: TunerContext,
    collectionName: string,
    private readonly logLabel: string,
    private readonly debounceMs: number,
  ) {
    this.collection = vscode.languages.createDiagnosticCollection(collectionName);
  }

  /** Cheap text gate: a file that cannot hold what the check looks for never loads the finder. */
  protected abstract mayHold(text: string): boolean;
  /** The advice of the file holding `text` (it may load the finder and build a TypeScript program). */
  protected abstract find(text: string, fileName: string): Promise<TAdvice[]>;
  /** Where the advice's warning goes and what it says. */
  protected abstract diagnosticOf(advice: TAdvice): AdviceDiagnostic;

  abstract provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[];
  abstract provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined;

  schedule(document: vscode.TextDocument): void {
    if (!nPlusOneLanguages.includes(document.languageId)) return;
    const key = document.uri.toString();
    // A save (or a second open event) of text already checked: its advice stands.
    if (!this.timers.has(key) && this.found.get(key)?.version === document.version) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document);
      }, this.debounceMs),
    );
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const text = document.getText();
    const version = document.version;
    try {
      const advice = this.mayHold(text) ? await this.find(text, document.fileName) : [];
      if (document.isClosed || document.version !== version) return;
      this.found.set(document.uri.toString(), { version, advice });
      this.collection.set(
        document.uri,
        advice.map((a) => {
          const { range: r, message } = this.diagnosticOf(a);
          const d = new vscode.Diagnostic(
            new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)),
            message,
            vscode.DiagnosticSeverity.Warning,
          );
          d.source = diagnosticSource;
          d.code = nPlusOneRule;
          return d;
        }),
      );
    } catch (err) {
      this.ctx.log.error(this.logLabel, err);
    }
  }

  /** The advice made from the document's current text; undefined when it is not checked yet (or edited since). */
  protected adviceOf(document: vscode.TextDocument): TAdvice[] | undefined {
    const cached = this.found.get(document.uri.toString());
    return cached && cached.version === document.version ? cached.advice : undefined;
  }

  /** The diagnostics of the context that are this rule's own warnings. */
  protected static nPlusOneDiagnostics(context: vscode.CodeActionContext): vscode.Diagnostic[] {
    return context.diagnostics.filter(
      (d) =>
        d.source === diagnosticSource && String(typeof d.code === 'object' ? d.code.value : d.code) === nPlusOneRule,
    );
  }

  forget(uri: vscode.Uri): void {
    clearTimeout(this.timers.get(uri.toString()));
    this.timers.delete(uri.toString());
    this.found.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.collection.dispose();
    this.found.clear();
  }
}

/** The check on every open TS/JS document and its events, its code actions and hover. */
export function registerDocumentChecks<TAdvice>(checks: DocumentChecks<TAdvice>): vscode.Disposable[] {
  for (const document of vscode.workspace.textDocuments) checks.schedule(document);
  return [
    checks,
    vscode.languages.registerCodeActionsProvider(nPlusOneSelector, checks, {
      providedCodeActionKinds: DocumentChecks.providedCodeActionKinds,
    }),
    vscode.languages.registerHoverProvider(nPlusOneSelector, checks),
    vscode.workspace.onDidOpenTextDocument((d) => checks.schedule(d)),
    // After an edit (the fix, its undo) the warning and the fix must follow the text, not wait for a save.
    vscode.workspace.onDidChangeTextDocument((e) => checks.schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument((d) => checks.schedule(d)),
    vscode.workspace.onDidCloseTextDocument((d) => checks.forget(d.uri)),
  ];
}
