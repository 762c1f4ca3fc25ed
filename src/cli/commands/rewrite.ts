/**
 * `pg-tuner rewrite`: the same question asked in a faster form. Each proposed rewrite with its equivalence
 * verdict (both forms run in a read-only transaction and compared), the before/after figures and the SQL.
 * Same database choice as `explain`. --with-index also asks the index advisor, with the proven rewrites as
 * alternative forms, and measures rewrite + index; that builds indexes in rolled-back transactions, so on a
 * server it needs --allow-what-if (as `advise` does).
 */
import { embeddedDataReason } from '../../core/pipeline/preAggregateStep';
import { matchPreAggregate } from '../../core/advice/preAggregate/preAggregateForm';
import { adviseRewrites, closestRule, type DeclinedRule } from '../../core/advice/rewrite/adviseRewrites';
import { adviseRewriteWithIndex } from '../../core/advice/rewrite/rewriteWithIndex';
import type { Rewrite, RewriteCombination } from '../../core/advice/rewriteSuggestion';
import { runsPerArm } from '../../core/advice/rewriteSuggestion';
import type { IndexAdvice } from '../../core/advice/indexSuggestion';
import { formatMs, formatRatio, formatSamples } from '../../core/text/formatNumbers';
import { atLeast, ratioBound } from '../../core/text/shortFigures';
import {
  combinationVerdict,
  describeContributions,
  describeEquivalence,
  figureRows,
  notOfferedReason,
  renderRewriteMarkdown,
} from '../../core/report/rewriteReport';
import { describeAppliesTo } from '../../core/report/indexAdviceReport';
import type { CliRequest } from '../args';
import { UsageError } from '../args';
import type { Colours } from '../colours';
import { exitCodes } from '../exitCodes';
import { indent } from '../indent';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';
import { prepareStatement, withSession } from '../runStatement';
import { offerPreAggregate, type PreAggregateAdvice } from '../../core/advice/preAggregate/adviseMaterializedView';
import { preAggregateLines, preAggregateMarkdown } from '../../core/advice/preAggregate/preAggregateText';
import { offerSummaryTable, type SummaryTableAdvice } from '../../core/advice/preAggregate/adviseSummaryTable';
import { preAggregateBlocked, type PreAggregateBlocked } from '../../core/advice/preAggregate/parameterForm';
import { noteSampleCopyUnused, sampleCopyLines, sampleCopyOption } from '../sampleCopyText';

/** The index advisor's best on the sample copy, as `advise` says it: its times are the sample's. */
function sampleBestLine(advice: IndexAdvice, rewrites: Rewrite[]): string[] {
  const b = advice.best;
  if (!advice.sampleCopy || !b) return [];
  const time =
    b.timeBeforeMs !== undefined && b.timeAfterMs !== undefined
      ? `: measured ${formatMs(b.timeBeforeMs)} → ${formatMs(b.timeAfterMs)} (${formatRatio(b.timeBeforeMs, b.timeAfterMs)}) on the sample copy`
      : '';
  return [`Best: ${b.indexNames.join(' + ')} with ${describeAppliesTo(b.appliesTo, rewrites)}${time}`];
}

/** Rows as aligned columns: the first left-aligned, the others right-aligned. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A rewrite measured with its index: the DDL, the four arms, what each change gave, the rollback. */
export function combinationText(c: RewriteCombination): string[] {
  const out = [`With the index (measured on ${c.where}, built in a rolled-back transaction):`];
  out.push(...c.indexSql.map((s) => `  ${s}`));
  const original = c.arms[0].figures;
  const rows = [['', `median of ${runsPerArm(c)}`, 'runs', 'vs original', 'shared buffers']];
  for (const a of c.arms)
    rows.push([
      a.label,
      `${atLeast(a.figures)}${formatMs(a.figures.timeMs)}`,
      a.figures.timedOut ? 'stopped by the statement_timeout' : formatSamples(a.figures.samplesMs),
      ratioBound(original, a.figures, formatRatio(original.timeMs, a.figures.timeMs)),
      a.figures.timedOut ? '–' : String(a.figures.sharedBuffers),
    ]);
  out.push(indent(columns(rows), '  '));
  out.push(...describeContributions(c).map((l) => `  ${l}`));
  const verdict = combinationVerdict(c);
  if (verdict) out.push(`  ${verdict}`);
  out.push(`Rollback: ${c.rollbackSql.join(' ')}`);
  return out;
}

