/**
 * One set of indexes for a workload: the advisor's per-statement candidates pooled, built together for real
 * in one rolled-back transaction, and pruned by measurement. An index goes when the statements that use it
 * keep (nearly) their measured time without it (another index of the pool serves them: a prefix, a full
 * index instead of a partial one, …). Then, under a size budget, the set of indexes or smaller forms of them
 * (without INCLUDE columns, leading key only) that saves the workload the most within it: each timed as the
 * only pooled index built, a set credited per statement with the best of its indexes on each table, so two
 * indexes that stand in for each other count once. The kept set is then timed built together (what is
 * reported), and its indexes take their plain names where free. Nothing outlives the transaction.
 */
import type { DatabaseSession, TransactionScope } from '../../db/session';
import { statementBody } from '../../db/explainStatement';
import { TunerError } from '../../errors';
import type { Plan } from '../../plan/planNode';
import { parsePlan } from '../../plan/parsePlan';
import type { IndexCandidate } from '../indexSuggestion';
import { candidateNameParts, indexName, isGeneratedName, qualifiedName, quoteIdentifier } from './identifiers';
import { candidateKey, indexBody, transactionalCreateSql } from './indexDdl';
import { median } from '../../median';
import { narrowerForms } from './narrowerForms';
import { bestSetWithinBudget, setGain, type OverlappingOption, type SetChoice } from './sizeBudget';

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

