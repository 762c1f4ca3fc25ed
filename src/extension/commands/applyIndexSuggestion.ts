import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import type { IndexDdlPayload } from '../commandTable';
import { migrationFileName } from '../advice/indexFix';

/**
 * The index quick fix: the DDL and its rollback go into a new migration file when `pgTuner.advice.migrationFolder`
 * is set (created through a WorkspaceEdit, unsaved until the user saves), else into a new untitled SQL editor.
 * Never executed.
 */
export const applyIndexSuggestion: CommandFactory = (ctx) => async (payload: unknown) => {
  if (!isPayload(payload)) return;
  const folderSetting = ctx.config.adviceMigrationFolder;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (folderSetting && root) {
    const folder = /^([a-z]:)?[\\/]/i.test(folderSetting)
      ? vscode.Uri.file(folderSetting)
      : vscode.Uri.joinPath(root, folderSetting);
    const target = vscode.Uri.joinPath(folder, migrationFileName(payload.indexName, new Date()));
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(target, { ignoreIfExists: false, contents: new TextEncoder().encode(payload.migration) });
    if (await vscode.workspace.applyEdit(edit)) {
      await vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      ctx.log.info(
        `Index suggestion ${payload.indexName} written to ${vscode.workspace.asRelativePath(target)} (not run)`,
      );
      return;
    }
    ctx.log.warn(`Could not create ${target.toString()}: opening the DDL in an untitled editor instead`);
  }
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content: payload.untitled });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
};

function isPayload(value: unknown): value is IndexDdlPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.indexName === 'string' && typeof v.untitled === 'string' && typeof v.migration === 'string';
}
