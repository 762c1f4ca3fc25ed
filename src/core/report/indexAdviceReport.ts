/**
 * Index advice as text: the sentences for each figure (with the method that produced it) shared by the
 * terminal output and the Markdown report, and the Markdown report itself.
 */
import { markdownCode, markdownInline, markdownText } from '../text/markdownText';
import {
  rewriteOf,
  type AppliesTo,
  type IndexAdvice,
  type IndexSuggestion,
  type ScreeningSummary,
} from '../advice/indexSuggestion';
import type { Rewrite } from '../advice/rewriteSuggestion';
import type { Plan } from '../plan/planNode';
import { nodeLabel } from '../plan/planNode';
import { formatBytes, formatCost, formatCount, formatMs, formatRatio } from '../text/formatNumbers';

/** "estimated by HypoPG: cost 285,000.00 → 8,000.00 (35.6× lower), the plan uses it, HypoPG's size 12.0 MB". */
export function describeEstimate(s: IndexSuggestion): string | undefined {
  const e = s.estimate;
  if (!e) return undefined;
  const by =
    e.method === 'hypopg'
      ? 'estimated with a HypoPG hypothetical index'
      : 'estimated by the planner with the real index (built in a rolled-back transaction)';
  const size =
    e.estimatedSizeBytes !== undefined
      ? `; HypoPG's size estimate ${formatBytes(e.estimatedSizeBytes)} (often 2–3× too large)`
      : '';
  return `${by}: cost ${formatCost(e.costBefore)} → ${formatCost(e.costAfter)} (${formatRatio(e.costBefore, e.costAfter)}), ${e.usedInPlan ? 'the plan uses it' : 'the plan does not use it'}${size}`;
}

/**
 * "31 candidates (9 families) rated by HypoPG (hypothetical indexes, nothing built to rate them); 2 survived; 3
 * built and timed": how many were screened on estimates and how many built, the slow part on a large table.
 */
export function describeScreening(advice: IndexAdvice): string | undefined {
  const s = advice.screening;
  if (!s) return undefined;
  const of =
    s.screened < s.candidates ? `${formatCount(s.screened)} of ${formatCount(s.candidates)}` : formatCount(s.screened);
  const families = `${formatCount(s.families)} famil${s.families === 1 ? 'y' : 'ies'}`;
  const candidates = `${of} candidate${s.candidates === 1 ? '' : 's'} (${families})`;
  const rated =
    s.method === 'hypopg'
      ? `${candidates} rated by HypoPG (hypothetical indexes, nothing built to rate them)`
      : `${candidates} rated by the planner, each built in a rolled-back transaction to be planned`;
  const carried =
    s.carried > 0
      ? `, ${formatCount(s.carried)} more rated highly by the rules though the estimated plan ignored ${s.carried === 1 ? 'it' : 'them'}`
      : '';
  const built =
    advice.measurement.done || s.built > 0 ? `${formatCount(s.built)} built and timed${builtFor(s)}` : 'none built';
  return `${rated}; ${formatCount(s.survivors)} survived${carried}; ${built}`;
}

/**
 * What the builds were for, when not only the ones that survived the screening: smaller forms of the fastest and
 * the other side of a join are built after it, so more can be built than survived.
 */
function builtFor(s: ScreeningSummary): string {
  const { screened, narrower, complement } = s.builtFor;
  if (narrower === 0 && complement === 0) return '';
  const parts = [
    ...(screened > 0 ? [`${formatCount(screened)} from the screening`] : []),
    ...(narrower > 0 ? [`${formatCount(narrower)} smaller form${narrower === 1 ? '' : 's'} of the fastest`] : []),
    ...(complement > 0
      ? [`${formatCount(complement)} for the other side of the join, on top of the chosen index`]
      : []),
  ];
  return ` (${parts.join(', ')})`;
}

/** "measured on embedded (median of 3 runs, index built in a rolled-back transaction): 491 ms → 253 ms …". */
export function describeMeasurement(s: IndexSuggestion): string | undefined {
  const m = s.measurement;
  if (!m) return undefined;
  return (
    `measured on ${m.where} (EXPLAIN ANALYZE, median of ${m.samplesAfterMs.length} runs, real index built in a rolled-back transaction): ` +
    `${m.beforeTimedOut ? '≥ ' : ''}${formatMs(m.timeBeforeMs)} → ${formatMs(m.timeAfterMs)} (${m.beforeTimedOut ? 'at least ' : ''}${formatRatio(m.timeBeforeMs, m.timeAfterMs)}); real size ${formatBytes(m.sizeBytes)}, built in ${formatMs(m.buildMs)}` +
    `${m.usedInPlan ? '' : '; the plan did not use it'}`
  );
}

