/**
 * Measures an N+1 loop against its single query, inside one read-only transaction, in a time a person can
 * wait for: the loop's children run for a sample of the parents (spread over them, sized so that one round
 * takes a fraction of the time budget), the loop's time is carried to every parent, rounds stop once the
 * ratio is clear, progress is reported as it goes, and a cancel returns the best result so far.
 *
 * How the sample carries to the full count: each parent costs the real loop one child query, and only its first
 * one meets a cache the other form (the single query, run between rounds) may have cooled. So a round's loop
 * time = the outer query's time + the first child query's + the mean of the other sampled ones × (parents − 1).
 * Parents differ: a child query reads its parent's children, and the single query (run first) says how many each
 * one holds. So the sample is spread over the parents ordered by that number (the heaviest first) rather than in the
 * outer query's order, each weighing its share of the parents plus its share of the children (sampleIndices), and
 * the sample's mean is corrected by its line of time against children (meanChildMs).
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { TunerError } from '../../errors';
import { median } from '../../median';
import { formatCount, formatMs } from '../../text/formatNumbers';
import { asOwnRun } from '../../workload/ownRuns';
import { readTransactionScans, scansBetween, type TableScans } from '../../db/ownScans';
import type { CombinedQuery } from './combinedQuery';
import type { NPlusOneFinding } from './findNPlusOne';

export type MeasurementStop = 'clear-ratio' | 'max-rounds' | 'time-budget' | 'cancelled';

export interface NPlusOneMeasurement {
  where: string;
  /** Parent rows the outer query returned (the loop would run one child query for each). */
  parents: number;
  /** 1 + N round trips as the loop makes them, 1 for the single query. */
  roundTripsBefore: number;
  roundTripsAfter: number;
  /** Median over the rounds of the loop's time (carried to every parent) and of the single query's, ms. */
  loopMs: number;
  singleMs: number;
  samplesLoopMs: number[];
  samplesSingleMs: number[];
  ratio: number;
  /** Parents whose child query ran in each round (a spread sample; all of them when few). */
  sampledParents: number;
  /** The loop ran for a sample of the parents and its time was carried to all of them. */
  extrapolated: boolean;
  /** How the sample's time carries to the full count, in one sentence. */
  scaling: string;
  /** Why the rounds stopped. */
  stoppedBy: MeasurementStop;
  /** (highest − lowest) / median of the rounds' ratios: how clear the ratio is. */
  ratioSpread: number;
  /** Same parents, each with as many children, in both forms. */
  sameShape: boolean;
  shapeNote: string;
  /** Sequential and index scans of each table the measurement made (this transaction's own counters). */
  scans: TableScans[];
}

export interface NPlusOneProgress {
  phase: 'warm-up' | 'round';
  /** 0 in the warm-up, then 1, 2, … */
  round: number;
  maxRounds: number;
  sampledParents: number;
  parents: number;
  elapsedMs: number;
  /** The figures so far, once a round is complete. */
  loopMs?: number;
  singleMs?: number;
  /** One line for a terminal or a notification. */
  message: string;
}

export interface MeasureLoopOptions {
  /** Most parents whose child query runs per round (the sample's upper bound); default 1 000. */
  maxParents?: number;
  /** Most measured rounds (after one warm-up round); default 5, at least 3 when time allows. */
  runs?: number;
  /**
   * About how long the whole measurement may take, ms; default 30 000. The sample is sized from it, and no round
   * starts that would end past it once one round is measured (a slow single query may leave room for one).
   */
  budgetMs?: number;
  statementTimeoutMs?: number;
  /** Stops the measurement between two queries; the best result so far is returned. */
  signal?: AbortSignal;
  onProgress?: (progress: NPlusOneProgress) => void;
}

/** Rounds whose ratios lie within this part of their median make the ratio clear. */
const clearSpread = 0.25;
const minRounds = 3;
/** Progress while children run, at most this often. */
const progressEveryMs = 1_000;

/**
 * 0..n-1 in an order whose every prefix is spread over the whole range (bit-reversed), so the children run
 * before a budget cut are not just the first parents' (often the oldest or the smallest).
 */
export function spreadOrder(n: number): number[] {
  if (n <= 1) return n === 1 ? [0] : [];
  const bits = Math.ceil(Math.log2(n));
  const reversed = (i: number): number => {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    return r;
  };
  return Array.from({ length: n }, (_v, i) => i).sort((a, b) => reversed(a) - reversed(b));
}

