/**
 * The workspace's SQL, indexed by parse-tree fingerprint for "Found in workspace": `.sql`, `.ts` and `.js`
 * files outside node_modules, read once per refresh of the Top Queries view (not at activation).
 */
import * as vscode from 'vscode';
import type { SourceIndex, StatementSource, WorkspaceFile } from '../../core/workload/statementSources';
import type { TopStatement } from '../../core/workload/topQueries';
import { lineColumnAt } from '../../core/positions';
import type { Log } from '../log';

const include = '**/*.{sql,ts,mts,cts,js,mjs,cjs}';
const exclude = '{**/node_modules/**,**/.git/**,**/*.d.ts,**/*.min.js}';
/** Enough for a large repository; beyond this the search stops rather than slow the view down. */
const maxFiles = 5000;
/** Larger files are bundles or data, not code that issues statements. */
const maxFileBytes = 1_000_000;

export interface WorkspaceSourceIndex {
  index: SourceIndex;
  /** Where each source's text ends, for selecting it in the editor. */
  ends: WeakMap<StatementSource, { line: number; column: number }>;
  fileCount: number;
  /** Where the workspace issues a statement (by fingerprint); empty for hidden or unparsable text. */
  find(statement: Pick<TopStatement, 'query' | 'textVisible'>): StatementSource[];
  /** A copy with values where the statement has `$n` (sourceWithValues), if the workspace has one. */
  withValues(statement: Pick<TopStatement, 'query' | 'textVisible'>): StatementSource | undefined;
}

export async function indexWorkspaceSources(log: Log, token?: vscode.CancellationToken): Promise<WorkspaceSourceIndex> {
  const started = performance.now();
  const uris = await vscode.workspace.findFiles(include, exclude, maxFiles, token);
  const files: WorkspaceFile[] = [];
  const decoder = new TextDecoder();
  for (const uri of uris) {
    if (token?.isCancellationRequested) break;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > maxFileBytes) continue;
      files.push({ path: uri.toString(), text: decoder.decode(await vscode.workspace.fs.readFile(uri)) });
    } catch (err) {
      log.warn(`Top queries: could not read ${uri.toString()}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const { loadParser } = await import('../../core/sql/parser');
  await loadParser();
  // Loaded here, not at activation: it pulls in the TypeScript compiler to read string literals.
  const { indexStatementSources, findStatementSources, sourceWithValues } =
    await import('../../core/workload/statementSources');
  const index = indexStatementSources(files);
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const ends = new WeakMap<StatementSource, { line: number; column: number }>();
  let sourceCount = 0;
  for (const sources of index.values()) {
    for (const source of sources) {
      sourceCount++;
      const text = texts.get(source.path);
      if (text !== undefined) ends.set(source, lineColumnAt(text, source.range.end));
    }
  }
  log.info(
    `Top queries: indexed ${sourceCount} statement(s) in ${files.length} workspace file(s) in ${Math.round(performance.now() - started)} ms`,
  );
  return {
    index,
    ends,
    fileCount: files.length,
    find: (statement) => findStatementSources(statement, index),
    withValues: (statement) => sourceWithValues(findStatementSources(statement, index)),
  };
}
