/**
 * The editor's way through "Explain and Optimize": pick the statement (selection, else the one under the
 * cursor), ask for parameter values, explain it on the active connection with cancellable progress, then show
 * the plan and put the findings on the statement. On failure the document is left exactly as it was.
 */
import * as vscode from 'vscode';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { NamedParameterRewrite } from '../../core/sql/namedParameters';
import { isCancelled, TunerError } from '../../core/errors';
import type { TunerContext } from '../context';
import type { PlanSource } from '../panel/planPanel';
import { PlanRun } from '../panel/planRun';
import { userMessageFor } from '../errorMessages';
import { parameterLabels, type ParameterValues } from './parameterLabels';
import { withSessionProgress } from '../connections/withSessionProgress';

export interface ExplainOptions {
  /** EXPLAIN ANALYZE (runs the statement, made safe by the session) or plan only. */
  analyze: boolean;
  /** Label for messages and timing: "Explain and Optimize". */
  action: string;
}

interface PickedStatement {
  text: string;
  /** Document offset of `text`. */
  start: number;
}

export async function explainInEditor(
  ctx: TunerContext,
  editor: vscode.TextEditor,
  options: ExplainOptions,
): Promise<TuningResult | undefined> {
  const startedAt = performance.now();
  const picked = await pickStatement(editor);
  if (!picked) {
    void vscode.window.showInformationMessage('Put the cursor in a SQL statement (or select one) to explain it.');
    return undefined;
  }
  const { rewriteNamedParameters } = await import('../../core/sql/namedParameters');
  const rewrite = rewriteNamedParameters(picked.text);
  // A typo is reported at once, before the plan view, a parameter prompt or any database starts (the embedded
  // one takes seconds on first use); the editor stays as it was, with the error on the statement.
  const syntaxError = await findSyntaxError(rewrite.text);
  if (syntaxError) {
    ctx.diagnostics.setExplainError(
      editor.document,
      picked.start + rewrite.toOriginal(syntaxError.offset),
      syntaxError.message,
      'syntax-error',
    );
    await ctx.reportError(new TunerError('syntax-error', syntaxError.message, { offset: syntaxError.offset }), {
      action: options.action,
    });
    return undefined;
  }
  // The plan view starts now, while parameters are asked for and the database works (issue 4).
  const run = PlanRun.begin(
    ctx.extensionUri,
    ctx.panelHandlers,
    `${options.action} on ${ctx.connections.activeLabel}…`,
  );
  try {
    return await explainPicked(ctx, editor, options, picked, rewrite, run, startedAt);
  } finally {
    run.end();
  }
}

async function explainPicked(
  ctx: TunerContext,
  editor: vscode.TextEditor,
  options: ExplainOptions,
  picked: PickedStatement,
  rewrite: NamedParameterRewrite,
  run: PlanRun,
  startedAt: number,
): Promise<TuningResult | undefined> {
  const document = editor.document;
  const values = await askParameterValues(parameterLabels(rewrite));
  if (!values) return undefined;
  const connectionLabel = ctx.connections.activeLabel;
  const analyze = await decideAnalyze(ctx, options.analyze && !values.incomplete, picked.text);
  if (analyze === undefined) return undefined;
  ctx.diagnostics.clearExplain(document.uri);
  try {
    const result = await withSessionProgress(
      ctx.connections,
      `${options.action} on ${connectionLabel}`,
      async (session, progress, signal) => {
        progress.report({ message: analyze ? 'running EXPLAIN ANALYZE…' : 'planning…' });
        const { explainAndOptimize } = await import('../../core/pipeline/explainAndOptimize');
        const active = ctx.connections.active;
        return explainAndOptimize(session, rewrite.text, {
          analyze,
          params: values.incomplete ? undefined : values.values,
          genericPlan: values.incomplete && values.values.length > 0,
          statementTimeoutMs: active.kind === 'server' ? active.setting.statementTimeoutMs : undefined,
          lockTimeoutMs: ctx.config.lockTimeoutMs,
          signal,
        });
      },
    );
    const source: PlanSource = {
      uri: document.uri,
      statementStart: picked.start,
      toStatementOffset: rewrite.toOriginal,
    };
    const ms = Math.round(performance.now() - startedAt);
    ctx.log.info(
      `${options.action}: ${result.plan.nodes.length} plan nodes, ${result.insights.length} insights in ${ms} ms on ${connectionLabel}`,
    );
    // The plan goes out first; the squiggles and code actions the findings bring follow it.
    const panel = ctx.showResult(result, source, titleFor(document, picked.text), { startedAt, label: options.action });
    publishFindings(ctx, document, picked, result, source);
    // Advice runs the statement again (and its rewrites): only after an explain that was allowed to run it, and
    // once the plan is painted (on the embedded database it holds the extension host's thread).
    if (result.run?.analyzed) {
      const statement = {
        text: picked.text,
        start: picked.start,
        end: picked.start + picked.text.length,
        sql: rewrite.text,
      };
      panel.afterPaint(() =>
        ctx.advice.afterExplain({ document, statement, params: values.incomplete ? undefined : values.values }),
      );
    }
    return result;
  } catch (err) {
    if (
      err instanceof TunerError &&
      err.reason === 'authentication-failed' &&
      ctx.connections.active.kind === 'server'
    ) {
      await ctx.connections.forgetPassword(connectionLabel);
    }
    if (
      err instanceof TunerError &&
      err.detail.offset !== undefined &&
      (err.reason === 'syntax-error' || err.reason === 'server-error')
    ) {
      const offset = picked.start + rewrite.toOriginal(Math.min(err.detail.offset, rewrite.text.length));
      ctx.diagnostics.setExplainError(document, offset, err.message, err.detail.code ?? err.reason);
    }
    if (!isCancelled(err)) run.fail(userMessageFor(err, { action: options.action, connection: connectionLabel }));
    await ctx.reportError(err, { action: options.action, connection: connectionLabel });
    return undefined;
  }
}