/** How the size budget chose, with what it measured: enough to check the choice against its inputs. */
export interface BudgetChoice {
  /** 'exact': the best set for what was measured; 'greedy': the pool was too large for the bounded search. */
  search: 'exact' | 'greedy';
  /**
   * Every option weighed: an index as pooled, or a smaller form (`form`) in its place; its real size and, per
   * statement, the ms it saved as the only pooled index built. Chosen ones under their final names.
   */
  options: Array<{
    index: string;
    form?: string;
    table: string;
    sizeBytes: number;
    gainsMs: Record<string, number>;
    chosen: boolean;
  }>;
  /** Per statement, the most a set is credited with: its saving with every pooled index built, or with the best one alone. */
  caps: Record<string, number>;
  /** What the chosen set saves per run of the workload by those figures (overlaps counted once) … */
  estimatedGainMs: number;
  /** … and measured with the kept indexes built together (the times reported). */
  measuredGainMs: number;
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
  /** When the pool did not fit `maxTotalBytes`: how the kept set was chosen. */
  budget?: BudgetChoice;
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
  /** Per statement, the pooled indexes its plan used with all of them built. */
  private readonly allUses = new Map<string, Set<string>>();
  /** Table per built index name. */
  private readonly tableOf = new Map<string, string>();
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
        const rows = await this.tx.query<{ size: string }>(
          'SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size',
          [qualifiedName(c.schema, c.name)],
        );
        this.sizes.set(c.name, Number(rows[0]?.size ?? 0));
        this.tableOf.set(c.name, c.table);
        built.push(c);
      } catch (err) {
        await this.tx.query('ROLLBACK TO SAVEPOINT workload_index');
        this.dropped.push({ candidate: c, reason: `could not be built: ${(err as Error).message}` });
      }
    }
    for (const s of this.statements) {
      const t = await this.time(s);
      this.all.set(s.id, t.ms);
      this.allUses.set(s.id, t.uses);
      this.current.set(s.id, t);
    }
    return built;
  }

  /**
   * Drops `c` inside a savepoint and re-times the statements whose plans use it. Kept dropped when `accept`
   * says so (given the extra milliseconds per run of the workload), else restored.
   */
  async tryDrop(
    c: IndexCandidate,
    accept: (lossMs: number, worst: { id: string; ms: number } | undefined) => boolean,
  ): Promise<{ dropped: boolean; lossMs: number }> {
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
      if (t.ms > this.allowed(s.id) && (!worst || t.ms - this.allowed(s.id) > worst.ms))
        worst = { id: s.id, ms: t.ms - this.allowed(s.id) };
    }
    if (accept(lossMs, worst)) {
      await this.tx.query('RELEASE SAVEPOINT workload_drop');
      for (const [id, t] of after) this.current.set(id, t);
      return { dropped: true, lossMs };
    }
    await this.tx.query('ROLLBACK TO SAVEPOINT workload_drop');
    return { dropped: false, lossMs };
  }

  /** What a statement saved with every pooled index built (the most a set of them is credited with). */
  savedWithAll(id: string): number {
    return Math.max(0, (this.none.get(id) ?? 0) - (this.all.get(id) ?? Infinity));
  }

  /**
   * In a savepoint rolled back afterwards: `c` (or its smaller form `form` in its place) the only index of `kept`
   * built; per statement that may use an index on c's table, the ms it saves against no pooled index, when its
   * plan uses the index and the saving is beyond noise. May use: it suggested an index on that table, or its
   * plan used one with every pooled index built; the others are not timed (a form is measured for what its
   * index's statements and their neighbours need, not for the whole workload).
   */
  async alone(
    c: IndexCandidate,
    kept: IndexCandidate[],
    form?: IndexCandidate,
  ): Promise<{ sizeBytes?: number; gains: Map<string, number> } | undefined> {
    const relevant = this.statements.filter(
      (s) =>
        s.candidates.some((x) => x.table === c.table) ||
        [...(this.allUses.get(s.id) ?? [])].some((name) => this.tableOf.get(name) === c.table),
    );
    const name = form?.name ?? c.name;
    await this.tx.query('SAVEPOINT workload_alone');
    try {
      for (const k of kept) if (k !== c || form) await this.tx.query(`DROP INDEX ${qualifiedName(k.schema, k.name)}`);
      let sizeBytes: number | undefined;
      if (form) {
        await this.tx.query(transactionalCreateSql(form));
        const rows = await this.tx.query<{ size: string }>(
          'SELECT pg_catalog.pg_relation_size(to_regclass($1))::int8 AS size',
          [qualifiedName(form.schema, form.name)],
        );
        sizeBytes = Number(rows[0]?.size ?? 0);
      }
      const gains = new Map<string, number>();
      for (const s of relevant) {
        const t = await this.time(s);
        const saved = (this.none.get(s.id) ?? 0) - t.ms;
        if (t.uses.has(name) && saved > (this.options.noiseMs ?? 0.1)) gains.set(s.id, saved);
      }
      return { sizeBytes, gains };
    } catch (err) {
      if (!form || (err instanceof TunerError && err.reason === 'cancelled')) throw err;
      return undefined;
    } finally {
      await this.tx.query('ROLLBACK TO SAVEPOINT workload_alone');
    }
  }

  /** `c` gone for good (within the transaction); the final timing re-times every statement. */
  async drop(c: IndexCandidate): Promise<void> {
    await this.tx.query(`DROP INDEX ${qualifiedName(c.schema, c.name)}`);
  }

  async replace(c: IndexCandidate, f: IndexCandidate): Promise<void> {
    await this.drop(c);
    await this.tx.query(transactionalCreateSql(f));
  }

  /** Names of the relations in the schemas of `kept`'s tables, theirs aside: what a kept index may not be called. */
  async namesInUse(kept: IndexCandidate[]): Promise<Map<string, Set<string>>> {
    const own = new Set(kept.map((k) => k.name));
    const out = new Map<string, Set<string>>();
    for (const k of kept) {
      const key = k.schema ?? '';
      if (out.has(key)) continue;
      const rows = await this.tx.query<{ name: string }>(
        'SELECT c.relname AS name FROM pg_catalog.pg_class c WHERE c.relnamespace = (SELECT t.relnamespace FROM pg_catalog.pg_class t WHERE t.oid = to_regclass($1))',
        [qualifiedName(k.schema, k.table)],
      );
      out.set(key, new Set(rows.map((r) => r.name).filter((n) => !own.has(n))));
    }
    return out;
  }

  async rename(c: IndexCandidate, name: string): Promise<void> {
    await this.tx.query(`ALTER INDEX ${qualifiedName(c.schema, c.name)} RENAME TO ${quoteIdentifier(name)}`);
  }

  async finalTimes(): Promise<Map<string, StatementTimes>> {
    const out = new Map<string, StatementTimes>();
    for (const s of this.statements) {
      const t = await this.time(s);
      out.set(s.id, {
        noneMs: this.none.get(s.id) ?? NaN,
        allMs: this.all.get(s.id) ?? NaN,
        keptMs: t.ms,
        keptIndexesUsed: [...t.uses].sort(),
      });
    }
    return out;
  }
}

/** One option of the size budget: an index as pooled, or a smaller form in its place. */
interface BudgetItem {
  index: IndexCandidate;
  form?: IndexCandidate;
}

function tableKey(c: IndexCandidate): string {
  return `${c.schema ?? ''}.${c.table}`;
}

/** What the statements save with an option alone, ms per run of the workload. */
function total(o: OverlappingOption<BudgetItem>): number {
  let sum = 0;
  for (const g of o.gains.values()) sum += g;
  return sum;
}

