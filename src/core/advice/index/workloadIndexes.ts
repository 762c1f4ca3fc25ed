/**
 * One set of indexes for a workload: the advisor's per-statement candidates pooled, built together for real
 * in one rolled-back transaction, and pruned by measurement. An index goes when the statements that use it
 * keep (nearly) their measured time without it (another index of the pool serves them: a prefix, a full
 * index instead of a partial one, …); then, under a size budget, the indexes or smaller forms of them (without
 * INCLUDE columns, leading key only) whose measured gains add up to the most within it. Nothing outlives the
 * transaction.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { statementBody } from '../../db/explainStatement';
import { TunerError } from '../../errors';
import type { Plan } from '../../plan/planNode';
import { parsePlan } from '../../plan/parsePlan';
import type { IndexCandidate } from '../indexSuggestion';
import { qualifiedName } from './identifiers';
import { candidateKey, indexBody, transactionalCreateSql } from './indexDdl';
import { median } from '../median';
import { narrowerForms } from './narrowerForms';
import { bestWithinBudget, type SizedOption } from './sizeBudget';

export interface WorkloadStatement {
  id: string;
  sql: string;
  params?: unknown[];
  /** The candidates the advisor suggested for this statement. */
  candidates: IndexCandidate[];
}

export interface WorkloadIndexOptions {
  /** Runs per timing, median taken (default 3). */
  samples?: number;
  /** A statement must keep at least this share of its measured saving when an index goes (default 0.9). */
  keepShare?: number;
  /** Total size the kept indexes may take, bytes: the indexes, or smaller forms of them, with the most measured gain that fit. */
  maxTotalBytes?: number;
  /** Differences below this are timing noise, ms (default 0.1). */
  noiseMs?: number;
  signal?: AbortSignal;
  statementTimeoutMs?: number;
}

export interface StatementTimes {
  noneMs: number;
  /** With every pooled index built. */
  allMs: number;
  /** With the kept indexes only. */
  keptMs: number;
  /** The kept indexes its plan uses, with the kept indexes only. */
  keptIndexesUsed?: string[];
}

/** A statement of the workload slower with the kept indexes than with none: the price of indexes kept for others. */
export interface SlowerStatement {
  id: string;
  noneMs: number;
  keptMs: number;
  /** The kept indexes its plan uses (what makes it slower). */
  indexes: string[];
}

export interface WorkloadIndexChoice {
  kept: IndexCandidate[];
  dropped: Array<{ candidate: IndexCandidate; reason: string }>;
  /** Real size per index name (pg_relation_size), bytes. */
  sizes: Map<string, number>;
  /** Sizes of everything pooled, and of what is kept. */
  pooledBytes: number;
  keptBytes: number;
  times: Map<string, StatementTimes>;
  /**
   * Statements whose plan uses a kept index and that run slower than with no index at all (beyond `noiseMs`
   * and the `keepShare` tolerance): an index is kept for the gain of others, never silently at their expense.
   */
  slower?: SlowerStatement[];
}


function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

function indexesUsed(plan: Plan): Set<string> {
  const out = new Set<string>();
  for (const n of plan.nodes) {
    const name = n.fields['Index Name'];
    if (typeof name === 'string') out.add(name);
  }
  return out;
}

/** Candidates once each; two different candidates that came with the same name get distinct names. */
function pool(statements: WorkloadStatement[]): { candidates: IndexCandidate[]; byStatement: Map<string, string[]> } {
  const candidates: IndexCandidate[] = [];
  const byStatement = new Map<string, string[]>();
  const names = new Set<string>();
  for (const s of statements) {
    const mine: string[] = [];
    for (const c of s.candidates) {
      const same = candidates.find((p) => candidateKey(p) === candidateKey(c));
      if (same) {
        mine.push(same.name);
        continue;
      }
      let name = c.name;
      for (let n = 2; names.has(name); n++) name = `${c.name.slice(0, 60)}_${n}`;
      names.add(name);
      candidates.push({ ...c, name });
      mine.push(name);
    }
    byStatement.set(s.id, mine);
  }
  return { candidates, byStatement };
}

