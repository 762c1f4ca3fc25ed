import * as vscode from 'vscode';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import type { ConnectionManager } from './connectionManager';

export interface SessionProgressOptions {
  /**
   * Where the progress shows: a cancellable notification titled by `title` (the default), or a view's progress
   * bar (`{ viewId }`, not cancellable: the view has no Cancel).
   */
  location?: { viewId: string };
  /** Aborts the work too (e.g. a newer run that replaces this one), as a click on Cancel does. */
  signal?: AbortSignal;
}

/**
 * Database work under progress: says it is starting the embedded database or connecting when no session is open
 * yet, then hands `work` the session and a signal that a click on Cancel (or `options.signal`) aborts, which the
 * session carries to the server. A cancel before the session is open throws TunerError('cancelled').
 */
export function withSessionProgress<T>(
  connections: ConnectionManager,
  title: string,
  work: (session: DatabaseSession, progress: vscode.Progress<{ message?: string }>, signal: AbortSignal) => Promise<T>,
  options: SessionProgressOptions = {},
): Thenable<T> {
  const where: vscode.ProgressOptions = options.location
    ? { location: options.location, title }
    : { location: vscode.ProgressLocation.Notification, title, cancellable: true };
  return vscode.window.withProgress(where, async (progress, token) => {
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    const outer = options.signal;
    const onOuterAbort = (): void => abort.abort();
    if (outer?.aborted) abort.abort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      if (!connections.hasSession) {
        progress.report({
          message: connections.active.kind === 'embedded' ? 'starting the embedded database…' : 'connecting…',
        });
      }
      const session = await connections.getSession(token);
      if (abort.signal.aborted) throw new TunerError('cancelled', 'Cancelled.');
      return await work(session, progress, abort.signal);
    } finally {
      onCancel.dispose();
      outer?.removeEventListener('abort', onOuterAbort);
    }
  });
}
