/**
 * Entry point (dist/extension.js), kept small because VS Code's activation time is loading this bundle plus
 * activate(): it registers the commands and the plan view's serializer, which must exist when activate()
 * returns, and loads the rest of the extension (dist/tuner.js: context, providers, status bar, Top Queries,
 * checks) right after, or on the first command if that comes sooner. No database connection and no WASM load
 * here; both happen on first use. Import nothing heavy here (a unit test checks what this bundle holds).
 */
import * as vscode from 'vscode';
import { languageModelToolNames } from './agent/toolNames';
import { commandSpecs } from './commandTable';
import { planViewType } from './panel/planViewType';
import type { Tuner } from './tuner';

export function activate(extension: vscode.ExtensionContext): void {
  const startedAt = performance.now();
  try {
    let activateMs = 0;
    let tuner: Promise<Tuner> | undefined;
    let deactivated = false;
    const registeredTools: string[] = [];
    const load = (): Promise<Tuner> =>
      (tuner ??= import('./tuner').then(
        ({ startTuner }) =>
          startTuner(extension, { activateMs, requestedAfterMs: performance.now() - startedAt, registeredTools }),
        (err: unknown) => {
          tuner = undefined;
          reportStartFailure(err);
          throw err;
        },
      ));
    const subs = extension.subscriptions;
    for (const spec of commandSpecs) {
      // A failure to load is reported once by load(); a command's own failure reaches VS Code as before.
      subs.push(
        vscode.commands.registerCommand(spec.id, (...args: unknown[]) =>
          load().then(
            (t) => t.runCommand(spec.id, args),
            () => undefined,
          ),
        ),
      );
    }
    subs.push(
      vscode.window.registerWebviewPanelSerializer(planViewType, {
        deserializeWebviewPanel: (panel, state: unknown) => load().then((t) => t.revivePanel(panel, state)),
      }),
      { dispose: () => (deactivated = true) },
    );
    // Agent mode's tools (package.json `languageModelTools`), registered now as VS Code requires of a declared
    // tool; their work is in the tuner bundle. vscode.lm.registerTool exists from VS Code 1.95.
    if (typeof vscode.lm?.registerTool === 'function') {
      for (const name of languageModelToolNames) {
        subs.push(
          vscode.lm.registerTool<unknown>(name, {
            prepareInvocation: (options) => load().then((t) => t.tools.prepare(name, options.input)),
            invoke: (options, token) => load().then((t) => t.tools.invoke(name, options.input, token)),
          }),
        );
        registeredTools.push(name);
      }
    }
    activateMs = performance.now() - startedAt;
    // After activate() has returned: static checks of open SQL documents, the status bar and the providers
    // start without making activation wait for them.
    setImmediate(() => {
      if (!deactivated) load().catch(() => undefined);
    });
  } catch (err) {
    reportStartFailure(err);
  }
}

export function deactivate(): void {
  // Everything is in extension.subscriptions, which VS Code disposes.
}

function reportStartFailure(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error('PostgreSQL Query Tuner could not start', err);
  void vscode.window.showErrorMessage(
    `PostgreSQL Query Tuner could not start: ${message}. Reload the window; if it persists, see the output "PostgreSQL Query Tuner".`,
  );
}