async function findSyntaxError(sql: string): Promise<{ message: string; offset: number } | undefined> {
  const { loadParser } = await import('../../core/sql/parser');
  await loadParser();
  const { checkSyntax } = await import('../../core/sql/splitStatements');
  return checkSyntax(sql);
}

async function pickStatement(editor: vscode.TextEditor): Promise<PickedStatement | undefined> {
  const document = editor.document;
  if (!editor.selection.isEmpty) {
    const raw = document.getText(editor.selection);
    // Leading blanks and a trailing semicolon are not part of the statement.
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim().replace(/;\s*$/, '');
    if (text) return { text, start: document.offsetAt(editor.selection.start) + lead };
    return undefined;
  }
  const { statementAt } = await import('../../core/sql/splitStatements');
  const found = statementAt(document.getText(), document.offsetAt(editor.selection.active));
  return found && found.text.trim() ? { text: found.text, start: found.start } : undefined;
}

/** One input box per parameter; an empty answer means "no value" (the plan then is an estimate). */
async function askParameterValues(labels: string[]): Promise<ParameterValues | undefined> {
  const values: string[] = [];
  let incomplete = false;
  for (const [i, label] of labels.entries()) {
    const value = await vscode.window.showInputBox({
      title: `Parameter ${i + 1} of ${labels.length}: ${label}`,
      prompt: `Value for ${label} (sent as a parameter, never spliced into the SQL). Leave empty to plan without values (estimate only).`,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    if (value === '') incomplete = true;
    values.push(value);
  }
  return { values, incomplete };
}

/** Production connections ask before running; read-only ones never run a statement that writes. */
async function decideAnalyze(ctx: TunerContext, wanted: boolean, sql: string): Promise<boolean | undefined> {
  const active = ctx.connections.active;
  if (!wanted || active.kind === 'embedded') return wanted;
  const writes = !/^\s*(select|with|values|table)\b/i.test(sql) || /\b(insert|update|delete|merge)\b/i.test(sql);
  if (active.setting.readOnly && writes) {
    ctx.log.info(`${active.setting.label} is read-only: planning the statement without running it`);
    return false;
  }
  if (active.setting.production) {
    const choice = await vscode.window.showWarningMessage(
      `${active.setting.label} is a production connection. EXPLAIN ANALYZE executes the statement (writes are rolled back).`,
      { modal: true },
      'Run EXPLAIN ANALYZE',
      'Estimate only',
    );
    if (choice === undefined) return undefined;
    return choice === 'Run EXPLAIN ANALYZE';
  }
  return true;
}

function publishFindings(
  ctx: TunerContext,
  document: vscode.TextDocument,
  picked: PickedStatement,
  result: TuningResult,
  source: PlanSource,
): void {
  const statement = { text: picked.text, start: picked.start, end: picked.start + picked.text.length };
  const findings = result.insights
    .filter((i) => i.sqlRange !== undefined)
    .map((insight) => {
      const r = insight.sqlRange!;
      return {
        insight,
        statement,
        range: {
          start: picked.start + source.toStatementOffset(r.start),
          end: picked.start + source.toStatementOffset(r.end),
        },
        nodeId: insight.nodeIds[0],
      };
    });
  ctx.diagnostics.setExplainFindings(document, findings);
}

function titleFor(document: vscode.TextDocument, sql: string): string {
  const firstLine =
    sql
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const short = firstLine.length > 40 ? `${firstLine.slice(0, 40)}…` : firstLine;
  return `${vscode.workspace.asRelativePath(document.uri)} — ${short}`;
}