/**
 * `count` indices spread evenly over 0..total-1, in spread order. With each parent's number of children (the
 * single query's, run first), spread over the parents ordered by it, most first, each weighing its share of the
 * parents plus its share of the children: the sample then covers light and heavy parents alike whatever the outer
 * query's order (an even spread by count takes one of a few heavy parents at most, and they may be most of the
 * loop), and its first child query is the heaviest parent's (the warm-up's order; the measured rounds run the
 * sample lightest first). A parent weighing a slot's share or more is taken (the heaviest first); the other slots
 * are points spread evenly over the rest's weight, one parent each.
 */
export function sampleIndices(total: number, count: number, children?: ReadonlyArray<number | undefined>): number[] {
  const k = Math.max(0, Math.min(total, count));
  const known =
    children && children.length === total && children.every((n) => n !== undefined) ? (children as number[]) : [];
  if (k === 0 || known.length !== total || known.every((n) => n === known[0]))
    return spreadOrder(k).map((i) => Math.floor((i * total) / k));
  const order = Array.from({ length: total }, (_v, i) => i).sort((a, b) => known[b] - known[a] || a - b);
  const all = known.reduce((n, c) => n + c, 0);
  const weight = (position: number): number => 1 / total + (all > 0 ? known[order[position]] / all : 0);
  let rest = Array.from({ length: total }, (_v, i) => weight(i)).reduce((n, w) => n + w, 0);
  const positions: number[] = [];
  while (positions.length < k && weight(positions.length) * (k - positions.length) >= rest) {
    rest -= weight(positions.length);
    positions.push(positions.length);
  }
  const points = k - positions.length;
  let position = positions.length;
  let before = 0;
  for (let j = 0; j < points; j++) {
    // Each parent left is lighter than the points' spacing, so none takes two; room is kept for the points after.
    while (position < total - (points - j) && before + weight(position) <= (j * rest) / points)
      before += weight(position++);
    positions.push(position);
    before += weight(position++);
  }
  return spreadOrder(k).map((i) => order[positions[i]]);
}

/** One sampled child query: the parent's number of children (when known) and its time, ms. */
export interface ChildTiming {
  children?: number;
  ms: number;
}

/**
 * The mean time of a child query over `parents` parents holding `totalChildren` children, from a sample of them:
 * a parent's child query reads its children, so its time grows with their number; the sample's mean is corrected
 * by the line through its times against the children (the regression estimator: mean + slope × (the parents'
 * mean children − the sample's)). Only a rising line with some spread of children behind it corrects anything;
 * otherwise (counts unknown, fewer than 3, all alike, or a line that is flat or falls) it is the sample's mean.
 * Never below the fastest sampled child query: every parent pays at least the round trip.
 */
export function childMeanEstimate(
  sample: readonly ChildTiming[],
  parents: number,
  totalChildren?: number,
): { ms: number; corrected: boolean } {
  if (sample.length === 0) return { ms: 0, corrected: false };
  const mean = sample.reduce((n, t) => n + t.ms, 0) / sample.length;
  const plain = { ms: mean, corrected: false };
  const known = sample.filter((t): t is Required<ChildTiming> => t.children !== undefined);
  if (totalChildren === undefined || !(totalChildren >= 0) || !(parents > 0)) return plain;
  if (known.length < 3 || known.length < sample.length) return plain;
  const xBar = known.reduce((n, t) => n + t.children, 0) / known.length;
  let sxx = 0;
  let sxy = 0;
  for (const t of known) {
    sxx += (t.children - xBar) ** 2;
    sxy += (t.children - xBar) * (t.ms - mean);
  }
  if (!(sxx > 0) || !(sxy > 0)) return plain;
  const fastest = Math.min(...sample.map((t) => t.ms));
  return { ms: Math.max(fastest, mean + (sxy / sxx) * (totalChildren / parents - xBar)), corrected: true };
}

/** childMeanEstimate's time alone, ms. */
export function meanChildMs(sample: readonly ChildTiming[], parents: number, totalChildren?: number): number {
  return childMeanEstimate(sample, parents, totalChildren).ms;
}

