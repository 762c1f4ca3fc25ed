import * as vscode from 'vscode';
import { TunerError } from '../../core/errors';
import type { CommandFactory } from './command';
import { withSessionProgress } from '../connections/withSessionProgress';

/**
 * Runs the schema health checks on the active connection (catalog and statistics views only) and opens the
 * Markdown report in a new editor, shown as its rendered preview. Fixes stay text in the report, for the user to review and run.
 */
export const showHealthReport: CommandFactory = (ctx) => async () => {
  const connection = ctx.connections.activeLabel;
  const action = 'Show Health Report';
  try {
    const result = await withSessionProgress(
      ctx.connections,
      `Health checks on ${connection}`,
      async (session, progress, signal) => {
        progress.report({ message: 'reading catalog and statistics views…' });
        const { runHealthChecks } = await import('../../core/health/runHealthChecks');
        const { defaultLedgerPath, OwnScanLedger } = await import('../../core/db/ownScans');
        // The scans our own measurements made (recorded by the CLI and the editor) are not the application's.
        return runHealthChecks(session, { signal, ownScans: new OwnScanLedger(defaultLedgerPath()) });
      },
    );
    const { renderHealthReport } = await import('../../core/health/healthReport');
    const content = renderHealthReport(result, { title: `Health report: ${result.database} on ${connection}` });
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(document, { preview: false });
    // A report is read, not edited: show it rendered beside the Markdown source (kept for copying the DDL).
    await Promise.resolve(vscode.commands.executeCommand('markdown.showPreviewToSide', document.uri)).catch(
      (err: unknown) => {
        ctx.log.info(
          `${action}: no Markdown preview (${err instanceof Error ? err.message : String(err)}); the report stays as text`,
        );
      },
    );
    ctx.log.info(
      `${action}: score ${result.score}, ${result.findings.length} finding(s) in ${Math.round(result.ms)} ms on ${connection}`,
    );
  } catch (err) {
    if (
      err instanceof TunerError &&
      err.reason === 'authentication-failed' &&
      ctx.connections.active.kind === 'server'
    ) {
      await ctx.connections.forgetPassword(connection);
    }
    await ctx.reportError(err, { action, connection });
  }
};
