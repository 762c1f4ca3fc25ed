/**
 * The plan history of this workspace: core's `PlanHistory` kept in VS Code's workspace storage (a Memento),
 * written back after every plan added. Free of `vscode` so a unit test can hand it a fake Memento; the context
 * imports this module on first use (it brings the parser).
 */
import {
  PlanHistory,
  type NewPlanHistoryEntry,
  type PlanHistoryEntry,
  type PlanHistoryOptions,
} from '../../core/compare/planHistory';
import { loadParser } from '../../core/sql/parser';
import type { TuningResult } from '../../core/pipeline/tuningResult';

/** The part of `vscode.Memento` the store uses. */
export interface HistoryMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface PlanHistoryStoreOptions extends PlanHistoryOptions {
  /**
   * A raw plan longer than this is not kept: workspace storage is one SQLite value per key, rewritten whole on
   * every add, and a 10,000-node plan's JSON runs to megabytes. Default 1,000,000 characters.
   */
  maxPlanChars?: number;
}

export const historyStorageKey = 'pgTuner.planHistory';
const defaultMaxPlanChars = 1_000_000;

export type RecordOutcome = { recorded: PlanHistoryEntry } | { skipped: string };

export class PlanHistoryStore {
  private history: PlanHistory | undefined;
  /** Adds run one after the other, so two quick explains can't interleave their read-modify-write. */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly maxPlanChars: number;

  constructor(
    private readonly memento: HistoryMemento,
    private readonly options: PlanHistoryStoreOptions = {},
  ) {
    this.maxPlanChars = options.maxPlanChars ?? defaultMaxPlanChars;
  }

  /** Records an explained result (one that ran on a connection and has SQL); returns what was stored or why not. */
  record(result: TuningResult, timestamp?: number): Promise<RecordOutcome> {
    const run = async (): Promise<RecordOutcome> => {
      if (!result.run) return { skipped: 'not explained on a connection (a pasted or saved plan)' };
      if (!result.sql.trim()) return { skipped: 'no SQL text' };
      if (!result.rawPlan) return { skipped: 'no raw EXPLAIN output' };
      if (result.rawPlan.length > this.maxPlanChars) {
        return {
          skipped: `the plan is ${result.rawPlan.length.toLocaleString('en-US')} characters, over the history's limit of ${this.maxPlanChars.toLocaleString('en-US')}`,
        };
      }
      const entry: NewPlanHistoryEntry = {
        sql: result.sql,
        rawPlan: result.rawPlan,
        connectionLabel: result.run.sessionLabel,
        settings: result.plan.settings,
        executionTimeMs: result.plan.executionTimeMs,
        totalCost: result.plan.totals.cost,
        timestamp,
      };
      const history = await this.load();
      const recorded = history.add(entry);
      await this.memento.update(historyStorageKey, history.serialise());
      return { recorded };
    };
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** Waits for adds in flight (a compare right after an explain must see that explain). */
  async settled(): Promise<void> {
    await this.writes;
  }

  /** The statement's plans, oldest first. */
  async entries(sql: string): Promise<PlanHistoryEntry[]> {
    await this.settled();
    return (await this.load()).entries(sql);
  }

  /** The latest plan of the statement and the one before it, when there are two. */
  async latestTwo(sql: string): Promise<{ previous: PlanHistoryEntry; latest: PlanHistoryEntry } | undefined> {
    const list = await this.entries(sql);
    return list.length >= 2 ? { previous: list[list.length - 2], latest: list[list.length - 1] } : undefined;
  }

  async statementCount(): Promise<number> {
    await this.settled();
    return (await this.load()).statementCount;
  }

  async clear(): Promise<void> {
    await this.settled();
    (await this.load()).clear();
    await this.memento.update(historyStorageKey, undefined);
  }

  /** Statement keys are parser fingerprints: the parser is loaded before the history is first read. */
  private async load(): Promise<PlanHistory> {
    if (this.history) return this.history;
    await loadParser();
    this.history ??= PlanHistory.deserialise(this.memento.get<string>(historyStorageKey), this.options);
    return this.history;
  }
}
