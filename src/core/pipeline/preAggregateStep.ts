/**
 * Pre-aggregation (issue 12 §2) as a step of the statement's advice, for the report, the editor and the agent
 * tools: tried only where its proof and its figures mean something — a statement of the family, a session that
 * may build in a rolled-back transaction, and data that is the user's (never the embedded database's generated
 * rows, whose equality and speed-up say nothing about the real tables). Every other case says why it was not
 * tried. The advice itself comes from offerPreAggregate (the materialized view) and offerSummaryTable (the table
 * kept by triggers), each measured on its own; it is never applied.
 */
import { offerPreAggregate, type PreAggregateAdvice } from '../advice/preAggregate/adviseMaterializedView';
import type { PreAggregateOptions } from '../advice/preAggregate/preAggregateProof';
import { offerSummaryTable } from '../advice/preAggregate/adviseSummaryTable';
import { matchPreAggregate } from '../advice/preAggregate/preAggregateForm';
import { preAggregateBlocked } from '../advice/preAggregate/parameterForm';
import { beyondNoise, noiseRule } from '../advice/rewrite/verifyRewrite';
import { embeddedDataOf } from '../db/generateData/embeddedDataNote';
import type { DatabaseSession } from '../db/session';
import { loadParser } from '../sql/parser';

export interface PreAggregateOutcome {
  /** Each form measured and proven to return the statement's rows (before and after random writes). */
  measured: PreAggregateAdvice[];
  /** Measured on the embedded database (rows loaded from the workspace's files, not generated). */
  embedded?: boolean;
  /** Why it was not tried at all: outside the family, not allowed here, or data that proves nothing. */
  notTried?: string;
  /** Why a form is not offered (not equivalent, not faster, could not be built here), one sentence each. */
  notes: string[];
}

export interface PreAggregateStepOptions extends PreAggregateOptions {
  /** The session is not production: a view may be built in a rolled-back transaction. */
  allowMeasuredWhatIf: boolean;
  /** How to allow it, said when it is not allowed ("add --allow-what-if", "a connection not marked production"). */
  howToAllow?: string;
  /** Called when the measurement starts (a statement of the family, allowed here), for progress. */
  onMeasure?: () => void;
}

export const notOfTheFamily =
  'the statement is not an aggregate of a child table joined to its parent and grouped by the parent’s key (the form a materialized view of per-key aggregates answers)';

/** The rule a pre-aggregated form is offered by: the same "faster beyond noise" as the rewrites. */
export function fasterBeyondNoise(advice: Pick<PreAggregateAdvice, 'before' | 'after'>): boolean {
  return beyondNoise(advice.before, advice.after);
}

/** The offers: proven and measured faster beyond noise, fastest first. */
export function offeredPreAggregates(outcome: PreAggregateOutcome | undefined): PreAggregateAdvice[] {
  return (outcome?.measured ?? []).filter(fasterBeyondNoise).sort((a, b) => a.after.timeMs - b.after.timeMs);
}

/** Why the embedded database's data cannot back the advice, or undefined when it can (rows loaded from files). */
export function embeddedDataReason(session: DatabaseSession): string | undefined {
  const data = embeddedDataOf(session);
  if (data?.kind === 'generated')
    return 'the embedded database holds generated data, not yours: the same rows and a speed-up on it would prove nothing about your tables. Run it on a server (not production) to measure it';
  if (data?.kind === 'empty')
    return 'the embedded database’s tables are empty: there is nothing to aggregate. Run it on a server (not production) to measure it';
  return undefined;
}

export async function preAggregateStep(
  session: DatabaseSession,
  sql: string,
  options: PreAggregateStepOptions,
): Promise<PreAggregateOutcome> {
  await loadParser();
  const embedded = session.kind === 'embedded';
  const dataReason = embedded ? embeddedDataReason(session) : undefined;
  if (!matchPreAggregate(sql)) {
    // Of the family but for a parameter in a condition: why not, measured on the data where that is allowed.
    const measure = options.allowMeasuredWhatIf && !dataReason;
    const blocked = await preAggregateBlocked(sql, measure ? session : undefined);
    return { measured: [], notTried: blocked?.reason ?? notOfTheFamily, notes: [] };
  }
  if (dataReason) return { measured: [], notTried: dataReason, notes: [] };
  if (!options.allowMeasuredWhatIf)
    return {
      measured: [],
      notTried: `measuring it builds the summary (a materialized view, a table) in a rolled-back transaction, which this connection does not allow${options.howToAllow ? ` (${options.howToAllow})` : ''}`,
      notes: [],
    };
  if (!session.inTransaction)
    return { measured: [], notTried: 'this connection cannot run a transaction that is rolled back', notes: [] };
  const notes: string[] = [];
  options.onMeasure?.();
  // Each form on its own: one that cannot be built here leaves the others (offerPreAggregate says why in a note).
  const measured: PreAggregateAdvice[] = [];
  const view = await offerPreAggregate(session, sql, true, options, (t) => notes.push(t));
  if (view) measured.push(view);
  const table = await offerSummaryTable(session, sql, true, options, (t) => notes.push(t));
  if (table) measured.push(table);
  if (measured.length === 0 && notes.length === 0)
    return { measured, notTried: 'the join is not on a unique key of the parent (or a table was not found)', notes };
  for (const advice of measured)
    if (!fasterBeyondNoise(advice))
      notes.push(
        `Pre-aggregate: ${advice.title}: same rows, but not faster beyond noise (${noiseRule}), so it is not offered (${advice.summary}).`,
      );
  return { measured, notes, ...(embedded ? { embedded } : {}) };
}