class Pruner {
  readonly sizes = new Map<string, number>();
  readonly dropped: WorkloadIndexChoice['dropped'] = [];
  private readonly none = new Map<string, number>();
  private readonly all = new Map<string, number>();
  private readonly current = new Map<string, { ms: number; uses: Set<string> }>();

  constructor(
    private readonly tx: TransactionScope,
    private readonly statements: WorkloadStatement[],
    private readonly options: WorkloadIndexOptions,
  ) {}

  private async time(s: WorkloadStatement): Promise<{ ms: number; uses: Set<string> }> {
    throwIfAborted(this.options.signal);
    const runs: Array<{ ms: number; plan: Plan }> = [];
    for (let i = 0; i < (this.options.samples ?? 3); i++) {
      // TIMING OFF: per-row clock reads would charge a plan by the rows it streams, not by its work.
      const plan = parsePlan(await this.tx.explainJson(statementBody(s.sql), 'ANALYZE, TIMING OFF', s.params));
      runs.push({ ms: plan.executionTimeMs ?? plan.totals.timeMs, plan });
    }
    const ms = median(runs.map((r) => r.ms));
    const mid = runs.reduce((b, r) => (Math.abs(r.ms - ms) < Math.abs(b.ms - ms) ? r : b), runs[0]);
    return { ms, uses: indexesUsed(mid.plan) };
  }

  /** The most a statement may take once indexes go: its time with all of them plus the tolerated share of the saving. */
  private allowed(id: string): number {
    const none = this.none.get(id) ?? Infinity;
    const all = this.all.get(id) ?? 0;
    return all + Math.max(0, none - all) * (1 - (this.options.keepShare ?? 0.9)) + (this.options.noiseMs ?? 0.1);
  }

  async measureNone(): Promise<void> {
    for (const s of this.statements) this.none.set(s.id, (await this.time(s)).ms);
  }

  async build(candidates: IndexCandidate[]): Promise<IndexCandidate[]> {
    const built: IndexCandidate[] = [];
    for (const c of candidates) {
      throwIfAborted(this.options.signal);
      await this.tx.query('SAVEPOINT workload_index');
      try {
        await this.tx.query(transactionalCreateSql(c));
        await this.tx.query('RELEASE SAVEPOINT workload_index');
        const rows = await this.tx.query<{ size: string }>('SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size', [qualifiedName(c.schema, c.name)]);
        this.sizes.set(c.name, Number(rows[0]?.size ?? 0));
        built.push(c);
      } catch (err) {
        await this.tx.query('ROLLBACK TO SAVEPOINT workload_index');
        this.dropped.push({ candidate: c, reason: `could not be built: ${(err as Error).message}` });
      }
    }
    for (const s of this.statements) {
      const t = await this.time(s);
      this.all.set(s.id, t.ms);
      this.current.set(s.id, t);
    }
    return built;
  }

  /**
   * Drops `c` inside a savepoint and re-times the statements whose plans use it. Kept dropped when `accept`
   * says so (given the extra milliseconds per run of the workload), else restored.
   */
  async tryDrop(c: IndexCandidate, accept: (lossMs: number, worst: { id: string; ms: number } | undefined) => boolean): Promise<{ dropped: boolean; lossMs: number }> {
    const affected = this.statements.filter((s) => this.current.get(s.id)?.uses.has(c.name));
    await this.tx.query('SAVEPOINT workload_drop');
    await this.tx.query(`DROP INDEX ${qualifiedName(c.schema, c.name)}`);
    const after = new Map<string, { ms: number; uses: Set<string> }>();
    let lossMs = 0;
    let worst: { id: string; ms: number } | undefined;
    for (const s of affected) {
      const t = await this.time(s);
      after.set(s.id, t);
      lossMs += Math.max(0, t.ms - (this.current.get(s.id)?.ms ?? 0));
      if (t.ms > this.allowed(s.id) && (!worst || t.ms - this.allowed(s.id) > worst.ms)) worst = { id: s.id, ms: t.ms - this.allowed(s.id) };
    }
    if (accept(lossMs, worst)) {
      await this.tx.query('RELEASE SAVEPOINT workload_drop');
      for (const [id, t] of after) this.current.set(id, t);
      return { dropped: true, lossMs };
    }
    await this.tx.query('ROLLBACK TO SAVEPOINT workload_drop');
    return { dropped: false, lossMs };
  }

