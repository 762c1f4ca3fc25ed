/**
 * `pg-tuner advise`: which index would make this statement fast — as written, or in a rewrite proven to return
 * the same rows, when that is what wins. Same database choice as `explain` (--url / PG* variables, else the
 * embedded database). Real indexes are built (in rolled-back transactions)
 * only on the embedded database, or on a server the user marks as non-production with --allow-what-if.
 */
import type { IndexAdvice, IndexSuggestion } from '../../core/advice/indexSuggestion';
import type { AdviseProgress } from '../../core/advice/index/adviseIndexes';
import { adviseRewrites } from '../../core/advice/rewrite/adviseRewrites';
import { adviseIndexesWithRewrites } from '../../core/pipeline/statementAdvice';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import { indexPair, pairFigures, pairTitle } from '../../core/report/indexPair';
import { formatCost } from '../../core/text/formatNumbers';
import {
  bestLines,
  describeAppliesTo,
  describeEstimate,
  describeMeasurement,
  describeScreening,
  describeWriteOverhead,
  planSummary,
} from '../../core/report/indexAdviceReport';
import type { CliRequest } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import { indent } from '../indent';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';
import { prepareStatement, withSession } from '../runStatement';
import { proofLines } from './rewrite';
import { noteSampleCopyUnused, sampleCopyLines, sampleCopyOption } from '../sampleCopyText';

function formatSuggestion(s: IndexSuggestion, n: number, c: Colours, rewrites: readonly Rewrite[]): string {
  const label = s.label === 'measured' ? c.green('[measured]') : c.yellow('[estimated only]');
  const lines = [`${c.bold(`${n}. ${s.candidate.name}`)} on ${s.candidate.table} ${label}`];
  const body: string[] = [c.cyan(s.createSql)];
  body.push(`Why this column order: ${s.columnOrderReason}`);
  body.push(`Applies to: ${describeAppliesTo(s.appliesTo, rewrites)}`);
  const estimate = describeEstimate(s);
  if (estimate) body.push(`Estimate: ${estimate}`);
  body.push(`Measured: ${describeMeasurement(s) ?? 'not measured here (estimated only)'}`);
  const overhead = describeWriteOverhead(s);
  if (overhead) body.push(`Cost on writes: ${overhead}`);
  body.push(`Plan before: ${planSummary(s.planBefore)}`);
  body.push(`Plan after:  ${planSummary(s.planAfter)}`);
  for (const e of s.siblings) {
    const sql = e.sql.replace(/\s+/g, ' ').trim().slice(0, 70);
    body.push(
      `Other statement: ${sql} — est. cost ${formatCost(e.costBefore)} → ${formatCost(e.costAfter)} (${e.method})`,
    );
  }
  for (const w of s.warnings) body.push(c.yellow(`Warning: ${w}`));
  body.push(`Rollback: ${s.rollbackSql}`);
  lines.push(indent(body.join('\n')));
  return lines.join('\n');
}

/** The advice as terminal text; `rewrites` name the rewrite an index goes with. */
export function formatIndexAdvice(advice: IndexAdvice, c: Colours, rewrites: readonly Rewrite[] = []): string {
  const out: string[] = [];
  // No line when no candidate needed screening: HypoPG was never asked, so nothing is known of it.
  const hypo = advice.hypopg;
  if (hypo)
    out.push(
      `HypoPG: ${hypo.available ? `${hypo.version ?? 'installed'} (screening)` : (hypo.reason ?? 'not available')}`,
    );
  out.push(
    `Measurement: ${advice.measurement.done ? `real indexes built and timed in rolled-back transactions${advice.measurement.reason ? ` (${advice.measurement.reason})` : ''}` : `none${advice.measurement.reason ? ` (${advice.measurement.reason})` : ''}; figures are estimates only`}`,
  );
  const screening = describeScreening(advice);
  if (screening) out.push(`Screening: ${screening}`);
  // Built on a sample copy: what was copied, the ratio there, and how it carries to the full tables (an estimate).
  out.push(...sampleCopyLines(advice));
  for (const line of bestLines(advice, rewrites)) out.push(`${line.label}: ${line.text}`);
  // An index that gains only with a rewrite is said as the pair, with one time of the statement as written.
  const pair = indexPair(advice.suggestions, rewrites);
  if (pair) {
    const figures = pairFigures(pair);
    out.push(
      c.bold(pairTitle(pair)),
      indent([`${figures.heading}:`, ...figures.items.map((i) => `- ${i}`)].join('\n')),
    );
  }
  out.push('');
  if (advice.suggestions.length === 0) out.push('No index to suggest.', '');
  advice.suggestions.forEach((s, i) => out.push(formatSuggestion(s, i + 1, c, rewrites), ''));
  for (const cov of advice.covered) out.push(c.dim(`Covered: ${cov.note}`));
  for (const n of advice.notes) out.push(c.dim(`Note: ${n.message}`));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

export async function adviseCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  if (!request.sql) throw new Error('advise without a statement');
  const db = request.database;
  const { sql, target } = await prepareStatement(request.sql, db, io, errorContext);
  if (target.kind === 'server' && !request.allowWhatIf) {
    io.note(
      'Estimates only: pass --allow-what-if to build candidate indexes in rolled-back transactions and time them (never on production).',
    );
  }
  noteSampleCopyUnused(request, target.kind === 'server', io);
  const params = db.params.length > 0 ? db.params : undefined;
  const { indexes: advice, chosen } = await withSession(target, async (session) => {
    const options = {
      allowMeasuredWhatIf: request.allowWhatIf === true,
      params,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
      sampleCopy: sampleCopyOption(request, io),
      // On stderr, so the advice on stdout stays clean; builds take minutes on a large table.
      onProgress: (p: AdviseProgress) =>
        io.note(
          `building ${p.index}/${p.total} ${p.name}… about ${formatEta(p.etaMs)} left${p.etaFromDefault ? ' (a conservative guess until the first build is timed)' : ''}`,
        ),
    };
    // The proven rewrites stand in for the statement too: an index may win only together with one.
    if (!request.asWritten)
      io.note(
        'Judging indexes for the statement and for its rewrites proven to return the same rows (--as-written: the statement only)…',
      );
    const rewrites = request.asWritten
      ? []
      : await adviseRewrites(session, sql, { ...options, mayBuildProofIndex: options.allowMeasuredWhatIf });
    return adviseIndexesWithRewrites(session, sql, rewrites, options);
  });
  if (request.json) io.out(`${JSON.stringify(chosen ? { ...advice, rewrite: chosen } : advice, null, 2)}\n`);
  else
    io.out(
      formatIndexAdvice(advice, io.colours, chosen ? [chosen] : []) +
        (chosen ? chosenRewriteText(chosen, io.colours) : ''),
    );
  return exitCodes.ok;
}

function formatEta(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The rewrite the best index goes with: the SQL to use it with, and its proof. */
function chosenRewriteText(r: Rewrite, c: Colours): string {
  const body = [...proofLines(r, c), 'SQL:', indent(c.cyan(r.rewrittenSql), '  ')];
  return `\n${c.bold(`The index goes with the rewrite "${r.title}"`)} (pg-tuner rewrite --with-index measures them together)\n${indent(body.join('\n'))}\n`;
}
