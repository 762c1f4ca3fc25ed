/**
 * Entry point. Thin on purpose: build the context, register commands, providers and the panel serializer,
 * report our own failure. No database connection and no WASM load here; both happen on first use.
 */
import * as vscode from 'vscode';
import { registerNPlusOneChecks } from './advice/nPlusOneDiagnostics';
import { commandFactories } from './commands';
import { commandSpecs } from './commandTable';
import { TunerContext } from './context';
import { InsightCodeActionProvider } from './diagnostics/insightCodeActions';
import { InsightHoverProvider } from './diagnostics/insightHover';
import { registerStaticChecks } from './diagnostics/staticChecks';
import { PlanPanel, PlanPanelSerializer } from './panel/planPanel';
import { createConnectionStatusItem } from './statusBar';
import { registerTopQueriesView } from './workload/topQueriesView';

export function activate(extension: vscode.ExtensionContext): void {
  const startedAt = performance.now();
  let ctx: TunerContext | undefined;
  try {
    ctx = new TunerContext(extension);
    const subs = extension.subscriptions;
    subs.push(ctx);
    for (const spec of commandSpecs) subs.push(vscode.commands.registerCommand(spec.id, commandFactories[spec.id](ctx)));
    const sqlLike: vscode.DocumentSelector = [{ language: 'sql' }, { scheme: 'file' }, { scheme: 'untitled' }];
    subs.push(
      vscode.languages.registerHoverProvider(sqlLike, new InsightHoverProvider(ctx.diagnostics)),
      vscode.languages.registerCodeActionsProvider(sqlLike, new InsightCodeActionProvider(ctx.diagnostics, ctx.fixes), {
        providedCodeActionKinds: InsightCodeActionProvider.providedCodeActionKinds,
      }),
      vscode.window.registerWebviewPanelSerializer(PlanPanel.viewType, new PlanPanelSerializer(ctx.extensionUri, ctx.panelHandlers)),
      ...registerStaticChecks(ctx.diagnostics, ctx.config, ctx.log),
      ...createConnectionStatusItem(ctx.connections),
      ...registerTopQueriesView(ctx),
      ...registerNPlusOneChecks(ctx),
    );
    ctx.log.info(`activated in ${(performance.now() - startedAt).toFixed(1)} ms`);
  } catch (err) {
    ctx?.log.error('Activation', err);
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`PostgreSQL Query Tuner could not start: ${message}. Reload the window; if it persists, see the output "PostgreSQL Query Tuner".`);
  }
}

export function deactivate(): void {
  // Everything is in extension.subscriptions, which VS Code disposes.
}
