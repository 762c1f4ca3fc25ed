/**
 * A finding as the hover shows it: short structured Markdown — the why in a sentence or two, the points under bold
 * headings as lists, the SQL in code blocks, the evidence as a list — never one long paragraph. Text from plans and
 * databases is escaped (core's markdownText), SQL sits in fences longer than any backtick run it holds. Free of
 * `vscode`, so the text is unit-tested.
 */
import { formatEvidence } from '../../core/insights/formatEvidence';
import type { Insight } from '../../core/insights/insight';
import { markdownInline, markdownLines } from '../../core/text/markdownText';

/** A fenced SQL block that no backtick run inside it can close. */
export function sqlBlock(sql: string): string {
  let longest = 2;
  for (const m of sql.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  return `${fence}sql\n${sql.trim()}\n${fence}`;
}

function list(items: readonly string[]): string {
  return items.map((item) => `- ${markdownInline(item)}`).join('\n');
}

/** The hover's Markdown for one finding (the title is the diagnostic's message, shown above it: not repeated). */
export function insightMarkdown(insight: Insight): string {
  const blocks: string[] = [markdownLines(insight.explanation)];
  if (insight.suggestion) blocks.push(`**Suggestion:** ${markdownInline(insight.suggestion)}`);
  for (const section of insight.details ?? [])
    if (section.items.length > 0) blocks.push(`**${markdownInline(section.heading)}**\n\n${list(section.items)}`);
  for (const code of insight.code ?? []) blocks.push(`**${markdownInline(code.caption)}**\n\n${sqlBlock(code.sql)}`);
  if (insight.evidence.length > 0) blocks.push(list(insight.evidence.map(formatEvidence)));
  return blocks.join('\n\n');
}
