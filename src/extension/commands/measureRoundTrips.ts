import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { adviceAt, roundTripSummary } from '../advice/nPlusOneFix';
import { withSessionProgress } from '../connections/withSessionProgress';

/**
 * "Measure round trips" of the N+1 loop under the cursor (or at a document offset, from the code action): the
 * outer query, the loop's 1 + N queries and the combined query run on the active connection inside one
 * read-only transaction; the result is "1 + N → 1, loop X ms vs single query Y ms".
 */
export const measureRoundTrips: CommandFactory = (ctx) => async (uri: unknown, offset: unknown) => {
  let editor = vscode.window.activeTextEditor;
  if (typeof uri === 'string')
    editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preserveFocus: false });
  if (!editor) {
    void vscode.window.showInformationMessage(
      'Open a TypeScript or JavaScript file with a query inside a loop to measure its round trips.',
    );
    return;
  }
  const document = editor.document;
  const at = typeof offset === 'number' ? offset : document.offsetAt(editor.selection.active);
  const connection = ctx.connections.activeLabel;
  const active = ctx.connections.active;
  if (active.kind === 'server' && active.setting.production) {
    const choice = await vscode.window.showWarningMessage(
      `${active.setting.label} is a production connection. Measuring runs the loop's queries (1 + N, read-only) and the combined query.`,
      { modal: true },
      'Measure',
    );
    if (choice !== 'Measure') return;
  }
  try {
    const advice = await withSessionProgress(
      ctx.connections,
      `Measure round trips on ${connection}`,
      async (session, progress, signal) => {
        progress.report({ message: 'running the loop and the single query…' });
        const { adviseNPlusOne } = await import('../../core/advice/nPlusOne/adviseNPlusOne');
        // Cancel stops the rounds between two queries and keeps the best result so far.
        const advices = await adviseNPlusOne(session, document.getText(), document.fileName, {
          signal,
          statementTimeoutMs: active.kind === 'server' ? active.setting.statementTimeoutMs : undefined,
          onProgress: (p) => progress.report({ message: p.message }),
        });
        // The scans the measurement made are recorded by the session (ownScans.ts), for the health report.
        return advices;
      },
    );
    const found = adviceAt(advice, at) ?? advice[0];
    if (!found) {
      void vscode.window.showInformationMessage(
        'No query inside a loop over the rows of an earlier query was found in this file.',
      );
      return;
    }
    if (!found.measurement) {
      void vscode.window.showWarningMessage(`${found.title}: ${found.measurementNote ?? 'not measured.'}`);
      return;
    }
    const line = roundTripSummary(found.measurement);
    ctx.log.info(`Measure round trips (line ${found.finding.line}): ${line}; ${found.measurement.shapeNote}`);
    // Kept short enough for VS Code not to cut it: the shape note only when the two forms differ (it is logged).
    void vscode.window.showInformationMessage(
      found.measurement.sameShape ? `${line}.` : `${line}. ${found.measurement.shapeNote}`,
    );
  } catch (err) {
    await ctx.reportError(err, { action: 'Measure round trips', connection });
  }
};