/** A proven rewrite's proof, as the demo and `advise` print it next to their figures: verdict, findings, caveats. */
export function proofLines(r: Rewrite, c: Colours): string[] {
  return [
    `Equivalence: ${describeEquivalence(r)}`,
    ...(r.findings ?? []).map((f) => c.yellow(`Finding: ${f}`)),
    ...r.caveats.map((cv) => `Caveat: ${cv}`),
  ];
}

function formatRewrite(r: Rewrite, n: number, c: Colours): string {
  const verdict =
    r.verification === 'equivalent'
      ? c.green(r.quickFix ? '[equivalent, faster]' : '[equivalent]')
      : r.verification === 'not-equivalent'
        ? c.red('[NOT equivalent]')
        : r.verification === 'not-tested-on-data'
          ? c.yellow('[not tested on data]')
          : c.yellow('[not proven]');
  // Advice only when proven and measured faster beyond noise; any other form is listed, with why it is not offered.
  const notOffered = notOfferedReason(r);
  const label = notOffered ? `${verdict} ${c.yellow(`not offered: ${notOffered}`)}` : verdict;
  const body: string[] = [];
  body.push(`Equivalence: ${describeEquivalence(r)}`);
  if (r.equivalence) body.push(`  ${r.verificationReason}`);
  const m = r.measurement;
  if (m) {
    body.push(
      `Measured on ${m.where} (EXPLAIN ANALYZE, BUFFERS): ${m.before.timedOut ? `did not finish within ${formatMs(m.before.timeMs)} (the statement_timeout) → ` : `${formatMs(m.before.timeMs)} → `}${formatMs(m.after.timeMs)} (${m.before.timedOut ? 'at least ' : ''}${formatRatio(m.before.timeMs, m.after.timeMs)}), faster beyond noise: ${m.faster ? 'yes' : 'no'}`,
    );
    body.push(indent(columns([['', 'original', 'rewrite', 'change'], ...figureRows([m.before, m.after])]), '  '));
  } else {
    body.push('Measured: no (only a rewrite proven equivalent is timed)');
  }
  if (r.combination) body.push(...combinationText(r.combination));
  for (const f of r.findings ?? []) body.push(c.yellow(`Finding: ${f}`));
  for (const cv of r.caveats) body.push(`Caveat: ${cv}`);
  for (const p of r.newParameters ?? []) body.push(`New parameter :${p.name}: ${p.description}`);
  body.push(`Why: ${r.explanation}`);
  body.push(notOffered ? 'SQL (not offered):' : 'SQL:', indent(c.cyan(r.rewrittenSql), '  '));
  return [`${c.bold(`${n}. ${r.title}`)} ${label}`, indent(body.join('\n'))].join('\n');
}

/** The rewrites as terminal text; when none applies, the rule that came closest and what blocked it. */
export function formatRewrites(rewrites: Rewrite[], c: Colours, closest?: DeclinedRule): string {
  if (rewrites.length === 0)
    return `No rewrite applies to this statement.\n${closest ? `Closest rule: ${closest.id}, blocked because ${closest.reason}.\n` : ''}`;
  return `${rewrites.map((r, i) => formatRewrite(r, i + 1, c)).join('\n\n')}\n`;
}

