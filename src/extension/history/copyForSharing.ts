/** "Copy Plan for Sharing": the obfuscated statement and plan to the clipboard, and what was replaced. */
import * as vscode from 'vscode';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { TunerContext } from '../context';
import { sharePlan } from './sharePlan';

export async function copyPlanForSharing(ctx: TunerContext, result: TuningResult): Promise<void> {
  try {
    const shared = await sharePlan(result);
    await vscode.env.clipboard.writeText(shared.text);
    ctx.log.info(`Copy Plan for Sharing: ${shared.text.length} characters, ${shared.note}`);
    // Not awaited: the command is done once the clipboard holds the text, whether or not the toast is read.
    void vscode.window
      .showInformationMessage(`Plan copied for sharing. ${shared.note}`, 'Show Replacements')
      .then(async (choice) => {
        if (choice !== 'Show Replacements') return;
        // In an untitled editor, never on disk: the list undoes the obfuscation.
        const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: shared.replacements });
        await vscode.window.showTextDocument(doc, { preview: true });
      });
  } catch (err) {
    await ctx.reportError(err, { action: 'Copy Plan for Sharing' });
  }
}