/** The index's size and the table's write rate: what the index costs on every write. */
export function describeWriteOverhead(s: IndexSuggestion): string | undefined {
  const w = s.writeOverhead;
  if (!w) return undefined;
  const parts: string[] = [];
  if (w.indexSizeBytes !== undefined)
    parts.push(`index ${formatBytes(w.indexSizeBytes)} (${s.measurement ? 'measured' : 'estimated'})`);
  if (w.tableBytes !== undefined) parts.push(`table ${w.table} ${formatBytes(w.tableBytes)}`);
  if (w.inserts !== undefined || w.updates !== undefined || w.deletes !== undefined) {
    parts.push(
      `${formatCount(w.inserts ?? 0)} inserts, ${formatCount(w.updates ?? 0)} updates, ${formatCount(w.deletes ?? 0)} deletes since the statistics were reset, each of which will also write this index`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** One line for a plan: its cost and time, and how each table is read ("Seq Scan on orders o"). */
export function planSummary(plan: Plan | undefined): string {
  if (!plan) return '–';
  const scans = plan.nodes
    .filter((n) => n.fields['Relation Name'] !== undefined || n.fields['Index Name'] !== undefined)
    .map(nodeLabel);
  const figures = [`cost ${formatCost(plan.totals.cost)}`];
  if (plan.analyzed) figures.push(formatMs(plan.executionTimeMs ?? plan.totals.timeMs));
  return `${figures.join(', ')}: ${[...new Set(scans)].join('; ') || nodeLabel(plan.root)}`;
}

/**
 * "the statement as written" or `the rewrite "Aggregate orders first" …`: the rewrite is found by its ref among
 * `rewrites` for its title; without them (or not among them) the ref itself is named.
 */
export function describeAppliesTo(appliesTo: AppliesTo, rewrites: readonly Rewrite[] = []): string {
  if (appliesTo.kind === 'as-written') return 'the statement as written';
  const name = rewriteOf(appliesTo, rewrites)?.title ?? appliesTo.rewrite;
  return `the rewrite "${name}" (apply it together with the index)`;
}

/**
 * The "Best" lines of the advice, labelled: the kept indexes with the form they apply to, their estimated and
 * measured figures; when the rewrite alone was measured faster than them, that rewrite first, and the indexes
 * labelled as what to do where the statement cannot change. Shared by the terminal and the report.
 */
export function bestLines(
  advice: IndexAdvice,
  rewrites: readonly Rewrite[] = [],
): { label: 'Best' | 'Where the statement cannot change'; text: string }[] {
  const b = advice.best;
  if (!b) return [];
  const measured = b.timeBeforeMs !== undefined && b.timeAfterMs !== undefined;
  const before = measured ? `${b.beforeTimedOut ? '≥ ' : ''}${formatMs(b.timeBeforeMs ?? 0)}` : '';
  const ratio = (after: number): string =>
    `${b.beforeTimedOut ? 'at least ' : ''}${formatRatio(b.timeBeforeMs ?? 0, after)}`;
  const onSample = advice.sampleCopy ? ' on the sample copy' : '';
  const time = measured
    ? `, measured ${before} → ${formatMs(b.timeAfterMs ?? 0)} (${ratio(b.timeAfterMs ?? 0)})${onSample}`
    : '';
  const how = b.estimateMethod ? ` (${b.estimateMethod})` : '';
  const estimate =
    b.costAfter === undefined
      ? `est. cost ${formatCost(b.costBefore)} → not estimated (${b.estimateMethod === 'hypopg' ? 'HypoPG cannot plan with these indexes' : 'the planner could not plan with them'})`
      : `est. cost ${formatCost(b.costBefore)} → ${formatCost(b.costAfter)}${how}`;
  const indexes = `${b.indexNames.join(' + ')} with ${describeAppliesTo(b.appliesTo, rewrites)}: ${estimate}${time}`;
  const alone = b.rewriteAlone;
  if (!alone) return [{ label: 'Best', text: indexes }];
  const title =
    rewriteOf(alone.appliesTo, rewrites)?.title ?? (alone.appliesTo.kind === 'rewrite' ? alone.appliesTo.rewrite : '');
  const aloneTime = measured
    ? `measured ${before} → ${formatMs(alone.timeMs)} (${ratio(alone.timeMs)})${onSample}`
    : `measured ${formatMs(alone.timeMs)}`;
  return [
    {
      label: 'Best',
      text: `the rewrite "${title}" alone, with no index: ${aloneTime}; faster than the statement as written with the indexes below`,
    },
    { label: 'Where the statement cannot change', text: indexes },
  ];
}

function fence(sql: string): string {
  return ['```sql', sql, '```'].join('\n');
}

/** Table names, index names and the prose quoting them come from the database: shown as text (markdownText.ts). */
function escapeCell(text: string): string {
  return markdownInline(text);
}

function suggestionMarkdown(s: IndexSuggestion, n: number, rewrites: readonly Rewrite[]): string[] {
  const out: string[] = [];
  const label = s.label === 'measured' ? 'measured' : '**estimated only**';
  out.push(`### ${n}. ${markdownCode(s.candidate.name)} on ${markdownText(s.candidate.table)} (${label})`, '');
  out.push(fence(s.createSql), '');
  out.push(`- **Why this column order:** ${markdownInline(s.columnOrderReason)}`);
  out.push(`- **Applies to:** ${markdownInline(describeAppliesTo(s.appliesTo, rewrites))}`);
  const estimate = describeEstimate(s);
  if (estimate) out.push(`- **Estimate:** ${markdownInline(estimate)}`);
  const measured = describeMeasurement(s);
  out.push(
    `- **Measured:** ${measured !== undefined ? markdownInline(measured) : 'not measured here: the figures above are estimates only'}`,
  );
  const overhead = describeWriteOverhead(s);
  if (overhead) out.push(`- **Cost on writes:** ${markdownInline(overhead)}`);
  out.push('', '| | Plan |', '|---|---|');
  out.push(`| Before | ${escapeCell(planSummary(s.planBefore))} |`);
  out.push(`| After | ${escapeCell(planSummary(s.planAfter))} |`, '');
  if (s.siblings.length > 0) {
    out.push('| Other statement on the table | Cost before | Cost after | Method |', '|---|---:|---:|---|');
    for (const e of s.siblings) {
      out.push(
        `| ${markdownCode(e.sql.replace(/\s+/g, ' ').trim().slice(0, 80))} | ${formatCost(e.costBefore)} | ${formatCost(e.costAfter)} | ${escapeCell(e.method)} |`,
      );
    }
    out.push('');
  }
  if (s.warnings.length > 0) {
    out.push('**Warnings:**', '');
    for (const w of s.warnings) out.push(`- ${markdownText(w)}`);
    out.push('');
  }
  out.push('Rollback:', '', fence(s.rollbackSql), '');
  return out;
}

/**
 * The index advice as a Markdown section (heading level 2), figures labelled with their method. `withSql: false`
 * leaves the statement out, for a report that shows it already; `rewrites` (the statement's) name the rewrite an
 * index goes with.
 */
export function renderIndexAdviceMarkdown(
  advice: IndexAdvice,
  options: { withSql?: boolean; rewrites?: readonly Rewrite[] } = {},
): string {
  const rewrites = options.rewrites ?? [];
  const out: string[] = ['## Index advice', ''];
  if (options.withSql !== false) out.push(fence(advice.sql.trim()), '');
  const hypo = advice.hypopg;
  out.push(
    // Left out when no candidate needed screening: HypoPG was never asked.
    ...(hypo
      ? [
          `- **HypoPG:** ${markdownInline(hypo.available ? `${hypo.version ?? 'installed'}, used to screen candidates` : (hypo.reason ?? 'not available'))}`,
        ]
      : []),
    `- **Measurement:** ${markdownInline(advice.measurement.done ? `candidates were built for real in rolled-back transactions and timed${advice.measurement.reason ? ` (${advice.measurement.reason})` : ''}` : `none${advice.measurement.reason ? ` (${advice.measurement.reason})` : ''}: figures are estimates only`)}`,
    ...(describeScreening(advice) ? [`- **Screening:** ${markdownInline(describeScreening(advice) ?? '')}`] : []),
  );
  for (const line of bestLines(advice, rewrites))
    out.push(`- **${line.label === 'Best' ? 'Best combination' : line.label}:** ${markdownInline(line.text)}`);
  // Built on a sample copy: what was copied, the ratio there, and how it carries to the full tables (an estimate).
  for (const line of advice.sampleCopy ? [advice.sampleCopy.summary, ...advice.sampleCopy.limitations] : [])
    out.push(`- **Sample copy:** ${markdownInline(line)}`);
  out.push('');
  if (advice.suggestions.length === 0) out.push('No index to suggest.', '');
  advice.suggestions.forEach((s, i) => out.push(...suggestionMarkdown(s, i + 1, rewrites)));
  if (advice.covered.length > 0) {
    out.push('### Already covered', '');
    for (const c of advice.covered) out.push(`- ${markdownText(c.note)}`);
    out.push('');
  }
  if (advice.notes.length > 0) {
    out.push('### Notes', '');
    for (const n of advice.notes) out.push(`- ${markdownText(n.message)}`);
    out.push('');
  }
  return out.join('\n');
}
