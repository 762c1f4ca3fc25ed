/**
 * The matched nodes of a comparison as rows (before label, after label, match, rows, self time): one table
 * for the terminal (aligned text) and the Markdown report.
 */
import { formatCost, formatCount, formatMs } from '../text/formatNumbers';
import type { Delta, PlanComparison } from './planComparison';
import { markdownText } from '../text/markdownText';
import { summariseComparison } from './summariseComparison';

export interface ComparisonRow {
  before: string;
  after: string;
  match: string;
  rows: string;
  self: string;
}

/** Levels indented before the indentation stops growing (a 10,000-level plan would indent 20,000 columns). */
const MAX_INDENT_DEPTH = 40;
/** Columns are padded up to this width; a longer cell overruns its own row only (see planTreeTable.ts). */
const MAX_PADDED_WIDTH = 120;

function indentOf(depth: number): string {
  if (depth <= MAX_INDENT_DEPTH) return '  '.repeat(depth);
  return `${'  '.repeat(MAX_INDENT_DEPTH)}…(+${depth - MAX_INDENT_DEPTH}) `;
}

function arrow(d: Delta, format: (n: number) => string): string {
  return d.before === d.after ? format(d.after) : `${format(d.before)} → ${format(d.after)}`;
}

/** Rows in the before plan's order (indented by depth), then nodes found only after. */
export function comparisonRows(
  c: PlanComparison,
  depthBefore: (id: number) => number,
  depthAfter: (id: number) => number,
): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const byBefore = new Map(c.matches.map((m) => [m.beforeId, m]));
  const ids = [...new Set([...c.matches.map((m) => m.beforeId), ...c.unmatchedBefore])].sort((a, b) => a - b);
  for (const id of ids) {
    const m = byBefore.get(id);
    const indent = indentOf(depthBefore(id));
    if (!m) {
      rows.push({
        before: `${indent}${c.unmatchedBeforeLabels[id]}`,
        after: '—',
        match: 'only before',
        rows: '',
        self: '',
      });
      continue;
    }
    rows.push({
      before: `${indent}${m.beforeLabel}`,
      after: `${indentOf(depthAfter(m.afterId))}${m.afterLabel}`,
      match: m.confidence,
      rows: arrow(m.rows, formatCount),
      self: c.analyzed ? arrow(m.selfTimeMs, formatMs) : `cost ${arrow(m.selfCost, formatCost)}`,
    });
  }
  for (const id of c.unmatchedAfter) {
    rows.push({
      before: '—',
      after: `${indentOf(depthAfter(id))}${c.unmatchedAfterLabels[id]}`,
      match: 'only after',
      rows: '',
      self: '',
    });
  }
  return rows;
}

const HEADER: ComparisonRow = { before: 'Before', after: 'After', match: 'Match', rows: 'Rows', self: 'Self time' };

export function comparisonText(c: PlanComparison, rows: ComparisonRow[]): string {
  const all = [{ ...HEADER, self: c.analyzed ? HEADER.self : 'Self cost' }, ...rows];
  const keys: Array<keyof ComparisonRow> = ['before', 'after', 'match', 'rows', 'self'];
  // A loop, not Math.max(...rows): spreading 200,000 rows as arguments overflows the stack.
  const widths = keys.map(() => 0);
  for (const r of all)
    keys.forEach((k, i) => (widths[i] = Math.min(MAX_PADDED_WIDTH, Math.max(widths[i], r[k].length))));
  const line = (r: ComparisonRow): string =>
    keys
      .map((k, i) => r[k].padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const summary = summariseComparison(c).map((l) => `• ${l}`);
  const lines = [...summary, '', line(all[0]), widths.map((w) => '─'.repeat(w)).join('  ')];
  for (const r of rows) lines.push(line(r));
  return lines.join('\n');
}

export function comparisonMarkdown(c: PlanComparison, rows: ComparisonRow[], title = 'Plan comparison'): string {
  // Names from the plans are text, never Markdown or HTML; the depth indent as no-break spaces, which Markdown keeps.
  const cell = (s: string): string => {
    const indent = /^ */.exec(s)?.[0].length ?? 0;
    return '\u00a0'.repeat(indent) + markdownText(s.slice(indent));
  };
  const summary = summariseComparison(c)
    .map((l) => `- ${markdownText(l)}`)
    .join('\n');
  const head = `| Before | After | Match | Rows | ${c.analyzed ? 'Self time' : 'Self cost'} |\n|---|---|---|--:|--:|`;
  const body = rows
    .map((r) => `| ${cell(r.before)} | ${cell(r.after)} | ${r.match} | ${cell(r.rows)} | ${cell(r.self)} |`)
    .join('\n');
  return `## ${markdownText(title)}\n\n${summary}\n\n${head}\n${body}\n`;
}
