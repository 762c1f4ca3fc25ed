/**
 * The index advisor's entry point: rule candidates from the statement (and its alternatives), screened by
 * HypoPG or by the planner, combined greedily, measured where building is allowed, checked against sibling
 * statements, and returned as suggestions with their DDL, rollback, figures and the method behind each.
 */
import type { CatalogSnapshot, TableStats } from '../../db/catalog';
import type { DatabaseSession } from '../../db/session';
import { isStatementTimeout, TunerError } from '../../errors';
import { transactionTimeouts } from '../../db/rolledBackTransaction';
import type { Plan } from '../../plan/planNode';
import { parsePlan } from '../../plan/parsePlan';
import { formatMs } from '../../text/formatNumbers';
import { analyseStatement } from '../../sql/analyseStatement';
import { loadParser } from '../../sql/parser';
import type { StatementFacts } from '../../sql/statementFacts';
import type {
  AdviceNote,
  BestCombination,
  CoveredCandidate,
  SampleCopyReport,
  EstimatedFigures,
  IndexAdvice,
  IndexCandidate,
  IndexSuggestion,
  MeasuredFigures,
  ScreeningSummary,
  SiblingEffect,
} from '../indexSuggestion';
import { appliesToRewrite, asWritten, type AppliesTo } from '../indexSuggestion';
import type { RewriteRef } from '../rewriteSuggestion';
import { existingCoverage } from './existingCoverage';
import { generateCandidates, selectivityKey, type ColumnType } from './generateCandidates';
import { hypopgStatus } from './hypopg';
import { candidateKey, createIndexSql, dropIndexSql, indexBody } from './indexDdl';
import { qualifiedName } from './identifiers';
import { narrowerForms } from './narrowerForms';
import { relationUsage } from './relationUsage';
import { stableChoice } from './stableChoice';
import { familyOf, screeningOrder, survivors } from './screening';
import { createSampleCopy, defaultSampleFraction, type SampleCopy, type SampleCopyOptions } from './sampleCopy';
import { sampleCopyReport } from './sampleReport';
import { isReadOnlyConnection, readRelationShapes, regclassText, type RelationShape } from './tableFacts';
import { median } from '../../median';
import {
  heapFetchShare,
  hypopgWhatIf,
  measureHeadToHead,
  measurePaired,
  measureWithIndexes,
  pagesTouched,
  plannerWhatIf,
  planUses,
  timeForms,
  type HeadToHead,
  type StatementToPlan,
  type WhatIf,
} from './whatIf';

export interface AdviseIndexesOptions {
  /**
   * Other forms of the same statement (the rewrite advisor's), judged together with the indexes; `params`
   * when a form has parameters of its own (keyset pagination's last key), else the statement's are used.
   */
  alternatives?: Array<{ label: string; rewrite: RewriteRef; sql: string; params?: unknown[] }>;
  /** Other statements of the same file or workload: re-planned with the indexes, warned about when slower. */
  siblings?: string[];
  /** The caller marks the session as non-production: real indexes may be built in rolled-back transactions. */
  allowMeasuredWhatIf: boolean;
  signal?: AbortSignal;
  /** Values for `$n` of the statement (and of the alternatives). */
  params?: unknown[];
  /** How many candidates to build and time at most (default 3), and runs per timing (default 3). */
  maxMeasured?: number;
  samples?: number;
  statementTimeoutMs?: number;
  /**
   * The statement as written is known not to finish within this many ms (its rewrite's measurement stopped it at
   * the statement_timeout): its baseline is that bound, not run again (each run would wait out the timeout).
   */
  asWrittenPastMs?: number;
  /** Called before each candidate index is built and timed, with an estimate of the time left. */
  onProgress?: (progress: AdviseProgress) => void;
  /**
   * Build and time the candidates on a sample copy of the tables (temporary tables of this connection) instead
   * of the tables themselves: no lock beyond reading them. `fraction` of each large table (default 0.1).
   */
  sampleCopy?: { fraction?: number; onTable?: SampleCopyOptions['onTable'] };
}

/** Building and timing candidate n of m: the slow part (minutes per statement on a large table). */
export interface AdviseProgress {
  phase: 'building';
  /** 1-based. */
  index: number;
  total: number;
  name: string;
  /** The builds left (this one included): their estimated sizes ÷ the build rate measured so far, ms. */
  etaMs: number;
  /** No build has finished yet: the rate is a conservative default, not a measurement. */
  etaFromDefault: boolean;
}

/** Bytes per ms assumed before the first build finishes: 10 MB/s, slow on purpose (a loaded server, a cold cache). */
const defaultBuildRate = (10 * 1024 * 1024) / 1000;

/** A kept index must cut the estimated cost by at least this share on top of those already kept. */
const minimumGain = 0.05;
/** And, when measured, the median time by at least this share. */
const minimumMeasuredGain = 0.1;
/** …or by any measured share when the pages read fall to at most this share. */
const maxPagesShare = 0.5;
/** A rule score from which a candidate is measured even when the hypothetical plan ignores it. */
const carryScore = 0.7;
/** A smaller index is preferred when it keeps at least this share of the larger one's measured saving. */
const nearlySameGain = 0.9;
/** …and when its own time with it is at most this many times the fastest's. */
const maxSlowerAfter = 1.5;
/** Back-to-back runs without and with an index when its pages fall but its time is unclear (odd: a true median). */
const pairedRuns = 5;
/** Back-to-back comparisons of a smaller form with the fastest index, at most, per table. */
const maxHeadToHeads = 2;
/** Rewrites timed beside the statement with its kept indexes (fasterRewriteWith), at most. */
const maxTimedRewrites = 3;
/** Alternating runs of each form when timing the forms. */
const formRounds = 3;
/** Indexes on the other side of a join timed on top of the chosen ones, at most. */
const maxComplements = 2;

function formatMegabytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

type RewriteAlone = NonNullable<BestCombination['rewriteAlone']>;

interface Variant {
  label: string;
  appliesTo: AppliesTo;
  statement: StatementToPlan;
  facts: StatementFacts;
  basePlan?: Plan;
  baseCost: number;
}

/** What prepare() finds: the forms to judge (the statement first) and the catalog of the tables they read. */
interface Setup {
  facts: StatementFacts;
  variants: Variant[];
  statementOf: (sql: string) => StatementToPlan;
  catalog: CatalogSnapshot;
  shapes: Map<string, RelationShape>;
}

/** How "what if" is asked, and whether building and timing is allowed (else why not). */
interface WhatIfMethod {
  hypo: IndexAdvice['hypopg'];
  whatIf?: WhatIf;
  mayMeasure: boolean;
  measureReason?: string;
}

/** One candidate alone, per form: its estimated cost and whether the plan used it. */
interface SingleScreen {
  costs: number[];
  used: boolean[];
  size?: number;
  failed?: string;
}

interface Screening {
  screened: IndexCandidate[];
  single: Map<string, SingleScreen>;
  /** Candidates generated, and their families (table, method, leading key): every family is screened. */
  candidates: number;
  families: number;
}

/** The greedy choice on the estimates: the winning form, its indexes and cost, and what to carry to measuring. */
interface Choice {
  bestIndex: number;
  bestVariant: Variant;
  chosen: IndexCandidate[];
  cost: number;
  /** Other families the estimates rate close to the best on their table: built after the chosen ones. */
  survivors: IndexCandidate[];
  carried: IndexCandidate[];
  estimates: Map<string, EstimatedFigures>;
}

/** What is kept after building and timing (or, without, the estimated choice). */
interface Outcome {
  measured: boolean;
  chosen: IndexCandidate[];
  measurements: Map<string, MeasuredFigures & { plan?: Plan }>;
  beforeMeasured?: { ms: number; samples: number[]; plan?: Plan; timedOut?: boolean };
  combined?: { ms: number; plan?: Plan };
  asWrittenBeforeMs?: number;
  /** The statement as written did not finish within the statement_timeout: asWrittenBeforeMs is that bound. */
  asWrittenTimedOut?: boolean;
  /** "Stopped early: n of m candidates measured" when the caller cancelled while building. */
  stoppedEarly?: string;
  /** Measured on a sample copy: what, and how the ratio carries to the full tables. */
  sampleReport?: SampleCopyReport;
  /** The builds timed, by what they were for (ScreeningSummary.builtFor); absent when nothing was built. */
  built?: BuiltCounts;
}

type BuiltCounts = ScreeningSummary['builtFor'];

/** Where candidates are built and timed: the session's tables, or their sample copies. */
interface MeasureTarget {
  session: DatabaseSession;
  label: string;
  candidate(c: IndexCandidate): IndexCandidate;
  statement(s: StatementToPlan): StatementToPlan;
  sample?: SampleCopy;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TunerError('cancelled', 'Cancelled.');
}

function cost(plan: Plan | undefined): number {
  return plan?.totals.cost ?? plan?.root.fields['Total Cost'] ?? Number.POSITIVE_INFINITY;
}

