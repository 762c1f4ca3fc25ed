/**
 * Rewrite advice as text: the before/after figures, the equivalence check and which change gave what, shared by
 * the terminal output and the Markdown report (a section a user pastes into a pull request as it is).
 */
import { markdownCode, markdownInline, markdownLines, markdownText } from '../text/markdownText';
import type {
  CombinationArm,
  EquivalenceFigures,
  Rewrite,
  RewriteCombination,
  RunFigures,
  Verification,
} from '../advice/rewriteSuggestion';
import { fourArms, runsPerArm } from '../advice/rewriteSuggestion';
import { combinationChoice } from '../advice/rewrite/combinationChoice';
import { formatCost, formatCount, formatKb, formatMs, formatRatio, formatSamples } from '../text/formatNumbers';
import { atLeast, ratioBound } from '../text/shortFigures';

const orderText: Record<EquivalenceFigures['order'], string> = {
  same: 'same rows in the same order',
  'ties-only': 'the order differs only among rows that tie on the ORDER BY key (SQL leaves their order open)',
  differs: 'a different order although the ORDER BY key has no ties',
  'boundary-ties':
    'rows tie on the ORDER BY key at the LIMIT boundary: any of the tied rows is a correct answer there, and the rewrite returns rows of the original with that key (which ones may differ from today)',
  'keys-not-output': 'order not checked for ties: the ORDER BY keys are not output columns',
  'too-many-rows': 'order not compared (too many rows to fetch both in order)',
  'no-order': 'no ORDER BY: compared as multisets only',
};

/** The order row's text; ties at the start of an OFFSET page name that boundary instead of the LIMIT one. */
function orderOf(e: EquivalenceFigures): string {
  const tied = e.tiedBoundaries ?? [];
  if (e.order !== 'boundary-ties' || !tied.includes('page-start')) return orderText[e.order];
  const where = tied.includes('page-end') ? 'at both the OFFSET and the LIMIT boundaries' : 'at the OFFSET boundary';
  return `rows tie on the ORDER BY key ${where}: any of the tied rows is a correct answer there, and the rewrite returns rows of the original with that key (which ones may differ from today)`;
}

const verdictText: Record<Verification, string> = {
  equivalent: 'equivalent',
  'not-equivalent': 'NOT equivalent',
  unverified: 'not proven',
  'not-tested-on-data': 'not tested on data',
};

/**
 * Why a rewrite is not advice (issue 12): only a form proven to return the same rows and measured faster beyond
 * noise is offered; any other (not proven, not measured, or no faster: it may be slower) is listed as not offered.
 */
export function notOfferedReason(r: Pick<Rewrite, 'verification' | 'quickFix' | 'measurement'>): string | undefined {
  if (r.verification === 'equivalent' && r.quickFix) return undefined;
  if (r.verification === 'not-equivalent') return 'it does not return the same rows';
  if (r.verification === 'unverified') return 'not proven to return the same rows';
  if (r.verification === 'not-tested-on-data') return 'not tested on data';
  if (!r.measurement) return 'same rows, but not measured, so it may be slower';
  return 'same rows, but not faster beyond noise';
}

/** "equivalent: 0 rows only in the original, 0 only in the rewrite; 100 = 100 rows; same rows in the same order". */
export function describeEquivalence(r: Pick<Rewrite, 'verification' | 'verificationReason' | 'equivalence'>): string {
  const e = r.equivalence;
  if (!e) return `${verdictText[r.verification]}: ${r.verificationReason}`;
  return (
    `${verdictText[r.verification]}: original EXCEPT ALL rewrite ${formatCount(e.onlyInOriginal)} rows, rewrite EXCEPT ALL original ${formatCount(e.onlyInRewrite)} rows; ` +
    `${formatCount(e.originalRows)} ${e.originalRows === e.rewriteRows ? '=' : '≠'} ${formatCount(e.rewriteRows)} rows; ${orderOf(e)}`
  );
}

/** Rows of the equivalence table: check, result. */
export function equivalenceRows(e: EquivalenceFigures): string[][] {
  return [
    ['Rows returned (original / rewrite)', `${formatCount(e.originalRows)} / ${formatCount(e.rewriteRows)}`],
    ['original EXCEPT ALL rewrite', `${formatCount(e.onlyInOriginal)} rows`],
    ['rewrite EXCEPT ALL original', `${formatCount(e.onlyInRewrite)} rows`],
    ['Order', orderOf(e)],
  ];
}

function hitRead(f: RunFigures): string {
  if (f.sharedHit === undefined || f.sharedRead === undefined) return formatCount(f.sharedBuffers);
  return `${formatCount(f.sharedHit)} / ${formatCount(f.sharedRead)}`;
}

