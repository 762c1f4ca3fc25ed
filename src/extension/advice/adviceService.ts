/**
 * Runs the advisors for a statement in the background, with cancellable progress that reaches PostgreSQL:
 * rewrites first (each proven and measured), then indexes judged against the statement as written, against the
 * verified rewrites (`alternatives`) and against the file's other statements (`siblings`). The results go to
 * the store the quick fixes read and to info diagnostics on the statement. Nothing here builds an index for
 * keeps: building in rolled-back transactions is allowed only on the embedded database or a connection not
 * marked production or read-only.
 */
import * as vscode from 'vscode';
import { TunerError } from '../../core/errors';
import type { Plan } from '../../core/plan/planNode';
import type { TuningResult } from '../../core/tuningResult';
import type { TunerContext } from '../context';
import { PlanPanel } from '../panel/planPanel';
import { adviceRuleIds } from './adviceRules';
import { adviceFixProvider } from './adviceFixProvider';
import { adviceSummary } from './adviceSummary';
import type { AdvisedStatement } from './rewriteFix';
import { AdviceStore, adviceAnchor, adviceFindings, type StatementAdvice } from './statementAdvice';

export interface AdviceTarget {
  document: vscode.TextDocument;
  statement: AdvisedStatement;
  params?: unknown[];
}

const action = 'Suggest Indexes and Rewrites';
/** Other statements of the file planned with each suggested index, at most. */
const maxSiblings = 10;

export class AdviceService implements vscode.Disposable {
  readonly store = new AdviceStore();
  private running: AbortController | undefined;
  private readonly disposables: Array<{ dispose(): void }> = [];

  constructor(private readonly ctx: TunerContext) {
    this.disposables.push(ctx.fixes.register(adviceFixProvider(this.store)));
  }

  /** Called when an explain that ran the statement finished: advise in the background unless turned off. */
  afterExplain(target: AdviceTarget): void {
    if (!this.ctx.config.adviceAfterExplain) return;
    void this.advise(target, false);
  }

