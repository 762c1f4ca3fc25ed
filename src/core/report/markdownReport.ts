/**
 * A Markdown report of one Explain and Optimize result, in the form a user pastes into a pull request or an
 * issue: the query, where it ran, a plan summary, hotspots, insights with their evidence, an optional
 * before/after table, and the plan tree folded away in <details>.
 */
import type { Insight, Severity } from '../insights/insight';
import type { Plan, PlanNode } from '../plan/planNode';
import type { TuningResult } from '../pipeline/tuningResult';
import type { SafetyWrapper } from '../db/session';
import {
  formatCount,
  formatCost,
  formatMs,
  formatRatio,
  formatShare,
  formatBytes,
  blocksToBytes,
  shortServerVersion,
} from '../text/formatNumbers';
import { formatEvidence } from '../insights/formatEvidence';
import { planTreeText, treeNodeLabel } from './planTreeTable';
import { comparePlans } from '../compare/comparePlans';
import { summariseComparison } from '../compare/summariseComparison';
import type { Rewrite } from '../advice/rewriteSuggestion';
import { renderRewriteMarkdown } from './rewriteReport';
import type { IndexAdvice } from '../advice/indexSuggestion';
import { renderIndexAdviceMarkdown } from './indexAdviceReport';
import type { PreAggregateOutcome } from '../pipeline/preAggregateStep';
import { renderPreAggregateMarkdown } from './preAggregateReport';
import {
  markdownCode,
  markdownInline,
  markdownInlineWithCode,
  markdownLines,
  markdownText,
} from '../text/markdownText';
import { capText } from '../text/displayName';

export interface MarkdownReportOptions {
  title?: string;
  /** A before/after comparison, e.g. the original query against the rewrite or with a hypothetical index. */
  comparison?: { before: TuningResult; after: TuningResult; label: string };
  /** The rewrite advisor's proposals, with their equivalence check and measured figures. */
  rewrites?: Rewrite[];
  /** The index advisor's suggestions, each with its DDL, reasoning, figures (and their method) and rollback. */
  indexAdvice?: IndexAdvice;
  /** Pre-aggregation (a summary kept beside the tables): the offer, or why it was not tried or not offered. */
  preAggregate?: PreAggregateOutcome;
}

/** How many hotspots the report lists; the tree in <details> has every node. */
const HOTSPOT_ROWS = 5;

const wrapperText: Record<SafetyWrapper, string> = {
  'read-only-transaction': 'read-only transaction',
  'rolled-back-transaction': 'transaction rolled back after the run',
  'plan-only': 'plan only (statement not executed)',
};

const severityHeading: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };
const severities: Severity[] = ['critical', 'warning', 'info'];

/** A table cell: text from plans and databases is shown as text (markdownText: no HTML, no Markdown, one line). */
function cell(text: string): string {
  return markdownInline(text);
}

function table(header: string[], rows: string[][], rightAligned: boolean[] = []): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (rightAligned[i] ? '---:' : '---'));
  return [line(header.map(cell)), line(align), ...rows.map((r) => line(r.map(cell)))].join('\n');
}

/** A fence longer than any backtick run inside the text, so SQL or plans with ``` cannot end the block. */
function fence(text: string, info: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${info}\n${text.replace(/\s+$/, '')}\n${ticks}`;
}

function querySection(result: TuningResult): string {
  if (!result.sql.trim()) return '## Query\n\n_The plan came without its SQL text._';
  return `## Query\n\n${fence(result.sql, 'sql')}`;
}

function whereSection(result: TuningResult): string {
  const rows: string[][] = [];
  const run = result.run;
  if (run) {
    const embedded = run.sessionKind === 'embedded';
    rows.push([
      'Connection',
      embedded && run.sessionLabel === 'embedded'
        ? 'embedded PostgreSQL (PGlite)'
        : `${run.sessionLabel}${embedded ? ' (embedded PostgreSQL, PGlite)' : ''}`,
    ]);
    rows.push(['Server', shortServerVersion(run.serverVersion)]);
    rows.push(['Safety', wrapperText[run.wrapper]]);
    rows.push([
      'Mode',
      run.analyzed ? 'EXPLAIN ANALYZE (the statement ran)' : 'estimate only (EXPLAIN without ANALYZE)',
    ]);
    rows.push(['Round trip', formatMs(run.roundTripMs)]);
  } else {
    rows.push(['Source', `saved plan (${result.plan.format === 'json' ? 'JSON' : 'text'}), not run by the tool`]);
    rows.push(['Mode', result.plan.analyzed ? 'EXPLAIN ANALYZE' : 'estimate only (EXPLAIN without ANALYZE)']);
  }
  let text = `## Where it ran\n\n${table(['', ''], rows)}`;
  if (run?.sessionKind === 'embedded') {
    text +=
      '\n\n> Timings from the embedded database (PostgreSQL in WebAssembly) are not production timings; run against your server for real figures.';
  }
  if (run?.dataNote) text += `\n\n> **Data:** ${markdownText(run.dataNote)}`;
  return text;
}

