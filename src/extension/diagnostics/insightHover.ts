/**
 * Hover on one of our diagnostics: the insight's explanation, its evidence numbers, and a link to the plan node
 * (after an explain) or to explain the statement (for a static finding).
 */
import * as vscode from 'vscode';
import { syntaxErrorRule } from '../../core/insights/ruleIds';
import { insightMarkdown } from './insightMarkdown';
import { commandLink, trustedCommands } from '../commandCalls';
import { PlanPanel } from '../panel/planPanel';
import type { TunerDiagnostics } from './tunerDiagnostics';

export class InsightHoverProvider implements vscode.HoverProvider {
  constructor(private readonly diagnostics: TunerDiagnostics) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const entries = this.diagnostics.entriesAt(document.uri, position);
    if (entries.length === 0) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = trustedCommands('pgTuner.showInPlan', 'pgTuner.explainStatementAt');
    for (const [i, e] of entries.entries()) {
      if (i > 0) md.appendMarkdown('\n\n---\n\n');
      const { insight } = e;
      // The title is the diagnostic's message, which VS Code already shows above: start with the why.
      md.appendMarkdown(`${insightMarkdown(insight)}\n\n`);
      if (e.nodeId !== undefined && PlanPanel.current) {
        md.appendMarkdown(`[$(type-hierarchy) Show in plan](${commandLink('pgTuner.showInPlan', e.nodeId)})`);
      } else if (insight.ruleId !== syntaxErrorRule) {
        // A statement that does not parse cannot be explained: no link that could only fail.
        md.appendMarkdown(
          `[$(play) Explain and Optimize this statement](${commandLink('pgTuner.explainStatementAt', document.uri.toString(), e.statement.start)})`,
        );
      }
    }
    return new vscode.Hover(md, entries[0].diagnostic.range);
  }
}
