/**
 * The output channel "PostgreSQL Query Tuner": one line per event, errors with their server code, hint and
 * position; stacks only for unexpected errors. Never parameter values or passwords.
 */
import * as vscode from 'vscode';
import { logEntriesFor } from './errorMessages';

export const outputChannelName = 'PostgreSQL Query Tuner';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel(outputChannelName, { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  /** A failure: one line for what the user can fix, stacks only for the unexpected (errorMessages.ts). */
  error(context: string, err: unknown): void {
    for (const entry of logEntriesFor(context, err)) {
      if (entry.level === 'error') this.channel.error(entry.text);
      else this.channel.debug(entry.text);
    }
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
