/**
 * Runs the advisors for a statement in the background, with cancellable progress that reaches PostgreSQL:
 * rewrites first (each proven and measured), then indexes judged against the statement as written, against the
 * verified rewrites (`alternatives`) and against the file's other statements (`siblings`); when the index advisor
 * picks a rewrite, the two are measured together (core's `adviseStatement`). The results go to
 * the store the quick fixes read and to info diagnostics on the statement. Nothing here builds an index for
 * keeps: building in rolled-back transactions is allowed only on the embedded database or a connection not
 * marked production or read-only.
 */
import * as vscode from 'vscode';
import { rewriteByRef } from '../../core/advice/rewriteSuggestion';
import { isCancelled, TunerError } from '../../core/errors';
import type { AdviceStep, StatementAdviceOptions } from '../../core/pipeline/statementAdvice';
import {
  buildProgressMessage,
  cancelledAdviceMessage,
  stoppedEarlyPrefix,
  type AdviceCancelPoint,
} from '../../core/advice/index/buildProgress';
import { withSessionProgress } from '../connections/withSessionProgress';
import type { AdviceRequest, TunerContext } from '../context';
import {
  comparableIndex,
  comparableRewrite,
  comparesWithRewrite,
  indexComparison,
  type AdviceComparePayload,
} from './adviceComparison';
import { statementAdviceRuleIds } from '../../core/insights/ruleIds';
import { adviceFixProvider } from './adviceFixProvider';
import { adviceSummary } from './adviceSummary';
import { preAggregateLog, preAggregateProgress } from './preAggregateFix';
import type { AdvisedStatement } from './rewriteFix';
import { AdviceStore, adviceAnchor, adviceFindings, sameStatement, type StatementAdvice } from './statementAdvice';

const action = 'Suggest Indexes and Rewrites';
/** Other statements of the file planned with each suggested index, at most. */
const maxSiblings = 10;

export class AdviceService implements vscode.Disposable {
  readonly store = new AdviceStore();
  private running: AbortController | undefined;
  /** The advice under way, so that a report asked for meanwhile waits for it instead of running it again. */
  private inFlight: { sql: string; advice: Promise<StatementAdvice | undefined> } | undefined;
  private readonly disposables: Array<{ dispose(): void }> = [];

  constructor(private readonly ctx: TunerContext) {
    this.disposables.push(ctx.fixes.register(adviceFixProvider(this.store)));
  }

  /** Called when an explain that ran the statement finished: advise in the background unless turned off. */
  afterExplain(target: AdviceRequest): void {
    if (!this.ctx.config.adviceAfterExplain) return;
    void this.advise(target, false);
  }

  /**
   * The advice for a statement (its `$n` form, as in `TuningResult.sql`): the one being computed, which is newer
   * than any stored (it follows the latest explain), else the stored one. Never starts the advisors: the report
   * takes what the editor measured.
   */
  async adviceFor(sql: string): Promise<StatementAdvice | undefined> {
    const pending = this.inFlight;
    if (pending && sameStatement(pending.sql) === sameStatement(sql)) {
      // A run cancelled or failed leaves the stored advice as the latest there is.
      const fresh = await pending.advice.catch(() => undefined);
      if (fresh) return fresh;
    }
    return this.store.latestFor(sql);
  }

  /** Advises on the statement; `announce` also reports "nothing found" (the user asked explicitly). */
  advise(target: AdviceRequest, announce: boolean): Promise<StatementAdvice | undefined> {
    const advice = this.run(target, announce);
    const entry = { sql: target.statement.sql, advice };
    this.inFlight = entry;
    const done = (): void => {
      if (this.inFlight === entry) this.inFlight = undefined;
    };
    void advice.then(done, done);
    return advice;
  }

  private async run(target: AdviceRequest, announce: boolean): Promise<StatementAdvice | undefined> {
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
    // Where a cancel finds the run, to say what it stopped (before any build there is no best so far).
    const at: AdviceCancelPoint = { step: 'starting', buildsStarted: 0 };
    try {
      const advice = await withSessionProgress(
        ctx.connections,
        `${action} on ${connection}`,
        async (session, progress, signal) => {
          const stepMessage: Record<AdviceStep, string> = {
            rewrites: 'rewrites: running both forms and comparing their rows…',
            indexes: allowMeasuredWhatIf
              ? 'indexes: building candidates in rolled-back transactions and timing them…'
              : 'indexes: estimating (nothing is built on this connection)…',
            combination: 'measuring the statement as written, the rewrite, the index and both together (rolled back)…',
          };
          const { adviseStatement } = await import('../../core/pipeline/statementAdvice');
          // onProgress: each candidate build with the time left; Cancel then stops there, keeping the best so far.
          const options: StatementAdviceOptions = {
            siblings: await siblingStatements(document.getText(), statement),
            allowMeasuredWhatIf,
            signal,
            params: target.params,
            statementTimeoutMs,
            sampleCopy: ctx.config.adviseSampleCopy,
            onStep: (step) => {
              at.step = step;
              throwIfAborted(signal);
              progress.report({ message: stepMessage[step] });
            },
            onProgress: (p) => {
              at.buildsStarted = Math.max(at.buildsStarted, p.index);
              progress.report({ message: buildProgressMessage(p) });
            },
            // Only when asked (the command), never in the background after an explain: it builds a summary over
            // the whole table and writes rows in its rolled-back proof, holding locks that block the table's writers.
            preAggregate: announce
              ? {
                  howToAllow: 'use a connection not marked production or read-only',
                  onMeasure: () => progress.report({ message: preAggregateProgress }),
                }
              : undefined,
          };
          const advised = await adviseStatement(session, statement.sql, options);
          return {
            statement,
            connection,
            rewrites: advised.rewrites,
            indexes: advised.indexes,
            params: target.params,
            combinationNote: advised.combinationNote,
            preAggregate: advised.preAggregate,
          } satisfies StatementAdvice;
        },
        // A newer run aborts this one, as Cancel does.
        { signal: abort.signal },
      );
      if (this.running !== abort) return undefined;
      this.running = undefined;
      this.store.set(advice);
      const ms = Math.round(performance.now() - started);
      ctx.log.info(
        `${action}: ${advice.indexes?.suggestions.length ?? 0} index suggestion(s), ${advice.rewrites.length} rewrite(s) in ${ms} ms on ${connection}`,
      );
      for (const note of advice.indexes?.notes ?? []) ctx.log.info(`  index advice: ${note.message}`);
      if (advice.combinationNote) ctx.log.info(`  rewrite + index: ${advice.combinationNote}`);
      for (const line of preAggregateLog(advice.preAggregate)) ctx.log.info(`  ${line}`);
      if (document.isClosed || document.version !== version) {
        ctx.log.info(`${action}: the document changed meanwhile; the advice is not shown on it`);
        return advice;
      }
      ctx.diagnostics.appendExplainFindings(document, statementAdviceRuleIds, adviceFindings(advice));
      void this.announce(advice, document, announce);
      return advice;
    } catch (err) {
      if (this.running === abort) this.running = undefined;
      // The user's Cancel (a newer run or closing the extension aborts `abort` instead): say what it stopped.
      if (isCancelled(err) && !abort.signal.aborted) {
        ctx.log.info(`${action} cancelled (${at.step}, ${at.buildsStarted} candidate build(s) begun)`);
        void vscode.window.showInformationMessage(cancelledAdviceMessage(action, at));
        return undefined;
      }
      await ctx.reportError(err, { action, connection });
      return undefined;
    }
  }

