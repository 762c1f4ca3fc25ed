/**
 * Our commands called through VS Code with the ids and arguments of the command table (commandTable.ts), so a
 * wrong id or argument is a compile error instead of a click that does nothing.
 */
import * as vscode from 'vscode';
import type { CommandArgs, CommandId } from './commandTable';

/** `vscode.commands.executeCommand` for one of our commands. */
export function executeCommand<K extends CommandId>(id: K, ...args: CommandArgs[K]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}

/** A `vscode.Command` (code action, tree item) that runs one of our commands. */
export function vscodeCommand<K extends CommandId>(title: string, id: K, ...args: CommandArgs[K]): vscode.Command {
  return { command: id, title, arguments: args };
}

/** The target of a Markdown link that runs one of our commands (the hover must trust it: `trustedCommands`). */
export function commandLink<K extends CommandId>(id: K, ...args: CommandArgs[K]): string {
  return `command:${id}?${encodeURIComponent(JSON.stringify(args))}`;
}

/** `MarkdownString.isTrusted` that lets links run these commands and no other. */
export function trustedCommands(...ids: CommandId[]): { enabledCommands: CommandId[] } {
  return { enabledCommands: ids };
}
