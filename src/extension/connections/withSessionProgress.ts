import * as vscode from 'vscode';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import type { ConnectionManager } from './connectionManager';

/**
 * Database work under a cancellable notification: says it is starting the embedded database or connecting
 * when no session is open yet, then hands `work` the session and a signal that a click on Cancel aborts (and
 * the session carries to the server).
 */
export function withSessionProgress<T>(
  connections: ConnectionManager,
  title: string,
  work: (session: DatabaseSession, progress: vscode.Progress<{ message?: string }>, signal: AbortSignal) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const onCancel = token.onCancellationRequested(() => abort.abort());
      try {
        if (!connections.hasSession) {
          progress.report({
            message: connections.active.kind === 'embedded' ? 'starting the embedded database…' : 'connecting…',
          });
        }
        const session = await connections.getSession(token);
        if (token.isCancellationRequested) throw new TunerError('cancelled', 'Cancelled.');
        return await work(session, progress, abort.signal);
      } finally {
        onCancel.dispose();
      }
    },
  );
}
