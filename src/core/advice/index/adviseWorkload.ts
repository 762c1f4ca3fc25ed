/**
 * Index advice for a workload, not one statement: each read of the workload advised on its own (adviseIndexes),
 * the suggestions pooled into one set (consolidateWorkloadIndexes: redundant ones dropped by measurement,
 * overlaps counted once, a size budget when given), then per kept index the statements it serves with their
 * measured gain, what it costs the workload's writes (writeCost.ts), and the existing indexes it makes
 * redundant. Where nothing may be built (a server not marked non-production, a read-only connection) the set is
 * the advisor's estimated suggestions, labelled so, with no write cost. Nothing outlives a rolled-back transaction.
 */
import type { DatabaseSession } from '../../db/session';
import { isCancelled, TunerError } from '../../errors';
import { analyseStatement } from '../../sql/analyseStatement';
import { loadParser } from '../../sql/parser';
import type { IndexAdvice, IndexCandidate, IndexSuggestion } from '../indexSuggestion';
import { adviseIndexes } from './adviseIndexes';
import { candidateKey, createIndexSql, dropIndexSql } from './indexDdl';
import { indexesMadeRedundant, type RedundantIndex } from './redundantIndexes';
import { isReadOnlyConnection, regclassText } from './tableFacts';
import { consolidateWorkloadIndexes, type SlowerStatement, type WorkloadStatement } from './workloadIndexes';
import type { WorkloadEntry, WorkloadOrigin } from './workloadSources';
import { measureWriteCost, type WriteStatement, type WriteTiming } from './writeCost';

export interface WorkloadAdviceOptions {
  /** The caller marks the session as non-production: indexes may be built in rolled-back transactions. */
  allowMeasuredWhatIf: boolean;
  /** Total size the kept indexes may take, bytes (the workload merge's size budget); none by default. */
  maxTotalBytes?: number;
  samples?: number;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
  /** Progress, one short line per step. */
  onProgress?: (message: string) => void;
}

export type WorkloadStatementStatus =
  /** Timed with and without the index set. */
  | 'measured'
  /** Planned only: HypoPG or a generic plan (its `$n` have no values), or building was not allowed. */
  | 'estimated'
  /** A write: used to measure the write cost. */
  | 'write'
  | 'skipped';

export interface WorkloadStatementReport {
  id: string;
  sql: string;
  origin: WorkloadOrigin;
  valuesFrom?: string;
  status: WorkloadStatementStatus;
  /** Why skipped, or why only estimated. */
  reason?: string;
  /** Measured with no suggested index, and with the kept set (medians, ms per run). */
  noneMs?: number;
  keptMs?: number;
}

/** What an index does for one statement: measured times, or planner costs (HypoPG or a real index, planned only). */
export interface ServedStatement {
  statementId: string;
  /** 'rules': suggested by the rules and not planned (no HypoPG, nothing may be built); or served by a measured index's leading keys. */
  method: 'measured' | 'hypopg' | 'planner' | 'rules';
  beforeMs?: number;
  afterMs?: number;
  costBefore?: number;
  costAfter?: number;
}

export interface WorkloadIndex {
  candidate: IndexCandidate;
  createSql: string;
  rollbackSql: string;
  /** 'measured': built with the set and timed; 'estimated': planned only (HypoPG or a generic plan). */
  label: 'measured' | 'estimated';
  sizeBytes?: number;
  serves: ServedStatement[];
  writeCost:
    | { measured: true; timings: WriteTiming[]; failed: Array<{ statementId: string; reason: string }> }
    | {
        measured: false;
        reason: string;
      };
  makesRedundant: RedundantIndex[];
}

export interface WorkloadAdvice {
  /** The session label ("embedded", "user@host:5432/db"). */
  where: string;
  measured: boolean;
  /** Why nothing was built, when so. */
  measurementReason?: string;
  statements: WorkloadStatementReport[];
  indexes: WorkloadIndex[];
  /** Pooled suggestions the workload merge dropped, and why. */
  dropped: Array<{ name: string; createSql: string; reason: string }>;
  /** Statements slower with the kept set than with none (an index kept for others' gain). */
  slower: SlowerStatement[];
  /** Sums over the measured statements, ms per run of the workload (each statement once). */
  totals?: { noneMs: number; keptMs: number; keptBytes: number; pooledBytes: number };
  notes: string[];
}

interface Classified {
  entry: WorkloadEntry;
  report: WorkloadStatementReport;
  kind: 'read' | 'write' | 'skip';
  /** $n without values: planned generically (PostgreSQL 16+), never run. */
  generic: boolean;
  table?: { schema?: string; name: string };
}

