/**
 * Checks that need no database, run on `.sql` documents as the user types (debounced). The parser's WASM
 * loads the first time a SQL document needs it, not at activation.
 */
import * as vscode from 'vscode';
import type { TunerConfig } from '../config';
import type { Log } from '../log';
import type { TunerDiagnostics } from './tunerDiagnostics';

const debounceMs = 300;

export function registerStaticChecks(
  diagnostics: TunerDiagnostics,
  config: TunerConfig,
  log: Log,
): vscode.Disposable[] {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let checker: Promise<typeof import('../../core/insights/sqlRules')> | undefined;

  const run = async (document: vscode.TextDocument): Promise<void> => {
    if (document.isClosed) return;
    try {
      checker ??= (async () => {
        const { loadParser } = await import('../../core/sql/parser');
        await loadParser();
        return import('../../core/insights/sqlRules');
      })();
      const { checkSqlDocument } = await checker;
      const { statementAt } = await import('../../core/sql/splitStatements');
      const text = document.getText();
      const started = performance.now();
      const findings = checkSqlDocument(text).map((insight) => {
        const statement = statementAt(text, insight.sqlRange.start) ?? { text, start: 0, end: text.length };
        return { insight, range: insight.sqlRange, statement };
      });
      const elapsed = performance.now() - started;
      if (elapsed > 50)
        log.info(`Static checks of ${vscode.workspace.asRelativePath(document.uri)} took ${elapsed.toFixed(0)} ms`);
      diagnostics.setStatic(document, findings);
    } catch (err) {
      checker = undefined;
      log.error('Static SQL checks', err);
    }
  };

  const schedule = (document: vscode.TextDocument): void => {
    if (document.languageId !== 'sql' || !config.staticDiagnostics) return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        void run(document);
      }, debounceMs),
    );
  };

  for (const document of vscode.workspace.textDocuments) schedule(document);
  return [
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // Explain findings point at text that just moved: drop them rather than show them in the wrong place.
      if (e.contentChanges.length > 0) diagnostics.clearExplain(e.document.uri);
      schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      clearTimeout(timers.get(d.uri.toString()));
      timers.delete(d.uri.toString());
      diagnostics.forget(d.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('pgTuner.diagnostics.static')) return;
      for (const document of vscode.workspace.textDocuments) {
        if (config.staticDiagnostics) schedule(document);
        else diagnostics.clearStatic(document.uri);
      }
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  ];
}