/**
 * Renames (within the transaction) each kept index whose name we generated with a number (`…_idx1`, the pool's
 * `…_2`) to the lowest of its names free against the relations of its schema and the other kept indexes. Names
 * already plain, or not ours, are kept first. Returns the new name per renamed index.
 */
async function finalNames(p: Pruner, kept: IndexCandidate[]): Promise<Map<IndexCandidate, string>> {
  const inUse = await p.namesInUse(kept);
  const claimed = new Map<string, Set<string>>();
  const taken = (k: IndexCandidate): Set<string> => {
    const key = k.schema ?? '';
    const set = claimed.get(key) ?? new Set(inUse.get(key) ?? []);
    claimed.set(key, set);
    return set;
  };
  const plain = (k: IndexCandidate): string =>
    indexName(k.table, candidateNameParts(k), 'idx', inUse.get(k.schema ?? '') ?? new Set());
  const movable = kept.filter((k) => k.name !== plain(k) && isGeneratedName(k.name, k));
  for (const k of kept) if (!movable.includes(k)) taken(k).add(k.name);
  const out = new Map<IndexCandidate, string>();
  for (const k of movable) {
    const name = indexName(k.table, candidateNameParts(k), 'idx', taken(k));
    taken(k).add(name);
    if (name !== k.name) out.set(k, name);
  }
  // Through a temporary name when the new name is still another kept index's (…_idx2 → …_idx1 → …_idx).
  const current = new Set(kept.map((k) => k.name));
  const clash = [...out.values()].some((name) => current.has(name));
  let n = 0;
  const moved = new Map<IndexCandidate, IndexCandidate>();
  for (const [k, name] of out) {
    if (!clash) {
      await p.rename(k, name);
      continue;
    }
    const temporary = { ...k, name: `workload_rename_${process.pid}_${n++}` };
    await p.rename(k, temporary.name);
    moved.set(k, temporary);
  }
  for (const [k, temporary] of moved) await p.rename(temporary, out.get(k) ?? k.name);
  return out;
}