  /**
   * In a savepoint rolled back afterwards: `c` replaced by its smaller form `f`; the extra milliseconds per run
   * of the workload for the statements whose plans used `c`, and the real size of `f`.
   */
  async tryForm(c: IndexCandidate, f: IndexCandidate): Promise<{ lossMs: number; sizeBytes: number } | undefined> {
    const affected = this.statements.filter((s) => this.current.get(s.id)?.uses.has(c.name));
    await this.tx.query('SAVEPOINT workload_form');
    try {
      await this.tx.query(`DROP INDEX ${qualifiedName(c.schema, c.name)}`);
      await this.tx.query(transactionalCreateSql(f));
      const rows = await this.tx.query<{ size: string }>('SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size', [qualifiedName(f.schema, f.name)]);
      let lossMs = 0;
      for (const s of affected) lossMs += Math.max(0, (await this.time(s)).ms - (this.current.get(s.id)?.ms ?? 0));
      return { lossMs, sizeBytes: Number(rows[0]?.size ?? 0) };
    } catch (err) {
      if (err instanceof TunerError && err.reason === 'cancelled') throw err;
      return undefined;
    } finally {
      await this.tx.query('ROLLBACK TO SAVEPOINT workload_form');
    }
  }

  /**
   * `c` replaced by `f` for good (within the transaction); the statements that used `c` re-timed. `f` takes
   * `c`'s name when its own is only `c`'s with a number appended (the name was taken by `c` when `f` was named).
   */
  async replace(c: IndexCandidate, form: IndexCandidate): Promise<IndexCandidate> {
    const renamed = form.name.startsWith(c.name) && /^\d+$/.test(form.name.slice(c.name.length));
    const f = renamed ? { ...form, name: c.name } : form;
    const affected = this.statements.filter((s) => this.current.get(s.id)?.uses.has(c.name));
    await this.tx.query(`DROP INDEX ${qualifiedName(c.schema, c.name)}`);
    await this.tx.query(transactionalCreateSql(f));
    for (const s of affected) this.current.set(s.id, await this.time(s));
    return f;
  }

  async finalTimes(): Promise<Map<string, StatementTimes>> {
    const out = new Map<string, StatementTimes>();
    for (const s of this.statements) {
      const t = await this.time(s);
      out.set(s.id, { noneMs: this.none.get(s.id) ?? NaN, allMs: this.all.get(s.id) ?? NaN, keptMs: t.ms, keptIndexesUsed: [...t.uses].sort() });
    }
    return out;
  }
}

/** Smaller forms tried per index when the pool does not fit the size budget. */
const maxFormsPerIndex = 3;

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/**
 * Pools the per-statement candidates and keeps the smallest set that keeps every statement's measured gain
 * (within `keepShare`), then fits `maxTotalBytes` when given. Builds only in a rolled-back transaction:
 * the caller decides that the session may build (never a production or read-only connection).
 */