function classify(entry: WorkloadEntry, versionNum: number, embedded: boolean): Classified {
  const report: WorkloadStatementReport = {
    id: entry.id,
    sql: entry.sql,
    origin: entry.origin,
    valuesFrom: entry.valuesFrom,
    status: 'skipped',
  };
  let facts;
  try {
    facts = analyseStatement(entry.sql);
  } catch (err) {
    report.reason = `does not parse: ${(err as Error).message}`;
    return { entry, report, kind: 'skip', generic: false };
  }
  const hasParams = facts.parameters.length > 0;
  if (facts.kind === 'select') {
    if (hasParams && versionNum < 160000) {
      report.reason = `its $n have no values (pg_stat_statements keeps no parameters and no copy with values was found) and PostgreSQL ${Math.floor(versionNum / 10000)} cannot plan it generically (16+ can)`;
      return { entry, report, kind: 'skip', generic: false };
    }
    if (hasParams && embedded) {
      // Planning with candidate indexes built in a rolled-back transaction sends the generic EXPLAIN with the
      // extended protocol, which wants values: it fails there, so it is not tried.
      report.reason =
        'its $n have no values, and the embedded database plans such a statement with candidate indexes only with values: give a copy with values';
      return { entry, report, kind: 'skip', generic: false };
    }
    report.status = hasParams ? 'estimated' : 'measured';
    if (hasParams) report.reason = 'its $n have no values: planned generically (EXPLAIN (GENERIC_PLAN)), not run';
    return { entry, report, kind: 'read', generic: hasParams };
  }
  if (facts.kind === 'insert' || facts.kind === 'update' || facts.kind === 'delete') {
    const target = facts.relations[0];
    const table = target && { schema: target.schema, name: target.name };
    if (hasParams) {
      report.reason = 'a write with $n and no values cannot be run to measure the write cost';
      return { entry, report, kind: 'skip', generic: false, table };
    }
    report.status = 'write';
    return { entry, report, kind: 'write', generic: false, table };
  }
  const kinds: Partial<Record<string, string>> = { ddl: 'DDL', merge: 'MERGE', copy: 'COPY', values: 'VALUES' };
  report.reason = `${kinds[facts.kind] ? `a ${kinds[facts.kind]}` : `a ${facts.kind === 'other' ? 'another kind of' : facts.kind}`} statement: only SELECTs are advised, and INSERT/UPDATE/DELETE timed as the writes`;
  return { entry, report, kind: 'skip', generic: false };
}

function estimateOf(s: IndexSuggestion, statementId: string): ServedStatement {
  if (s.measurement)
    return {
      statementId,
      method: 'measured',
      beforeMs: s.measurement.timeBeforeMs,
      afterMs: s.measurement.timeAfterMs,
    };
  if (s.estimate)
    return {
      statementId,
      method: s.estimate.method,
      costBefore: s.estimate.costBefore,
      costAfter: s.estimate.costAfter,
    };
  return { statementId, method: 'rules' };
}

/** A measured index whose leading keys are the suggestion's keys (same table, method and predicate): it serves the same scans. */
function coveringIndex(indexes: WorkloadIndex[], c: IndexCandidate): WorkloadIndex | undefined {
  const keyOf = (k: IndexCandidate['keys'][number]): string => k.column ?? k.expression ?? '';
  return indexes.find(
    (x) =>
      x.label === 'measured' &&
      x.candidate.table === c.table &&
      x.candidate.schema === c.schema &&
      x.candidate.method === c.method &&
      x.candidate.predicate === c.predicate &&
      c.keys.length <= x.candidate.keys.length &&
      c.keys.every((k, i) => keyOf(k) === keyOf(x.candidate.keys[i])),
  );
}

function adviceSummary(advice: IndexAdvice): string | undefined {
  if (advice.suggestions.length > 0) return undefined;
  const note = advice.notes.find((n) => n.kind !== 'hypopg-unavailable') ?? advice.notes[0];
  return note?.message ?? (advice.covered[0] ? advice.covered[0].note : undefined);
}

/**
 * Advises the workload's reads, merges the suggestions into one index set (measured where building is
 * allowed), and measures its cost on the workload's writes. `entries` in order of weight (most total time first).
 */