function summaryRows(plan: Plan): Array<[string, string]> {
  const b = plan.totals.buffers;
  const hit = b.sharedHit + b.localHit;
  const read = b.sharedRead + b.localRead;
  return [
    ['Execution time', plan.analyzed ? formatMs(plan.totals.timeMs) : 'not run (estimate only)'],
    ['Planning time', plan.planningTimeMs !== undefined ? formatMs(plan.planningTimeMs) : '–'],
    ['Total cost', formatCost(plan.totals.cost)],
    ['Rows scanned', plan.analyzed ? formatCount(plan.totals.rowsScanned) : '–'],
    ['Buffers hit', `${formatCount(hit)} (${formatBytes(blocksToBytes(hit))})`],
    ['Buffers read', `${formatCount(read)} (${formatBytes(blocksToBytes(read))})`],
    ['Temp blocks read / written', `${formatCount(b.tempRead)} / ${formatCount(b.tempWritten)}`],
    ['Plan nodes', formatCount(plan.nodes.length)],
  ];
}

function summarySection(plan: Plan): string {
  const rows: string[][] = summaryRows(plan);
  if (plan.jit) rows.push(['JIT', `${formatMs(plan.jit.totalMs)} (${plan.jit.functions} functions)`]);
  for (const t of plan.triggers)
    rows.push([`Trigger ${t.name}`, `${formatMs(t.timeMs)} (${formatCount(t.calls)} calls)`]);
  return `## Plan summary\n\n${table(['Metric', 'Value'], rows, [false, true])}`;
}

/** Figures not as PostgreSQL writes them, said before anything is read from them; none, no section. */
function warningsSection(plan: Plan): string[] {
  const warnings = plan.warnings ?? [];
  if (warnings.length === 0) return [];
  return [`## Plan warnings\n\n${warnings.map((w) => `- ${markdownText(w.message)}`).join('\n')}`];
}

function hotspotSection(plan: Plan): string {
  const ranked = plan.nodes
    .filter((n): n is PlanNode & { metrics: { hotspotRank: number } } => n.metrics.hotspotRank !== undefined)
    .sort((a, b) => a.metrics.hotspotRank - b.metrics.hotspotRank)
    .slice(0, HOTSPOT_ROWS);
  if (plan.analyzed && ranked.length > 0) {
    const rows = ranked.map((n) => [
      `#${n.metrics.hotspotRank}`,
      treeNodeLabel(n),
      formatMs(n.metrics.exclusiveTimeMs),
      formatShare(n.metrics.timeShare),
      n.metrics.estimatedRowsTotal === undefined ? '–' : formatCount(n.metrics.estimatedRowsTotal),
      formatCount(n.metrics.actualRowsTotal),
    ]);
    return `## Hotspots\n\n${table(['Rank', 'Node', 'Exclusive time', 'Share', 'Rows (est.)', 'Rows (actual)'], rows, [false, false, true, true, true, true])}`;
  }
  // Without timings the planner's cost is the only measure of where the work would go.
  const byCost = [...plan.nodes]
    .sort((a, b) => b.metrics.exclusiveCost - a.metrics.exclusiveCost)
    .slice(0, HOTSPOT_ROWS);
  const rows = byCost.map((n, i) => [
    `#${i + 1}`,
    treeNodeLabel(n),
    formatCost(n.metrics.exclusiveCost),
    formatCount(n.fields['Plan Rows'] ?? 0),
  ]);
  return `## Costliest nodes (estimate only, no timings)\n\n${table(['Rank', 'Node', 'Exclusive cost', 'Rows (est.)'], rows, [false, false, true, true])}`;
}

function evidenceText(insight: Insight): string {
  return insight.evidence.map(formatEvidence).join('; ');
}

function insightBlock(insight: Insight, plan: Plan): string {
  // Titles, explanations and evidence quote names from the plan: escaped as text (markdownText.ts), and
  // capped (capText), since a name can be megabytes long.
  const lines = [`#### ${markdownText(capText(insight.title))}`, '', markdownCode(insight.ruleId)];
  const nodes = insight.nodeIds.map((id) => plan.nodes[id]).filter((n): n is PlanNode => n !== undefined);
  if (nodes.length > 0) lines[2] += ` · ${nodes.map((n) => markdownText(treeNodeLabel(n))).join(', ')}`;
  lines.push('', markdownLines(capText(insight.explanation.trim())));
  if (insight.evidence.length > 0) lines.push('', `**Evidence:** ${markdownInline(capText(evidenceText(insight)))}`);
  if (insight.suggestion) {
    const suggestion = capText(insight.suggestion.trim());
    // Suggestions that carry SQL (CREATE INDEX …, a rewrite) read best as a code block.
    lines.push(
      '',
      /\n/.test(suggestion) || /^(CREATE|DROP|ALTER|SELECT|WITH|SET|VACUUM|ANALYZE)\b/i.test(suggestion)
        ? `**Suggestion:**\n\n${fence(suggestion, /^\s*(CREATE|DROP|ALTER|SELECT|WITH|SET|VACUUM|ANALYZE)\b/i.test(suggestion) ? 'sql' : '')}`
        : // Its `…` parts quote SQL to write: shown as code, not as escaped backticks.
          `**Suggestion:** ${markdownInlineWithCode(suggestion)}`,
    );
  }
  return lines.join('\n');
}

