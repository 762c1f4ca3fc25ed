/**
 * One way of timing for every arm of bench:dashboard (floor, as written, best advice, pre-aggregated), so their
 * ratios compare like with like: inside one rolled-back transaction, the arm's setup (an index, a view, planner
 * settings) then EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) once unmeasured and `runs` times measured; the median
 * execution time. TIMING OFF: per-node clock reads would weigh on the plans that stream a million index entries
 * more than on the others. Nothing is kept: the transaction is rolled back.
 */
import type { PgSession } from '../../src/core/db/pgSession';
import { parsePlan } from '../../src/core/plan/parsePlan';
import type { Plan } from '../../src/core/plan/planNode';
import { median } from '../../src/core/median';
import { TunerError } from '../../src/core/errors';
import { formatMs } from '../../src/core/text/formatNumbers';

export interface Timing {
  ms: number;
  samplesMs: number[];
  /** The nodes that do the work, top-down, e.g. "Sort > HashAggregate > Index Only Scan orders_x (heap fetches 0)". */
  shape: string;
  plan: Plan;
}

export interface TimedArm {
  sql: string;
  params?: unknown[];
  /** Run first in the same transaction: CREATE INDEX, CREATE MATERIALIZED VIEW, SET LOCAL. */
  setup?: string[];
  runs?: number;
  timeoutMs: number;
}

/** Why an arm has no figure: it ran past the timeout (a lower bound), or failed. */
export class ArmFailed extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const passThrough = new Set(['Limit', 'Gather', 'Gather Merge', 'Hash', 'Memoize', 'Result']);

export function planShape(plan: Plan): string {
  return plan.nodes
    .filter((n) => !passThrough.has(String(n.fields['Node Type'])))
    .map((n) => {
      const type = String(n.fields['Node Type']);
      const strategy =
        n.fields['Strategy'] && n.fields['Strategy'] !== 'Plain' ? `${String(n.fields['Strategy'])} ` : '';
      const on = n.fields['Index Name'] ?? n.fields['Relation Name'];
      const heap = n.fields['Heap Fetches'] !== undefined ? ` (heap fetches ${String(n.fields['Heap Fetches'])})` : '';
      return `${type === 'Aggregate' ? `${strategy}Aggregate` : type}${on ? ` ${String(on)}` : ''}${heap}`;
    })
    .join(' > ');
}

export async function timeArm(session: PgSession, arm: TimedArm): Promise<Timing> {
  const runs = arm.runs ?? 3;
  try {
    return await session.inTransaction(
      async (tx) => {
        for (const sql of arm.setup ?? []) await tx.query(sql);
        const measured: Array<{ ms: number; plan: Plan }> = [];
        for (let i = 0; i <= runs; i++) {
          const plan = parsePlan(await tx.explainJson(arm.sql, 'ANALYZE, BUFFERS, TIMING OFF', arm.params));
          if (i > 0) measured.push({ ms: plan.executionTimeMs ?? plan.totals.timeMs, plan });
        }
        const ms = median(measured.map((m) => m.ms));
        const mid = measured.find((m) => m.ms === ms) ?? measured[0];
        return { ms, samplesMs: measured.map((m) => m.ms), shape: planShape(mid.plan), plan: mid.plan };
      },
      { statementTimeoutMs: arm.timeoutMs, lockTimeoutMs: 60_000 },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ArmFailed(message, err instanceof TunerError && err.reason === 'timeout');
  }
}

/** A timing, or why there is none (past the timeout: a lower bound). */
export type Outcome = { timing: Timing } | { failed: ArmFailed };

export async function attempt(run: () => Promise<Timing>): Promise<Outcome> {
  try {
    return { timing: await run() };
  } catch (err) {
    if (err instanceof ArmFailed) return { failed: err };
    throw err;
  }
}

export function describeOutcome(o: Outcome, timeoutMs: number): string {
  if ('timing' in o) return `${formatMs(o.timing.ms)} (${o.timing.samplesMs.map((x) => formatMs(x)).join(', ')})`;
  return o.failed.timedOut ? `> ${formatMs(timeoutMs)} (timed out)` : `failed: ${o.failed.message}`;
}