export async function adviseWorkload(
  session: DatabaseSession,
  entries: WorkloadEntry[],
  options: WorkloadAdviceOptions,
): Promise<WorkloadAdvice> {
  await loadParser();
  const progress = options.onProgress ?? ((): void => undefined);
  const server = await session.serverInfo();
  const classified = entries.map((e) => classify(e, server.versionNum, session.kind === 'embedded'));
  const readOnly = await isReadOnlyConnection(session);
  let measurementReason: string | undefined;
  if (readOnly) measurementReason = 'the connection is read-only';
  else if (!(session.kind === 'embedded' || options.allowMeasuredWhatIf))
    measurementReason = 'the connection is not marked as non-production (--allow-what-if)';
  else if (!session.inTransaction) measurementReason = 'this session cannot run a rolled-back transaction';
  const mayMeasure = measurementReason === undefined;
  const notes: string[] = [];

  const reads = classified.filter((c) => c.kind === 'read');
  const writes = classified.filter((c) => c.kind === 'write');
  // Siblings are planned as written (no values, no generic plan): only the statements that need neither.
  const plainReads = reads.filter((c) => !c.generic).map((c) => c.entry.sql);
  const advices = new Map<string, IndexAdvice>();
  for (const [i, c] of reads.entries()) {
    progress(`advising ${c.entry.id} (${i + 1} of ${reads.length})…`);
    try {
      const advice = await adviseIndexes(session, c.entry.sql, {
        // A generic plan is estimated with HypoPG, never with indexes built (see classify()).
        allowMeasuredWhatIf: options.allowMeasuredWhatIf && !c.generic,
        siblings: plainReads.filter((sql) => sql !== c.entry.sql),
        samples: options.samples,
        statementTimeoutMs: options.statementTimeoutMs,
        signal: options.signal,
      });
      advices.set(c.entry.id, advice);
      if (advice.suggestions.length === 0) c.report.reason = adviceSummary(advice) ?? 'no index to suggest';
    } catch (err) {
      if (isCancelled(err)) throw err;
      c.report.status = 'skipped';
      c.report.reason = `the advisor failed: ${(err as Error).message}`;
    }
  }
  const advised = reads.filter((c) => advices.has(c.entry.id));

  const indexes: WorkloadIndex[] = [];
  const dropped: WorkloadAdvice['dropped'] = [];
  let slower: SlowerStatement[] = [];
  let totals: WorkloadAdvice['totals'];
  // A statement the safety rules refuse to run (it reaches something a rollback cannot undo) is left out before
  // the merge times the workload: one refusal there would stop the whole set.
  const refused = mayMeasure
    ? await refusedToRun(
        session,
        advised.filter((c) => !c.generic),
        options,
      )
    : new Map<Classified, string>();
  for (const c of advised)
    if (refused.has(c)) {
      c.report.status = 'skipped';
      c.report.reason = `not run: ${refused.get(c)}`;
    }
  const timed = advised.filter((c) => !c.generic && !refused.has(c));
  const pooled = timed.some((c) => (advices.get(c.entry.id)?.suggestions.length ?? 0) > 0);
  if (mayMeasure && pooled) {
    progress(`merging the suggestions into one index set (${timed.length} statements timed)…`);
    const statements: WorkloadStatement[] = timed.map((c) => ({
      id: c.entry.id,
      sql: c.entry.sql,
      candidates: advices.get(c.entry.id)?.suggestions.map((s) => s.candidate) ?? [],
    }));
    const choice = await consolidateWorkloadIndexes(session, statements, {
      samples: options.samples,
      maxTotalBytes: options.maxTotalBytes,
      statementTimeoutMs: options.statementTimeoutMs,
      signal: options.signal,
    });
    for (const c of timed) {
      const t = choice.times.get(c.entry.id);
      if (t) Object.assign(c.report, { noneMs: t.noneMs, keptMs: t.keptMs });
    }
    for (const k of choice.kept) {
      const serves: ServedStatement[] = [];
      for (const [id, t] of choice.times)
        if (t.keptIndexesUsed?.includes(k.name))
          serves.push({ statementId: id, method: 'measured', beforeMs: t.noneMs, afterMs: t.keptMs });
      indexes.push(workloadIndex(k, 'measured', serves, choice.sizes.get(k.name)));
    }
    for (const d of choice.dropped)
      dropped.push({ name: d.candidate.name, createSql: createIndexSql(d.candidate), reason: d.reason });
    slower = choice.slower ?? [];
    const times = [...choice.times.values()];
    totals = {
      noneMs: times.reduce((s, t) => s + t.noneMs, 0),
      keptMs: times.reduce((s, t) => s + t.keptMs, 0),
      keptBytes: choice.keptBytes,
      pooledBytes: choice.pooledBytes,
    };
  }
  // Estimated suggestions: all of them when nothing may be built, else those of generically planned statements.
  for (const c of advised) {
    if (mayMeasure && !c.generic) continue;
    for (const s of advices.get(c.entry.id)?.suggestions ?? []) {
      const served = estimateOf(s, c.entry.id);
      const same =
        indexes.find((x) => candidateKey(x.candidate) === candidateKey(s.candidate)) ??
        coveringIndex(indexes, s.candidate);
      if (same) {
        // A measured index that serves it keeps its label; the statement's figure is the planner's, or none.
        const figure =
          candidateKey(same.candidate) === candidateKey(s.candidate)
            ? served
            : { ...served, method: 'rules' as const, costBefore: undefined, costAfter: undefined };
        if (!same.serves.some((x) => x.statementId === c.entry.id)) same.serves.push(figure);
        continue;
      }
      indexes.push(
        workloadIndex(s.candidate, 'estimated', [served], s.measurement?.sizeBytes ?? s.estimate?.estimatedSizeBytes),
      );
    }
  }
  for (const c of advised) if (!mayMeasure && !c.generic) c.report.status = 'estimated';
  if (!mayMeasure)
    for (const c of advised)
      c.report.reason ??= `nothing was built: ${measurementReason}; figures are the planner's estimates`;

  // The write cost of each measured index on the workload's writes to its table.
  const measuredIndexes = indexes.filter((x) => x.label === 'measured');
  const writeStatements: WriteStatement[] = writes.flatMap((c) =>
    c.table ? [{ id: c.entry.id, sql: c.entry.sql, table: c.table }] : [],
  );
  for (const x of indexes) {
    if (x.label !== 'measured')
      x.writeCost = {
        measured: false,
        reason: mayMeasure
          ? 'an estimated index (its statements have no values) is not built to time writes'
          : `not measured: ${measurementReason}`,
      };
    else if (!writeStatements.some((w) => w.table.name === x.candidate.table))
      x.writeCost = {
        measured: false,
        reason: classified.some((c) => c.kind === 'skip' && c.table?.name === x.candidate.table)
          ? 'the workload writes to this table only with $n and no values: not timed'
          : 'the workload has no INSERT, UPDATE or DELETE on this table',
      };
  }
  if (mayMeasure && measuredIndexes.length > 0 && writeStatements.length > 0) {
    progress(`timing ${writeStatements.length} write(s) without and with each index…`);
    const costs = await measureWriteCost(
      session,
      measuredIndexes.map((x) => x.candidate),
      writeStatements,
      // Writes take a fraction of a millisecond: more runs than a read for a median that means something.
      {
        samples: Math.max(options.samples ?? 3, 7),
        statementTimeoutMs: options.statementTimeoutMs,
        signal: options.signal,
      },
    );
    for (const cost of costs) {
      const x = measuredIndexes.find((i) => i.candidate.name === cost.index);
      if (x && (cost.timings.length > 0 || cost.failed.length > 0))
        x.writeCost = { measured: true, timings: cost.timings, failed: cost.failed };
    }
  }

  // Existing indexes each one makes redundant.
  const tables = [
    ...new Set(
      indexes.map((x) =>
        regclassText(x.candidate.schema ? `${x.candidate.schema}.${x.candidate.table}` : x.candidate.table),
      ),
    ),
  ];
  if (tables.length > 0) {
    const catalog = await session.catalogFor(tables);
    for (const x of indexes) x.makesRedundant = indexesMadeRedundant(x.candidate, catalog.indexes);
  }
  if (classified.every((c) => c.kind !== 'read'))
    notes.push('The workload has no SELECT that could be advised (see the statements skipped).');
  return {
    where: session.label,
    measured: mayMeasure && indexes.some((x) => x.label === 'measured'),
    measurementReason,
    statements: classified.map((c) => c.report),
    indexes,
    dropped,
    slower,
    totals,
    notes,
  };
}

/** The statements the rolled-back transaction's safety check refuses to run, with its reason. */
async function refusedToRun(
  session: DatabaseSession,
  statements: Classified[],
  options: WorkloadAdviceOptions,
): Promise<Map<Classified, string>> {
  const out = new Map<Classified, string>();
  const run = session.inTransaction?.bind(session);
  if (!run || statements.length === 0) return out;
  await run(
    async (tx) => {
      for (const c of statements) {
        try {
          await tx.checkStatement(c.entry.sql);
        } catch (err) {
          if (!(err instanceof TunerError) || err.reason !== 'unsafe-statement') throw err;
          out.set(c, err.message);
        }
      }
    },
    { signal: options.signal, statementTimeoutMs: options.statementTimeoutMs },
  );
  return out;
}

function workloadIndex(
  candidate: IndexCandidate,
  label: WorkloadIndex['label'],
  serves: ServedStatement[],
  sizeBytes: number | undefined,
): WorkloadIndex {
  return {
    candidate,
    createSql: createIndexSql(candidate),
    rollbackSql: dropIndexSql(candidate),
    label,
    sizeBytes,
    serves,
    writeCost: { measured: false, reason: 'not measured' },
    makesRedundant: [],
  };
}
