/**
 * Both advisors on one statement, in the order the report and the editor present them: rewrites first (each
 * proven and measured), then indexes judged against the statement as written and against the proven rewrites;
 * when the index advisor picks a rewrite, that rewrite is measured with its indexes (original, rewrite, index,
 * both), so the report can say which change gave what. Shared by `pg-tuner report --advise` and the editor.
 */
import { adviseIndexes, type AdviseIndexesOptions } from '../advice/index/adviseIndexes';
import { rewriteOf, type IndexAdvice } from '../advice/indexSuggestion';
import { alternativeForms, asAlternatives, asWrittenPastMs, canStandIn } from '../advice/rewrite/alternativeForms';
import { combinationInput, measureCombination } from '../advice/rewrite/measureCombination';
import { adviseRewrites } from '../advice/rewrite/adviseRewrites';
import type { Rewrite } from '../advice/rewriteSuggestion';
import type { DatabaseSession } from '../db/session';
import { isCancelled } from '../errors';
import { preAggregateStep, type PreAggregateOutcome, type PreAggregateStepOptions } from './preAggregateStep';

export type AdviceStep = 'rewrites' | 'indexes' | 'combination';

export interface StatementAdviceOptions {
  /** The session is not production: indexes may be built in rolled-back transactions and timed. */
  allowMeasuredWhatIf: boolean;
  params?: unknown[];
  /** Other statements an index could make slower (the file's, the workload's). */
  siblings?: string[];
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /** Build and time index candidates on sample copies of the tables (no lock on them): see adviseIndexes. */
  sampleCopy?: AdviseIndexesOptions['sampleCopy'];
  /** Called before each step, for progress. */
  onStep?: (step: AdviceStep) => void;
  /** Called before each candidate index is built, with the time left (adviseIndexes). */
  onProgress?: AdviseIndexesOptions['onProgress'];
  /**
   * Also try pre-aggregation (preAggregateStep.ts: the report and the editor): `howToAllow` says how to enable it
   * where it may not build, `onMeasure` is called when its measurement starts (for progress).
   */
  preAggregate?: boolean | Pick<PreAggregateStepOptions, 'howToAllow' | 'onMeasure'>;
}

export interface AdvisedFigures {
  rewrites: Rewrite[];
  indexes: IndexAdvice;
  /**
   * The rewrite measured with the index advisor's indexes (its `combination` filled in): the one the indexes go
   * with, or (indexes for the statement as written) the fastest rewrite offered as a fix.
   */
  combined?: Rewrite;
  /** Why the chosen rewrite was not measured with its index, when that failed or was not allowed. */
  combinationNote?: string;
  /** Pre-aggregation, when asked for: the offer, or why it was not tried or is not offered. */
  preAggregate?: PreAggregateOutcome;
}

export async function adviseStatement(
  session: DatabaseSession,
  sql: string,
  options: StatementAdviceOptions,
): Promise<AdvisedFigures> {
  const advised = await rewritesAndIndexes(session, sql, options);
  // A cancel while the index advisor built ends the run with what it measured so far (stopped early).
  if (!options.preAggregate || options.signal?.aborted) return advised;
  const { allowMeasuredWhatIf, params, statementTimeoutMs, signal } = options;
  const preAggregate = await preAggregateStep(session, sql, {
    ...(typeof options.preAggregate === 'object' ? options.preAggregate : {}),
    allowMeasuredWhatIf,
    params,
    statementTimeoutMs,
    signal,
  });
  return { ...advised, preAggregate };
}

async function rewritesAndIndexes(
  session: DatabaseSession,
  sql: string,
  options: StatementAdviceOptions,
): Promise<AdvisedFigures> {
  const { params, statementTimeoutMs, signal } = options;
  options.onStep?.('rewrites');
  const rewrites = await adviseRewrites(session, sql, {
    params,
    statementTimeoutMs,
    signal,
    mayBuildProofIndex: options.allowMeasuredWhatIf,
  });
  options.onStep?.('indexes');
  const { indexes, chosen } = await adviseIndexesWithRewrites(session, sql, rewrites, options);
  if (signal?.aborted) return { rewrites, indexes };
  const best = indexes.best;
  // The rewrite the index goes with or, for an index on the statement as written, the fastest rewrite offered as
  // a fix: measured together (original, rewrite, index, both in one run), so that whatever the advice says about
  // this statement compares with one time of the statement as written.
  const partner = chosen ?? fastestFix(rewrites);
  if (!best || !partner) return { rewrites, indexes };
  const chosenIndexes = indexes.suggestions.filter((s) => best.indexNames.includes(s.candidate.name));
  if (chosenIndexes.length === 0) return { rewrites, indexes };
  if (options.sampleCopy) {
    // Measuring the rewrite with its index builds the index on the tables themselves: not what was asked for.
    return {
      rewrites,
      indexes,
      combinationNote: `${best.indexNames.join(' + ')} was measured on a sample copy; the rewrite and the index are not measured together, which would build the index on your tables.`,
    };
  }
  if (!options.allowMeasuredWhatIf || !session.inTransaction) {
    if (!chosen) return { rewrites, indexes };
    return {
      rewrites,
      indexes,
      combinationNote: `The index advisor chose "${chosen.title}" with ${best.indexNames.join(' + ')}; measuring them together needs an index built in a rolled-back transaction, which this connection does not allow.`,
    };
  }
  options.onStep?.('combination');
  try {
    partner.combination = await measureCombination(session, combinationInput(partner, chosenIndexes), {
      params,
      statementTimeoutMs,
      signal,
    });
    return { rewrites, indexes, combined: partner };
  } catch (err) {
    // The two advisors' own figures stand; only the joint measurement is missing.
    if (isCancelled(err)) throw err;
    return {
      rewrites,
      indexes,
      combinationNote: `"${partner.title}" was not measured with ${best.indexNames.join(' + ')}: ${(err as Error).message}`,
    };
  }
}

/** The rewrite offered as a fix (same rows, measured faster, runnable) that ran fastest; none when there is none. */
function fastestFix(rewrites: Rewrite[]): Rewrite | undefined {
  let fastest: Rewrite | undefined;
  for (const r of rewrites) {
    if (!r.quickFix || !r.measurement || !canStandIn(r)) continue;
    if (!fastest || r.measurement.after.timeMs < (fastest.measurement?.after.timeMs ?? Infinity)) fastest = r;
  }
  return fastest;
}

/**
 * Indexes judged against the statement as written and against its proven rewrites (keyset pagination
 * included: its new parameters are bound to the last row of the previous page); `chosen` is the rewrite the
 * best index goes with, when it is one. With no rewrites: the statement as written only.
 */
export async function adviseIndexesWithRewrites(
  session: DatabaseSession,
  sql: string,
  rewrites: Rewrite[],
  options: Omit<StatementAdviceOptions, 'onStep'> & Pick<AdviseIndexesOptions, 'onProgress'>,
): Promise<{ indexes: IndexAdvice; chosen?: Rewrite }> {
  const forms = await alternativeForms(session, rewrites, options.params);
  const indexes = await adviseIndexes(session, sql, {
    alternatives: asAlternatives(forms),
    siblings: options.siblings,
    allowMeasuredWhatIf: options.allowMeasuredWhatIf,
    params: options.params,
    statementTimeoutMs: options.statementTimeoutMs,
    signal: options.signal,
    onProgress: options.onProgress,
    sampleCopy: options.sampleCopy,
    asWrittenPastMs: asWrittenPastMs(rewrites),
  });
  const best = indexes.best;
  return { indexes, chosen: best ? rewriteOf(best.appliesTo, rewrites) : undefined };
}