export async function consolidateWorkloadIndexes(
  session: DatabaseSession,
  statements: WorkloadStatement[],
  options: WorkloadIndexOptions = {},
): Promise<WorkloadIndexChoice> {
  const run = session.inTransaction?.bind(session);
  if (!run) throw new TunerError('bad-input', `The session ${session.label} cannot run a rolled-back transaction.`);
  const { candidates, byStatement } = pool(statements);
  return run(
    async (tx) => {
      const p = new Pruner(tx, statements, options);
      await p.measureNone();
      let kept = await p.build(candidates);
      // A smaller form that replaced an index may carry its name: its size is kept by object, not by name.
      const formSizes = new Map<IndexCandidate, number>();
      const size = (c: IndexCandidate): number => formSizes.get(c) ?? p.sizes.get(c.name) ?? 0;

      // Redundant first: largest first, so that a wide index gives way to a narrower one that serves as well.
      for (const c of [...kept].sort((a, b) => size(b) - size(a))) {
        const r = await p.tryDrop(c, (_loss, worst) => worst === undefined);
        if (r.dropped) {
          kept = kept.filter((k) => k !== c);
          const users = [...byStatement].filter(([, names]) => names.includes(c.name)).map(([id]) => id);
          p.dropped.push({ candidate: c, reason: `redundant: ${users.join(', ') || 'its statements'} keep their measured gain with the other indexes (${megabytes(size(c))} saved)` });
        }
      }

      // Then the size budget. Each index's gain is its measured loss when it alone goes; each smaller form's
      // (without INCLUDE columns, leading key only) its loss when it alone replaces the index. The best total
      // gain within the budget is chosen over all of them at once (sizeBudget.ts), not greedily per byte.
      const budget = options.maxTotalBytes;
      if (budget !== undefined && kept.reduce((s, c) => s + size(c), 0) > budget) {
        const taken = new Set([...candidates.map((c) => c.name), ...p.sizes.keys()]);
        const groups: Array<Array<SizedOption<{ index: IndexCandidate; form?: IndexCandidate }>>> = [];
        const lossIfGone = new Map<IndexCandidate, number>();
        for (const c of kept) {
          throwIfAborted(options.signal);
          const loss = (await p.tryDrop(c, () => false)).lossMs;
          lossIfGone.set(c, loss);
          const group: Array<SizedOption<{ index: IndexCandidate; form?: IndexCandidate }>> = [{ item: { index: c }, sizeBytes: size(c), gainMs: loss }];
          if (loss > (options.noiseMs ?? 0.1)) {
            // The narrowest first: they free the most bytes.
            const forms = narrowerForms(c, undefined, taken).sort((a, b) => a.keys.length + a.include.length - (b.keys.length + b.include.length));
            for (const f of forms.slice(0, maxFormsPerIndex)) {
              const r = await p.tryForm(c, f);
              if (r && r.sizeBytes < size(c)) group.push({ item: { index: c, form: f }, sizeBytes: r.sizeBytes, gainMs: loss - r.lossMs });
            }
          }
          groups.push(group);
        }
        const picked = bestWithinBudget(groups, budget);
        const next: IndexCandidate[] = [];
        for (let i = 0; i < kept.length; i++) {
          const c = kept[i];
          const o = picked[i];
          if (o && !o.item.form) {
            next.push(c);
          } else if (o?.item.form) {
            const f = await p.replace(c, o.item.form);
            formSizes.set(f, o.sizeBytes);
            next.push(f);
            p.dropped.push({ candidate: c, reason: `replaced by the smaller ${indexBody(f)}${f.name === c.name ? ' under the same name' : ` (${f.name})`} to fit the size budget: ${megabytes(size(c))} → ${megabytes(o.sizeBytes)}, keeping ${(o.gainMs).toFixed(1)} of ${(lossIfGone.get(c) ?? 0).toFixed(1)} ms per run of the workload` });
          } else {
            await p.tryDrop(c, () => true);
            p.dropped.push({ candidate: c, reason: `over the size budget: ${megabytes(size(c))} for ${(lossIfGone.get(c) ?? 0).toFixed(1)} ms per run of the workload; the indexes kept gain more within the budget` });
          }
        }
        kept = next;
      }

      const times = await p.finalTimes();
      const keptNames = new Set(kept.map((c) => c.name));
      const slower: SlowerStatement[] = [];
      for (const [id, t] of times) {
        t.keptIndexesUsed = t.keptIndexesUsed?.filter((name) => keptNames.has(name));
        const tolerance = (options.noiseMs ?? 0.1) + t.noneMs * (1 - (options.keepShare ?? 0.9));
        const indexes = t.keptIndexesUsed ?? [];
        if (indexes.length > 0 && t.keptMs > t.noneMs + tolerance) slower.push({ id, noneMs: t.noneMs, keptMs: t.keptMs, indexes });
      }
      return {
        kept,
        dropped: p.dropped,
        // The kept forms' sizes under their names (a form may have taken the name of the index it replaced).
        sizes: new Map([...p.sizes, ...[...formSizes].map(([f, bytes]): [string, number] => [f.name, bytes])]),
        pooledBytes: candidates.reduce((s, c) => s + size(c), 0),
        keptBytes: kept.reduce((s, c) => s + size(c), 0),
        times,
        slower,
      };
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}
