/**
 * Hover on one of our diagnostics: the insight's explanation, its evidence numbers, and a link to the plan node
 * (after an explain) or to explain the statement (for a static finding).
 */
import * as vscode from 'vscode';
import type { Evidence } from '../../core/insights/insight';
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
      md.appendMarkdown(`${escapeMarkdown(insight.explanation)}\n\n`);
      if (insight.suggestion) md.appendMarkdown(`*Suggestion:* ${escapeMarkdown(insight.suggestion)}\n\n`);
      if (insight.evidence.length > 0)
        md.appendMarkdown(insight.evidence.map((ev) => `- ${escapeMarkdown(formatEvidence(ev))}`).join('\n') + '\n\n');
      if (e.nodeId !== undefined && PlanPanel.current) {
        md.appendMarkdown(`[$(type-hierarchy) Show in plan](${commandLink('pgTuner.showInPlan', e.nodeId)})`);
      } else if (insight.ruleId !== 'syntax-error') {
        // A statement that does not parse cannot be explained: no link that could only fail.
        md.appendMarkdown(
          `[$(play) Explain and Optimize this statement](${commandLink('pgTuner.explainStatementAt', document.uri.toString(), e.statement.start)})`,
        );
      }
    }
    return new vscode.Hover(md, entries[0].diagnostic.range);
  }
}

function formatEvidence(ev: Evidence): string {
  const value =
    typeof ev.value === 'number' ? ev.value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : ev.value;
  return `${ev.label}: ${value}${ev.unit ? ` ${ev.unit}` : ''}`;
}

/** Text as Markdown that shows it literally (MarkdownString.appendText turns spaces into &nbsp;, so lines break mid-word). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}
