/**
 * Past plans per statement, so "Compare with previous" is one click. Pure: the extension keeps the
 * serialised text in its workspace storage; nothing here touches the disk or a clock it was not given.
 * Statements are keyed by libpg-query's fingerprint (the same statement with other constants or spacing
 * shares a history); the parser must be loaded (`loadParser()`) before `add`/`entries` with SQL text.
 */
import { fingerprintSql } from '../sql/parser';

export interface PlanHistoryEntry {
  /** Unique within the history: "<fingerprint>-<sequence>". */
  id: string;
  fingerprint: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** The connection it ran on ("prod-replica", "Embedded (workspace schema)"); absent for a pasted plan. */
  connectionLabel?: string;
  /** Non-default planner settings at the time (EXPLAIN (SETTINGS) or what the session set). */
  settings?: Record<string, string>;
  /** The statement as explained. */
  sql: string;
  /** The raw EXPLAIN output, as parsePlan takes it. */
  rawPlan: string;
  /** For listing without parsing: execution time (or total cost when not analysed). */
  executionTimeMs?: number;
  totalCost?: number;
}

export type NewPlanHistoryEntry = Omit<PlanHistoryEntry, 'id' | 'fingerprint' | 'timestamp'> & { timestamp?: number };

export interface PlanHistoryOptions {
  /** Plans kept per statement; the oldest go first. Default 20. */
  maxPerStatement?: number;
  /** Statements kept; the least recently added-to go first. Default 200. */
  maxStatements?: number;
}

interface SerialisedHistory {
  version: 1;
  sequence: number;
  statements: Array<{ fingerprint: string; entries: PlanHistoryEntry[] }>;
}

/** A statement's history key: the parser's fingerprint, or for text it can't parse, a hash of the normalised text. */
export function statementKey(sql: string): string {
  try {
    return fingerprintSql(sql);
  } catch {
    const text = sql.replace(/\s+/g, ' ').trim().toLowerCase();
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    return `text-${h.toString(16).padStart(8, '0')}`;
  }
}

export class PlanHistory {
  private readonly maxPerStatement: number;
  private readonly maxStatements: number;
  /** Insertion order of the map is recency: a statement that gets a plan moves to the end. */
  private readonly byStatement = new Map<string, PlanHistoryEntry[]>();
  private sequence = 0;

  constructor(options: PlanHistoryOptions = {}) {
    this.maxPerStatement = Math.max(1, options.maxPerStatement ?? 20);
    this.maxStatements = Math.max(1, options.maxStatements ?? 200);
  }

  /** Records a plan; returns the stored entry. */
  add(entry: NewPlanHistoryEntry): PlanHistoryEntry {
    const fingerprint = statementKey(entry.sql);
    const stored: PlanHistoryEntry = {
      ...entry,
      id: `${fingerprint}-${++this.sequence}`,
      fingerprint,
      timestamp: entry.timestamp ?? Date.now(),
    };
    const list = this.byStatement.get(fingerprint) ?? [];
    this.byStatement.delete(fingerprint);
    list.push(stored);
    list.sort((a, b) => a.timestamp - b.timestamp);
    while (list.length > this.maxPerStatement) list.shift();
    this.byStatement.set(fingerprint, list);
    while (this.byStatement.size > this.maxStatements) {
      const oldest = this.byStatement.keys().next().value;
      if (oldest === undefined) break;
      this.byStatement.delete(oldest);
    }
    return stored;
  }

  /** The statement's plans, oldest first. */
  entries(sql: string): PlanHistoryEntry[] {
    return [...(this.byStatement.get(statementKey(sql)) ?? [])];
  }

  entriesByFingerprint(fingerprint: string): PlanHistoryEntry[] {
    return [...(this.byStatement.get(fingerprint) ?? [])];
  }

  latest(sql: string): PlanHistoryEntry | undefined {
    const list = this.byStatement.get(statementKey(sql));
    return list?.[list.length - 1];
  }

  /** The plan before the latest one: what "Compare with previous" compares the latest with. */
  previous(sql: string): PlanHistoryEntry | undefined {
    const list = this.byStatement.get(statementKey(sql));
    return list && list.length >= 2 ? list[list.length - 2] : undefined;
  }

  get(id: string): PlanHistoryEntry | undefined {
    for (const list of this.byStatement.values()) {
      const found = list.find((e) => e.id === id);
      if (found) return found;
    }
    return undefined;
  }

  remove(id: string): boolean {
    for (const [key, list] of this.byStatement) {
      const i = list.findIndex((e) => e.id === id);
      if (i < 0) continue;
      list.splice(i, 1);
      if (list.length === 0) this.byStatement.delete(key);
      return true;
    }
    return false;
  }

  clear(): void {
    this.byStatement.clear();
  }

  /** Number of statements with at least one plan. */
  get statementCount(): number {
    return this.byStatement.size;
  }

  serialise(): string {
    const data: SerialisedHistory = {
      version: 1,
      sequence: this.sequence,
      statements: [...this.byStatement].map(([fingerprint, entries]) => ({ fingerprint, entries })),
    };
    return JSON.stringify(data);
  }

  /** Reads what `serialise` wrote; anything unreadable gives an empty history rather than an error (it is a cache). */
  static deserialise(text: string | undefined, options: PlanHistoryOptions = {}): PlanHistory {
    const history = new PlanHistory(options);
    if (!text) return history;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return history;
    }
    if (!isSerialised(data)) return history;
    history.sequence = data.sequence;
    for (const { fingerprint, entries } of data.statements) {
      const valid = entries
        .filter(isEntry)
        .sort((a, b) => a.timestamp - b.timestamp)
        .slice(-history.maxPerStatement);
      if (valid.length) history.byStatement.set(fingerprint, valid);
    }
    while (history.byStatement.size > history.maxStatements) {
      const oldest = history.byStatement.keys().next().value;
      if (oldest === undefined) break;
      history.byStatement.delete(oldest);
    }
    return history;
  }
}

function isSerialised(v: unknown): v is SerialisedHistory {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Partial<SerialisedHistory>;
  return (
    d.version === 1 &&
    typeof d.sequence === 'number' &&
    Array.isArray(d.statements) &&
    d.statements.every(
      (s) => typeof s === 'object' && s !== null && typeof s.fingerprint === 'string' && Array.isArray(s.entries),
    )
  );
}

function isEntry(v: unknown): v is PlanHistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Partial<PlanHistoryEntry>;
  return (
    typeof e.id === 'string' &&
    typeof e.fingerprint === 'string' &&
    typeof e.timestamp === 'number' &&
    typeof e.sql === 'string' &&
    typeof e.rawPlan === 'string'
  );
}
