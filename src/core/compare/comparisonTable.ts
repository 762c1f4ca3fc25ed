/**
 * The matched nodes of a comparison as rows (before label, after label, match, rows, self time): one table
 * for the terminal (aligned text) and the Markdown report.
 */
import { formatCost, formatCount, formatMs } from '../report/formatNumbers';
import type { Delta, PlanComparison } from './planComparison';
import { summariseComparison } from './summariseComparison';

export interface ComparisonRow {
  before: string;
  after: string;
  match: string;
  rows: string;
  self: string;
}

function arrow(d: Delta, format: (n: number) => string): string {
  return d.before === d.after ? format(d.after) : `${format(d.before)} → ${format(d.after)}`;
}

/** Rows in the before plan's order (indented by depth), then nodes found only after. */
export function comparisonRows(c: PlanComparison, depthBefore: (id: number) => number, depthAfter: (id: number) => number): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const byBefore = new Map(c.matches.map((m) => [m.beforeId, m]));
  const ids = [...new Set([...c.matches.map((m) => m.beforeId), ...c.unmatchedBefore])].sort((a, b) => a - b);
  for (const id of ids) {
    const m = byBefore.get(id);
    const indent = '  '.repeat(depthBefore(id));
    if (!m) {
      rows.push({ before: `${indent}${c.unmatchedBeforeLabels[id]}`, after: '—', match: 'only before', rows: '', self: '' });
      continue;
    }
    rows.push({
      before: `${indent}${m.beforeLabel}`,
      after: `${'  '.repeat(depthAfter(m.afterId))}${m.afterLabel}`,
      match: m.confidence,
      rows: arrow(m.rows, formatCount),
      self: c.analyzed ? arrow(m.selfTimeMs, formatMs) : `cost ${arrow(m.selfCost, formatCost)}`,
    });
  }
  for (const id of c.unmatchedAfter) {
    rows.push({ before: '—', after: `${'  '.repeat(depthAfter(id))}${c.unmatchedAfterLabels[id]}`, match: 'only after', rows: '', self: '' });
  }
  return rows;
}

const HEADER: ComparisonRow = { before: 'Before', after: 'After', match: 'Match', rows: 'Rows', self: 'Self time' };

export function comparisonText(c: PlanComparison, rows: ComparisonRow[]): string {
  const all = [{ ...HEADER, self: c.analyzed ? HEADER.self : 'Self cost' }, ...rows];
  const keys: Array<keyof ComparisonRow> = ['before', 'after', 'match', 'rows', 'self'];
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: ComparisonRow): string => keys.map((k, i) => r[k].padEnd(widths[i])).join('  ').trimEnd();
  const summary = summariseComparison(c).map((l) => `• ${l}`);
  return [...summary, '', line(all[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function comparisonMarkdown(c: PlanComparison, rows: ComparisonRow[], title = 'Plan comparison'): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/^( +)/, (sp) => '\u00a0'.repeat(sp.length));
  const summary = summariseComparison(c).map((l) => `- ${l}`).join('\n');
  const head = `| Before | After | Match | Rows | ${c.analyzed ? 'Self time' : 'Self cost'} |\n|---|---|---|--:|--:|`;
  const body = rows.map((r) => `| ${cell(r.before)} | ${cell(r.after)} | ${r.match} | ${cell(r.rows)} | ${cell(r.self)} |`).join('\n');
  return `## ${title}\n\n${summary}\n\n${head}\n${body}\n`;
}
