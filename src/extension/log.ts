/**
 * The output channel "PostgreSQL Query Tuner": one line per event, errors with their server code, hint, position
 * and stack. Never parameter values or passwords.
 */
import * as vscode from 'vscode';
import { TunerError } from '../core/errors';

export const outputChannelName = 'PostgreSQL Query Tuner';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel(outputChannelName, { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(context: string, err: unknown): void {
    if (err instanceof TunerError) {
      const d = err.detail;
      const parts = [`${context}: [${err.reason}] ${err.message}`];
      if (d.code) parts.push(`code ${d.code}`);
      if (d.hint) parts.push(`hint: ${d.hint}`);
      if (d.offset !== undefined) parts.push(`at offset ${d.offset}`);
      if (d.line !== undefined) parts.push(`at line ${d.line}`);
      this.channel.error(parts.join('; '));
      if (d.cause instanceof Error && d.cause.stack) this.channel.error(`cause: ${d.cause.stack}`);
      if (err.stack) this.channel.debug(err.stack);
    } else if (err instanceof Error) {
      this.channel.error(`${context}: ${err.stack ?? err.message}`);
    } else {
      this.channel.error(`${context}: ${String(err)}`);
    }
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