export async function rewriteCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  if (!request.sql) throw new Error('rewrite without a statement');
  const db = request.database;
  const { sql, target } = await prepareStatement(request.sql, db, io, errorContext);
  if (request.withIndex && target.kind === 'server' && !request.allowWhatIf) {
    throw new UsageError(
      '--with-index builds candidate indexes in rolled-back transactions: on a server, add --allow-what-if (never on production).',
    );
  }
  noteSampleCopyUnused(request, target.kind === 'server', io);
  const params = db.params.length > 0 ? db.params : undefined;
  let closest: DeclinedRule | undefined;
  /** Built on a sample copy: what it says, for the output (as `advise` prints it). */
  let sampleLines: string[] = [];
  let sampleCopy: IndexAdvice['sampleCopy'];
  let preAggregate: PreAggregateAdvice | undefined;
  let summaryTable: SummaryTableAdvice | undefined;
  let blocked: PreAggregateBlocked | undefined;
  const rewrites = await withSession(target, async (session) => {
    const found = await adviseRewrites(session, sql, {
      params,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
      // Where indexes may be built (the embedded database, or --allow-what-if): the proof may make a key's index.
      mayBuildProofIndex: target.kind !== 'server' || request.allowWhatIf === true,
    });
    if (request.withIndex) {
      if (!found.some((r) => r.verification === 'equivalent'))
        io.note('No rewrite was proven equivalent, so none is measured with an index.');
      else {
        io.note('Asking the index advisor for the rewritten forms (real indexes in rolled-back transactions)…');
        const { chosen, advice, combinationNote } = await adviseRewriteWithIndex(session, sql, found, {
          params,
          statementTimeoutMs: db.timeoutMs,
          signal: io.signal,
          sampleCopy: sampleCopyOption(request, io),
        });
        if (!chosen)
          io.note(
            `The index advisor chose ${advice.best ? describeAppliesTo(advice.best.appliesTo, found) : 'no index'}, so no rewrite is measured with an index.`,
          );
        if (combinationNote) io.note(combinationNote);
        sampleCopy = advice.sampleCopy;
        sampleLines = [...sampleCopyLines(advice), ...sampleBestLine(advice, found)];
      }
    }
    if (found.length === 0) closest = await closestRule(session, sql);
    // Beyond the per-query floor: a materialized view of the child's aggregates and a summary table kept by
    // triggers, each proven and measured, never kept.
    // Not on the embedded database's generated rows (the editor, report and agent tools refuse them the same way).
    const dataReason = session.kind === 'embedded' ? embeddedDataReason(session) : undefined;
    // Of the family but for a parameter: why not (measured on the data where building is allowed).
    const measure = !dataReason && (target.kind !== 'server' || request.allowWhatIf === true);
    if (!matchPreAggregate(sql)) blocked = await preAggregateBlocked(sql, measure ? session : undefined);
    if (dataReason) {
      if (matchPreAggregate(sql)) io.note(`Pre-aggregate: not tried: ${dataReason}.`);
      return found;
    }
    const allowed = target.kind !== 'server' || request.allowWhatIf === true;
    const options = { params, statementTimeoutMs: db.timeoutMs, signal: io.signal };
    preAggregate = await offerPreAggregate(session, sql, allowed, options, (t) => io.note(t));
    summaryTable = await offerSummaryTable(session, sql, allowed, options, (t) => io.note(t));
    return found;
  });
  const offers = [preAggregate, summaryTable].filter((a): a is PreAggregateAdvice => a !== undefined);
  if (request.json)
    io.out(
      `${JSON.stringify({ sql, rewrites, closestRule: closest, preAggregate, summaryTable, sampleCopy, preAggregateBlocked: blocked }, null, 2)}\n`,
    );
  else if (request.markdown)
    io.out(
      renderRewriteMarkdown(rewrites, sql) +
        sampleLines.map((l) => `\n- ${l.replace(/^([^:]+):/, '**$1:**')}\n`).join('') +
        offers.map((a) => `\n${preAggregateMarkdown(a)}`).join(''),
    );
  else {
    io.out(formatRewrites(rewrites, io.colours, closest));
    if (blocked) io.out(`Closest rule: ${blocked.id}, blocked because ${blocked.reason}.\n`);
    if (sampleLines.length > 0) io.out(`\n${sampleLines.join('\n')}\n`);
    for (const a of offers) io.out(`\n${preAggregateLines(a).join('\n')}\n`);
  }
  return exitCodes.ok;
}