function insightsSection(result: TuningResult): string {
  if (result.insights.length === 0) return '## Insights\n\nNo findings.';
  const parts = ['## Insights'];
  for (const severity of severities) {
    const group = result.insights.filter((i) => i.severity === severity);
    if (group.length === 0) continue;
    parts.push(`### ${severityHeading[severity]} (${group.length})`);
    for (const insight of group) parts.push(insightBlock(insight, result.plan));
  }
  return parts.join('\n\n');
}

/** Rows of the before/after table: figure, before, after, change. */
export function comparisonRows(before: Plan, after: Plan): string[][] {
  const hitRead = (p: Plan): number =>
    p.totals.buffers.sharedHit + p.totals.buffers.sharedRead + p.totals.buffers.localHit + p.totals.buffers.localRead;
  const temp = (p: Plan): number => p.totals.buffers.tempRead + p.totals.buffers.tempWritten;
  const rows: string[][] = [];
  if (before.analyzed && after.analyzed) {
    rows.push([
      'Execution time',
      formatMs(before.totals.timeMs),
      formatMs(after.totals.timeMs),
      formatRatio(before.totals.timeMs, after.totals.timeMs),
    ]);
  }
  rows.push([
    'Total cost',
    formatCost(before.totals.cost),
    formatCost(after.totals.cost),
    formatRatio(before.totals.cost, after.totals.cost),
  ]);
  if (before.analyzed && after.analyzed) {
    rows.push([
      'Buffers (hit + read)',
      formatCount(hitRead(before)),
      formatCount(hitRead(after)),
      formatRatio(hitRead(before), hitRead(after)),
    ]);
    rows.push([
      'Temp blocks',
      formatCount(temp(before)),
      formatCount(temp(after)),
      formatRatio(temp(before), temp(after)),
    ]);
    rows.push([
      'Rows scanned',
      formatCount(before.totals.rowsScanned),
      formatCount(after.totals.rowsScanned),
      formatRatio(before.totals.rowsScanned, after.totals.rowsScanned),
    ]);
  }
  return rows;
}

function comparisonSection(comparison: NonNullable<MarkdownReportOptions['comparison']>): string {
  const rows = comparisonRows(comparison.before.plan, comparison.after.plan);
  // The plan diff's summary (operator, join-order and spill changes) says why the figures moved.
  const diff = summariseComparison(comparePlans(comparison.before.plan, comparison.after.plan))
    .map((line) => `- ${markdownText(line)}`)
    .join('\n');
  return `## Before / after: ${markdownText(comparison.label)}\n\n${diff}\n\n${table(['', 'Before', 'After', 'Change'], rows, [false, true, true, true])}`;
}

function treeSection(plan: Plan): string {
  return `## Plan\n\n<details>\n<summary>Plan tree (${formatCount(plan.nodes.length)} nodes)</summary>\n\n${fence(planTreeText(plan), 'text')}\n\n</details>`;
}

/** Renders the whole report; sections are separated by blank lines and start with `## `. */
export function renderMarkdownReport(result: TuningResult, options: MarkdownReportOptions = {}): string {
  const sections = [
    `# ${markdownText(options.title ?? 'Query tuning report')}`,
    querySection(result),
    whereSection(result),
    summarySection(result.plan),
    ...warningsSection(result.plan),
    hotspotSection(result.plan),
    insightsSection(result),
  ];
  if (options.comparison) sections.push(comparisonSection(options.comparison));
  if (options.rewrites) sections.push(renderRewriteMarkdown(options.rewrites).trimEnd());
  // The query is already at the top of the report: the index section does not repeat it.
  if (options.indexAdvice)
    sections.push(
      renderIndexAdviceMarkdown(options.indexAdvice, { withSql: false, rewrites: options.rewrites }).trimEnd(),
    );
  if (options.preAggregate) sections.push(renderPreAggregateMarkdown(options.preAggregate).trimEnd());
  sections.push(treeSection(result.plan));
  return `${sections.join('\n\n')}\n`;
}
