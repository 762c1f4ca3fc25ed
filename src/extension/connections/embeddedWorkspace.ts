/**
 * The embedded default: the workspace's schema and migration files (and optional seed files) loaded into PGlite.
 * Files are read in path order, so numbered migrations apply in sequence.
 */
import * as vscode from 'vscode';
import type { TunerConfig } from '../config';

export interface WorkspaceSqlFiles {
  files: Array<{ path: string; text: string }>;
  seedFiles: Array<{ path: string; text: string }>;
  /** The stats file (pgTuner.embedded.statsFile) when the workspace has one. */
  statsFile?: { path: string; text: string };
}

const exclude = '**/{node_modules,.git,dist,out,.vscode-test}/**';

/** Whether the workspace holds any schema file (the embedded database's source), found without reading it. */
export async function hasSchemaFiles(config: TunerConfig): Promise<boolean> {
  return (await vscode.workspace.findFiles(config.embeddedSchemaGlob, exclude, 1)).length > 0;
}

export async function readWorkspaceSqlFiles(
  config: TunerConfig,
  token?: vscode.CancellationToken,
): Promise<WorkspaceSqlFiles> {
  const schemaGlob = config.embeddedSchemaGlob;
  const seedGlob = config.embeddedSeedGlob;
  const [schemaUris, seedUris] = await Promise.all([
    vscode.workspace.findFiles(schemaGlob, exclude, undefined, token),
    seedGlob ? vscode.workspace.findFiles(seedGlob, exclude, undefined, token) : Promise.resolve([]),
  ]);
  const seedSet = new Set(seedUris.map((u) => u.toString()));
  // A seed file that also matches the schema glob is data, not schema.
  const files = await readAll(schemaUris.filter((u) => !seedSet.has(u.toString())));
  const seedFiles = await readAll(seedUris);
  const statsUris = config.embeddedStatsFile
    ? await vscode.workspace.findFiles(config.embeddedStatsFile, exclude, 1, token)
    : [];
  const [statsFile] = await readAll(statsUris);
  return { files, seedFiles, statsFile };
}

async function readAll(uris: vscode.Uri[]): Promise<Array<{ path: string; text: string }>> {
  const sorted = [...uris].sort((a, b) =>
    vscode.workspace.asRelativePath(a).localeCompare(vscode.workspace.asRelativePath(b)),
  );
  const decoder = new TextDecoder();
  return Promise.all(
    sorted.map(async (uri) => ({
      path: vscode.workspace.asRelativePath(uri),
      text: decoder.decode(await vscode.workspace.fs.readFile(uri)),
    })),
  );
}

/** Watches both globs; `onChange` runs after any create, change or delete. */
export function watchWorkspaceSqlFiles(config: TunerConfig, onChange: () => void): vscode.Disposable[] {
  const disposables: vscode.Disposable[] = [];
  // A watcher's glob is matched against absolute paths: the stats file's workspace-relative path needs its `**/`.
  const stats = config.embeddedStatsFile ? `**/${config.embeddedStatsFile.replace(/^(\*\*\/|\.\/)/, '')}` : '';
  for (const glob of [config.embeddedSchemaGlob, config.embeddedSeedGlob, stats].filter((g) => g)) {
    const watcher = vscode.workspace.createFileSystemWatcher(glob);
    disposables.push(
      watcher,
      watcher.onDidChange(onChange),
      watcher.onDidCreate(onChange),
      watcher.onDidDelete(onChange),
    );
  }
  return disposables;
}