  private async announce(advice: StatementAdvice, document: vscode.TextDocument, always: boolean): Promise<void> {
    const found = adviceSummary(advice);
    // Stopped by Cancel while building: the best measured so far, said as such.
    const stopped = stoppedEarlyPrefix(advice.indexes?.measurement.reason);
    const summary = { found: found.found, text: `${stopped}${found.text}` };
    if (!summary.found) {
      if (always || stopped !== '') void vscode.window.showInformationMessage(summary.text);
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
    } else if (choice === 'Compare Plans' && withPlans) {
      await this.compare({
        kind: 'advice-index',
        index: withPlans.candidate.name,
        statementStart: advice.statement.start,
        statementText: advice.statement.text,
      });
    }
  }

  /**
   * "Compare before/after" of a suggestion: an index shows the advisor's own plans without and with it; a rewrite
   * runs both forms again (EXPLAIN ANALYZE, read-only) so both sides are full results with their insights.
   */
  async compare(request: AdviceComparePayload): Promise<void> {
    const { ctx } = this;
    const advice = this.store.get({ start: request.statementStart, text: request.statementText });
    if (!advice) {
      void vscode.window.showInformationMessage(
        'That suggestion is no longer there (the statement changed or the advice was cleared): run "Suggest Indexes and Rewrites" again.',
      );
      return;
    }
    if (request.kind === 'advice-index') {
      const s = advice.indexes?.suggestions.find((x) => x.candidate.name === request.index);
      if (!s || !comparableIndex(s)) {
        void vscode.window.showInformationMessage(
          `No plans were kept for ${request.index}, so there is nothing to compare.`,
        );
        return;
      }
      if (!comparesWithRewrite(s)) {
        const { before, after, labels } = indexComparison(advice, s);
        await ctx.showComparison(before, after, labels);
        return;
      }
      // The index gains only with a rewrite: the left side is the statement as it is, explained again.
      const connection = ctx.connections.activeLabel;
      try {
        const asItIs = await withSessionProgress(
          ctx.connections,
          `Compare before/after on ${connection}`,
          async (session, progress, signal) => {
            progress.report({ message: 'the statement as it is…' });
            const { statementAsItIs } = await import('./rewriteComparison');
            const active = ctx.connections.active;
            return statementAsItIs(session, advice.statement.sql, {
              params: advice.params,
              statementTimeoutMs: active.kind === 'server' ? active.setting.statementTimeoutMs : undefined,
              lockTimeoutMs: ctx.config.lockTimeoutMs,
              signal,
            });
          },
        );
        const { before, after, labels } = indexComparison(advice, s, asItIs);
        await ctx.showComparison(before, after, labels);
      } catch (err) {
        await ctx.reportError(err, { action: 'Compare before/after', connection });
      }
      return;
    }
    const rewrite = rewriteByRef(advice.rewrites, request.rewrite);
    if (!rewrite || !comparableRewrite(rewrite)) {
      void vscode.window.showInformationMessage(
        'Only a rewrite proven to return the same rows, with no new parameters, can be compared.',
      );
      return;
    }
    const connection = ctx.connections.activeLabel;
    try {
      const { before, after, labels } = await withSessionProgress(
        ctx.connections,
        `Compare before/after on ${connection}`,
        async (session, progress, signal) => {
          const { rewriteComparison } = await import('./rewriteComparison');
          const active = ctx.connections.active;
          return rewriteComparison(session, rewrite, {
            where: connection,
            params: advice.params,
            statementTimeoutMs: active.kind === 'server' ? active.setting.statementTimeoutMs : undefined,
            lockTimeoutMs: ctx.config.lockTimeoutMs,
            signal,
            onStep: (step) =>
              progress.report({ message: step === 'original' ? 'the statement as written…' : 'the rewrite…' }),
          });
        },
      );
      await ctx.showComparison(before, after, labels);
    } catch (err) {
      await ctx.reportError(err, { action: 'Compare before/after', connection });
    }
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