function optional(value: number | undefined, format: (n: number) => string): string {
  return value === undefined ? '–' : format(value);
}

function change(before: number | undefined, after: number | undefined): string {
  return before === undefined || after === undefined ? '–' : formatRatio(before, after);
}

/** The figure rows of a before/after table: figure, then one cell per form, then the change first → last. */
export function figureRows(forms: RunFigures[]): string[][] {
  const first = forms[0];
  const last = forms[forms.length - 1];
  const runs = first.samplesMs.length;
  // A run stopped by the statement_timeout: its time is the bound (≥), its other figures unknown.
  const row = (
    name: string,
    cell: (f: RunFigures) => string,
    pick: (f: RunFigures) => number | undefined,
  ): string[] => [
    name,
    ...forms.map((f) => (f.timedOut ? '–' : cell(f))),
    change(first.timedOut ? undefined : pick(first), last.timedOut ? undefined : pick(last)),
  ];
  return [
    [
      `Time (median of ${runs})`,
      ...forms.map((f) => (f.timedOut ? `≥ ${formatMs(f.timeMs)} (statement_timeout)` : formatMs(f.timeMs))),
      `${first.timedOut && !last.timedOut ? 'at least ' : ''}${change(first.timeMs, last.timeMs)}`,
    ],
    row(
      'Runs',
      (f) => formatSamples(f.samplesMs),
      () => undefined,
    ),
    row(
      'Total cost',
      (f) => optional(f.cost, formatCost),
      (f) => f.cost,
    ),
    row('Shared buffers hit / read', hitRead, (f) => f.sharedBuffers),
    row(
      'Rows scanned',
      (f) => formatCount(f.rowsScanned),
      (f) => f.rowsScanned,
    ),
    row(
      'Temp blocks (read + written)',
      (f) => optional(f.tempBlocks, formatCount),
      (f) => f.tempBlocks,
    ),
    row(
      'Peak memory (largest node)',
      (f) => optional(f.peakMemoryKb, formatKb),
      (f) => f.peakMemoryKb,
    ),
    row(
      'Rows returned',
      (f) => formatCount(f.rows),
      (f) => f.rows,
    ),
  ];
}

/** Which change gave what: each arm against the original, and what the second change adds to the first. */
export function describeContributions(c: RewriteCombination): string[] {
  const arms = fourArms(c);
  if (!arms) return [];
  const { original, rewrite, index, both } = arms;
  const t = (a: CombinationArm): string => `${atLeast(a.figures)}${formatMs(a.figures.timeMs)}`;
  const buffers = (a: CombinationArm): string => (a.figures.timedOut ? '–' : formatCount(a.figures.sharedBuffers));
  const line = (what: string, from: CombinationArm, to: CombinationArm): string =>
    `${what}: ${t(from)} → ${t(to)} (${ratioBound(from.figures, to.figures, formatRatio(from.figures.timeMs, to.figures.timeMs))}), shared buffers ${buffers(from)} → ${buffers(to)}`;
  return [
    line('The rewrite alone', original, rewrite),
    line('The index alone', original, index),
    line('Both together', original, both),
    line('The index, once the rewrite is applied', rewrite, both),
    line('The rewrite, once the index exists', index, both),
  ];
}

/**
 * What to apply (combinationChoice), in words: the rewrite alone when the index adds
 * nothing measurable on top of it, the index alone when the rewrite adds nothing once it exists, both when each
 * adds to the other. A joint measurement that says the index does not pay must not read as "add the index".
 */
export function combinationVerdict(c: RewriteCombination): string | undefined {
  const choice = combinationChoice(c);
  switch (choice?.apply) {
    case undefined:
      return undefined;
    case 'both':
      return choice.eachAdds
        ? 'Apply both: each is measured faster with the other than alone.'
        : 'Apply both: the index pays only on top of the rewrite.';
    case 'rewrite':
      return `Apply the rewrite alone: the index adds nothing measurable on top of it${choice.indexPaysAlone ? ' (it pays only where the statement cannot change)' : ''}.`;
    case 'index':
      return 'Apply the index alone: the rewrite adds nothing measurable once it exists.';
    case 'neither':
      return 'Neither change is measured faster beyond noise here.';
  }
}

/** A table cell; table and column names in it come from the statement and the database: shown as text. */
function cell(text: string): string {
  return markdownInline(text);
}

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const align = header.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [line(header), `| ${align.join(' | ')} |`, ...rows.map(line)].join('\n');
}

