import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { connectionSuggestions, type ConnectionSuggestion } from '../connections/connectionSuggestions';
import type { ConnectionSetting } from '../settings';

interface SuggestionPick extends vscode.QuickPickItem {
  suggestion?: ConnectionSuggestion;
}

/**
 * Adds a connection to the user settings. `PG*` variables and a `DATABASE_URL` in the workspace `.env` are
 * offered first; a password goes to SecretStorage, never to settings.
 */
export const addConnection: CommandFactory = (ctx) => async () => {
  const existing = new Set(ctx.config.connections.map((c) => c.label));
  const suggestions = connectionSuggestions(process.env, await readDotEnv(), existing);
  let base: ConnectionSuggestion | undefined;
  if (suggestions.length > 0) {
    const picked = await vscode.window.showQuickPick<SuggestionPick>(
      [
        ...suggestions.map((s) => ({ label: s.setting.label, description: s.source, suggestion: s })),
        { label: '$(edit) Enter the details…' },
      ],
      { title: 'Add Connection', placeHolder: 'Found these connection details' },
    );
    if (!picked) return;
    base = picked.suggestion;
  }
  const setting = await askDetails(base?.setting, existing);
  if (!setting) return;
  if (base?.password !== undefined) await ctx.connections.storePassword(setting.label, base.password);
  await ctx.config.addConnection(setting);
  await ctx.connections.select(setting.label);
  ctx.log.info(`Added connection ${setting.label}`);
  void vscode.window.showInformationMessage(
    `Connection "${setting.label}" added and selected. The password is asked on first use and kept in the editor's secret storage.`,
  );
};

async function askDetails(
  base: ConnectionSetting | undefined,
  existing: ReadonlySet<string>,
): Promise<ConnectionSetting | undefined> {
  const ask = (
    prompt: string,
    value: string | undefined,
    validate?: (v: string) => string | undefined,
  ): Thenable<string | undefined> =>
    vscode.window.showInputBox({
      title: 'Add Connection',
      prompt,
      value,
      ignoreFocusOut: true,
      validateInput: validate,
    });
  const host = await ask('Host', base?.host ?? 'localhost');
  if (host === undefined) return undefined;
  const port = await ask('Port', String(base?.port ?? 5432), (v) => (/^\d+$/.test(v) ? undefined : 'A port number'));
  if (port === undefined) return undefined;
  const database = await ask('Database', base?.database ?? 'postgres');
  if (database === undefined) return undefined;
  const user = await ask('User', base?.user ?? 'postgres');
  if (user === undefined) return undefined;
  const label = await ask('A name for this connection', base?.label ?? `${user}@${host}/${database}`, (v) =>
    !v.trim() ? 'A name is needed' : existing.has(v) ? 'A connection with this name exists' : undefined,
  );
  if (label === undefined) return undefined;
  return { label, host, port: Number(port), database, user, sslmode: base?.sslmode };
}

async function readDotEnv(): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.env')));
  } catch {
    return undefined;
  }
}
