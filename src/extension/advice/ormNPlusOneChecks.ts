/**
 * ORM N+1 loops in .ts/.js files (Prisma, Drizzle, TypeORM, Sequelize, knex), beside the raw-SQL ones: a warning
 * on the ORM call (rule `n-plus-one-query`, as for raw SQL), a hover with why and the batched call, and a quick fix
 * that runs the batched query once before the loop and reads each parent's rows from a Map — offered only for a
 * loop whose every effect it keeps (the finder says why not otherwise). Computed on open, edit and save,
 * debounced, without a database, on a thread of its own (ormFinderThread); the finder (and the TypeScript compiler)
 * loads with the first file that has an ORM-shaped call.
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { OrmNPlusOneAdvice } from '../../core/advice/nPlusOne/findOrmNPlusOne';
import { mayHoldOrmCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import type { TunerContext } from '../context';
import { toAction } from '../diagnostics/insightCodeActions';
import { asOneEdit } from './nPlusOneFix';
import { DocumentChecks, registerDocumentChecks, type AdviceDiagnostic } from './documentChecks';
import { OrmFinderThread } from './ormFinderThread';
import { ormNPlusOneFix, ormNPlusOneHoverText } from './ormNPlusOneFix';

/**
 * The finder builds a TypeScript program (about 2.5 s for the first file, 0.1–0.4 s after). On its own thread
 * (ormFinderThread) the check follows edits as the raw-SQL one does; when it runs on the extension host's thread
 * (nothing else in the window runs meanwhile) it waits until the editor has been idle for longer.
 */
const debounceMs = { offThread: 500, inThread: 1500 };
/** A check that blocked the extension host this long is logged. */
const slowCheckMs = 200;

/** Markdown's own characters escaped, so code and names show as written. */
function plainMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}

export class OrmNPlusOneChecks extends DocumentChecks<OrmNPlusOneAdvice> {
  constructor(
    ctx: TunerContext,
    private readonly thread = new OrmFinderThread(),
  ) {
    super(ctx, 'pgTuner.ormNPlusOne', 'ORM N+1 check', thread.offThread ? debounceMs.offThread : debounceMs.inThread);
  }

  protected mayHold(text: string): boolean {
    return mayHoldOrmCall(text);
  }

  protected async find(text: string, fileName: string): Promise<OrmNPlusOneAdvice[]> {
    if (this.thread.offThread) return this.thread.advise(text, fileName);
    // On this thread the finder is synchronous: the extension host waits this long, so the log says how long.
    const started = performance.now();
    const advice = await this.thread.advise(text, fileName);
    const blocked = performance.now() - started;
    if (blocked >= slowCheckMs) this.ctx.log.info(`ORM N+1 check of ${basename(fileName)}: ${Math.round(blocked)} ms`);
    return advice;
  }

  protected diagnosticOf(advice: OrmNPlusOneAdvice): AdviceDiagnostic {
    return { range: advice.finding.range, message: `${advice.title} (N round trips)` };
  }

  private adviceAt(document: vscode.TextDocument, offset: number): OrmNPlusOneAdvice | undefined {
    return this.adviceOf(document)?.find(
      (a) => a.finding.loopRange.start <= offset && offset <= a.finding.loopRange.end,
    );
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
    for (const d of DocumentChecks.nPlusOneDiagnostics(context))
      offer(this.adviceAt(document, document.offsetAt(d.range.start)), d);
    offer(this.adviceAt(document, document.offsetAt(range.start)), undefined);
    return actions;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const offset = document.offsetAt(position);
    const advice = this.adviceOf(document)?.find(
      (a) => a.finding.range.start <= offset && offset <= a.finding.range.end,
    );
    if (!advice) return undefined;
    const md = new vscode.MarkdownString();
    for (const part of ormNPlusOneHoverText(advice)) {
      if (part.code) md.appendCodeblock(part.code, 'typescript');
      else md.appendMarkdown(`${plainMarkdown(part.text ?? '')}\n\n`);
    }
    const r = advice.finding.range;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)));
  }

  override dispose(): void {
    super.dispose();
    this.thread.dispose();
  }
}

export function registerOrmNPlusOneChecks(ctx: TunerContext): vscode.Disposable[] {
  return registerDocumentChecks(new OrmNPlusOneChecks(ctx));
}
