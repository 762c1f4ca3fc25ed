/**
 * The extension's body: the context, the command handlers, the providers, the status bar, the Top Queries view and
 * the checks that run as the user types. Bundled apart (dist/tuner.js) and loaded by the small entry
 * (extension.ts) right after activate() returns, or by the first command if that comes sooner: the 1 MB of core,
 * pg, PGlite and parser glue then does not count in VS Code's activation time (issue 4).
 */
import * as vscode from 'vscode';
import { AdviceService } from './advice/adviceService';
import { registerNPlusOneChecks } from './advice/nPlusOneDiagnostics';
import { registerOrmNPlusOneChecks } from './advice/ormNPlusOneChecks';
import { commandFactories } from './commands';
import { commandSpecs, type CommandId } from './commandTable';
import { TunerContext } from './context';
import { InsightCodeActionProvider } from './diagnostics/insightCodeActions';
import { InsightHoverProvider } from './diagnostics/insightHover';
import { registerStaticChecks } from './diagnostics/staticChecks';
import { registerEmbeddedWarmup } from './connections/embeddedWarmup';
import { PlanPanelSerializer } from './panel/planPanel';
import { planPanelHandlers } from './panel/planPanelHandlers';
import { createConnectionStatusItem } from './statusBar';
import { registerTopQueriesView } from './workload/topQueriesView';
import { createLanguageModelTools, type LanguageModelTools } from './agent/languageModelTools';
import type { PlanViewState } from '../shared/protocol';

/** What the entry calls into once this bundle is loaded. */
export interface Tuner {
  runCommand(id: CommandId, args: unknown[]): unknown;
  /** The plan view's serializer, for a panel VS Code restores after a reload. */
  revivePanel(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  /** The language-model tools the entry registered (agent mode). */
  tools: LanguageModelTools;
}

/** Timings the entry measured, for the "activated in" log line (the e2e test and the bench read it). */
export interface EntryTimings {
  /** activate() itself: registering the commands and the serializer. */
  activateMs: number;
  /** From activate() starting until this bundle was asked for. */
  requestedAfterMs: number;
  /** The language-model tools the entry registered with vscode.lm.registerTool (none where the API is missing). */
  registeredTools?: readonly string[];
}

export function startTuner(extension: vscode.ExtensionContext, entry: EntryTimings): Tuner {
  const startedAt = performance.now();
  let ctx: TunerContext | undefined;
  try {
    ctx = new TunerContext(extension, { advice: (c) => new AdviceService(c), panelHandlers: planPanelHandlers });
    const subs = extension.subscriptions;
    subs.push(ctx);
    const handlers = new Map(commandSpecs.map((spec) => [spec.id, commandFactories[spec.id](ctx as TunerContext)]));
    const serializer = new PlanPanelSerializer(ctx.extensionUri, ctx.panelHandlers);
    const sqlLike: vscode.DocumentSelector = [{ language: 'sql' }, { scheme: 'file' }, { scheme: 'untitled' }];
    subs.push(
      vscode.languages.registerHoverProvider(sqlLike, new InsightHoverProvider(ctx.diagnostics)),
      vscode.languages.registerCodeActionsProvider(sqlLike, new InsightCodeActionProvider(ctx.diagnostics, ctx.fixes), {
        providedCodeActionKinds: InsightCodeActionProvider.providedCodeActionKinds,
      }),
      ...registerStaticChecks(ctx.diagnostics, ctx.config, ctx.log),
      ...createConnectionStatusItem(ctx.connections),
      // After the status bar: its "starting…" shows from the first moment.
      ...registerEmbeddedWarmup(ctx.connections, ctx.config),
      ...registerTopQueriesView(ctx),
      ...registerNPlusOneChecks(ctx),
      ...registerOrmNPlusOneChecks(ctx),
    );
    ctx.log.info(
      `activated in ${entry.activateMs.toFixed(1)} ms; the rest of the extension loaded ${entry.requestedAfterMs.toFixed(0)} ms after it started, in ${(performance.now() - startedAt).toFixed(0)} ms`,
    );
    // What agent mode sees: ours as registered here, and as VS Code lists them (the e2e test reads this line).
    const listed = (vscode.lm?.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('pgTuner_'));
    ctx.log.info(
      `language-model tools registered: ${(entry.registeredTools ?? []).join(', ') || 'none'}; vscode.lm.tools lists: ${listed.join(', ') || 'none'}`,
    );
    return {
      runCommand: (id, args) => {
        const handler = handlers.get(id);
        if (!handler) throw new Error(`No handler for ${id}`);
        return handler(...args);
      },
      revivePanel: (panel, state) => serializer.deserializeWebviewPanel(panel, state as PlanViewState | undefined),
      tools: createLanguageModelTools(ctx),
    };
  } catch (err) {
    ctx?.log.error('Activation', err);
    throw err;
  }
}
