/**
 * An index suggestion as the editor offers it: the quick-fix title (with the method behind its figure) and the
 * text of the document the fix opens — the DDL, its rollback and the reasoning as SQL comments. Nothing here
 * runs anything; free of `vscode` so titles and documents are unit-tested on data.
 */
import type { ReasoningSection } from '../../core/report/indexPair';
import { rewriteOf, type IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import { formatBytes, formatCount } from '../../core/text/formatNumbers';
import { figureRange, shortCost } from '../../core/text/shortFigures';

const maxPredicateInTitle = 32;

/** "covering partial index on orders (user_id) INCLUDE (total) WHERE …", without a verb. */
export function indexDescription(s: IndexSuggestion): string {
  const c = s.candidate;
  const kinds: string[] = [];
  if (c.features.includes('covering') || c.include.length > 0) kinds.push('covering');
  if (c.features.includes('partial') || c.predicate) kinds.push('partial');
  if (c.features.includes('expression') || c.keys.some((k) => k.expression)) kinds.push('expression');
  const noun = c.method === 'gin' ? 'GIN index' : 'index';
  const keys = c.keys.map((k) => `${k.column ?? k.expression ?? '?'}${k.descending ? ' DESC' : ''}`).join(', ');
  let text = `${[...kinds, noun].join(' ')} on ${c.table} (${keys})`;
  if (c.include.length > 0) text += ` INCLUDE (${c.include.join(', ')})`;
  if (c.predicate) text += c.predicate.length <= maxPredicateInTitle ? ` WHERE ${c.predicate}` : ' WHERE …';
  return text;
}

/** "measured 412 → 96 ms", "est. cost 285k → 8k", or "estimated only (rules)": always says how it is known. */
export function indexFigure(s: IndexSuggestion): string {
  const m = s.measurement;
  if (m)
    return `measured ${figureRange({ timeMs: m.timeBeforeMs, timedOut: m.beforeTimedOut }, { timeMs: m.timeAfterMs })}`;
  if (s.estimate) return `est. cost ${shortCost(s.estimate.costBefore)} → ${shortCost(s.estimate.costAfter)}`;
  return 'estimated only (rules, not planned)';
}

/** The quick fix's title: "Add covering partial index on orders (user_id) INCLUDE (total) WHERE … — measured 412 → 96 ms". */
export function indexFixTitle(s: IndexSuggestion): string {
  const withRewrite = s.appliesTo.kind === 'rewrite' ? ' (with the rewrite)' : '';
  return `Add ${indexDescription(s)} — ${indexFigure(s)}${withRewrite}`;
}

/** Where the DDL goes: a new untitled editor (rollback commented out) or a migration file (up/down sections). */
export type DdlDocumentStyle = 'untitled' | 'migration';

/** A short heading and its points, one line each: a list in a hover, `-- - …` lines in the DDL document. */

/**
 * The reasoning in sections: why these columns, the figures (each with its method), what it costs on writes, other
 * statements, warnings. `withFigures: false` leaves the index's own figures out, for a message that shows the
 * figures of the index and its rewrite measured together instead (one baseline). `rewrites` (the statement's)
 * name the rewrite the figures need.
 */
export function indexReasoningSections(
  s: IndexSuggestion,
  rewrites: readonly Rewrite[] = [],
  withFigures = true,
): ReasoningSection[] {
  const why: string[] = [`Columns: ${s.columnOrderReason.replace(/\s+/g, ' ').trim()}`];
  const serves = s.candidate.serves.map((c) => `${c.text} (${c.kind})`);
  if (serves.length > 0) why.push(`Serves: ${serves.join(', ')}`);
  if (s.appliesTo.kind === 'rewrite')
    why.push(
      `Figures are for the statement rewritten as: ${rewriteOf(s.appliesTo, rewrites)?.title ?? s.appliesTo.rewrite}`,
    );
  const sections: ReasoningSection[] = [{ heading: 'Why', items: why }];
  if (withFigures) sections.push({ heading: 'Figures', items: indexFigures(s) });
  const costs = writeCosts(s);
  if (costs.length > 0) sections.push({ heading: 'Cost on writes', items: costs });
  const others = s.siblings.map((sib) => {
    const slower = sib.costAfter > sib.costBefore * 1.01;
    return `${slower ? 'GETS SLOWER: ' : ''}${oneLine(sib.sql, 60)} — est. cost ${shortCost(sib.costBefore)} → ${shortCost(sib.costAfter)}`;
  });
  if (others.length > 0) sections.push({ heading: 'Other statements', items: others });
  if (s.warnings.length > 0) sections.push({ heading: 'Warnings', items: s.warnings.map((w) => `Warning: ${w}`) });
  return sections;
}

/** The index's figures, each saying how it is known. */
function indexFigures(s: IndexSuggestion): string[] {
  const lines: string[] = [];
  const m = s.measurement;
  if (m) {
    lines.push(
      `Measured on ${m.where}: ${figureRange({ timeMs: m.timeBeforeMs, timedOut: m.beforeTimedOut }, { timeMs: m.timeAfterMs })}${m.beforeTimedOut ? ' (without it the statement did not finish within the statement_timeout)' : ''}${m.usedInPlan ? '' : ', not used by the plan'} (median of ${m.samplesAfterMs.length}, real index built in a rolled-back transaction)`,
      `Size ${formatBytes(m.sizeBytes)}, built in ${Math.round(m.buildMs)} ms`,
    );
    if (m.buffersBefore !== undefined && m.buffersAfter !== undefined)
      lines.push(`Pages read (shared buffers): ${formatCount(m.buffersBefore)} → ${formatCount(m.buffersAfter)}`);
  }
  const e = s.estimate;
  if (e) {
    const how = e.method === 'hypopg' ? 'HypoPG hypothetical index' : 'planner with the real index, rolled back';
    lines.push(
      `Estimated (${how}): cost ${shortCost(e.costBefore)} → ${shortCost(e.costAfter)}${e.usedInPlan ? '' : ', not used in the estimated plan'}`,
    );
    if (e.estimatedSizeBytes !== undefined && !m)
      lines.push(`Estimated size: ${formatBytes(e.estimatedSizeBytes)} (HypoPG sizes run 2–3× too large)`);
  }
  if (!m) lines.push('Estimated only: nothing was built or timed on this connection');
  return lines;
}

function writeCosts(s: IndexSuggestion): string[] {
  const w = s.writeOverhead;
  if (!w) return [];
  const rates = [
    w.inserts !== undefined ? `${formatCount(w.inserts)} inserts` : '',
    w.updates !== undefined ? `${formatCount(w.updates)} updates` : '',
    w.deletes !== undefined ? `${formatCount(w.deletes)} deletes` : '',
  ].filter((x) => x);
  const sizes = [
    w.indexSizeBytes !== undefined ? `index ${formatBytes(w.indexSizeBytes)}` : '',
    w.tableBytes !== undefined ? `table ${formatBytes(w.tableBytes)}` : '',
  ].filter((x) => x);
  const out: string[] = [];
  if (sizes.length > 0) out.push(`${w.table}: ${sizes.join(', ')}`);
  if (rates.length > 0) out.push(`${rates.join(', ')} since the statistics were reset; each also writes this index`);
  return out;
}

/** The sections' points as flat lines, for one-line uses. */
export function indexReasoning(s: IndexSuggestion, rewrites: readonly Rewrite[] = []): string[] {
  return indexReasoningSections(s, rewrites).flatMap((section) => section.items);
}

/** The statement quoted in a document header, at most 12 lines. */
function quoted(statement: string): string[] {
  const lines = statement.split('\n');
  return [...lines.slice(0, 12).map((line) => `--   ${line}`), ...(lines.length > 12 ? ['--   …'] : [])];
}

/** Sections as `-- Heading:` and `-- - point` lines, long points wrapped under their text. */
function commentSections(sections: ReasoningSection[]): string[] {
  const out: string[] = [];
  for (const section of sections) {
    out.push('--', `-- ${section.heading}:`);
    for (const item of section.items) out.push(...wrapComment(item));
  }
  return out;
}

/**
 * The document the fix opens. `statement` is the statement the index is for, quoted in the header. Every line but
 * the DDL is a `--` comment (short sections of `- ` points), so running the whole editor runs only the DDL; in the
 * untitled style the rollback is commented out too; the migration style has up/down sections in the dbmate form
 * (CONCURRENTLY cannot run in a transaction).
 */
export function indexDdlDocument(
  s: IndexSuggestion,
  statement: string,
  style: DdlDocumentStyle,
  rewrites: readonly Rewrite[] = [],
): string {
  const out: string[] = [];
  if (style === 'migration') out.push('-- migrate:up transaction:false');
  out.push(`-- Suggested ${indexFixTitle(s).replace(/^Add /, '')}`);
  out.push('-- Nothing has been run. Review it, then run it yourself.');
  out.push('--', '-- For the statement:', ...quoted(statement));
  out.push(...commentSections(indexReasoningSections(s, rewrites)));
  out.push('', s.createSql, '');
  if (style === 'migration') {
    out.push('-- migrate:down transaction:false', s.rollbackSql, '');
  } else {
    out.push('-- Rollback (run to undo):', `-- ${s.rollbackSql}`, '');
  }
  return out.join('\n');
}

/**
 * What the pair's document says of its rewrite: the fix put it in place, it is to be applied by hand, or (measured
 * together) it adds nothing once the index exists, so the statement stays as written.
 */
export type PairRewriteNote = 'applied' | 'by-hand' | 'not-needed';

const pairRewriteLines: Record<PairRewriteNote, string> = {
  applied: '-- The quick fix rewrote the statement as (the index gains only with it):',
  'by-hand': '-- Rewrite the statement by hand as (the index gains only with it):',
  'not-needed':
    '-- Measured together, this rewrite adds nothing once the index exists, so the statement stays as written:',
};

/**
 * The document of indexes that gain only with a rewrite: the pair. The rewritten statement is quoted (the fix puts
 * it in place when it can, else this says to apply it by hand), then the figures of both measured together, then
 * the indexes' DDL; as in indexDdlDocument, only the DDL runs.
 */
export function pairDdlDocument(
  rewrite: Rewrite,
  indexes: IndexSuggestion[],
  figures: ReasoningSection,
  style: DdlDocumentStyle,
  rewriteNote: PairRewriteNote,
): string {
  const out: string[] = [];
  if (style === 'migration') out.push('-- migrate:up transaction:false');
  out.push(`-- Suggested: ${rewrite.title}, with ${indexes.map((s) => s.candidate.name).join(' + ')}`);
  out.push('-- Nothing has been run. Review it, then run it yourself.');
  out.push('--', pairRewriteLines[rewriteNote], ...quoted(rewrite.rewrittenSql));
  const sections: ReasoningSection[] = [
    figures,
    { heading: 'Same rows', items: [rewrite.verificationReason, ...rewrite.caveats] },
  ];
  for (const s of indexes)
    for (const x of indexReasoningSections(s, [rewrite], false))
      sections.push({ heading: `${s.candidate.name}, ${x.heading.toLowerCase()}`, items: x.items });
  out.push(...commentSections(sections));
  out.push('', ...indexes.map((s) => s.createSql), '');
  if (style === 'migration') {
    out.push('-- migrate:down transaction:false', ...indexes.map((s) => s.rollbackSql), '');
  } else {
    out.push('-- Rollback (run to undo):', ...indexes.map((s) => `-- ${s.rollbackSql}`), '');
  }
  return out.join('\n');
}

/** `20240102030405_add_orders_user_id_idx.sql` for a migration folder, from the index name and the time. */
export function migrationFileName(indexName: string, now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const name = indexName.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return `${stamp}_add_${name}.sql`;
}

function oneLine(sql: string, max: number): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A point as a `-- - ` line, wrapped at ~110 characters with its continuation lines indented under its text. */
function wrapComment(text: string, width = 110): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? `-- - ${l}` : `--   ${l}`));
}
