/**
 * What the user is told while the index advisor builds and times its candidates (minutes on a large table), and
 * when they stop it: the same words in the editor's progress notification and its messages.
 */
import type { AdviseProgress } from './adviseIndexes';

/** "about 40 s left", "about 3 min left": seconds up to 90, then minutes. */
export function timeLeft(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return `about ${s < 90 ? `${s} s` : `${Math.round(s / 60)} min`} left`;
}

/**
 * "building index 2 of 3 (orders_user_id_idx) — about 40 s left": the builds left (this one included) at the
 * build rate measured so far; before the first build is timed the rate is a stated guess.
 */
export function buildProgressMessage(p: AdviseProgress): string {
  const guess = p.etaFromDefault ? ' (a guess until the first build is timed)' : '';
  return `building index ${p.index} of ${p.total} (${p.name}) — ${timeLeft(p.etaMs)}${guess}; Cancel keeps the best so far`;
}

/** Where a run of the advisors was when it was cancelled. */
export interface AdviceCancelPoint {
  /** The last step begun: proving rewrites, screening or building indexes, measuring a rewrite with its index. */
  step: 'starting' | 'rewrites' | 'indexes' | 'combination' | 'pre-aggregate';
  /** Candidate builds begun (0: none). */
  buildsStarted: number;
}

/**
 * The message for a run cancelled without a result to show. Before any build nothing was measured, so there is
 * no "best so far": it says so, rather than a bare "Cancelled.".
 */
export function cancelledAdviceMessage(action: string, at: AdviceCancelPoint): string {
  if (at.buildsStarted === 0) {
    const where =
      at.step === 'rewrites'
        ? 'while proving rewrites, '
        : at.step === 'indexes'
          ? 'while screening index candidates, '
          : '';
    return `${action} was cancelled ${where}before any candidate index was built: nothing was measured, so there is no advice to keep. Nothing was changed on the database.`;
  }
  return `${action} was cancelled after ${at.buildsStarted} candidate build${at.buildsStarted === 1 ? '' : 's'} began, before a result could be kept. Nothing was changed on the database.`;
}

/** "Stopped early: 1 of 3 candidates measured" in front of what was found, when the run was stopped while building. */
export function stoppedEarlyPrefix(reason: string | undefined): string {
  return reason && /^Stopped early/.test(reason) ? `${reason} — the best so far: ` : '';
}
