/**
 * ORM N+1 loops in .ts/.js files (Prisma, Drizzle, TypeORM, Sequelize, knex), beside the raw-SQL ones: a warning
 * on the ORM call (rule `n-plus-one-query`, as for raw SQL), a hover with why and the batched call, and a quick fix
 * that runs the batched query once before the loop and reads each parent's rows from a Map — offered only for a
 * loop whose every effect it keeps (the finder says why not otherwise). Computed on open, edit and save,
 * debounced, without a database; the finder (and the TypeScript compiler) loads with the first file that has an
 * ORM-shaped call.
 */
import * as vscode from 'vscode';
import type { OrmNPlusOneAdvice } from '../../core/advice/nPlusOne/findOrmNPlusOne';
import { mayHoldOrmCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import { nPlusOneRule } from '../../core/insights/ruleIds';
import type { TunerContext } from '../context';
import { toAction } from '../diagnostics/insightCodeActions';
import { diagnosticSource } from '../diagnostics/tunerDiagnostics';
import { asOneEdit } from './nPlusOneFix';
import { nPlusOneLanguages } from './nPlusOneDiagnostics';
import { ormNPlusOneFix, ormNPlusOneHoverText } from './ormNPlusOneFix';

const debounceMs = 500;
const selector: vscode.DocumentSelector = nPlusOneLanguages.flatMap((language) => [
  { language, scheme: 'file' },
  { language, scheme: 'untitled' },
]);

/** Markdown's own characters escaped, so code and names show as written. */
function plainMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}

export class OrmNPlusOneChecks implements vscode.CodeActionProvider, vscode.HoverProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('pgTuner.ormNPlusOne');
  private readonly found = new Map<string, { version: number; advice: OrmNPlusOneAdvice[] }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: TunerContext) {}

  schedule(document: vscode.TextDocument): void {
    if (!nPlusOneLanguages.includes(document.languageId)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document);
      }, debounceMs),
    );
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed) return;
    const text = document.getText();
    const version = document.version;
    try {
      const advice = mayHoldOrmCall(text)
        ? (await import('../../core/advice/nPlusOne/findOrmNPlusOne')).adviseOrmNPlusOne(text, document.fileName)
        : [];
      if (document.isClosed || document.version !== version) return;
      this.found.set(document.uri.toString(), { version, advice });
      this.collection.set(
        document.uri,
        advice.map((a) => {
          const r = a.finding.range;
          const d = new vscode.Diagnostic(
            new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)),
            `${a.title} (N round trips)`,
            vscode.DiagnosticSeverity.Warning,
          );
          d.source = diagnosticSource;
          d.code = nPlusOneRule;
          return d;
        }),
      );
    } catch (err) {
      this.ctx.log.error('ORM N+1 check', err);
    }
  }

  private adviceAt(document: vscode.TextDocument, offset: number): OrmNPlusOneAdvice | undefined {
    const cached = this.found.get(document.uri.toString());
    if (!cached || cached.version !== document.version) return undefined;
    return cached.advice.find((a) => a.finding.loopRange.start <= offset && offset <= a.finding.loopRange.end);
  }

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<OrmNPlusOneAdvice>();
    const offer = (advice: OrmNPlusOneAdvice | undefined, diagnostic: vscode.Diagnostic | undefined): void => {
      if (!advice || seen.has(advice) || advice.edits.length === 0) return;
      seen.add(advice);
      actions.push(toAction(document, diagnostic, asOneEdit(ormNPlusOneFix(advice), document.getText())));
    };
    for (const d of context.diagnostics) {
      if (d.source !== diagnosticSource || String(typeof d.code === 'object' ? d.code.value : d.code) !== nPlusOneRule)
        continue;
      offer(this.adviceAt(document, document.offsetAt(d.range.start)), d);
    }
    offer(this.adviceAt(document, document.offsetAt(range.start)), undefined);
    return actions;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const cached = this.found.get(document.uri.toString());
    if (!cached || cached.version !== document.version) return undefined;
    const offset = document.offsetAt(position);
    const advice = cached.advice.find((a) => a.finding.range.start <= offset && offset <= a.finding.range.end);
    if (!advice) return undefined;
    const md = new vscode.MarkdownString();
    for (const part of ormNPlusOneHoverText(advice)) {
      if (part.code) md.appendCodeblock(part.code, 'typescript');
      else md.appendMarkdown(`${plainMarkdown(part.text ?? '')}\n\n`);
    }
    const r = advice.finding.range;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)));
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

export function registerOrmNPlusOneChecks(ctx: TunerContext): vscode.Disposable[] {
  const checks = new OrmNPlusOneChecks(ctx);
  for (const document of vscode.workspace.textDocuments) checks.schedule(document);
  return [
    checks,
    vscode.languages.registerCodeActionsProvider(selector, checks, {
      providedCodeActionKinds: OrmNPlusOneChecks.providedCodeActionKinds,
    }),
    vscode.languages.registerHoverProvider(selector, checks),
    vscode.workspace.onDidOpenTextDocument((d) => checks.schedule(d)),
    vscode.workspace.onDidChangeTextDocument((e) => checks.schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument((d) => checks.schedule(d)),
    vscode.workspace.onDidCloseTextDocument((d) => checks.forget(d.uri)),
  ];
}