/** Smaller forms tried per index when the pool does not fit the size budget. */
const maxFormsPerIndex = 3;

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} kB`;
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
          p.dropped.push({
            candidate: c,
            reason: `redundant: ${users.join(', ') || 'its statements'} keep their measured gain with the other indexes (${megabytes(size(c))} saved)`,
          });
        }
      }

      // Then the size budget. Each index, and each smaller form of it (without INCLUDE columns, leading key
      // only), is timed as the only pooled index built: per statement, what it saves. A set of them saves each
      // statement what the best of its indexes on a table saves (overlapping indexes count once), and the set
      // with the most of that within the budget is chosen (sizeBudget.ts), not greedily per byte.
      const budget = options.maxTotalBytes;
      let decided:
        | {
            choice: SetChoice<BudgetItem>;
            groups: Array<Array<OverlappingOption<BudgetItem>>>;
            caps: Map<string, number>;
            notes: Array<(nameOf: (k: IndexCandidate) => string) => void>;
          }
        | undefined;
      if (budget !== undefined && kept.reduce((s, c) => s + size(c), 0) > budget) {
        const inUse = await p.namesInUse(kept);
        const taken = new Set([
          ...candidates.map((c) => c.name),
          ...p.sizes.keys(),
          ...[...inUse.values()].flatMap((names) => [...names]),
        ]);
        const groups: Array<Array<OverlappingOption<BudgetItem>>> = [];
        for (const c of kept) {
          throwIfAborted(options.signal);
          const full = await p.alone(c, kept);
          const gains = full?.gains ?? new Map<string, number>();
          const group: Array<OverlappingOption<BudgetItem>> = [
            { item: { index: c }, sizeBytes: size(c), scope: tableKey(c), gains },
          ];
          if (gains.size > 0) {
            // The narrowest first: they free the most bytes.
            const forms = narrowerForms(c, undefined, taken).sort(
              (x, y) => x.keys.length + x.include.length - (y.keys.length + y.include.length),
            );
            for (const f of forms.slice(0, maxFormsPerIndex)) {
              const r = await p.alone(c, kept, f);
              if (r?.sizeBytes !== undefined && r.sizeBytes < size(c))
                group.push({ item: { index: c, form: f }, sizeBytes: r.sizeBytes, scope: tableKey(c), gains: r.gains });
            }
          }
          groups.push(group);
        }
        const caps = new Map(statements.map((st) => [st.id, p.savedWithAll(st.id)]));
        // The most a statement is credited with is its measured saving with everything built, or with the best index alone.
        for (const group of groups)
          for (const o of group) for (const [id, g] of o.gains) caps.set(id, Math.max(caps.get(id) ?? 0, g));
        const choice = bestSetWithinBudget(groups, budget, caps);
        const chosen = choice.picked.filter((o): o is OverlappingOption<BudgetItem> => o !== undefined);
        const next: IndexCandidate[] = [];
        const notes: Array<(nameOf: (k: IndexCandidate) => string) => void> = [];
        for (let i = 0; i < kept.length; i++) {
          const c = kept[i];
          const o = choice.picked[i];
          const alone = total(groups[i][0]);
          if (o && !o.item.form) {
            next.push(c);
          } else if (o?.item.form) {
            const f = o.item.form;
            await p.replace(c, f);
            formSizes.set(f, o.sizeBytes);
            next.push(f);
            // Written once the kept indexes have their final names.
            notes.push((nameOf) =>
              p.dropped.push({
                candidate: c,
                reason: `replaced by the smaller ${indexBody(f)} (${nameOf(f)}) to fit the size budget: ${megabytes(size(c))} → ${megabytes(o.sizeBytes)}, saving ${total(o).toFixed(1)} of its ${alone.toFixed(1)} ms per run of the workload alone`,
              }),
            );
          } else {
            await p.drop(c);
            const beside = setGain([...chosen, groups[i][0]], caps) - choice.gainMs;
            notes.push(() =>
              p.dropped.push({
                candidate: c,
                reason: `over the size budget: ${megabytes(size(c))} for ${alone.toFixed(1)} ms per run of the workload alone, ${Math.max(0, beside).toFixed(1)} beside the indexes kept; they gain more within the budget`,
              }),
            );
          }
        }
        kept = next;
        decided = { choice, groups, caps, notes };
      }

      // The kept indexes take their plain names where free: a name is unique against what exists and what is
      // kept, not against pooled indexes that went.
      const renames = await finalNames(p, kept);
      const nameOf = (k: IndexCandidate): string => renames.get(k) ?? k.name;
      kept = kept.map((k) => {
        const name = renames.get(k);
        if (name === undefined) return k;
        const r = { ...k, name };
        formSizes.set(r, size(k));
        formSizes.delete(k);
        return r;
      });
      let budgetChoice: BudgetChoice | undefined;
      if (decided) {
        const { choice, groups, caps, notes } = decided;
        budgetChoice = {
          search: choice.search,
          estimatedGainMs: choice.gainMs,
          measuredGainMs: NaN,
          caps: Object.fromEntries(caps),
          options: groups.flatMap((group, i) =>
            group.map((o) => {
              const chosen = choice.picked[i] === o;
              const index = chosen && !o.item.form ? nameOf(o.item.index) : o.item.index.name;
              const form = o.item.form && (chosen ? nameOf(o.item.form) : o.item.form.name);
              return {
                index,
                form,
                table: o.scope,
                sizeBytes: o.sizeBytes,
                gainsMs: Object.fromEntries(o.gains),
                chosen,
              };
            }),
          ),
        };
        for (const note of notes) note(nameOf);
      }

      const times = await p.finalTimes();
      // What the chosen set saves measured together, beside what the per-index timings made of it.
      if (budgetChoice)
        budgetChoice.measuredGainMs = [...times.values()].reduce((sum, t) => sum + (t.noneMs - t.keptMs), 0);
      const keptNames = new Set(kept.map((c) => c.name));
      const slower: SlowerStatement[] = [];
      for (const [id, t] of times) {
        t.keptIndexesUsed = t.keptIndexesUsed?.filter((name) => keptNames.has(name));
        const tolerance = (options.noiseMs ?? 0.1) + t.noneMs * (1 - (options.keepShare ?? 0.9));
        const indexes = t.keptIndexesUsed ?? [];
        if (indexes.length > 0 && t.keptMs > t.noneMs + tolerance)
          slower.push({ id, noneMs: t.noneMs, keptMs: t.keptMs, indexes });
      }
      return {
        kept,
        dropped: p.dropped,
        // The kept forms' sizes under their names (a kept index may have taken the name of a pooled one that went).
        sizes: new Map([...p.sizes, ...[...formSizes].map(([f, bytes]): [string, number] => [f.name, bytes])]),
        pooledBytes: candidates.reduce((s, c) => s + size(c), 0),
        keptBytes: kept.reduce((s, c) => s + size(c), 0),
        times,
        slower,
        budget: budgetChoice,
      };
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
}
