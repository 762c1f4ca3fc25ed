/**
 * Quick fixes on our diagnostics: "Explain and Optimize this statement" and whatever the registered
 * `CodeFixProvider`s offer for the diagnostic's rule id. Edits change the document only when the user picks
 * them; DDL opens in a new untitled document and is never run.
 */
import * as vscode from 'vscode';
import { syntaxErrorRule } from '../../core/insights/ruleIds';
import { vscodeCommand } from '../commandCalls';
import type { CodeFix, CodeFixRegistry } from '../fixes/codeFix';
import { diagnosticSource, type TunerDiagnostics } from './tunerDiagnostics';

export class InsightCodeActionProvider implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly diagnostics: TunerDiagnostics,
    private readonly fixes: CodeFixRegistry,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const explained = new Set<number>();
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== diagnosticSource) continue;
      const entry = this.diagnostics.entryFor(document.uri, diagnostic);
      if (!entry) continue;
      const text = document.getText();
      for (const fix of this.fixes.fixesFor({
        ruleId: entry.insight.ruleId,
        insight: entry.insight,
        documentText: text,
        statement: entry.statement,
        range: entry.range,
      })) {
        actions.push(toAction(document, diagnostic, fix));
      }
      // A statement PostgreSQL cannot parse cannot be explained: offering it would only end in the same error.
      if (entry.insight.ruleId !== syntaxErrorRule && !explained.has(entry.statement.start)) {
        explained.add(entry.statement.start);
        const explain = new vscode.CodeAction('Explain and Optimize this statement', vscode.CodeActionKind.QuickFix);
        explain.diagnostics = [diagnostic];
        explain.command = vscodeCommand(
          explain.title,
          'pgTuner.explainStatementAt',
          document.uri.toString(),
          entry.statement.start,
        );
        actions.push(explain);
      }
    }
    return actions;
  }
}

export function toAction(
  document: vscode.TextDocument,
  diagnostic: vscode.Diagnostic | undefined,
  fix: CodeFix,
): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  if (diagnostic) action.diagnostics = [diagnostic];
  action.isPreferred = fix.isPreferred;
  if (fix.edits && fix.edits.length > 0) {
    const edit = new vscode.WorkspaceEdit();
    // One WorkspaceEdit is one undo step, applied when the fix is picked. No needsConfirmation metadata: it opens
    // the refactor preview with the change unticked, where Apply as shown changes nothing.
    for (const e of fix.edits) {
      edit.replace(
        document.uri,
        new vscode.Range(document.positionAt(e.range.start), document.positionAt(e.range.end)),
        e.newText,
      );
    }
    action.edit = edit;
  }
  if (fix.newDocument) {
    action.command = vscodeCommand(fix.title, 'pgTuner.openUntitledSql', fix.newDocument.content);
  }
  if (fix.command) action.command = { command: fix.command.id, title: fix.title, arguments: fix.command.arguments };
  return action;
}
