/**
 * Which of several measured indexes for one table to keep. Timings taken minutes apart on a busy server differ
 * by noise; picking "the fastest" then flips between a 402 MB covering index and a 134 MB partial one from run
 * to run. Within noise, the smaller index is kept, so the same data gives the same advice in every command.
 */
import { formatMs } from '../../text/formatNumbers';

export interface TimedOption<T> {
  item: T;
  name: string;
  /** The median time with this index. */
  timeAfterMs: number;
  /** The runs behind the median: their spread is the noise of this measurement. */
  samplesMs: number[];
  /** Built size, else the estimated size; unknown counts as largest. */
  sizeBytes?: number;
}

export interface StableChoice<T> {
  pick: T;
  /** Why it was picked over a faster-measured one, for the user ("within noise of …"). */
  reason?: string;
}

function spread(samples: number[]): number {
  return samples.length > 1 ? Math.max(...samples) - Math.min(...samples) : 0;
}

/** Whether two medians differ by no more than the larger spread of their own runs. */
export function withinNoise(a: TimedOption<unknown>, b: TimedOption<unknown>): boolean {
  return Math.abs(a.timeAfterMs - b.timeAfterMs) <= Math.max(spread(a.samplesMs), spread(b.samplesMs));
}

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/**
 * The fastest option, unless a smaller one is within noise of it: then the smallest of those (its reason says
 * so). Faster beyond noise always wins, whatever its size.
 */
export function stableChoice<T>(options: Array<TimedOption<T>>): StableChoice<T> | undefined {
  if (options.length === 0) return undefined;
  const fastest = options.reduce((a, b) => (b.timeAfterMs < a.timeAfterMs ? b : a));
  const size = (o: TimedOption<T>): number => o.sizeBytes ?? Number.POSITIVE_INFINITY;
  const smallest = options
    .filter((o) => o === fastest || withinNoise(o, fastest))
    .reduce((a, b) => (size(b) < size(a) ? b : a));
  if (smallest === fastest || !(size(smallest) < size(fastest))) return { pick: fastest.item };
  const fastestSize = fastest.sizeBytes === undefined ? 'size unknown' : formatSize(fastest.sizeBytes);
  return {
    pick: smallest.item,
    reason: `Within noise of ${fastest.name} (${fastestSize}, ${formatMs(fastest.timeAfterMs)} against ${formatMs(smallest.timeAfterMs)}); the smaller one is chosen.`,
  };
}
