/**
 * An index suggestion as the editor offers it: the quick-fix title (with the method behind its figure) and the
 * text of the document the fix opens — the DDL, its rollback and the reasoning as SQL comments. Nothing here
 * runs anything; free of `vscode` so titles and documents are unit-tested on data.
 */
import { rewriteOf, type IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import { formatBytes, formatCount } from '../../core/text/formatNumbers';
import { msRange, shortCost } from './figures';

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
  if (s.measurement) return `measured ${msRange(s.measurement.timeBeforeMs, s.measurement.timeAfterMs)}`;
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

/**
 * Lines of reasoning, each without the comment marker: why, what it gains and costs, by which method. `rewrites`
 * (the statement's) name the rewrite the figures need.
 */
export function indexReasoning(s: IndexSuggestion, rewrites: readonly Rewrite[] = []): string[] {
  const lines: string[] = [];
  lines.push(`Why these columns: ${s.columnOrderReason.replace(/\s+/g, ' ').trim()}`);
  const serves = s.candidate.serves.map((c) => `${c.text} (${c.kind})`);
  if (serves.length > 0) lines.push(`Serves: ${serves.join(', ')}`);
  if (s.appliesTo.kind === 'rewrite')
    lines.push(
      `Figures are for the statement rewritten as: ${rewriteOf(s.appliesTo, rewrites)?.title ?? s.appliesTo.rewrite}`,
    );
  const m = s.measurement;
  if (m) {
    lines.push(
      `Measured on ${m.where} (median of ${m.samplesAfterMs.length}, real index built in a rolled-back transaction): ${msRange(m.timeBeforeMs, m.timeAfterMs)}` +
        `${m.usedInPlan ? '' : ', not used by the plan'}; size ${formatBytes(m.sizeBytes)}, built in ${Math.round(m.buildMs)} ms.`,
    );
    if (m.buffersBefore !== undefined && m.buffersAfter !== undefined) {
      lines.push(
        `Pages read (shared buffers): ${formatCount(m.buffersBefore)} → ${formatCount(m.buffersAfter)} (measured).`,
      );
    }
  }
  const e = s.estimate;
  if (e) {
    const how = e.method === 'hypopg' ? 'HypoPG hypothetical index' : 'planner with the real index, rolled back';
    lines.push(
      `Estimated (${how}): cost ${shortCost(e.costBefore)} → ${shortCost(e.costAfter)}${e.usedInPlan ? '' : ', not used in the estimated plan'}.`,
    );
    if (e.estimatedSizeBytes !== undefined && !m)
      lines.push(`Estimated size: ${formatBytes(e.estimatedSizeBytes)} (HypoPG sizes run 2–3× too large).`);
  }
  if (!m) lines.push('Estimated only: nothing was built or timed on this connection.');
  const w = s.writeOverhead;
  if (w) {
    const rates = [
      w.inserts !== undefined ? `${formatCount(w.inserts)} inserts` : '',
      w.updates !== undefined ? `${formatCount(w.updates)} updates` : '',
      w.deletes !== undefined ? `${formatCount(w.deletes)} deletes` : '',
    ]
      .filter((x) => x)
      .join(', ');
    const size = w.indexSizeBytes !== undefined ? `index ${formatBytes(w.indexSizeBytes)}` : '';
    const table = w.tableBytes !== undefined ? `table ${formatBytes(w.tableBytes)}` : '';
    const parts = [
      size,
      table,
      rates ? `${rates} since the statistics were reset (each also writes this index)` : '',
    ].filter((x) => x);
    if (parts.length > 0) lines.push(`Write overhead on ${w.table}: ${parts.join('; ')}.`);
  }
  for (const sib of s.siblings) {
    const slower = sib.costAfter > sib.costBefore * 1.01;
    lines.push(
      `Other statement${slower ? ' GETS SLOWER' : ''}: ${oneLine(sib.sql, 60)} — est. cost ${shortCost(sib.costBefore)} → ${shortCost(sib.costAfter)}.`,
    );
  }
  for (const warning of s.warnings) lines.push(`Warning: ${warning}`);
  return lines;
}

/**
 * The document the fix opens. `statement` is the statement the index is for, quoted in the header. In the
 * untitled style the rollback is commented out, so running the whole editor does not build and drop at once;
 * the migration style has up/down sections in the dbmate form (CONCURRENTLY cannot run in a transaction).
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
  out.push('-- Suggested by PostgreSQL Query Tuner for:');
  for (const line of statement.split('\n').slice(0, 12)) out.push(`--   ${line}`);
  if (statement.split('\n').length > 12) out.push('--   …');
  out.push('-- Nothing has been run. Review it, then run it yourself.');
  out.push('--');
  for (const line of indexReasoning(s, rewrites)) out.push(...wrapComment(line));
  out.push('', s.createSql, '');
  if (style === 'migration') {
    out.push('-- migrate:down transaction:false', s.rollbackSql, '');
  } else {
    out.push('-- Rollback (run to undo):', `-- ${s.rollbackSql}`, '');
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

/** A long reasoning line as several `-- ` lines of at most ~110 characters. */
function wrapComment(text: string, width = 110): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(`-- ${line}`);
      line = `   ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`-- ${line}`);
  return lines;
}
