/**
 * The pre-aggregated forms of one family member, as `pg-tuner rewrite --with-index --allow-what-if` offers them
 * (offerPreAggregate: the materialized view; offerSummaryTable: the summary table kept by triggers), each timed
 * the way every other arm of bench:dashboard is (measure.ts: its DDL, ANALYZE and the rewrite in one rolled-back
 * transaction) against the statement as written, with what keeping it costs beside the speed-up: the view's
 * REFRESH … CONCURRENTLY, the table's backfill and the time its triggers add to each single-row write.
 * Target: ≥ 100× over as written.
 */
import type { PgSession } from '../../src/core/db/pgSession';
import { offerPreAggregate } from '../../src/core/advice/preAggregate/adviseMaterializedView';
import type { PreAggregateAdvice } from '../../src/core/advice/preAggregate/adviseMaterializedView';
import { offerSummaryTable } from '../../src/core/advice/preAggregate/adviseSummaryTable';
import { quoteIdentifier } from '../../src/core/sql/quoteIdentifier';
import { preAggregateBlocked } from '../../src/core/advice/preAggregate/parameterForm';
import { formatMs } from '../../src/core/text/formatNumbers';
import type { Figure } from '../figures';
import type { FamilyMember } from './family';
import { attempt, describeOutcome, timeArm } from './measure';

const target = 100;

/** What keeping the form costs, in one line. */
function upkeep(a: PreAggregateAdvice): string {
  if (a.kind === 'materialized-view')
    return `refresh ${formatMs(a.refreshMs)} (REFRESH CONCURRENTLY, median of ${a.refreshSamplesMs.length}; answers up to one refresh old)`;
  const writes = a.writeCosts
    .map((w) => (w.refused ? `${w.operation} not measured` : `${w.operation} +${formatMs(w.addedMsPerRow)}/row`))
    .join(', ');
  return `always fresh; backfill ${formatMs(a.backfillMs)}; triggers add ${writes || 'nothing measured'}`;
}

/** The relation the form's DDL creates, to ANALYZE before it is timed (as the advice itself does). */
function relationOf(a: PreAggregateAdvice): string {
  return quoteIdentifier(a.kind === 'materialized-view' ? a.viewName : a.tableName);
}

export async function preAggregatedFigures(
  session: PgSession,
  m: FamilyMember,
  base: { ms: number; lowerBound: boolean } | undefined,
  timeoutMs: number,
): Promise<Figure[]> {
  const notes: string[] = [];
  const note = (t: string): void => {
    notes.push(t);
  };
  // The CLI's options: the statement's values, its default timeout, no signal.
  const options = { params: m.params, statementTimeoutMs: undefined, signal: undefined };
  const offers: PreAggregateAdvice[] = [];
  for (const offer of [offerPreAggregate, offerSummaryTable]) {
    const started = performance.now();
    const a = await offer(session, m.sql, true, options, note).catch((err: unknown) => {
      note(`failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    if (a) {
      console.log(
        `  pre-aggregate (${a.kind}, proven and measured in ${formatMs(performance.now() - started)}): ${a.summary}`,
      );
      offers.push(a);
    }
  }
  for (const n of notes) console.log(`  pre-aggregate note: ${n}`);
  // Of the family but for a parameter: why not, with the data's per-bucket counts (what `pg-tuner rewrite` says).
  const blocked = offers.length === 0 ? await preAggregateBlocked(m.sql, session) : undefined;
  if (blocked) {
    console.log(`  Closest rule: ${blocked.id}, blocked because ${blocked.reason}.`);
    const b = blocked.buckets;
    return [
      {
        name: `${m.id}: pre-aggregated vs as written`,
        value: `not offered: a parameter in the child's condition${b ? `; a per user and month of ${b.column} summary would hold ${b.perMonth} rows for ${b.rows} orders (${(b.perMonth / b.rows).toFixed(2)} per order; by year ${(b.perYear / b.rows).toFixed(2)})` : ''}`,
        target: `≥ ${target}×`,
        met: false,
      },
    ];
  }
  if (offers.length === 0)
    return [
      {
        name: `${m.id}: pre-aggregated vs as written`,
        value: `not offered${notes.length > 0 ? ` (${notes.join(' ').slice(0, 140)})` : ''}`,
        target: `≥ ${target}×`,
        met: false,
      },
    ];
  const out: Figure[] = [];
  for (const a of offers) {
    const name = `${m.id}: pre-aggregated (${a.kind}) vs as written`;
    console.log(`    ${a.rewrittenSql.replace(/\n/g, '\n    ')}`);
    const outcome = await attempt(() =>
      timeArm(session, {
        sql: a.rewrittenSql,
        params: m.params,
        setup: [...a.ddl, `ANALYZE ${relationOf(a)}`],
        timeoutMs,
      }),
    );
    console.log(
      `  pre-aggregated (${a.kind}): ${describeOutcome(outcome, timeoutMs)}${'timing' in outcome ? ` — ${outcome.timing.shape}` : ''}`,
    );
    if (!('timing' in outcome) || !base) {
      out.push({
        name,
        value: `${describeOutcome(outcome, timeoutMs)}; ${upkeep(a)}`,
        target: `≥ ${target}×`,
        met: false,
      });
      continue;
    }
    const speedUp = base.ms / outcome.timing.ms;
    const bound = base.lowerBound ? '≥ ' : '';
    out.push({
      name,
      value: `${bound}${speedUp.toFixed(0)}× (${base.lowerBound ? '> ' : ''}${formatMs(base.ms)} → ${formatMs(outcome.timing.ms)}); ${upkeep(a)}`,
      target: `≥ ${target}×`,
      met: speedUp >= target,
    });
  }
  return out;
}
