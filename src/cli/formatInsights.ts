/**
 * Insights for the terminal, grouped by severity (critical first), each with its evidence and suggestion.
 */
import type { Insight, Severity } from '../core/insights/insight';
import type { Plan } from '../core/plan/planNode';
import { formatEvidence } from '../core/insights/formatEvidence';
import { treeNodeLabel } from '../core/report/planTreeTable';
import { capText } from '../core/text/displayName';
import type { Colours } from './colours';

const order: Severity[] = ['critical', 'warning', 'info'];
const headings: Record<Severity, string> = { critical: 'Critical', warning: 'Warnings', info: 'Info' };

/** Terminal width for prose; long explanations wrap at word boundaries instead of at the screen edge. */
const WIDTH = 100;

function indent(text: string, prefix: string, width = WIDTH): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      // Colour codes are zero-width on screen; only the visible length counts.
      const visible = (line + ' ' + word).replace(/\u001b\[\d+m/g, '');
      if (line && prefix.length + visible.length > width) {
        out.push(prefix + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(line ? prefix + line : '');
  }
  return out.join('\n');
}

function paint(severity: Severity, colours: Colours): (text: string) => string {
  return severity === 'critical' ? colours.red : severity === 'warning' ? colours.yellow : colours.cyan;
}

function formatOne(insight: Insight, plan: Plan, colours: Colours): string {
  // Insight texts quote names from the plan, which can be megabytes long: shown capped (capText).
  const lines = [
    `${paint(insight.severity, colours)('●')} ${colours.bold(capText(insight.title))} ${colours.dim(`[${insight.ruleId}]`)}`,
  ];
  const nodes = insight.nodeIds.map((id) => plan.nodes[id]).filter((n) => n !== undefined);
  if (nodes.length > 0) lines.push(indent(colours.dim(`at ${nodes.map(treeNodeLabel).join(', ')}`), '  '));
  lines.push(indent(capText(insight.explanation.trim()), '  '));
  if (insight.evidence.length > 0)
    lines.push(indent(`Evidence: ${capText(insight.evidence.map(formatEvidence).join('; '))}`, '  '));
  if (insight.suggestion) lines.push(indent(`→ ${capText(insight.suggestion.trim())}`, '  ').replace(/^ {2}→/, '  →'));
  return lines.join('\n');
}

export function formatInsights(insights: Insight[], plan: Plan, colours: Colours): string {
  if (insights.length === 0) return colours.green('No findings.');
  const parts: string[] = [];
  for (const severity of order) {
    const group = insights.filter((i) => i.severity === severity);
    if (group.length === 0) continue;
    parts.push(colours.bold(paint(severity, colours)(`${headings[severity]} (${group.length})`)));
    for (const insight of group) parts.push(formatOne(insight, plan, colours));
  }
  return parts.join('\n\n');
}