function fence(text: string, info: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${info}\n${text.replace(/\s+$/, '')}\n${ticks}`;
}

function combinationMarkdown(c: RewriteCombination): string[] {
  const out: string[] = [`#### Rewrite + index, measured on ${markdownText(c.where)}`, ''];
  out.push('The index was built for the measurement inside a transaction that was rolled back; on your server:', '');
  out.push(fence([...c.indexSql, '-- to undo:', ...c.rollbackSql].join('\n'), 'sql'), '');
  const original = c.arms[0];
  const rows = c.arms.map((a) => [
    a.label,
    `${atLeast(a.figures)}${formatMs(a.figures.timeMs)}`,
    a.figures.timedOut ? 'stopped by the statement_timeout' : formatSamples(a.figures.samplesMs),
    ratioBound(original.figures, a.figures, formatRatio(original.figures.timeMs, a.figures.timeMs)),
    // A run stopped by the statement_timeout: nothing but its bound is known.
    ...(a.figures.timedOut
      ? ['–', '–', '–', '–', '–']
      : [
          optional(a.figures.cost, formatCost),
          hitRead(a.figures),
          formatCount(a.figures.rowsScanned),
          optional(a.figures.tempBlocks, formatCount),
          optional(a.figures.peakMemoryKb, formatKb),
        ]),
  ]);
  const runs = runsPerArm(c);
  out.push(
    table(
      [
        'Arm',
        `Time (median of ${runs})`,
        'Runs',
        'vs original',
        'Total cost',
        'Shared hit / read',
        'Rows scanned',
        'Temp blocks',
        'Peak memory',
      ],
      rows,
    ),
    '',
  );
  const contributions = describeContributions(c);
  if (contributions.length > 0) {
    out.push('Which change gave what:', '');
    for (const l of contributions) out.push(`- ${markdownText(l)}`);
    out.push('');
  }
  const verdict = combinationVerdict(c);
  if (verdict) out.push(`**${markdownText(verdict)}**`, '');
  return out;
}

function rewriteMarkdown(r: Rewrite, n: number): string[] {
  // Titles, reasons and findings quote table and column names: text, never Markdown or HTML (markdownText.ts).
  const out: string[] = [`### ${n}. ${markdownText(r.title)}`, ''];
  out.push(
    `**Verdict:** ${verdictText[r.verification]}${r.quickFix ? ' and measured faster beyond noise' : ''}. ${markdownInline(r.verificationReason)}`,
    '',
  );
  const notOffered = notOfferedReason(r);
  if (notOffered) out.push(`**Not offered:** ${notOffered}.`, '');
  out.push(markdownLines(r.explanation.trim()), '');
  out.push(fence(r.rewrittenSql, 'sql'), '');
  if (r.findings?.length) {
    out.push('**Findings about the original:**', '');
    for (const f of r.findings) out.push(`- ${markdownText(f)}`);
    out.push('');
  }
  if (r.caveats.length > 0) {
    out.push('**Caveats:**', '');
    for (const c of r.caveats) out.push(`- ${markdownText(c)}`);
    out.push('');
  }
  if (r.newParameters?.length) {
    out.push('**New parameters:**', '');
    for (const p of r.newParameters) out.push(`- ${markdownCode(`:${p.name}`)}: ${markdownInline(p.description)}`);
    out.push('');
  }
  if (r.equivalence) {
    out.push('#### Equivalence', '', table(['Check', 'Result'], equivalenceRows(r.equivalence), 2), '');
  }
  const m = r.measurement;
  if (m) {
    out.push(`#### Before / after, measured on ${markdownText(m.where)} (EXPLAIN ANALYZE, BUFFERS)`, '');
    out.push(table(['', 'Original', 'Rewrite', 'Change'], figureRows([m.before, m.after])), '');
    out.push(`Faster beyond noise: **${m.faster ? 'yes' : 'no'}** (${m.noiseRule}).`, '');
  } else {
    out.push(
      '_Not measured: ' +
        (r.verification === 'equivalent'
          ? 'the measurement was skipped._'
          : 'only a rewrite proven equivalent is timed._'),
      '',
    );
  }
  if (r.combination) out.push(...combinationMarkdown(r.combination));
  if (r.extraParamsQuery && (r.measurement || r.combination)) {
    // Whoever reads the figures should know which page the rewrite was measured on.
    out.push(
      `The new parameters were bound to the row this query returns (the last row of the previous page), for the proof and for every arm:`,
      '',
    );
    out.push(fence(r.extraParamsQuery, 'sql'), '');
  }
  return out;
}

/** The rewrites as a Markdown section (heading level 2): verdict, SQL, equivalence and figures for each. */
export function renderRewriteMarkdown(rewrites: Rewrite[], sql?: string): string {
  const out: string[] = ['## Rewrites', ''];
  if (sql) out.push(fence(sql.trim(), 'sql'), '');
  if (rewrites.length === 0) out.push('No rewrite applies to this statement.', '');
  rewrites.forEach((r, i) => out.push(...rewriteMarkdown(r, i + 1)));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