  /** Advises on the statement; `announce` also reports "nothing found" (the user asked explicitly). */
  async advise(target: AdviceTarget, announce: boolean): Promise<StatementAdvice | undefined> {
    const { ctx } = this;
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const { document, statement } = target;
    const version = document.version;
    const connection = ctx.connections.activeLabel;
    const active = ctx.connections.active;
    const allowMeasuredWhatIf = active.kind === 'embedded' || !(active.setting.production || active.setting.readOnly);
    const statementTimeoutMs = active.kind === 'server' ? active.setting.statementTimeoutMs : undefined;
    const started = performance.now();
    try {
      const advice = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${action} on ${connection}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => abort.abort());
          try {
            const session = await ctx.connections.getSession(token);
            throwIfAborted(abort.signal);
            progress.report({ message: 'rewrites: running both forms and comparing their rows…' });
            const { adviseRewrites } = await import('../../core/advice/rewrite/adviseRewrites');
            const rewrites = await adviseRewrites(session, statement.sql, { params: target.params, signal: abort.signal, statementTimeoutMs });
            throwIfAborted(abort.signal);
            progress.report({ message: allowMeasuredWhatIf ? 'indexes: building candidates in rolled-back transactions and timing them…' : 'indexes: estimating (nothing is built on this connection)…' });
            const { adviseIndexes } = await import('../../core/advice/index/adviseIndexes');
            const alternatives = rewrites
              .filter((r) => r.verification === 'equivalent' && (r.newParameters?.length ?? 0) === 0)
              .map((r) => ({ label: r.title, sql: r.rewrittenSql }));
            const indexes = await adviseIndexes(session, statement.sql, {
              alternatives,
              siblings: await siblingStatements(document.getText(), statement),
              allowMeasuredWhatIf,
              signal: abort.signal,
              params: target.params,
              statementTimeoutMs,
            });
            return { statement, connection, rewrites, indexes } satisfies StatementAdvice;
          } finally {
            onCancel.dispose();
          }
        },
      );
      if (this.running !== abort) return undefined;
      this.running = undefined;
      this.store.set(advice);
      const ms = Math.round(performance.now() - started);
      ctx.log.info(`${action}: ${advice.indexes?.suggestions.length ?? 0} index suggestion(s), ${advice.rewrites.length} rewrite(s) in ${ms} ms on ${connection}`);
      for (const note of advice.indexes?.notes ?? []) ctx.log.info(`  index advice: ${note.message}`);
      if (document.isClosed || document.version !== version) {
        ctx.log.info(`${action}: the document changed meanwhile; the advice is not shown on it`);
        return advice;
      }
      ctx.diagnostics.appendExplainFindings(document, adviceRuleIds, adviceFindings(advice));
      void this.announce(advice, document, announce);
      return advice;
    } catch (err) {
      if (this.running === abort) this.running = undefined;
      await ctx.reportError(err, { action, connection });
      return undefined;
    }
  }

  private async announce(advice: StatementAdvice, document: vscode.TextDocument, always: boolean): Promise<void> {
    const summary = adviceSummary(advice);
    if (!summary.found) {
      if (always) void vscode.window.showInformationMessage(summary.text);
      else void vscode.window.setStatusBarMessage(summary.text, 8000);
      return;
    }
    const withPlans = advice.indexes?.suggestions.find((s) => s.planBefore && s.planAfter);
    const buttons = ['Show Fixes', ...(withPlans ? ['Compare Plans'] : [])];
    const choice = await vscode.window.showInformationMessage(summary.text, ...buttons);
    if (choice === 'Show Fixes') {
      const editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
      const at = document.positionAt(adviceAnchor(advice.statement).start);
      editor.selection = new vscode.Selection(at, at);
      await vscode.commands.executeCommand('editor.action.quickFix');
    } else if (choice === 'Compare Plans' && withPlans?.planBefore && withPlans.planAfter) {
      await this.comparePlans(advice, withPlans.candidate.name, withPlans.planBefore, withPlans.planAfter);
    }
  }

  /** Before/after plans of a suggestion side by side in the plan view's compare mode. */
  private async comparePlans(advice: StatementAdvice, indexName: string, before: Plan, after: Plan): Promise<void> {
    const asResult = (plan: Plan): TuningResult => ({ sql: advice.statement.sql, plan, insights: [], nodeRanges: {}, rawPlan: '' });
    const { comparePlans } = await import('../../core/compare/comparePlans');
    const { summariseComparison } = await import('../../core/compare/summariseComparison');
    const comparison = comparePlans(before, after);
    const panel = PlanPanel.createOrShow(this.ctx.extensionUri, this.ctx.panelHandlers);
    panel.showComparison({
      type: 'didShowComparison',
      before: asResult(before),
      after: asResult(after),
      comparison,
      summary: summariseComparison(comparison),
      title: `${indexName} (built in a rolled-back transaction on ${advice.connection})`,
      beforeLabel: 'as it is',
      afterLabel: `with ${indexName}`,
    });
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.store.clear();
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

/**
 * The file's other statements an index could make slower: SELECT/UPDATE/DELETE that parse and need no
 * parameter values (the advisor plans them without any).
 */
async function siblingStatements(text: string, statement: AdvisedStatement): Promise<string[]> {
  const { loadParser } = await import('../../core/sql/parser');
  await loadParser();
  const { splitStatements, checkSyntax } = await import('../../core/sql/splitStatements');
  const out: string[] = [];
  for (const s of splitStatements(text)) {
    if (s.start === statement.start) continue;
    if (!/^\s*(select|with|update|delete)\b/i.test(s.text) || /\$\d|(?<!:):[A-Za-z_]/.test(s.text)) continue;
    if (checkSyntax(s.text)) continue;
    out.push(s.text);
    if (out.length >= maxSiblings) break;
  }
  return out;
}
