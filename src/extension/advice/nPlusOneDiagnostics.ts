/**
 * N+1 query loops in .ts/.js files: diagnostics of their own (rule `n-plus-one-query`) computed on open and save,
 * debounced, without a database; a code action on the loop applies the combined query, another measures the
 * round trips on the active connection. The TypeScript compiler and the SQL parser load with the first such file.
 */
import * as vscode from 'vscode';
import type { NPlusOneAdvice } from '../../core/advice/nPlusOne/adviseNPlusOne';
import type { TunerContext } from '../context';
import { diagnosticSource } from '../diagnostics/tunerDiagnostics';
import { toAction } from '../diagnostics/insightCodeActions';
import { nPlusOneRule } from './adviceRules';
import { adviceAt, nPlusOneFix, nPlusOneMessage } from './nPlusOneFix';

const debounceMs = 500;
export const nPlusOneLanguages = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'];
const selector: vscode.DocumentSelector = nPlusOneLanguages.flatMap((language) => [
  { language, scheme: 'file' },
  { language, scheme: 'untitled' },
]);

export class NPlusOneChecks implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('pgTuner.nPlusOne');
  private readonly found = new Map<string, { version: number; advice: NPlusOneAdvice[] }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: TunerContext) {}

  schedule(document: vscode.TextDocument): void {
    if (!nPlusOneLanguages.includes(document.languageId)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.check(document);
    }, debounceMs));
  }

  private async check(document: vscode.TextDocument): Promise<NPlusOneAdvice[]> {
    if (document.isClosed) return [];
    const text = document.getText();
    const version = document.version;
    try {
      // Files without any query call never load the compiler.
      const advice = /\.(query|raw|\$queryRaw(Unsafe)?|any|many|manyOrNone)\s*[(`]|\bsql\s*`/i.test(text)
        ? await (await import('../../core/advice/nPlusOne/adviseNPlusOne')).adviseNPlusOne(undefined, text, document.fileName)
        : [];
      if (document.isClosed || document.version !== version) return advice;
      this.found.set(document.uri.toString(), { version, advice });
      this.collection.set(document.uri, advice.map((a) => {
        const r = a.finding.inner.range;
        const d = new vscode.Diagnostic(new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)), nPlusOneMessage(a), vscode.DiagnosticSeverity.Warning);
        d.source = diagnosticSource;
        d.code = nPlusOneRule;
        return d;
      }));
      return advice;
    } catch (err) {
      this.ctx.log.error('N+1 check', err);
      return [];
    }
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const cached = this.found.get(document.uri.toString());
    if (!cached || cached.version !== document.version) return [];
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<NPlusOneAdvice>();
    const offer = (advice: NPlusOneAdvice | undefined, diagnostic: vscode.Diagnostic | undefined): void => {
      if (!advice || seen.has(advice)) return;
      seen.add(advice);
      actions.push(toAction(document, diagnostic, nPlusOneFix(advice)));
      const measure = new vscode.CodeAction(`Measure round trips of this loop on ${this.ctx.connections.activeLabel}`, vscode.CodeActionKind.QuickFix);
      if (diagnostic) measure.diagnostics = [diagnostic];
      measure.command = { command: 'pgTuner.measureRoundTrips', title: measure.title, arguments: [document.uri.toString(), advice.finding.loopRange.start] };
      actions.push(measure);
    };
    for (const d of context.diagnostics) {
      if (d.source !== diagnosticSource || String(typeof d.code === 'object' ? d.code.value : d.code) !== nPlusOneRule) continue;
      offer(adviceAt(cached.advice, document.offsetAt(d.range.start)), d);
    }
    // On the loop itself, not only on the squiggle.
    offer(adviceAt(cached.advice, document.offsetAt(range.start)), undefined);
    return actions;
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

export function registerNPlusOneChecks(ctx: TunerContext): vscode.Disposable[] {
  const checks = new NPlusOneChecks(ctx);
  for (const document of vscode.workspace.textDocuments) checks.schedule(document);
  return [
    checks,
    vscode.languages.registerCodeActionsProvider(selector, checks, { providedCodeActionKinds: NPlusOneChecks.providedCodeActionKinds }),
    vscode.workspace.onDidOpenTextDocument((d) => checks.schedule(d)),
    vscode.workspace.onDidSaveTextDocument((d) => checks.schedule(d)),
    vscode.workspace.onDidCloseTextDocument((d) => checks.forget(d.uri)),
  ];
}
