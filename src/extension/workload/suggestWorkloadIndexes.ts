/**
 * "Suggest Indexes for the Workload" (Top Queries view): one index set for the active connection's workload —
 * pg_stat_statements' top statements by total time on a server (values from the workspace's copies where it
 * shows `$n`), the workspace's .sql statements on the embedded database — with cancellable progress; the result
 * opens as a Markdown report with the DDL, as the health report does. Indexes are built only in rolled-back
 * transactions, and only where the advisors may build (embedded, or a connection neither production nor read-only).
 */
import * as vscode from 'vscode';
import type { WorkloadEntry } from '../../core/advice/index/workloadSources';
import { TunerError } from '../../core/errors';
import type { CommandFactory } from '../commands/command';
import { withSessionProgress } from '../connections/withSessionProgress';
import { indexWorkspaceSources } from './workspaceSources';

/** Statements of each kind taken from the workspace's .sql files on the embedded database: each read is advised, which takes seconds. */
const maxFileReads = 10;
const maxFileWrites = 10;
const workloadTop = 10;

/** The workspace's .sql statements for the embedded database: its first reads and writes (schema DDL is not a workload). */
async function workspaceEntries(token: vscode.CancellationToken): Promise<WorkloadEntry[]> {
  const uris = await vscode.workspace.findFiles('**/*.sql', '{**/node_modules/**,**/.git/**}', 2000, token);
  const decoder = new TextDecoder();
  const files: Array<{ path: string; text: string }> = [];
  for (const uri of uris.sort((a, b) => (a.fsPath < b.fsPath ? -1 : 1)))
    files.push({
      path: vscode.workspace.asRelativePath(uri),
      text: decoder.decode(await vscode.workspace.fs.readFile(uri)),
    });
  const { entriesFromFiles } = await import('../../core/advice/index/workloadSources');
  const all = entriesFromFiles(files);
  const reads = all.filter((e) => /^\s*(\(\s*)*(select|with|table)\b/i.test(e.sql)).slice(0, maxFileReads);
  // A file that creates tables is the schema (and its seed data) the embedded database was loaded from: its
  // INSERTs load data, they are not the application's writes.
  const schemaFiles = new Set(files.filter((f) => /\bcreate\s+table\b/i.test(f.text)).map((f) => f.path));
  const writes = all
    .filter((e) => /^\s*(insert|update|delete)\b/i.test(e.sql))
    .filter((e) => e.origin.kind !== 'file' || !schemaFiles.has(e.origin.path))
    .slice(0, maxFileWrites);
  return [...reads, ...writes];
}

export const suggestWorkloadIndexes: CommandFactory = (ctx) => async () => {
  const connection = ctx.connections.activeLabel;
  const active = ctx.connections.active;
  const action = 'Suggest Indexes for the Workload';
  const allowMeasuredWhatIf = active.kind === 'embedded' || !(active.setting.production || active.setting.readOnly);
  const statementTimeoutMs = active.kind === 'server' ? active.setting.statementTimeoutMs : undefined;
  const started = performance.now();
  try {
    const advice = await withSessionProgress(
      ctx.connections,
      `${action} on ${connection}`,
      async (session, progress, signal) => {
        const cancel = new vscode.CancellationTokenSource();
        signal.addEventListener('abort', () => cancel.cancel(), { once: true });
        try {
          let entries: WorkloadEntry[];
          if (session.kind === 'embedded') {
            progress.report({ message: "reading the workspace's .sql files…" });
            entries = await workspaceEntries(cancel.token);
          } else {
            progress.report({ message: 'reading pg_stat_statements and the workspace for copies with values…' });
            const sources = await indexWorkspaceSources(ctx.log, cancel.token);
            const { entriesFromStatStatements } = await import('../../core/advice/index/workloadSources');
            const found = await entriesFromStatStatements(session, {
              top: workloadTop,
              valuesFor: (statement) => {
                const source = sources.withValues(statement);
                return (
                  source && {
                    sql: source.sql,
                    where: `${vscode.workspace.asRelativePath(vscode.Uri.parse(source.path))}:${source.line + 1}`,
                  }
                );
              },
            });
            if (found.status !== 'ok')
              throw new TunerError('bad-input', found.notes.map((n) => [n.message, ...n.steps].join(' ')).join(' '));
            entries = found.entries;
          }
          if (signal.aborted) throw new TunerError('cancelled', 'Cancelled.');
          if (entries.length === 0)
            throw new TunerError(
              'bad-input',
              session.kind === 'embedded'
                ? 'The workspace has no SELECT, INSERT, UPDATE or DELETE in its .sql files to make a workload of.'
                : 'pg_stat_statements holds no statement of this database yet.',
            );
          const { adviseWorkload } = await import('../../core/advice/index/adviseWorkload');
          return await adviseWorkload(session, entries, {
            allowMeasuredWhatIf,
            statementTimeoutMs,
            signal,
            onProgress: (message) => progress.report({ message }),
          });
        } finally {
          cancel.dispose();
        }
      },
    );
    const { renderWorkloadAdviceMarkdown } = await import('../../core/report/workloadAdviceReport');
    const content = renderWorkloadAdviceMarkdown(advice, { title: `Indexes for the workload on ${connection}` });
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(document, { preview: false });
    // Read, not edited: rendered beside the Markdown source, which stays for copying the DDL.
    await Promise.resolve(vscode.commands.executeCommand('markdown.showPreviewToSide', document.uri)).catch(
      (err: unknown) => {
        ctx.log.info(
          `${action}: no Markdown preview (${err instanceof Error ? err.message : String(err)}); the report stays as text`,
        );
      },
    );
    ctx.log.info(
      `${action}: ${advice.indexes.length} index(es) for ${advice.statements.length} statement(s) in ${Math.round(performance.now() - started)} ms on ${connection} (${advice.measured ? 'measured' : 'estimated'})`,
    );
  } catch (err) {
    if (err instanceof TunerError && err.reason === 'authentication-failed' && active.kind === 'server') {
      await ctx.connections.forgetPassword(connection);
    }
    await ctx.reportError(err, { action, connection });
  }
};
