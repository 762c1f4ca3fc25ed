/**
 * The raw EXPLAIN text of the plans shown lately, by the plan view's result key, in files under one folder
 * (the workspace's storage). The webview never gets the raw text (it is as large as the plan), so what it saves
 * for a reload lacks it; a panel revived after a reload reads it back here, and Copy Plan as JSON and Copy for
 * Sharing work on the plan as PostgreSQL printed it. Bounded: the newest `limit` plans, the oldest evicted.
 * Plain Node code with the folder injected (no vscode import), so it is tested without an editor.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TuningResult } from '../../core/pipeline/tuningResult';

/** Result keys are ours (`planPanel.ts`); anything else (the key comes back from webview state) is refused. */
const keyPattern = /^[A-Za-z0-9_-]{1,64}$/;
const indexFile = 'index.json';

export class RawPlanStore {
  /** Keys, oldest first; loaded from the index file on first use. */
  private keys: string[] | undefined;
  /** Writes run one after another, so the index and the files agree. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly limit = 20,
  ) {}

  /** Keeps `rawPlan` under `key` (the newest), evicting the oldest beyond the limit. */
  put(key: string, rawPlan: string): Promise<void> {
    if (!keyPattern.test(key) || rawPlan === '') return Promise.resolve();
    return this.enqueue(async () => {
      const keys = await this.loadKeys();
      await mkdir(this.dir, { recursive: true });
      await writeAtomically(this.fileOf(key), rawPlan);
      const kept = keys.filter((k) => k !== key);
      kept.push(key);
      const evicted = kept.splice(0, Math.max(0, kept.length - this.limit));
      this.keys = kept;
      await writeAtomically(join(this.dir, indexFile), JSON.stringify(kept));
      await Promise.all(evicted.map((k) => unlink(this.fileOf(k)).catch(() => undefined)));
    });
  }

  /** The raw plan kept under `key`, if it is still there. */
  async get(key: string): Promise<string | undefined> {
    if (!keyPattern.test(key)) return undefined;
    await this.queue;
    const keys = await this.loadKeys();
    if (!keys.includes(key)) return undefined;
    return readFile(this.fileOf(key), 'utf8').catch(() => undefined);
  }

  /** The keys kept, oldest first. */
  async list(): Promise<string[]> {
    await this.queue;
    return [...(await this.loadKeys())];
  }

  private fileOf(key: string): string {
    return join(this.dir, `${key}.txt`);
  }

  private async loadKeys(): Promise<string[]> {
    if (this.keys) return this.keys;
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.dir, indexFile), 'utf8'));
      this.keys = Array.isArray(parsed)
        ? parsed.filter((k): k is string => typeof k === 'string' && keyPattern.test(k))
        : [];
    } catch {
      // No index yet (or a damaged one): start empty; files it named are overwritten or left to eviction.
      this.keys = [];
    }
    return this.keys;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    // One failed write must not stop the ones after it; its caller still sees the failure.
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** What the panel uses of the store. */
export interface RawPlanAccess {
  put(key: string, rawPlan: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
}

/** A result as the panel names it: a single plan's `resultKey`, or a comparison's `beforeKey` / `afterKey`. */
export interface KeyedResult {
  key: string | undefined;
  result: TuningResult;
}

/** Keeps the raw text of shown results (a comparison's two sides, in order) under their keys. */
export async function keepRawPlans(store: RawPlanAccess, shown: readonly KeyedResult[]): Promise<void> {
  for (const { key, result } of shown) {
    if (key && result.rawPlan) await store.put(key, result.rawPlan);
  }
}

/**
 * Puts the kept raw text back into results revived from the view's saved state without it (in place: the panel
 * already holds these objects). Resolves with how many came back; a key no longer kept leaves its result as is.
 */
export async function readBackRawPlans(store: RawPlanAccess, revived: readonly KeyedResult[]): Promise<number> {
  let found = 0;
  for (const { key, result } of revived) {
    if (!key || result.rawPlan) continue;
    const raw = await store.get(key);
    if (raw) {
      result.rawPlan = raw;
      found++;
    }
  }
  return found;
}

/** Another window of the same workspace may read while this one writes: readers see the old or the new file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