function tableKey(facts: StatementFacts): string[] {
  const out: string[] = [];
  for (const r of facts.relations) {
    if (r.isCte) continue;
    const name = r.schema ? `${r.schema}.${r.name}` : r.name;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function needsAnalyze(stats: TableStats, catalog: CatalogSnapshot): boolean {
  const hasColumnStats = catalog.columns.some((c) => c.table === stats.name && c.schema === stats.schema);
  // reltuples = -1: never vacuumed nor analysed (PostgreSQL 14+). No pg_stats rows and no ANALYZE on record:
  // the planner guesses, so any cost comparison would compare guesses.
  if (stats.estimatedRows < 0) return true;
  return (
    !hasColumnStats && stats.lastAnalyze === undefined && stats.lastAutoAnalyze === undefined && stats.relPages > 0
  );
}

class Advisor {
  readonly notes: AdviceNote[] = [];
  readonly covered: CoveredCandidate[] = [];
  readonly warnings = new Map<string, string[]>();
  /** Indexes kept on top of others (complement): listed after the ones they pay with. */
  private readonly onTopOf = new Set<string>();
  /** Set when the caller cancelled while building: the best result so far is returned, nothing more is run. */
  private stopped = false;
  /** Index names given out so far (with the catalog's), so derived forms get names of their own. */
  private readonly taken = new Set<string>();
  /** The rewrite measured faster alone than the indexes on the statement as written (noteRewriteAlone). */
  private rewriteAlone?: RewriteAlone;
  /** Where the build/measure phase builds and times: the tables themselves unless a sample copy is asked for. */
  private on: MeasureTarget;

  constructor(
    private readonly session: DatabaseSession,
    private readonly sql: string,
    private readonly options: AdviseIndexesOptions,
  ) {
    this.on = { session, label: session.label, candidate: (c) => c, statement: (s) => s };
  }

  private get signal(): AbortSignal | undefined {
    // Once stopped early, the few estimate-only steps left (HypoPG) finish the result instead of failing it.
    return this.stopped ? undefined : this.options.signal;
  }

  /** A cancel of the caller's while measuring: stop there, with what is measured, rather than fail. */
  private stoppedBy(err: unknown): boolean {
    if (!(this.options.signal?.aborted ?? false)) return false;
    if (err !== undefined && !(err instanceof TunerError && err.reason === 'cancelled')) return false;
    this.stopped = true;
    return true;
  }

  /** The statement_timeout the measurements run under (rolledBackTransaction's default when none is given). */
  private get timeoutMs(): number {
    return this.options.statementTimeoutMs ?? transactionTimeouts().statementTimeoutMs;
  }

  /**
   * The statement's time without the candidates. One that does not finish within the statement_timeout (the
   * slow statement people bring: minutes as written) takes that bound as its time, a lower bound, said in a note,
   * so that the candidates are still built and timed instead of the advice failing. `asWritten`: the statement
   * as written is measured, whose bound may be known already (asWrittenPastMs).
   */
  private async baseline(
    measure: () => ReturnType<typeof measureWithIndexes>,
    asWritten: boolean,
  ): ReturnType<typeof measureWithIndexes> {
    const known = asWritten && !this.on.sample ? this.options.asWrittenPastMs : undefined;
    try {
      if (known === undefined) return await measure();
    } catch (err) {
      if (!isStatementTimeout(err)) throw err;
    }
    const ms = known ?? this.timeoutMs;
    const message =
      known === undefined
        ? `The statement without the candidates did not finish within the statement_timeout (${formatMs(ms)}): that bound is its time here, so each measured gain is a lower bound.`
        : `The statement as written did not finish within the statement_timeout (${formatMs(ms)}) when its rewrite was measured: that bound is its time here (not run again), so each measured gain is a lower bound.`;
    if (!this.notes.some((n) => n.message === message)) this.notes.push({ kind: 'measurement-skipped', message });
    return {
      samplesMs: [ms],
      medianMs: ms,
      plan: undefined,
      sizes: [],
      buildMs: 0,
      failed: [],
      planNames: [],
      timedOut: true,
    };
  }

  private warn(c: IndexCandidate, text: string): void {
    const list = this.warnings.get(candidateKey(c)) ?? [];
    if (!list.includes(text)) list.push(text);
    this.warnings.set(candidateKey(c), list);
  }

  /**
   * The phases, each a method returning what the next one reads: prepare the statement's forms and their
   * catalog → generate candidates → choose how to ask "what if" → screen each candidate alone → choose the
   * greedy combination → build and measure (where allowed) → explain the result as suggestions.
   */
  async run(): Promise<IndexAdvice> {
    await loadParser();
    const advice: IndexAdvice = {
      sql: this.sql,
      suggestions: [],
      covered: this.covered,
      notes: this.notes,
      measurement: { done: false },
    };
    const setup = await this.prepare();
    if (!setup) return advice;
    const candidates = await this.generate(setup);
    if (candidates.length === 0) return advice;
    const method = await this.whatIfMethod(setup.facts);
    advice.hypopg = method.hypo;
    if (!method.mayMeasure) advice.measurement = { done: false, reason: method.measureReason };
    // Without HypoPG the screening builds every candidate: on the sample copy too, when one is asked for.
    const whatIf = await this.onSampleWithoutHypopg(method.whatIf, setup);
    if (!whatIf) {
      this.notes.push({
        kind: 'measurement-skipped',
        message: `Not verified: HypoPG is unavailable and ${method.measureReason ?? 'building is not allowed'}. The suggestions follow the rules only.`,
      });
      advice.suggestions = candidates.slice(0, 3).map((c) => this.suggestion(c, setup.variants[0], setup.catalog, {}));
      return advice;
    }
    const screening = await this.screen(candidates, setup.variants, whatIf);
    let choice = await this.choose(screening, setup.variants, whatIf);
    const notesBefore = this.notes.length;
    let outcome = method.mayMeasure
      ? await this.buildAndMeasure(setup, screening, choice, whatIf, candidates)
      : this.estimatedOnly(choice);
    if (outcome.measured && !outcome.stoppedEarly && choice.bestIndex !== 0 && outcome.chosen.length === 0) {
      // The estimates preferred a rewrite, but no index pays on it: judge the statement as written too (an index
      // may pay there; fasterRewriteWith then times the rewrites beside it). What was said of the rewrite says so.
      const label = choice.bestVariant.label;
      const rewriteForm = choice.bestVariant.appliesTo;
      for (const n of this.notes.slice(notesBefore)) n.message = `On the rewrite "${label}": ${n.message}`;
      const rewriteAlone = outcome.beforeMeasured;
      choice = await this.choose(screening, setup.variants, whatIf, 0);
      outcome = await this.buildAndMeasure(setup, screening, choice, whatIf, candidates);
      if (rewriteAlone && !rewriteAlone.timedOut)
        this.noteRewriteAlone(label, { appliesTo: rewriteForm, timeMs: rewriteAlone.ms }, outcome);
    } else if (outcome.measured && !outcome.stoppedEarly && choice.bestIndex === 0 && outcome.chosen.length > 0) {
      const switched = await this.onFasterRewrite(setup, screening, whatIf, candidates, outcome.chosen, notesBefore);
      if (switched) ({ choice, outcome } = switched);
    }
    if (outcome.measured) advice.measurement = { done: true };
    const built = outcome.built ?? { screened: 0, narrower: 0, complement: 0 };
    advice.screening = {
      method: whatIf.method,
      candidates: screening.candidates,
      families: screening.families,
      screened: screening.screened.length,
      survivors: choice.chosen.length + choice.survivors.length,
      carried: choice.carried.length,
      built: built.screened + built.narrower + built.complement,
      builtFor: built,
    };
    if (outcome.stoppedEarly) {
      advice.measurement = { done: outcome.measured, reason: outcome.stoppedEarly };
      this.notes.push({ kind: 'measurement-skipped', message: `${outcome.stoppedEarly}.` });
    }
    await this.explainResult(advice, setup, choice, outcome, whatIf);
    return advice;
  }

  /**
   * The statement and its alternative forms with their base plans, and the catalog of the tables they read;
   * undefined (with a note saying why) when no advice can be given.
   */
  private async prepare(): Promise<Setup | undefined> {
    const facts = analyseStatement(this.sql);
    if (!['select', 'update', 'delete'].includes(facts.kind)) {
      this.notes.push({
        kind: 'statement-kind',
        message: `Index advice is for SELECT, UPDATE and DELETE; this is ${facts.kind === 'other' ? 'another kind of' : `a ${facts.kind}`} statement.`,
      });
      return undefined;
    }
    const server = await this.session.serverInfo();
    const genericPlan = facts.parameters.length > 0 && !(this.options.params && this.options.params.length > 0);
    if (genericPlan && server.versionNum < 160000) {
      this.notes.push({
        kind: 'parameters',
        message: `The statement has $n parameters without values and PostgreSQL ${Math.floor(server.versionNum / 10000)} cannot plan it generically: give parameter values to get advice.`,
      });
      return undefined;
    }
    const statementOf = (sql: string): StatementToPlan => ({
      sql,
      params: genericPlan ? undefined : this.options.params,
      genericPlan,
    });

    const variants: Variant[] = [
      { label: 'as written', appliesTo: asWritten, statement: statementOf(this.sql), facts, baseCost: 0 },
    ];
    for (const alt of this.options.alternatives ?? []) {
      try {
        const statement = alt.params ? { sql: alt.sql, params: alt.params, genericPlan: false } : statementOf(alt.sql);
        variants.push({
          label: alt.label,
          appliesTo: appliesToRewrite(alt.rewrite),
          statement,
          facts: analyseStatement(alt.sql),
          baseCost: 0,
        });
      } catch (err) {
        this.notes.push({
          kind: 'statement-kind',
          message: `Alternative "${alt.label}" was skipped: ${(err as Error).message}`,
        });
      }
    }

    const tables = [...new Set(variants.flatMap((v) => tableKey(v.facts)))];
    const shapes = await readRelationShapes(this.session, tables);
    const indexable = new Set<string>();
    for (const t of tables) {
      const bare = t.includes('.') ? t.slice(t.lastIndexOf('.') + 1) : t;
      const shape = shapes.get(bare);
      if (!shape) {
        this.notes.push({
          kind: 'not-a-table',
          table: t,
          message: `${t} is not a table in this database (a CTE, a function or a missing relation): nothing to index there.`,
        });
      } else if (shape.kind === 'v') {
        this.notes.push({
          kind: 'not-a-table',
          table: t,
          message: `${t} is a view: an index goes on the tables it reads; explain the view's query to get advice for them.`,
        });
      } else if (shape.kind === 'f') {
        this.notes.push({
          kind: 'not-a-table',
          table: t,
          message: `${t} is a foreign table: PostgreSQL cannot index it here.`,
        });
      } else {
        indexable.add(bare);
      }
    }
    const catalog = await this.session.catalogFor(
      tables.filter((t) => indexable.has(t.includes('.') ? t.slice(t.lastIndexOf('.') + 1) : t)).map(regclassText),
    );
    const stale = catalog.tables.filter((t) => needsAnalyze(t, catalog));
    if (stale.length > 0) {
      for (const t of stale) {
        this.notes.push({
          kind: 'analyze-first',
          table: t.name,
          message: `${t.schema}.${t.name} has no statistics: run ANALYZE ${qualifiedName(t.schema, t.name)}; first, then ask again (without statistics the planner guesses and no index advice can be trusted).`,
        });
      }
      return undefined;
    }
    if (indexable.size === 0) return undefined;

    throwIfAborted(this.signal);
    for (const v of variants) {
      const explained = await this.session.explain({ ...v.statement, analyze: false, signal: this.signal });
      v.basePlan = parsePlan(explained.planJson);
      v.baseCost = cost(v.basePlan);
    }
    return { facts, variants, statementOf, catalog, shapes };
  }

  /** Rule candidates of every form, those an existing index covers left out; a note when there are none. */
  private async generate(setup: Setup): Promise<IndexCandidate[]> {
    const columnTypes = new Map<string, Map<string, ColumnType>>();
    for (const [name, shape] of setup.shapes) columnTypes.set(name, shape.columns);
    const candidates = await this.candidates(setup.variants, setup.catalog, columnTypes, setup.shapes);
    if (
      candidates.length === 0 &&
      this.covered.length === 0 &&
      !this.notes.some((n) => n.kind === 'no-btree-opclass' || n.kind === 'not-immutable')
    ) {
      this.notes.push({
        kind: 'nothing-to-index',
        message: 'No column of this statement is filtered, joined or sorted in a way an index can serve.',
      });
    }
    return candidates;
  }

  /** How to ask "what if": HypoPG where it works; else real indexes in a rolled-back transaction, if allowed. */
  private async whatIfMethod(facts: StatementFacts): Promise<WhatIfMethod> {
    const hypo = await hypopgStatus(this.session);
    const readOnly = await isReadOnlyConnection(this.session);
    const mayBuild =
      (this.session.kind === 'embedded' || this.options.allowMeasuredWhatIf) &&
      !readOnly &&
      this.session.inTransaction !== undefined;
    if (!hypo.available)
      this.notes.push({ kind: 'hypopg-unavailable', message: hypo.reason ?? 'HypoPG is not available.' });
    const whatIf: WhatIf | undefined = hypo.available
      ? hypopgWhatIf(this.session)
      : mayBuild
        ? plannerWhatIf(this.session)
        : undefined;

    let measureReason: string | undefined;
    if (readOnly) measureReason = 'the connection is read-only: nothing is built, figures are estimated only';
    else if (!(this.session.kind === 'embedded' || this.options.allowMeasuredWhatIf))
      measureReason = 'the connection is not marked as non-production: nothing is built, figures are estimated only';
    else if (this.session.inTransaction === undefined)
      measureReason = 'this session cannot run a rolled-back transaction';
    else if (facts.kind !== 'select')
      measureReason = `a ${facts.kind} is not run to time it; figures are estimated only`;
    else if (facts.parameters.length > 0 && !(this.options.params && this.options.params.length > 0))
      measureReason =
        'its $n parameters have no values: it is planned generically, not run to time it; give values to measure it';
    return { hypo, whatIf, mayMeasure: measureReason === undefined, measureReason };
  }

  /**
   * Screening: each candidate alone, on every form of the statement. With HypoPG every family (and most of its
   * members) is screened, nothing built; the planner builds each one, so it screens as few as before.
   */
  private async screen(candidates: IndexCandidate[], variants: Variant[], whatIf: WhatIf): Promise<Screening> {
    const screened = screeningOrder(candidates, whatIf.method);
    const single = new Map<string, SingleScreen>();
    for (const c of screened) {
      throwIfAborted(this.signal);
      const r = await whatIf.plan(
        [c],
        variants.map((v) => v.statement),
        this.signal,
      );
      const failed = r.failed[0]?.reason;
      single.set(candidateKey(c), {
        costs: r.plans.map((p) => cost(p)),
        used: r.plans.map((p) => planUses(p, r.planNames[0])),
        size: r.sizes[0],
        failed,
      });
    }
    for (const c of screened) {
      const s = single.get(candidateKey(c));
      if (s?.failed)
        this.warn(c, `${whatIf.method === 'hypopg' ? 'HypoPG' : 'The planner'} could not consider it (${s.failed}).`);
    }
    return { screened, single, candidates: candidates.length, families: new Set(candidates.map(familyOf)).size };
  }

  /**
   * Greedy per form: best single gain first; a further index stays only if it adds gain on top. The form with
   * the lowest cost wins; its estimates, and the highly rated candidates its plan ignored (carried to measuring).
   */
  private async choose(screening: Screening, variants: Variant[], whatIf: WhatIf, only?: number): Promise<Choice> {
    const { screened, single } = screening;
    let best: { variant: number; chosen: IndexCandidate[]; cost: number } | undefined;
    for (let vi = 0; vi < variants.length; vi++) {
      if (only !== undefined && vi !== only) continue;
      const v = variants[vi];
      const ranked = screened
        .filter((c) => single.get(candidateKey(c))?.used[vi])
        .sort(
          (a, b) =>
            (single.get(candidateKey(a))?.costs[vi] ?? Infinity) - (single.get(candidateKey(b))?.costs[vi] ?? Infinity),
        );
      const chosen: IndexCandidate[] = [];
      let current = v.baseCost;
      for (const c of ranked) {
        const alone = single.get(candidateKey(c))?.costs[vi] ?? Infinity;
        if (chosen.length === 0) {
          if (alone <= current * (1 - minimumGain)) {
            chosen.push(c);
            current = alone;
          }
          continue;
        }
        if (chosen.some((k) => k.table === c.table && sameLeadingKey(k, c))) continue;
        const r = await whatIf.plan([...chosen, c], [v.statement], this.signal);
        const together = cost(r.plans[0]);
        if (together <= current * (1 - minimumGain)) {
          chosen.push(c);
          current = together;
        }
      }
      if (!best || current < best.cost) best = { variant: vi, chosen, cost: current };
    }
    const bestVariant = variants[best?.variant ?? 0];
    const bestIndex = best?.variant ?? 0;
    const chosen = best?.chosen ?? [];

    // Candidates the rules rate highly but the hypothetical plan ignored: HypoPG is known to miss real wins.
    const carried = screened.filter(
      (c) =>
        c.ruleScore >= carryScore && !chosen.includes(c) && !(single.get(candidateKey(c))?.used[bestIndex] ?? false),
    );

    // Built after the chosen: the other families whose estimate comes close to the best on their table.
    const rated = screened.flatMap((c) => {
      const s = single.get(candidateKey(c));
      return s && !s.failed
        ? [{ candidate: c, cost: s.costs[bestIndex], used: s.used[bestIndex], sizeBytes: s.size }]
        : [];
    });
    const survived = survivors(rated, chosen, bestVariant.baseCost, minimumGain);

    const estimates = new Map<string, EstimatedFigures>();
    for (const c of screened) {
      const s = single.get(candidateKey(c));
      if (!s || s.failed) continue;
      estimates.set(candidateKey(c), {
        method: whatIf.method,
        costBefore: bestVariant.baseCost,
        costAfter: s.costs[bestIndex],
        usedInPlan: s.used[bestIndex],
        estimatedSizeBytes: whatIf.method === 'hypopg' ? s.size : undefined,
      });
    }
    return {
      bestIndex,
      bestVariant,
      chosen,
      cost: best?.cost ?? bestVariant.baseCost,
      survivors: survived,
      carried: carried.filter((c) => !survived.includes(c)),
      estimates,
    };
  }

  /**
   * The indexes kept for the statement as written go with a rewrite that is faster with them (fasterRewriteWith):
   * they are measured again on that rewrite (its baseline, each index, their combination), so every figure and plan
   * of the advice is of the form it applies to. What was said while judging the statement as written says so;
   * when nothing pays on the rewrite after all, the first judgement stands as it was.
   */
  private async onFasterRewrite(
    setup: Setup,
    screening: Screening,
    whatIf: WhatIf,
    candidates: IndexCandidate[],
    kept: IndexCandidate[],
    notesBefore: number,
  ): Promise<{ choice: Choice; outcome: Outcome } | undefined> {
    const faster = await this.fasterRewriteWith(setup.variants, kept);
    if (!faster) return undefined;
    const vi = setup.variants.indexOf(faster.variant);
    // The estimate of the kept indexes on the rewrite itself, so the "Best:" line quotes their own.
    const planned = await whatIf.plan(kept, [faster.variant.statement], this.signal);
    const forced: Choice = {
      ...(await this.choose(screening, setup.variants, whatIf, vi)),
      chosen: kept,
      cost: planned.failed.length > 0 || !planned.plans[0] ? Number.NaN : cost(planned.plans[0]),
      survivors: [],
      carried: [],
    };
    const notesAt = this.notes.length;
    const warnings = new Map(this.warnings);
    const onTopOf = new Set(this.onTopOf);
    this.warnings.clear();
    this.onTopOf.clear();
    const outcome = await this.buildAndMeasure(setup, screening, forced, whatIf, candidates);
    if (!outcome.measured || outcome.stoppedEarly || outcome.chosen.length === 0) {
      this.notes.splice(notesAt);
      this.warnings.clear();
      for (const [k, v] of warnings) this.warnings.set(k, v);
      this.onTopOf.clear();
      for (const k of onTopOf) this.onTopOf.add(k);
      return undefined;
    }
    // Said of the statement as written, before the timing that moved the indexes to the rewrite.
    for (const n of this.notes.slice(notesBefore, notesAt - 1)) n.message = `On the statement as written: ${n.message}`;
    return { choice: forced, outcome };
  }

  /**
   * With the indexes kept for the statement as written, its proven rewrites timed beside it (timeForms: one build,
   * alternating runs): the estimates chose the statement, but the planner can cost a grouped subquery above a
   * form that runs faster. A rewrite faster by `minimumMeasuredGain` with the same indexes is what they go with;
   * undefined when none is (or on a sample copy, where this would build on the user's tables, or once cancelled).
   */
  private async fasterRewriteWith(
    variants: Variant[],
    kept: IndexCandidate[],
  ): Promise<{ variant: Variant; ms: number; asWrittenMs: number } | undefined> {
    const rewrites = variants.slice(1, 1 + maxTimedRewrites);
    if (rewrites.length === 0 || kept.length === 0 || this.on.sample || this.stopped) return undefined;
    let samples: number[][];
    try {
      const r = await timeForms(
        this.session,
        kept,
        [variants[0], ...rewrites].map((v) => v.statement),
        formRounds,
        { signal: this.signal, statementTimeoutMs: this.options.statementTimeoutMs },
      );
      samples = r.samplesMs;
    } catch (err) {
      if (!this.stoppedBy(err) && !(err instanceof TunerError)) throw err;
      return undefined;
    }
    const asWrittenMs = median(samples[0]);
    let best: { variant: Variant; ms: number } | undefined;
    rewrites.forEach((variant, i) => {
      const ms = median(samples[i + 1]);
      if (ms <= asWrittenMs * (1 - minimumMeasuredGain) && (!best || ms < best.ms)) best = { variant, ms };
    });
    const names = kept.map((c) => c.name).join(' + ');
    const timed = rewrites.map((v, i) => `"${v.label}" ${formatMs(median(samples[i + 1]))}`).join(', ');
    this.notes.push({
      kind: 'form-timed',
      message: best
        ? `With ${names}, the rewrite "${best.variant.label}" took ${formatMs(best.ms)} against ${formatMs(asWrittenMs)} for the statement as written (${formRounds} alternating runs each): the index goes with the rewrite, on which it is measured below.`
        : `With ${names}, the statement as written took ${formatMs(asWrittenMs)}; its rewrites ${timed} (${formRounds} alternating runs each): none faster by ${minimumMeasuredGain * 100} %.`,
    });
    return best ? { ...best, asWrittenMs } : undefined;
  }

  /**
   * The rewrite the estimates preferred needs no index, and the indexes found for the statement as written may
   * still leave it slower than that rewrite alone (the ORM dashboard: rewrite 49 ms, as written with the index
   * 79 ms). The advice is then the rewrite: said in a note, with both times (from two runs, so only a gain beyond
   * `minimumMeasuredGain` counts).
   */
  private noteRewriteAlone(label: string, rewrite: RewriteAlone, outcome: Outcome): void {
    if (!outcome.measured || outcome.chosen.length === 0) return;
    const rewriteMs = rewrite.timeMs;
    const withIndexesMs =
      outcome.combined?.ms ??
      Math.min(...outcome.chosen.map((c) => outcome.measurements.get(candidateKey(c))?.timeAfterMs ?? Infinity));
    if (!Number.isFinite(withIndexesMs) || rewriteMs > withIndexesMs * (1 - minimumMeasuredGain)) return;
    const names = outcome.chosen.map((c) => c.name).join(' + ');
    this.rewriteAlone = rewrite;
    this.notes.push({
      kind: 'form-timed',
      message: `The rewrite "${label}" alone, with no index, took ${formatMs(rewriteMs)}: faster than the statement as written with ${names} (${formatMs(withIndexesMs)}, another run). Apply the rewrite; ${names} is for where the statement cannot change.`,
    });
    // Said on each index too, where its fix and hover are read.
    for (const c of outcome.chosen)
      this.warn(
        c,
        `Slower than the rewrite "${label}" alone (${formatMs(rewriteMs)} with no index, against ${formatMs(withIndexesMs)}): where the statement can change, apply the rewrite instead.`,
      );
  }

  /** Without building: the estimated choice stands, and the carried candidates are noted as unmeasurable. */
  private estimatedOnly(choice: Choice): Outcome {
    for (const c of choice.carried) {
      this.notes.push({
        kind: 'dropped',
        table: c.table,
        message: `${c.name}: the rules rate it highly but the estimated plan ignores it, and it could not be measured here.`,
      });
    }
    return { measured: false, chosen: choice.chosen, measurements: new Map() };
  }

  /**
   * The chosen and carried candidates built and timed one by one on the winning form; those measured faster
   * kept (one per table, the smallest that keeps nearly the same gain), and their combination timed.
   */
  private async buildAndMeasure(
    setup: Setup,
    screening: Screening,
    choice: Choice,
    whatIf: WhatIf,
    candidates: IndexCandidate[],
  ): Promise<Outcome> {
    if (!this.options.sampleCopy) return this.measureAll(setup, screening, choice, whatIf, candidates);
    // Already open when the screening ran on it (no HypoPG); else made now for the forms that matter.
    const opened = this.on.sample === undefined;
    const sample = this.on.sample ?? (await this.openSample(setup, [choice.bestVariant, setup.variants[0]]));
    if (!sample) return this.measureAll(setup, screening, choice, whatIf, candidates);
    this.useSample(sample);
    try {
      const outcome = await this.measureAll(setup, screening, choice, whatIf, candidates);
      const sampleReport = await sampleCopyReport({
        session: this.session,
        sample,
        statement: choice.bestVariant.statement,
        chosen: outcome.chosen,
        measurements: outcome.measurements,
        beforeMeasured: outcome.beforeMeasured,
        estimates: choice.estimates,
        whatIf,
        signal: this.signal,
        statementTimeoutMs: this.options.statementTimeoutMs,
      });
      return { ...outcome, sampleReport };
    } finally {
      if (opened) await this.dropSample();
    }
  }

  /** Builds and times on the copies from now on. */
  private useSample(sample: SampleCopy): void {
    this.on = {
      session: this.session,
      label: `${this.session.label} (sample copy, ${(sample.fraction * 100).toPrecision(2)} %)`,
      candidate: (c) => sample.candidate(c),
      statement: (s) => sample.statement(s),
      sample,
    };
  }

  /** Back to the tables themselves, the copies dropped. */
  async dropSample(): Promise<void> {
    const sample = this.on.sample;
    this.on = { session: this.session, label: this.session.label, candidate: (c) => c, statement: (s) => s };
    await sample?.drop();
  }

  /**
   * The planner's what-if (no HypoPG) builds each candidate it screens: with a sample copy asked for, it builds
   * on the copies, and the forms' base costs are the copies' too, so that costs compare like with like. The
   * copies stay for the measurements; adviseIndexes() drops them at the end.
   */
  private async onSampleWithoutHypopg(whatIf: WhatIf | undefined, setup: Setup): Promise<WhatIf | undefined> {
    if (!this.options.sampleCopy || whatIf?.method !== 'planner') return whatIf;
    const sample = await this.openSample(setup, setup.variants);
    if (!sample) return whatIf;
    this.useSample(sample);
    const on = this.on;
    const onCopies: WhatIf = {
      method: 'planner',
      plan: (indexes, statements, signal) =>
        whatIf.plan(
          indexes.map((c) => on.candidate(c)),
          statements.map((s) => on.statement(s)),
          signal,
        ),
    };
    for (const v of setup.variants) {
      const r = await onCopies.plan([], [v.statement], this.signal);
      if (r.plans[0]) v.baseCost = cost(r.plans[0]);
    }
    this.notes.push({
      kind: 'measurement-skipped',
      message:
        "HypoPG is unavailable: the candidates were screened by the planner with real indexes on the sample copy, so the estimated costs are the copy's, not the full tables'.",
    });
    return onCopies;
  }

  /**
   * The sample copies of the tables `forms` read; undefined when none of them is a table (then nothing is built
   * on a table anyway). A copy that cannot be made fails the advice: nothing is built on the tables instead.
   */
  private async openSample(setup: Setup, forms: Variant[]): Promise<SampleCopy | undefined> {
    const tables: Array<{ schema: string; name: string }> = [];
    for (const t of new Set(forms.flatMap((v) => tableKey(v.facts)))) {
      const shape = setup.shapes.get(t.includes('.') ? t.slice(t.lastIndexOf('.') + 1) : t);
      if (!shape || (shape.kind !== 'r' && shape.kind !== 'p' && shape.kind !== 'm')) continue;
      if (!tables.some((x) => x.schema === shape.schema && x.name === shape.name))
        tables.push({ schema: shape.schema, name: shape.name });
    }
    if (tables.length === 0) return undefined;
    let sample: SampleCopy;
    try {
      sample = await createSampleCopy(
        this.session,
        tables,
        forms.map((v) => v.facts),
        {
          fraction: this.options.sampleCopy?.fraction ?? defaultSampleFraction,
          statementTimeoutMs: this.options.statementTimeoutMs,
          signal: this.signal,
          onTable: this.options.sampleCopy?.onTable,
        },
      );
    } catch (err) {
      if (err instanceof TunerError && err.reason === 'cancelled') throw err;
      // Not on the tables themselves instead: the user asked for no lock on them.
      throw new TunerError(
        'server-error',
        `The sample copy could not be made (${(err as Error).message}); nothing was built on your tables.`,
        { cause: err },
      );
    }
    // Every form must read the copies (the deparser may not print a statement back): say so now, not mid-way.
    try {
      for (const v of forms) sample.statement(v.statement);
    } catch (err) {
      await sample.drop();
      throw new TunerError(
        'server-error',
        `The statement could not be pointed at the sample copy (${(err as Error).message}); nothing was built on your tables.`,
        { cause: err },
      );
    }
    return sample;
  }

  private async measureAll(
    setup: Setup,
    screening: Screening,
    choice: Choice,
    whatIf: WhatIf,
    candidates: IndexCandidate[],
  ): Promise<Outcome> {
    const { bestVariant, bestIndex, carried, estimates } = choice;
    const { variants } = setup;
    let chosen = choice.chosen;
    const measurements = new Map<string, MeasuredFigures & { plan?: Plan }>();
    let combined: { ms: number; plan?: Plan } | undefined;
    let asWrittenBeforeMs: number | undefined;
    let asWrittenTimedOut: boolean | undefined;
    const samples = this.options.samples ?? 3;
    const maxMeasured = this.options.maxMeasured ?? 3;
    // Counted as they are built, so the Screening line can say what each build was for.
    const built: BuiltCounts = { screened: 0, narrower: 0, complement: 0 };
    const toMeasure = [...chosen, ...choice.survivors, ...carried.sort((a, b) => b.ruleScore - a.ruleScore)].slice(
      0,
      Math.max(maxMeasured, chosen.length),
    );
    const opts = { signal: this.signal, statementTimeoutMs: this.options.statementTimeoutMs };
    const on = this.on;
    // On a sample copy a build reads that share of the table's rows.
    const sampleShare = (c: IndexCandidate): number => {
      const t = on.sample?.tables.find((x) => x.table === c.table);
      return t && t.rowsFull > 0 ? Math.min(1, t.rowsCopied / t.rowsFull) : 1;
    };
    const stopLabel = (n: number): string => `Stopped early: ${n} of ${toMeasure.length} candidates measured`;
    let before: Awaited<ReturnType<typeof measureWithIndexes>>;
    try {
      before = await this.baseline(
        () => measureWithIndexes(on.session, [], on.statement(bestVariant.statement), samples, opts),
        bestIndex === 0,
      );
      if (bestIndex !== 0) {
        // The combination's gain is against the statement as the user wrote it, without the index.
        const asWritten = await this.baseline(
          () => measureWithIndexes(on.session, [], on.statement(variants[0].statement), samples, opts),
          true,
        );
        asWrittenBeforeMs = asWritten.medianMs;
        asWrittenTimedOut = asWritten.timedOut;
      }
    } catch (err) {
      if (!this.stoppedBy(err)) throw err;
      return { measured: false, chosen, measurements, stoppedEarly: stopLabel(0), built };
    }
    const beforeMeasured = {
      ms: before.medianMs,
      samples: before.samplesMs,
      plan: before.plan,
      timedOut: before.timedOut,
    };
    // Time left: each build's estimated size ÷ the build rate of the builds done so far.
    const estimatedSize = (c: IndexCandidate): number => this.estimatedSize(c, screening, setup) * sampleShare(c);
    let builtBytes = 0;
    let builtMs = 0;
    let done = 0;
    // Cancelled once measuring began: what is measured so far stands, said as stopped early.
    const stoppedHere = (stoppedEarly = stopLabel(done)): Outcome => ({
      measured: true,
      chosen,
      measurements,
      beforeMeasured,
      asWrittenBeforeMs,
      asWrittenTimedOut,
      stoppedEarly,
      built,
    });
    for (const [i, c] of toMeasure.entries()) {
      if (this.stoppedBy(undefined)) break;
      const rate = builtMs > 0 && builtBytes > 0 ? builtBytes / builtMs : defaultBuildRate;
      this.options.onProgress?.({
        phase: 'building',
        index: i + 1,
        total: toMeasure.length,
        name: c.name,
        etaMs: toMeasure.slice(i).reduce((sum, x) => sum + estimatedSize(x) / rate, 0),
        etaFromDefault: builtMs === 0,
      });
      let m: Awaited<ReturnType<typeof measureWithIndexes>>;
      try {
        m = await measureWithIndexes(on.session, [on.candidate(c)], on.statement(bestVariant.statement), samples, opts);
      } catch (err) {
        if (isStatementTimeout(err)) {
          // Too slow with this index too: it is no answer, the others may be.
          done += 1;
          built.screened += 1;
          this.warn(
            c,
            `With it the statement did not finish within the statement_timeout (${formatMs(this.timeoutMs)}).`,
          );
          continue;
        }
        if (!this.stoppedBy(err)) throw err;
        break;
      }
      done += 1;
      if (m.buildMs > 0 && (m.sizes[0] ?? 0) > 0) {
        builtBytes += m.sizes[0] ?? 0;
        builtMs += m.buildMs;
      }
      if (m.failed.length > 0) {
        this.warn(c, `It could not be built: ${m.failed[0].reason}`);
        continue;
      }
      built.screened += 1;
      measurements.set(candidateKey(c), {
        method: 'measured',
        where: this.on.label,
        timeBeforeMs: before.medianMs,
        ...(before.timedOut ? { beforeTimedOut: true } : {}),
        timeAfterMs: m.medianMs,
        samplesBeforeMs: before.samplesMs,
        samplesAfterMs: m.samplesMs,
        sizeBytes: m.sizes[0] ?? 0,
        buildMs: m.buildMs,
        usedInPlan: planUses(m.plan, m.planNames[0]),
        plan: m.plan,
        buffersBefore: pagesTouched(before.plan),
        buffersAfter: pagesTouched(m.plan),
      });
    }
    const verdicts = new Map<string, boolean>();
    const judge = async (c: IndexCandidate): Promise<boolean> => {
      const key = candidateKey(c);
      const known = verdicts.get(key);
      if (known !== undefined) return known;
      const m = measurements.get(key);
      let verdict = false;
      if (m !== undefined && m.usedInPlan) {
        if (m.timeAfterMs <= m.timeBeforeMs * (1 - minimumMeasuredGain)) verdict = true;
        else if (
          !this.stopped &&
          m.buffersBefore !== undefined &&
          m.buffersAfter !== undefined &&
          m.buffersAfter <= m.buffersBefore * maxPagesShare
        ) {
          // The index halves the pages read (deterministic) but the clock, against a "before" taken earlier on a
          // busy machine, is not clear: time it again without and with the index back to back.
          const paired = await measurePaired(
            on.session,
            on.candidate(c),
            on.statement(bestVariant.statement),
            pairedRuns,
            opts,
          );
          m.paired = { beforeMs: paired.beforeMs, afterMs: paired.afterMs };
          m.timeBeforeMs = median(paired.beforeMs);
          delete m.beforeTimedOut;
          m.timeAfterMs = median(paired.afterMs);
          m.samplesBeforeMs = paired.beforeMs;
          m.samplesAfterMs = paired.afterMs;
          // Offered only when it is faster by the back-to-back medians it is reported with.
          verdict = m.timeAfterMs < m.timeBeforeMs;
        }
      }
      verdicts.set(key, verdict);
      return verdict;
    };
    for (const c of toMeasure) await judge(c);
    const confirmed = (c: IndexCandidate): boolean => verdicts.get(candidateKey(c)) ?? false;
    for (const c of toMeasure) {
      const m = measurements.get(candidateKey(c));
      const unvacuumed = heapFetchShare(m?.plan, c.name);
      if (unvacuumed !== undefined) {
        this.warn(
          c,
          `Its index-only scan fetched ${(unvacuumed * 100).toFixed(0)} % of its rows from the table: most pages of ${c.table} are not marked all-visible yet. ` +
            `VACUUM ${c.schema ? `${c.schema}.` : ''}${c.table} (or let autovacuum run) before judging it; measured on the dashboard case, that alone made the query 5× faster.`,
        );
      }
      if (m && !confirmed(c)) {
        this.notes.push({
          kind: 'dropped',
          table: c.table,
          message: `${c.name} was built and timed: ${m.timeBeforeMs.toFixed(1)} → ${m.timeAfterMs.toFixed(1)} ms${m.usedInPlan ? '' : ', not used'}; not suggested.`,
        });
      }
      if (m && confirmed(c) && carried.includes(c)) {
        this.warn(
          c,
          `${whatIf.method === 'hypopg' ? 'HypoPG' : 'The planner'}'s plan did not use it, but the real index was used and measured faster.`,
        );
      }
    }
    // One index per table: the measured fastest, or the smallest within noise of it (a stable choice: the
    // same data gives the same index in every command); across tables, all that are confirmed.
    const perTable = new Map<string, IndexCandidate[]>();
    for (const c of toMeasure.filter(confirmed)) perTable.set(c.table, [...(perTable.get(c.table) ?? []), c]);
    chosen = [];
    for (const group of perTable.values()) {
      const choice = stableChoice(
        group.map((c) => {
          const m = measurements.get(candidateKey(c));
          return {
            item: c,
            name: c.name,
            timeAfterMs: m?.timeAfterMs ?? Infinity,
            samplesMs: m?.samplesAfterMs ?? [],
            // A failed size reads 0: then the HypoPG estimate.
            sizeBytes: m?.sizeBytes ? m.sizeBytes : estimates.get(candidateKey(c))?.estimatedSizeBytes,
          };
        }),
      );
      if (!choice) continue;
      if (choice.reason) this.warn(choice.pick, choice.reason);
      chosen.push(choice.pick);
    }
    if (this.stopped) {
      // Without measurements the estimated choice stands; with some, the confirmed ones (no smaller forms timed).
      const stoppedEarly = stopLabel(done);
      if (measurements.size === 0) return { measured: false, chosen: choice.chosen, measurements, stoppedEarly, built };
      return stoppedHere(stoppedEarly);
    }
    try {
      chosen = await this.narrowest(
        chosen,
        toMeasure,
        measurements,
        bestVariant,
        judge,
        (c) => measureWithIndexes(on.session, [on.candidate(c)], on.statement(bestVariant.statement), samples, opts),
        (a, b) =>
          measureHeadToHead(
            on.session,
            on.candidate(a),
            on.candidate(b),
            on.statement(bestVariant.statement),
            pairedRuns,
            opts,
          ),
        candidates,
        built,
      );
    } catch (err) {
      // Cancelled while timing smaller forms: the confirmed indexes stand.
      if (!this.stoppedBy(err)) throw err;
      return stoppedHere();
    }
    try {
      chosen = await this.complement(chosen, candidates, measurements, bestVariant, built);
    } catch (err) {
      // Cancelled while timing the other side of the join: the indexes chosen so far stand.
      if (!this.stoppedBy(err)) throw err;
      return stoppedHere();
    }
    for (const c of chosen) {
      if (estimates.has(candidateKey(c))) continue;
      const r = await whatIf.plan([c], [bestVariant.statement], this.signal);
      if (r.failed.length > 0 || !r.plans[0]) continue;
      estimates.set(candidateKey(c), {
        method: whatIf.method,
        costBefore: bestVariant.baseCost,
        costAfter: cost(r.plans[0]),
        usedInPlan: planUses(r.plans[0], r.planNames[0]),
        estimatedSizeBytes: whatIf.method === 'hypopg' ? r.sizes[0] : undefined,
      });
    }
    if (chosen.length > 1) {
      try {
        const m = await measureWithIndexes(
          on.session,
          chosen.map((c) => on.candidate(c)),
          on.statement(bestVariant.statement),
          samples,
          opts,
        );
        combined = { ms: m.medianMs, plan: m.plan };
      } catch (err) {
        if (!this.stoppedBy(err)) throw err;
        return stoppedHere();
      }
    }
    return {
      measured: true,
      chosen,
      measurements,
      beforeMeasured,
      combined,
      asWrittenBeforeMs,
      asWrittenTimedOut,
      built,
    };
  }

  /**
   * The other side of a join, judged on top of the indexes chosen. Alone, an index on the dimension in join-key
   * order (the dashboard's `users (id, status) INCLUDE (email, name)`) changes nothing: the plan hash-joins a
   * sequential scan of the fact table. Once the fact side streams in join-key order (the chosen partial covering
   * index), the merge join reads the dimension through users_pkey and its heap; the covering one lets it read
   * the index alone (at 2M orders: 48k pages → 7.5k, 15–25 % faster). The planner's estimate of that is a few
   * per cent, under the greedy screening's bar (and HypoPG's plan on a small table ignores both), so it is timed,
   * never screened by estimate: with the chosen indexes built once, the
   * statement without and with the candidate back to back; kept only when its plan reads it and it is faster by
   * `minimumMeasuredGain`, or faster with the pages read at most halved (the same bar as a single index).
   */
  private async complement(
    chosen: IndexCandidate[],
    candidates: IndexCandidate[],
    measurements: Map<string, MeasuredFigures & { plan?: Plan }>,
    variant: Variant,
    built: BuiltCounts,
  ): Promise<IndexCandidate[]> {
    if (chosen.length === 0 || this.stopped) return chosen;
    const served = new Set(chosen.map((c) => c.table));
    const tries = candidates
      .filter(
        (c) =>
          !served.has(c.table) &&
          c.method === 'btree' &&
          c.features.includes('join-key') &&
          c.features.includes('covering') &&
          c.keys[0]?.reason.startsWith('join key') === true,
      )
      .sort(
        // The join-key partial covering forms first: the planner reads those where it keeps the primary key
        // over a wider non-partial one.
        (a, b) =>
          Number(b.features.includes('partial')) - Number(a.features.includes('partial')) || b.ruleScore - a.ruleScore,
      );
    const kept = [...chosen];
    const on = this.on;
    let timed = 0;
    for (const c of tries) {
      if (timed >= maxComplements) break;
      if (served.has(c.table)) continue;
      throwIfAborted(this.signal);
      timed += 1;
      built.complement += 1;
      const paired = await measurePaired(on.session, on.candidate(c), on.statement(variant.statement), pairedRuns, {
        signal: this.signal,
        statementTimeoutMs: this.options.statementTimeoutMs,
        base: kept.map((k) => on.candidate(k)),
      });
      const before = median(paired.beforeMs);
      const after = median(paired.afterMs);
      const used = planUses(paired.afterPlan, on.candidate(c).name);
      const pagesHalved =
        paired.beforePages !== undefined &&
        paired.afterPages !== undefined &&
        paired.afterPages <= paired.beforePages * maxPagesShare;
      const faster = after <= before * (1 - minimumMeasuredGain) || (pagesHalved && after < before);
      const onTop = kept.map((k) => k.name).join(' + ');
      if (!used || !faster) {
        this.notes.push({
          kind: 'dropped',
          table: c.table,
          message: `${c.name} was timed on top of ${onTop}: ${before.toFixed(1)} → ${after.toFixed(1)} ms${used ? '' : ', not used'}; not suggested.`,
        });
        continue;
      }
      measurements.set(candidateKey(c), {
        method: 'measured',
        where: on.label,
        timeBeforeMs: before,
        timeAfterMs: after,
        samplesBeforeMs: paired.beforeMs,
        samplesAfterMs: paired.afterMs,
        sizeBytes: paired.sizeBytes ?? 0,
        buildMs: 0,
        usedInPlan: true,
        plan: paired.afterPlan,
        buffersBefore: paired.beforePages,
        buffersAfter: paired.afterPages,
        paired: { beforeMs: paired.beforeMs, afterMs: paired.afterMs },
      });
      this.warn(
        c,
        `Measured on top of ${onTop} (back to back, ${pairedRuns} pairs): ${formatMs(before)} → ${formatMs(after)}${paired.beforePages !== undefined && paired.afterPages !== undefined ? `, pages read ${paired.beforePages} → ${paired.afterPages}` : ''}. Alone it does not help: it pays only with ${onTop}.`,
      );
      kept.push(c);
      served.add(c.table);
      this.onTopOf.add(candidateKey(c));
    }
    return kept;
  }

  /** HypoPG's size estimate, else the table's size × the share of its columns the index holds. */
  private estimatedSize(c: IndexCandidate, screening: Screening, setup: Setup): number {
    const hypo = screening.single.get(candidateKey(c))?.size;
    if (hypo !== undefined && hypo > 0) return hypo;
    const table = setup.catalog.tables.find((t) => t.name === c.table);
    const columns = setup.shapes.get(c.table)?.columns.size ?? 0;
    if (!table || columns === 0) return 0;
    const width = c.keys.length + (c.include?.length ?? 0);
    return (table.tableBytes * Math.min(columns, width)) / columns;
  }

  /** The kept indexes as suggestions (their effect on sibling statements included) and the best combination. */
  private async explainResult(
    advice: IndexAdvice,
    setup: Setup,
    choice: Choice,
    outcome: Outcome,
    whatIf: WhatIf,
  ): Promise<void> {
    const { bestVariant, bestIndex, estimates } = choice;
    const { chosen, measurements, beforeMeasured, combined, asWrittenBeforeMs, asWrittenTimedOut } = outcome;
    if (outcome.sampleReport) advice.sampleCopy = outcome.sampleReport;
    throwIfAborted(this.signal);
    const siblings = await this.siblings(chosen, whatIf, setup.statementOf);
    advice.suggestions = chosen
      .map((c) => {
        const m = measurements.get(candidateKey(c));
        return this.suggestion(c, bestVariant, setup.catalog, {
          estimate: estimates.get(candidateKey(c)),
          measurement: m ? withoutPlan(m) : undefined,
          planBefore: m ? beforeMeasured?.plan : bestVariant.basePlan,
          planAfter: m?.plan,
          siblings: siblings.get(candidateKey(c)) ?? [],
        });
      })
      .sort((a, b) => {
        const later = (x: IndexSuggestion): number => Number(this.onTopOf.has(candidateKey(x.candidate)));
        return later(a) - later(b) || gainOf(b) - gainOf(a);
      });
    await this.fillAfterPlans(advice.suggestions, bestVariant, whatIf);

    if (advice.suggestions.length > 0) {
      const last = chosen.length > 1 ? combined : undefined;
      const bestCombo: BestCombination = {
        appliesTo: bestVariant.appliesTo,
        indexNames: advice.suggestions.map((s) => s.candidate.name),
        costBefore: setup.variants[0].baseCost,
        costAfter: await this.costOf(chosen, choice, whatIf),
        estimateMethod: whatIf.method,
      };
      if (beforeMeasured) {
        bestCombo.timeAfterMs = last?.ms ?? advice.suggestions[0].measurement?.timeAfterMs;
        bestCombo.timeBeforeMs = bestIndex === 0 ? beforeMeasured.ms : asWrittenBeforeMs;
        if (bestIndex === 0 ? beforeMeasured.timedOut : asWrittenTimedOut) bestCombo.beforeTimedOut = true;
      }
      // Set only when the indexes were judged on the statement as written after the rewrite alone was timed.
      if (this.rewriteAlone && bestIndex === 0) bestCombo.rewriteAlone = this.rewriteAlone;
      advice.best = bestCombo;
    }
  }

  /**
   * The estimated cost of the kept combination itself: the greedy choice's when the same indexes were kept,
   * else planned again, so the "Best:" line never quotes another candidate's estimate; undefined when the
   * what-if method cannot plan them.
   */
  private async costOf(kept: IndexCandidate[], choice: Choice, whatIf: WhatIf): Promise<number | undefined> {
    // Undefined, not NaN, where HypoPG cannot plan one of them (a GIN index, kept on its measurement alone).
    const known = (x: number): number | undefined => (Number.isFinite(x) ? x : undefined);
    const keys = (l: IndexCandidate[]): string => l.map(candidateKey).sort().join('\n');
    if (keys(kept) === keys(choice.chosen)) return known(choice.cost);
    const own = kept.length === 1 ? choice.estimates.get(candidateKey(kept[0])) : undefined;
    if (own) return known(own.costAfter);
    const r = await whatIf.plan(kept, [choice.bestVariant.statement], this.signal);
    return r.failed.length > 0 || !r.plans[0] ? undefined : known(cost(r.plans[0]));
  }

  /**
   * Size-aware choice per table: among the confirmed candidates and the smaller forms of the fastest one
   * (measured now), the smallest real index whose measured saving is at least `nearlySameGain` of the
   * fastest's. A wide INCLUDE that buys a few tenths of a millisecond is not worth tens of megabytes.
   */
  private async narrowest(
    chosen: IndexCandidate[],
    measuredAlready: IndexCandidate[],
    measurements: Map<string, MeasuredFigures & { plan?: Plan }>,
    variant: Variant,
    judge: (c: IndexCandidate) => Promise<boolean>,
    measure: (c: IndexCandidate) => ReturnType<typeof measureWithIndexes>,
    headToHead: (a: IndexCandidate, b: IndexCandidate) => Promise<HeadToHead>,
    generated: IndexCandidate[],
    built: BuiltCounts,
  ): Promise<IndexCandidate[]> {
    const out: IndexCandidate[] = [];
    const readColumns = relationUsage(variant.facts);
    for (const fastest of chosen) {
      const fm = measurements.get(candidateKey(fastest));
      if (!fm) {
        out.push(fastest);
        continue;
      }
      const usage = readColumns.get(fastest.table);
      // A form the rules already generated keeps its name and reasons.
      const forms = narrowerForms(
        fastest,
        usage && !usage.readsAllColumns ? usage.readColumns : undefined,
        this.taken,
      ).map((f) => {
        const same = generated.find((g) => candidateKey(g) === candidateKey(f));
        if (same) this.taken.delete(f.name);
        return same ?? f;
      });
      const pool: IndexCandidate[] = [];
      for (const c of measuredAlready) if (c.table === fastest.table && (await judge(c))) pool.push(c);
      for (const f of forms) {
        throwIfAborted(this.signal);
        if (measurements.has(candidateKey(f))) continue;
        const m = await measure(f);
        if (m.failed.length > 0) continue;
        built.narrower += 1;
        measurements.set(candidateKey(f), {
          method: 'measured',
          where: this.on.label,
          timeBeforeMs: fm.timeBeforeMs,
          ...(fm.beforeTimedOut ? { beforeTimedOut: true } : {}),
          timeAfterMs: m.medianMs,
          samplesBeforeMs: fm.samplesBeforeMs,
          samplesAfterMs: m.samplesMs,
          sizeBytes: m.sizes[0] ?? 0,
          buildMs: m.buildMs,
          usedInPlan: planUses(m.plan, m.planNames[0]),
          plan: m.plan,
          buffersBefore: fm.buffersBefore,
          buffersAfter: pagesTouched(m.plan),
        });
        if (await judge(f)) pool.push(f);
      }
      const saving = (c: IndexCandidate): number => {
        const m = measurements.get(candidateKey(c));
        return m ? m.timeBeforeMs - m.timeAfterMs : 0;
      };
      // Pages saved count as much as time: on a warm cache a narrower index can match the time of a covering one
      // while reading several times the pages, which a cold cache or a busier server would pay for.
      const pagesSaved = (c: IndexCandidate): number | undefined => {
        const m = measurements.get(candidateKey(c));
        return m?.buffersBefore !== undefined && m.buffersAfter !== undefined
          ? m.buffersBefore - m.buffersAfter
          : undefined;
      };
      const keepsPages = (c: IndexCandidate): boolean => {
        const mine = pagesSaved(c);
        const theirs = pagesSaved(fastest);
        return mine === undefined || theirs === undefined || theirs <= 0 || mine >= theirs * nearlySameGain;
      };
      const size = (c: IndexCandidate): number => measurements.get(candidateKey(c))?.sizeBytes ?? Infinity;
      const best = saving(fastest);
      let pick = fastest;
      let headToHeads = 0;
      let settledBackToBack: { mine: number; theirs: number } | undefined;
      // The smallest that qualifies: by its measured saving, or, when it reads no more pages than the fastest but
      // its time (taken minutes apart on a busy machine) says less, by the two timed back to back.
      for (const c of [...pool].sort((a, b) => size(a) - size(b))) {
        if (size(c) >= size(fastest) || !keepsPages(c)) continue;
        const cm = measurements.get(candidateKey(c));
        // Nearly the same saving is not enough when "before" is huge: 3.35 ms against 1.18 ms both save ~99.99 %
        // of 12.7 s, yet one is nearly 3× slower. (Not the spread of 3 runs: a cold first run makes any two alike.)
        const closeAfter = cm !== undefined && cm.timeAfterMs <= fm.timeAfterMs * maxSlowerAfter;
        if (saving(c) >= best * nearlySameGain && closeAfter) {
          pick = c;
          break;
        }
        const mine = pagesSaved(c);
        const theirs = pagesSaved(fastest);
        if (headToHeads >= maxHeadToHeads || mine === undefined || theirs === undefined || mine < theirs) continue;
        headToHeads += 1;
        const h = await headToHead(c, fastest);
        const mineMs = median(h.firstMs);
        const theirsMs = median(h.secondMs);
        if (
          mineMs <= theirsMs + Math.max(0, fm.timeBeforeMs - theirsMs) * (1 - nearlySameGain) &&
          mineMs <= theirsMs * maxSlowerAfter
        ) {
          pick = c;
          settledBackToBack = { mine: mineMs, theirs: theirsMs };
          break;
        }
      }
      if (pick !== fastest) {
        // The wider index is not offered: the smaller one may take its plain name (orders_user_id_idx, not …_idx1).
        if (
          /\d$/.test(pick.name) &&
          pick.name.replace(/\d+$/, '') === fastest.name &&
          !chosen.some((c) => c !== fastest && c.name === fastest.name)
        ) {
          const old = pick.name;
          this.taken.delete(old);
          pick.name = fastest.name;
          for (const n of measurements.get(candidateKey(pick))?.plan?.nodes ?? [])
            if (n.fields['Index Name'] === old) n.fields['Index Name'] = pick.name;
        }
        const pm = measurements.get(candidateKey(pick));
        this.notes.push({
          kind: 'dropped',
          table: fastest.table,
          message: `The wider ${indexBody(fastest)} (${formatMegabytes(fm.sizeBytes)}, ${formatMs(fm.timeAfterMs)}) gives way to the smaller ${pick.name} (${formatMegabytes(pm?.sizeBytes ?? 0)}, ${formatMs(pm?.timeAfterMs ?? 0)}): nearly the same measured gain.`,
        });
        const sizes = `takes ${formatMegabytes(fm.sizeBytes)} against ${formatMegabytes(pm?.sizeBytes ?? 0)}`;
        this.warn(
          pick,
          settledBackToBack
            ? `Chosen for its size: the wider index ${indexBody(fastest)} measured faster at first, but timed back to back it took ${formatMs(settledBackToBack.theirs)} and this one ${formatMs(settledBackToBack.mine)} (reading no more pages), and it ${sizes}.`
            : `Chosen for its size: the wider index ${indexBody(fastest)} measured ${formatMs(fm.timeAfterMs)} (this one ${formatMs(pm?.timeAfterMs ?? 0)}) but ${sizes}.`,
        );
      }
      out.push(pick);
    }
    return out;
  }

  private async candidates(
    variants: Variant[],
    catalog: CatalogSnapshot,
    columnTypes: Map<string, Map<string, ColumnType>>,
    shapes: Map<string, RelationShape>,
  ): Promise<IndexCandidate[]> {
    const all: IndexCandidate[] = [];
    const taken = this.taken;
    for (const i of catalog.indexes) taken.add(i.name);
    for (const v of variants) {
      const selectivity = await this.selectivities(v.facts, catalog, shapes);
      const generated = generateCandidates({
        facts: v.facts,
        plan: v.basePlan,
        catalog,
        columnTypes,
        selectivity,
        takenNames: taken,
      });
      for (const n of generated.notes) if (!this.notes.some((m) => m.message === n.message)) this.notes.push(n);
      for (const c of generated.candidates) {
        if (!shapes.has(c.table) || shapes.get(c.table)?.kind === 'v') continue;
        if (all.some((a) => candidateKey(a) === candidateKey(c))) continue;
        taken.add(c.name);
        all.push(c);
      }
    }
    const kept: IndexCandidate[] = [];
    for (const c of all) {
      const coverage = existingCoverage(c, catalog.indexes);
      if (coverage?.relation === 'covered') {
        const note = `Existing index ${coverage.index.name} already covers ${c.table} (${c.keys.map((k) => k.column ?? k.expression).join(', ')})${c.predicate ? ` WHERE ${c.predicate}` : ''}: ${coverage.index.definition}`;
        this.covered.push({ candidate: c, existingIndex: coverage.index.name, note });
        continue;
      }
      if (coverage?.relation === 'extends')
        this.warn(
          c,
          `It extends the existing index ${coverage.index.name}; once it is built, ${coverage.index.name} may be redundant.`,
        );
      kept.push(c);
    }
    if (kept.length === 0 && this.covered.length > 0) {
      const names = [...new Set(this.covered.map((c) => c.existingIndex))].join(', ');
      this.notes.push({
        kind: 'already-covered',
        message: `Existing index${names.includes(',') ? 'es' : ''} ${names} already cover${names.includes(',') ? '' : 's'} what this statement needs: nothing to add.`,
      });
    }
    return kept.sort((a, b) => b.ruleScore - a.ruleScore);
  }

  /** The planner's own row estimate for each constant predicate alone: the share of the table it keeps. */
  private async selectivities(
    facts: StatementFacts,
    catalog: CatalogSnapshot,
    shapes: Map<string, RelationShape>,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const usage of relationUsage(facts).values()) {
      const shape = shapes.get(usage.table);
      const stats = catalog.tables.find((t) => t.name === usage.table);
      if (!shape || !stats || stats.estimatedRows <= 0) continue;
      for (const p of usage.predicates) {
        if (!p.constant || p.kind === 'jsonb-containment' || p.kind === 'full-text') continue;
        const key = selectivityKey(usage.table, p.sql);
        if (out.has(key)) continue;
        try {
          const explained = await this.session.explain({
            sql: `SELECT 1 FROM ${qualifiedName(shape.schema, shape.name)} WHERE ${p.sql}`,
            analyze: false,
            signal: this.signal,
          });
          const rows = parsePlan(explained.planJson).root.fields['Plan Rows'] ?? stats.estimatedRows;
          out.set(key, Math.min(1, rows / stats.estimatedRows));
        } catch (err) {
          if (err instanceof TunerError && err.reason === 'cancelled') throw err;
          // An expression the planner rejects on its own is simply not a partial-index predicate.
        }
      }
    }
    return out;
  }

  private async siblings(
    chosen: IndexCandidate[],
    whatIf: WhatIf,
    statementOf: (sql: string) => StatementToPlan,
  ): Promise<Map<string, SiblingEffect[]>> {
    const out = new Map<string, SiblingEffect[]>();
    const siblings = this.options.siblings ?? [];
    if (siblings.length === 0 || chosen.length === 0) return out;
    const statements = siblings.map((s) => ({ ...statementOf(s), params: undefined, genericPlan: false }));
    const base = await whatIf.plan([], statements, this.signal);
    for (const c of chosen) {
      const touched = siblings.map((s) => {
        try {
          return tableKey(analyseStatement(s)).some((t) => t === c.table || t.endsWith(`.${c.table}`));
        } catch {
          return false;
        }
      });
      const r = await whatIf.plan([c], statements, this.signal);
      const effects: SiblingEffect[] = [];
      siblings.forEach((sql, i) => {
        if (!touched[i] || !base.plans[i] || !r.plans[i]) return;
        const before = cost(base.plans[i]);
        const after = cost(r.plans[i]);
        effects.push({ sql, costBefore: before, costAfter: after, method: whatIf.method });
        if (after > before * 1.01) {
          const short = sql.replace(/\s+/g, ' ').trim().slice(0, 80);
          this.warn(
            c,
            `Sibling statement "${short}" gets slower with it: est. cost ${before.toFixed(0)} → ${after.toFixed(0)}.`,
          );
        }
      });
      out.set(candidateKey(c), effects);
    }
    return out;
  }

  /** The estimated plan with the index, where no measured plan is at hand. */
  private async fillAfterPlans(suggestions: IndexSuggestion[], variant: Variant, whatIf: WhatIf): Promise<void> {
    for (const s of suggestions) {
      if (s.planAfter) continue;
      const r = await whatIf.plan([s.candidate], [variant.statement], this.signal);
      s.planAfter = r.plans[0];
    }
  }

  private suggestion(
    c: IndexCandidate,
    variant: Variant,
    catalog: CatalogSnapshot,
    figures: Pick<IndexSuggestion, 'estimate' | 'measurement' | 'planBefore' | 'planAfter'> & {
      siblings?: SiblingEffect[];
    },
  ): IndexSuggestion {
    const stats = catalog.tables.find((t) => t.name === c.table);
    return {
      candidate: c,
      createSql: createIndexSql(c),
      rollbackSql: dropIndexSql(c),
      columnOrderReason: c.columnOrderReason,
      appliesTo: variant.appliesTo,
      estimate: figures.estimate,
      measurement: figures.measurement,
      label: figures.measurement ? 'measured' : 'estimated only',
      planBefore: figures.planBefore ?? variant.basePlan,
      planAfter: figures.planAfter,
      writeOverhead: {
        table: c.table,
        indexSizeBytes: figures.measurement?.sizeBytes ?? figures.estimate?.estimatedSizeBytes,
        tableBytes: stats?.tableBytes,
        inserts: stats?.inserts,
        updates: stats?.updates,
        deletes: stats?.deletes,
      },
      siblings: figures.siblings ?? [],
      warnings: this.warnings.get(candidateKey(c)) ?? [],
    };
  }
}

function sameLeadingKey(a: IndexCandidate, b: IndexCandidate): boolean {
  const ka = a.keys[0];
  const kb = b.keys[0];
  return ka !== undefined && kb !== undefined && (ka.column ?? ka.expression) === (kb.column ?? kb.expression);
}

function withoutPlan(m: MeasuredFigures & { plan?: Plan }): MeasuredFigures {
  const { plan: _plan, ...rest } = m;
  return rest;
}

function gainOf(s: IndexSuggestion): number {
  if (s.measurement) return s.measurement.timeBeforeMs / Math.max(s.measurement.timeAfterMs, 0.001);
  if (s.estimate) return s.estimate.costBefore / Math.max(s.estimate.costAfter, 0.001);
  return 0;
}

/**
 * Index advice for one statement on a session. Never builds anything that outlives a rolled-back
 * transaction, and builds only on the embedded database or where `allowMeasuredWhatIf` says the session is
 * not production (and it is not read-only). HypoPG state is reset after every use.
 */
export function adviseIndexes(
  session: DatabaseSession,
  sql: string,
  options: AdviseIndexesOptions,
): Promise<IndexAdvice> {
  const advisor = new Advisor(session, sql, options);
  // The sample copies (temporary tables), when made, go at the end, whatever happened.
  return advisor.run().finally(() => advisor.dropSample());
}