function spreadOf(ratios: number[]): number {
  if (ratios.length < 2) return Infinity;
  const m = median(ratios);
  return m > 0 ? (Math.max(...ratios) - Math.min(...ratios)) / m : Infinity;
}

function ratioText(loopMs: number, singleMs: number): string {
  if (singleMs <= 0) return '';
  const r = loopMs / singleMs;
  return r >= 1 ? `, ${r.toFixed(r >= 10 ? 0 : 1)}× slower as a loop` : `, ${(1 / r).toFixed(1)}× faster as a loop`;
}

interface Round {
  loopMs: number;
  singleMs: number;
  /** The loop's mean child query was corrected for the sampled parents' children (childMeanEstimate). */
  corrected: boolean;
}

export async function measureLoop(
  session: DatabaseSession,
  finding: NPlusOneFinding,
  sql: { outer: string; inner: string },
  combined: CombinedQuery,
  options: MeasureLoopOptions,
): Promise<NPlusOneMeasurement> {
  if (!session.inTransaction)
    throw new TunerError('bad-input', 'This session cannot run statements inside one read-only transaction.');
  const maxParents = Math.max(1, options.maxParents ?? 1_000);
  const maxRounds = Math.max(1, options.runs ?? 5);
  const budgetMs = options.budgetMs ?? 30_000;
  // The warm-up's loop may take this long; the measured rounds then run the sample it reached.
  const roundBudgetMs = budgetMs / (Math.min(maxRounds, minRounds) + 2);
  const signal = options.signal;
  // Our runs of the application's statements, each with a query id of its own (see ownRuns.ts).
  const outerSql = asOwnRun(sql.outer);
  const innerSql = asOwnRun(sql.inner);
  const combinedSql = asOwnRun(combined.sql);
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const stopped = (): boolean => signal?.aborted === true;
  // The abort is ours to handle between queries (the best result so far), not the transaction's to throw.
  return session.inTransaction(
    async (tx: TransactionScope) => {
      await tx.query('SET TRANSACTION READ ONLY');
      // The code's queries and the combined one run below: what a rollback cannot undo is refused first.
      for (const text of [outerSql, innerSql, combinedSql]) await tx.checkStatement(text);
      const scansBefore = await readTransactionScans(tx);
      let parents = 0;
      let sample: number[] = [];
      /** All outer rows' children, as the warm-up's single query gave them (undefined: some not known). */
      let totalChildren: number | undefined;
      /** Each outer row's number of children, as the warm-up's single query gave them (undefined: not known). */
      let childrenOf: Array<number | undefined> = [];
      const childCounts = new Map<string, number>();
      // The single query's shape (rows, children per parent); its rows are not kept, so the loop's next round
      // does not run beside a heap of them (a collector busy with them slowed each child query's timing).
      let combinedShape: { rows: number; children: Map<string, number> } = { rows: 0, children: new Map() };
      let lastProgress = 0;
      const report = (progress: Omit<NPlusOneProgress, 'maxRounds' | 'parents' | 'elapsedMs' | 'message'>): void => {
        if (!options.onProgress) return;
        const base = { ...progress, maxRounds, parents, elapsedMs: elapsed() };
        const what =
          progress.phase === 'warm-up'
            ? `warm-up round: child queries of ${formatCount(progress.sampledParents)} of ${formatCount(parents)} parents run`
            : `round ${progress.round} of ≤ ${maxRounds}`;
        const figures =
          progress.loopMs !== undefined && progress.singleMs !== undefined
            ? `: loop ≈ ${formatMs(progress.loopMs)}${progress.sampledParents < parents ? ` (carried from ${formatCount(progress.sampledParents)} of ${formatCount(parents)} parents)` : ''} vs single query ${formatMs(progress.singleMs)}${ratioText(progress.loopMs, progress.singleMs)}`
            : '';
        options.onProgress({ ...base, message: `${what}${figures} (${formatMs(elapsed())} so far)` });
      };

      /** One run of the loop; `warmUp` picks the sample as it goes. undefined when cancelled half-way. */
      const runLoop = async (warmUp: boolean): Promise<{ ms: number; corrected: boolean } | undefined> => {
        const roundStart = performance.now();
        const rows = await tx.query(outerSql);
        const outerMs = performance.now() - roundStart;
        if (warmUp) {
          parents = rows.length;
          // Each parent's children, from the single query run just before (its rows hold them as an array).
          childrenOf = rows.map((row) => {
            const n = combinedShape.children.get(String(row[finding.keyColumn]));
            return n !== undefined && n >= 0 ? n : undefined;
          });
          totalChildren = childrenOf.every((n) => n !== undefined)
            ? childrenOf.reduce<number>((n, c) => n + (c ?? 0), 0)
            : undefined;
          sample = sampleIndices(parents, maxParents, childrenOf);
        }
        let firstChildMs = 0;
        let firstChildren = 0;
        const others: ChildTiming[] = [];
        let ran = 0;
        for (const index of sample) {
          if (stopped()) return undefined;
          // The warm-up sizes the sample: it stops once a round would take too long (at least one child runs).
          if (warmUp && ran > 0 && performance.now() - roundStart > roundBudgetMs) break;
          const row = rows[index];
          if (!row) continue;
          const childStart = performance.now();
          const children = await tx.query(innerSql, [row[finding.keyColumn]]);
          const ms = performance.now() - childStart;
          // The children it read, not the warm-up's count at this position: an outer query without a stable order
          // (a synchronized sequential scan) may hand a later round another parent there.
          if (ran === 0) {
            firstChildMs = ms;
            firstChildren = children.length;
          } else others.push({ children: children.length, ms });
          ran++;
          childCounts.set(String(row[finding.keyColumn]), children.length);
          if (warmUp && performance.now() - lastProgress > progressEveryMs) {
            lastProgress = performance.now();
            report({ phase: 'warm-up', round: 0, sampledParents: ran });
          }
        }
        // The measured rounds run the sample lightest first: the time a heavy child query leaves behind (its rows
        // collected during the next query) then falls on another heavy one, not on a light one that stands for
        // many more parents than it does.
        if (warmUp) {
          sample = sample.slice(0, ran);
          if (totalChildren !== undefined) sample.sort((a, b) => (childrenOf[a] ?? 0) - (childrenOf[b] ?? 0) || a - b);
        }
        // Each parent costs one child query in the real loop: the sample's mean, corrected for how many children
        // the sampled parents hold against all of them, carries to every other parent.
        if (ran <= 1) return { ms: outerMs + firstChildMs * parents, corrected: false };
        const rest = totalChildren === undefined ? undefined : totalChildren - firstChildren;
        const mean = childMeanEstimate(others, parents - 1, rest);
        return { ms: outerMs + firstChildMs + mean.ms * (parents - 1), corrected: mean.corrected };
      };
      const runSingle = async (): Promise<number | undefined> => {
        if (stopped()) return undefined;
        const t = performance.now();
        const rows = await tx.query(combinedSql);
        const ms = performance.now() - t;
        const children = new Map<string, number>();
        for (const row of rows) {
          const tasks = row[combined.arrayColumn];
          const got = Array.isArray(tasks)
            ? tasks.length
            : typeof tasks === 'string'
              ? (JSON.parse(tasks) as unknown[]).length
              : -1;
          children.set(String(row[finding.keyColumn]), got);
        }
        combinedShape = { rows: rows.length, children };
        return ms;
      };

      // One round first, unmeasured unless nothing else is: it warms the cache for both forms alike and sizes the sample.
      // The single query first: the first measured loop then does not start right after its rows (the collector
      // busy with them, the cache it may have cooled) but after the warm-up's own loop.
      const warmSingle = await runSingle();
      const warmLoop = warmSingle === undefined ? undefined : await runLoop(true);
      if (warmLoop === undefined || warmSingle === undefined)
        throw new TunerError('cancelled', 'Cancelled before the first round of the loop and the single query ended.');
      report({ phase: 'warm-up', round: 0, sampledParents: sample.length, loopMs: warmLoop.ms, singleMs: warmSingle });

      const rounds: Round[] = [];
      let stoppedBy: MeasurementStop = 'max-rounds';
      // A round costs about what the last one did (the warm-up's, at first): the loop's sample and the single query.
      let lastRoundMs = elapsed();
      for (let round = 1; round <= maxRounds; round++) {
        if (stopped()) {
          stoppedBy = 'cancelled';
          break;
        }
        // Once a round is measured, none starts that would end past the budget: what we have is the answer.
        if (rounds.length > 0 && elapsed() + lastRoundMs > budgetMs) {
          stoppedBy = 'time-budget';
          break;
        }
        const roundStarted = performance.now();
        const loop = await runLoop(false);
        const singleMs = loop === undefined ? undefined : await runSingle();
        if (loop === undefined || singleMs === undefined) {
          stoppedBy = 'cancelled';
          break;
        }
        rounds.push({ loopMs: loop.ms, singleMs, corrected: loop.corrected });
        lastRoundMs = performance.now() - roundStarted;
        const loopMedian = median(rounds.map((r) => r.loopMs));
        const singleMedian = median(rounds.map((r) => r.singleMs));
        report({ phase: 'round', round, sampledParents: sample.length, loopMs: loopMedian, singleMs: singleMedian });
        if (
          rounds.length >= minRounds &&
          spreadOf(rounds.map((r) => (r.singleMs > 0 ? r.loopMs / r.singleMs : Infinity))) <= clearSpread
        ) {
          stoppedBy = 'clear-ratio';
          break;
        }
      }
      // Cancelled before a measured round ended: the warm-up round is the best there is.
      const used =
        rounds.length > 0 ? rounds : [{ loopMs: warmLoop.ms, singleMs: warmSingle, corrected: warmLoop.corrected }];
      const scans = scansBetween(scansBefore, await readTransactionScans(tx));

      let mismatches = combinedShape.rows === parents ? 0 : Math.abs(combinedShape.rows - parents);
      for (const [key, got] of combinedShape.children) {
        const expected = childCounts.get(key);
        if (expected !== undefined && expected !== got) mismatches++;
      }
      const samplesLoopMs = used.map((r) => r.loopMs);
      const samplesSingleMs = used.map((r) => r.singleMs);
      const loopMs = median(samplesLoopMs);
      const singleMs = median(samplesSingleMs);
      const sampled = sample.length;
      const extrapolated = sampled < parents;
      const corrected = used.filter((r) => r.corrected).length;
      const byChildren = totalChildren === undefined ? '' : ', ordered and weighted by their number of children';
      const correction =
        corrected === 0
          ? ''
          : `; the others' mean is corrected for how many children they hold against all the parents (by its line of time against children${corrected < used.length ? `, in ${corrected} of ${used.length} rounds` : ''})`;
      return {
        where: session.label,
        parents,
        roundTripsBefore: 1 + parents,
        roundTripsAfter: 1,
        loopMs,
        singleMs,
        samplesLoopMs,
        samplesSingleMs,
        ratio: singleMs > 0 ? loopMs / singleMs : Infinity,
        sampledParents: sampled,
        extrapolated,
        scaling: extrapolated
          ? `the loop ran the child query for ${formatCount(sampled)} of ${formatCount(parents)} parents (spread over them)${byChildren}${correction}; its time is the outer query's plus the first child query's plus the mean of the others × ${formatCount(parents - 1)}`
          : `the loop ran the child query for all ${formatCount(parents)} parents`,
        stoppedBy: rounds.length > 0 ? stoppedBy : 'cancelled',
        ratioSpread: spreadOf(used.map((r) => (r.singleMs > 0 ? r.loopMs / r.singleMs : Infinity))),
        sameShape: mismatches === 0,
        shapeNote:
          mismatches === 0
            ? `${parents} parents, each with the same number of children in both forms${extrapolated ? ` (checked for the ${formatCount(sampled)} sampled)` : ''}.`
            : `${mismatches} parent(s) differ in row count or number of children.`,
        scans,
      };
    },
    { statementTimeoutMs: options.statementTimeoutMs ?? 60_000 },
  );
}

/** Why the rounds stopped, for a person: "the ratio was clear after 3 rounds". */
export function stopText(m: NPlusOneMeasurement): string {
  const n = m.samplesLoopMs.length;
  const rounds = `${n} round${n === 1 ? '' : 's'}`;
  switch (m.stoppedBy) {
    case 'clear-ratio':
      return `the ratio was clear after ${rounds} (within ${Math.round(clearSpread * 100)} %)`;
    case 'max-rounds':
      return `${rounds}, the most asked for`;
    case 'time-budget':
      return `${rounds}, as many as the time budget allowed`;
    case 'cancelled':
      return `cancelled: the best result so far, from ${rounds}`;
  }
}
