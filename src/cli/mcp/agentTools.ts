/**
 * What `pg-tuner mcp` offers an AI agent: each tool calls the same core functions as the CLI command of the
 * same purpose (explain, plan, compare, advise, rewrite, loops, top, health) and answers with structured data,
 * the evidence and the caveats, plus a few lines of text. On top of the CLI's safety rules the server is
 * read-only by default: a statement that may write is never run (not even rolled back) unless the user started
 * the server with --allow-analyze-writes, and indexes are built (in rolled-back transactions) on a server only
 * with --allow-what-if. DDL is returned as text; nothing here creates an index or writes a file.
 */
import { relative } from 'node:path';
import { adviseRewrites } from '../../core/advice/rewrite/adviseRewrites';
import type { Rewrite } from '../../core/advice/rewriteSuggestion';
import { comparePlans } from '../../core/compare/comparePlans';
import { summariseComparison } from '../../core/compare/summariseComparison';
import { openSession } from '../../core/db/openSession';
import type { DatabaseSession } from '../../core/db/session';
import { calledFunctions, classifyForExplain, volatilityLookup, volatilityQuery } from '../../core/db/statementSafety';
import { TunerError } from '../../core/errors';
import { analysePlanText, explainAndOptimize } from '../../core/pipeline/explainAndOptimize';
import { runHealthChecks } from '../../core/health/runHealthChecks';
import { mayHoldQueryCall } from '../../core/advice/nPlusOne/mayHoldQuery';
import { ormLoopEntry, ormLoopReports } from '../commands/ormLoops';
import { parsePlan } from '../../core/plan/parsePlan';
import { formatMs } from '../../core/text/formatNumbers';
import { adviseIndexesWithRewrites } from '../../core/pipeline/statementAdvice';
import { rewriteNamedParameters } from '../../core/sql/namedParameters';
import { loadParser } from '../../core/sql/parser';
import { checkSyntax, splitStatements } from '../../core/sql/splitStatements';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { loadTopQueries } from '../../core/workload/topQueries';
import type { TopQueryOrder } from '../../core/workload/topQueries';
import { lineColumnAt } from '../../core/positions';
import { readFileSync } from 'node:fs';
import { editHunks, resolveSourceFiles } from '../commands/loops';
import { writeResultJson } from '../formatJson';
import { withSession } from '../runStatement';
import { connectionNamed, type NamedConnection } from './connections';
import { notOfferedReason } from '../../core/report/rewriteReport';
import { preAggregateStep } from '../../core/pipeline/preAggregateStep';
import { preAggregateAnswer } from './preAggregateAnswer';

/** How the server was started: what it may use and what it may do. */
export interface AgentToolContext {
  connections: Map<string, NamedConnection>;
  /** ANALYZE (and the advisors' runs) of a statement that may write, inside BEGIN … ROLLBACK. */
  allowAnalyzeWrites: boolean;
  /** Candidate indexes built in rolled-back transactions on a server (always allowed on the embedded database). */
  allowWhatIf: boolean;
  /** statement_timeout for each run, ms (the CLI's default when absent). */
  timeoutMs?: number;
  /** Where relative paths (loops) are read from. */
  cwd: string;
  signal?: AbortSignal;
}

/** A tool's answer: the data for the agent, and a few lines of text for the conversation. */
export interface ToolAnswer {
  structured: Record<string, unknown>;
  summary: string;
}

/** Why something is refused, as a stable code the agent (and the tests) can act on. */
export type RefusalCode =
  | 'url-not-allowed'
  | 'unknown-connection'
  | 'multiple-statements'
  | 'analyze-writes-refused'
  | 'server-only'
  | 'what-if-not-allowed';

/** A parameter value as an agent sends it: text (as --param), a number or true/false, or SQL NULL. */
export type ParamValue = string | number | boolean | null;

const embeddedCaveat =
  'Ran on the embedded database (PGlite, in this process): plans and timings are not those of a production server.';

/** What a tool says about where it ran: the name the user gave it, never its address. */
export type ConnectionInfo = Pick<NamedConnection, 'name' | 'kind'>;

/**
 * Where the tools get a session: the MCP server's named connections (ConnectionPool), or the editor's selected
 * connection (the language-model tools), which takes no name.
 */
export interface SessionProvider {
  use<T>(
    name: string | undefined,
    work: (session: DatabaseSession, connection: ConnectionInfo) => Promise<T>,
  ): Promise<T>;
}

/**
 * The embedded database is loaded once (seconds) and kept; a server gets a fresh connection per call and it is
 * always closed, as the CLI does.
 */
export class ConnectionPool implements SessionProvider {
  private embedded?: Promise<DatabaseSession>;

  constructor(private readonly ctx: Pick<AgentToolContext, 'connections'>) {}

  async use<T>(
    name: string | undefined,
    work: (session: DatabaseSession, connection: ConnectionInfo) => Promise<T>,
  ): Promise<T> {
    if (name === undefined)
      throw new TunerError('bad-input', `Name a connection: ${[...this.ctx.connections.keys()].join(', ')}.`, {
        code: 'unknown-connection',
      });
    const connection = connectionNamed(this.ctx.connections, name);
    if (connection.kind === 'server') return withSession(connection.target(), (session) => work(session, connection));
    this.embedded ??= openSession(connection.target());
    let session: DatabaseSession;
    try {
      session = await this.embedded;
    } catch (err) {
      this.embedded = undefined;
      throw err;
    }
    return work(session, connection);
  }

  async close(): Promise<void> {
    const embedded = this.embedded;
    this.embedded = undefined;
    if (embedded) await (await embedded.catch(() => undefined))?.close();
  }
}

/** One statement, `:name` placeholders made $n, syntax checked; several statements are refused (one per call). */
export async function oneStatement(text: string): Promise<string> {
  const statements = splitStatements(text);
  if (statements.length === 0) throw new TunerError('bad-input', 'There is no SQL statement in the text.');
  if (statements.length > 1) {
    throw new TunerError(
      'bad-input',
      `The text holds ${statements.length} statements; send one statement per call (nothing was run).`,
      { code: 'multiple-statements' },
    );
  }
  const sql = rewriteNamedParameters(statements[0].text).text;
  await loadParser();
  const syntax = checkSyntax(sql);
  if (syntax) throw new TunerError('syntax-error', syntax.message, { offset: syntax.offset });
  return sql;
}

/**
 * Throws unless running `sql` is read-only, or the server may run writes rolled back. The same classification
 * the explain itself makes (statementSafety), with the server's function volatility: a SELECT calling a volatile
 * function counts as one that may write, as it does for the CLI's choice of transaction.
 */
export async function requireReadOnlyRun(session: DatabaseSession, sql: string, ctx: AgentToolContext): Promise<void> {
  if (ctx.allowAnalyzeWrites) return;
  await loadParser();
  let verdict = classifyForExplain(sql, { analyze: true });
  // A refusal (DDL, …) is the explain's to give, with its own reason; read-only needs no look-up.
  if (!verdict.safe || verdict.wrapper === 'read-only-transaction') return;
  const names = [...new Set(calledFunctions(sql).map((f) => f.name))];
  if (names.length > 0) {
    const rows = await session.query<{ schema: string; name: string; provolatile: string }>(volatilityQuery, [names]);
    verdict = classifyForExplain(sql, { analyze: true, volatilityOf: volatilityLookup(rows) });
    if (!verdict.safe || verdict.wrapper === 'read-only-transaction') return;
  }
  // The reason up to where it says how the CLI would run it (inside BEGIN … ROLLBACK), which does not happen here.
  const reason = verdict.why.split(';')[0];
  throw new TunerError(
    'unsafe-statement',
    `Not run: ${reason}. ` +
      'This MCP server is read-only: a statement that may write is not executed, not even in a rolled-back transaction, unless the user starts it with --allow-analyze-writes. ' +
      'Use mode "estimate" to plan it without running it.',
    { code: 'analyze-writes-refused' },
  );
}

function paramsOf(values: ParamValue[] | undefined): unknown[] | undefined {
  // As the CLI's --param: text values, which the server casts to each parameter's type.
  return values && values.length > 0 ? values.map((v) => (v === null ? null : String(v))) : undefined;
}

/** The TuningResult as `--json` gives it (flat node list, capped insight texts), as an object. */
function resultJson(result: TuningResult): Record<string, unknown> {
  let text = '';
  writeResultJson(result, (piece) => {
    text += piece;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

function insightLines(result: TuningResult, max = 5): string[] {
  const lines = result.insights.slice(0, max).map((i) => `- [${i.severity}] ${i.title}`);
  if (result.insights.length > max) lines.push(`- … ${result.insights.length - max} more in the structured result`);
  return lines;
}

function wrapperCaveat(result: TuningResult): string | undefined {
  switch (result.run?.wrapper) {
    case 'read-only-transaction':
      return 'The statement ran in a READ ONLY transaction that was rolled back.';
    case 'rolled-back-transaction':
      return 'The statement may write: it ran inside BEGIN … ROLLBACK (nothing was kept), with the server started with --allow-analyze-writes.';
    case 'plan-only':
      return "Estimate only: the statement was planned, not run; row counts and costs are the planner's guesses.";
    default:
      return undefined;
  }
}

export interface ExplainInput {
  /** Absent in the editor: its selected connection. */
  connection?: string;
  sql: string;
  mode: 'estimate' | 'analyze';
  params?: ParamValue[];
  genericPlan?: boolean;
}

export async function explainTool(
  pool: SessionProvider,
  ctx: AgentToolContext,
  input: ExplainInput,
): Promise<ToolAnswer> {
  const sql = await oneStatement(input.sql);
  const analyze = input.mode === 'analyze' && input.genericPlan !== true;
  return pool.use(input.connection, async (session, connection) => {
    if (analyze) await requireReadOnlyRun(session, sql, ctx);
    const result = await explainAndOptimize(session, sql, {
      analyze,
      params: paramsOf(input.params),
      genericPlan: input.genericPlan === true,
      statementTimeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    const caveats = [wrapperCaveat(result), connection.kind === 'embedded' ? embeddedCaveat : undefined].filter(
      (c): c is string => c !== undefined,
    );
    const time =
      result.plan.executionTimeMs !== undefined
        ? `execution ${formatMs(result.plan.executionTimeMs)}`
        : 'estimate only';
    const summary = [
      `Explained on "${connection.name}" (${time}, ${result.run?.wrapper ?? 'plan-only'}): ${result.insights.length} insight(s).`,
      ...insightLines(result),
    ];
    return {
      structured: {
        connection: connection.name,
        mode: analyze ? 'analyze' : 'estimate',
        caveats,
        result: resultJson(result),
      },
      summary: summary.join('\n'),
    };
  });
}

export async function analysePlanTool(input: { plan: string; sql?: string }): Promise<ToolAnswer> {
  if (input.plan.trim() === '') throw new TunerError('bad-input', 'The plan is empty.');
  const result = await analysePlanText(input.plan, input.sql);
  const time =
    result.plan.executionTimeMs !== undefined
      ? `execution ${formatMs(result.plan.executionTimeMs)}`
      : 'no actual times (EXPLAIN without ANALYZE)';
  const caveats = [
    'Read from the pasted text only: no database was used, so table sizes and existing indexes are unknown.',
  ];
  const summary = [
    `Plan read (${result.plan.format}, ${result.plan.nodes.length} nodes, ${time}): ${result.insights.length} insight(s).`,
    ...insightLines(result),
  ];
  return { structured: { caveats, result: resultJson(result) }, summary: summary.join('\n') };
}

export function comparePlansTool(input: { before: string; after: string }): ToolAnswer {
  const comparison = comparePlans(parsePlan(input.before), parsePlan(input.after));
  const summaryLines = summariseComparison(comparison);
  const caveats = comparison.analyzed
    ? []
    : ['At least one plan has no actual times (no ANALYZE): only estimates are compared.'];
  return {
    structured: { summary: summaryLines, caveats, comparison },
    summary: summaryLines.join('\n') || 'No difference found.',
  };
}

export interface AdviseInput {
  connection?: string;
  sql?: string;
  workload?: string[];
  params?: ParamValue[];
  asWritten?: boolean;
  /** With `workload`: one index set for all of it (advise --workload) instead of advice per statement. */
  indexSet?: boolean;
}

export async function adviseIndexesTool(
  pool: SessionProvider,
  ctx: AgentToolContext,
  input: AdviseInput,
): Promise<ToolAnswer> {
  if ((input.sql === undefined) === (input.workload === undefined))
    throw new TunerError(
      'bad-input',
      'Give either "sql" (one statement) or "workload" (several statements), not both or neither.',
    );
  if (input.indexSet === true && input.workload === undefined)
    throw new TunerError('bad-input', '"indexSet" goes with "workload": one index set for several statements.');
  const texts = input.sql !== undefined ? [input.sql] : (input.workload ?? []);
  const statements: string[] = [];
  for (const t of texts) statements.push(await oneStatement(t));
  const params = input.sql !== undefined ? paramsOf(input.params) : undefined;
  return pool.use(input.connection, async (session, connection) => {
    for (const sql of statements) await requireReadOnlyRun(session, sql, ctx);
    const measured = connection.kind === 'embedded' || ctx.allowWhatIf;
    if (input.indexSet === true) return workloadIndexSet(session, connection.name, statements, measured, ctx);
    const options = { allowMeasuredWhatIf: measured, params, statementTimeoutMs: ctx.timeoutMs, signal: ctx.signal };
    const out: Array<Record<string, unknown>> = [];
    const lines: string[] = [];
    for (const [i, sql] of statements.entries()) {
      // The proven rewrites stand in for the statement too, as for `pg-tuner advise`; the rest of a workload are
      // siblings: re-planned with each index and warned about when it makes them slower.
      const rewrites =
        input.asWritten === true
          ? []
          : await adviseRewrites(session, sql, { ...options, mayBuildProofIndex: options.allowMeasuredWhatIf });
      const siblings = statements.filter((_, j) => j !== i);
      const { indexes, chosen } = await adviseIndexesWithRewrites(session, sql, rewrites, { ...options, siblings });
      out.push({ sql, advice: indexes, rewrite: chosen });
      const head = statements.length > 1 ? `Statement ${i + 1}: ` : '';
      if (indexes.suggestions.length === 0) lines.push(`${head}no index to suggest.`);
      for (const s of indexes.suggestions) lines.push(`${head}[${s.label}] ${s.createSql}`);
    }
    const caveats = [
      'DDL is returned as text and was not run; apply it yourself (CREATE INDEX CONCURRENTLY outside a transaction) with its rollback.',
      measured
        ? 'Candidate indexes were built and timed inside transactions that were rolled back; nothing was kept.'
        : 'Estimates only: this server was not started with --allow-what-if, so no index was built to time it.',
      ...(connection.kind === 'embedded' ? [embeddedCaveat] : []),
    ];
    return {
      structured: { connection: connection.name, measured, caveats, statements: out },
      summary: lines.join('\n'),
    };
  });
}

/** `advise_indexes` with `indexSet`: the workload's one index set, as `pg-tuner advise --workload` gives it. */
async function workloadIndexSet(
  session: DatabaseSession,
  connection: string,
  statements: string[],
  measured: boolean,
  ctx: AgentToolContext,
): Promise<ToolAnswer> {
  const { adviseWorkload } = await import('../../core/advice/index/adviseWorkload');
  const advice = await adviseWorkload(
    session,
    statements.map((sql, i) => ({ id: `#${i + 1}`, sql, origin: { kind: 'given', position: i + 1 } })),
    { allowMeasuredWhatIf: measured, statementTimeoutMs: ctx.timeoutMs, signal: ctx.signal },
  );
  const caveats = [
    'DDL is returned as text and was not run; apply it yourself (CREATE INDEX CONCURRENTLY outside a transaction) with its rollback.',
    advice.measured
      ? 'The indexes were built together and the workload timed (its writes in savepoints) inside transactions that were rolled back; nothing was kept.'
      : `Estimates only (${advice.measurementReason ?? 'nothing measurable'}): no index was built and no write cost measured.`,
    'Existing indexes listed as made redundant are for the user to judge; nothing was dropped.',
  ];
  const summary = advice.indexes.map(
    (x) => `[${x.label}] ${x.createSql} serves ${x.serves.map((s) => s.statementId).join(', ') || 'the set'}`,
  );
  return {
    structured: { connection, measured: advice.measured, caveats, indexSet: advice },
    summary: summary.join('\n') || 'No index to suggest for this workload.',
  };
}

/** A rewrite as the agent gets it: proven, measured and faster beyond noise (the CLI's rule), or listed as not offered. */
function provenAndMeasured(r: Rewrite): boolean {
  return notOfferedReason(r) === undefined;
}

export async function rewriteTool(
  pool: SessionProvider,
  ctx: AgentToolContext,
  input: { connection?: string; sql: string; params?: ParamValue[] },
): Promise<ToolAnswer> {
  const sql = await oneStatement(input.sql);
  return pool.use(input.connection, async (session, connection) => {
    await requireReadOnlyRun(session, sql, ctx);
    const found = await adviseRewrites(session, sql, {
      params: paramsOf(input.params),
      statementTimeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      mayBuildProofIndex: connection.kind === 'embedded' || ctx.allowWhatIf,
    });
    const rewrites = found.filter(provenAndMeasured);
    const notOffered = found
      .filter((r) => !provenAndMeasured(r))
      .map((r) => ({
        id: r.id,
        title: r.title,
        verification: r.verification,
        reason: r.verificationReason,
        notOffered: notOfferedReason(r),
      }));
    const caveats = [
      "Only rewrites proven to return the same rows on this database (both forms run in a read-only transaction and compared) and measured faster beyond noise are offered; equivalence on this data is evidence, not a proof for all data (see each rewrite's caveats).",
      ...(connection.kind === 'embedded' ? [embeddedCaveat] : []),
    ];
    const lines = rewrites.map(
      (r) =>
        `- ${r.title}: ${r.measurement ? `${r.measurement.before.timedOut ? '≥ ' : ''}${formatMs(r.measurement.before.timeMs)} → ${formatMs(r.measurement.after.timeMs)}` : ''}`,
    );
    // Beyond the per-query floor: a summary kept beside the tables, proven and measured; never created here.
    const preAggregate = preAggregateAnswer(
      await preAggregateStep(session, sql, {
        allowMeasuredWhatIf: connection.kind === 'embedded' || ctx.allowWhatIf,
        howToAllow: 'the server was not started with --allow-what-if',
        params: paramsOf(input.params),
        statementTimeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      }),
    );
    const summary = [
      rewrites.length === 0
        ? `No proven, measured rewrite (${notOffered.length} considered and not offered).`
        : [`${rewrites.length} proven rewrite(s):`, ...lines].join('\n'),
      ...preAggregate.lines,
    ].join('\n');
    return {
      structured: {
        connection: connection.name,
        sql,
        caveats,
        rewrites,
        notOffered,
        preAggregate: preAggregate.structured,
      },
      summary,
    };
  });
}

export interface LoopsInput {
  paths: string[];
  connection?: string;
  measure?: boolean;
}

export async function findLoopsTool(
  pool: SessionProvider,
  ctx: AgentToolContext,
  input: LoopsInput,
): Promise<ToolAnswer> {
  const files = resolveSourceFiles(input.paths, ctx.cwd);
  const shown = (p: string): string => relative(ctx.cwd, p) || p;
  if (input.connection !== undefined) {
    const c = connectionNamed(ctx.connections, input.connection);
    if (c.kind !== 'server')
      throw new TunerError(
        'bad-input',
        'loops reads the catalog of a server: name a server connection, or none for static analysis.',
        { code: 'server-only' },
      );
  } else if (input.measure === true) {
    throw new TunerError('bad-input', "measure runs each loop's queries on a server: name a server connection.", {
      code: 'server-only',
    });
  }
  const scan = async (session: DatabaseSession | undefined): Promise<ToolAnswer> => {
    const { adviseNPlusOne } = await import('../../core/advice/nPlusOne/adviseNPlusOne');
    const loops: Array<Record<string, unknown>> = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // ORM calls in loops (Prisma, Drizzle, TypeORM, Sequelize, knex): the batched form, never written here.
      for (const r of await ormLoopReports(text, file, shown(file)))
        loops.push(ormLoopEntry(r, editHunks(text, r.advice.edits)));
      if (!mayHoldQueryCall(text)) continue;
      const advice = await adviseNPlusOne(session, text, file, {
        measure: input.measure === true,
        statementTimeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      });
      for (const a of advice) {
        const at = lineColumnAt(text, a.finding.inner.range.start);
        // The code change as a diff to show; never written here.
        loops.push({
          path: shown(file),
          line: at.line + 1,
          column: at.column + 1,
          title: a.title,
          explanation: a.explanation,
          singleQuery: a.combined.sql,
          indexDdl: a.combined.indexDdl,
          diff: editHunks(text, a.edits).join('\n'),
          noEditReason: a.noEditReason,
          caveats: a.caveats,
          measurement: a.measurement,
        });
      }
    }
    const caveats = [
      'The code changes are returned as diffs and were not applied.',
      session
        ? input.measure === true
          ? 'Measured: each loop and its single query ran in a read-only transaction.'
          : "Not measured: the server's catalog was read, nothing was run."
        : 'Static analysis only: no catalog read, nothing run.',
    ];
    const summary = `${loops.length === 0 ? 'No N+1 loop' : `${loops.length} N+1 loop(s)`} in ${files.length} file(s).${loops.map((l) => `\n- ${String(l.path)}:${String(l.line)} ${String(l.title)}`).join('')}`;
    return { structured: { files: files.map(shown), measured: input.measure === true, caveats, loops }, summary };
  };
  return input.connection === undefined ? scan(undefined) : pool.use(input.connection, (session) => scan(session));
}

function serverOnly(connection: ConnectionInfo, what: string): void {
  if (connection.kind !== 'server')
    throw new TunerError(
      'bad-input',
      `${what} reads a server's statistics: name a server connection, not the embedded database.`,
      { code: 'server-only' },
    );
}

export async function topQueriesTool(
  pool: SessionProvider,
  input: { connection?: string; orderBy?: TopQueryOrder; limit?: number },
): Promise<ToolAnswer> {
  return pool.use(input.connection, async (session, connection) => {
    serverOnly(connection, 'top_queries');
    const result = await loadTopQueries(session, { orderBy: input.orderBy ?? 'total', limit: input.limit ?? 20 });
    const summary =
      result.status === 'ok'
        ? [
            `Top ${result.statements.length} of ${result.statementCount} statements by ${result.orderBy}:`,
            ...result.statements
              .slice(0, 5)
              .map(
                (s) =>
                  `${s.rank}. ${formatMs(s.totalTimeMs)} total, ${s.calls} calls: ${s.textVisible ? s.query.replace(/\s+/g, ' ').slice(0, 100) : '<insufficient privilege>'}`,
              ),
          ].join('\n')
        : result.notes.map((n) => n.message).join('\n');
    return { structured: { connection: connection.name, ...result }, summary };
  });
}

export async function healthTool(
  pool: SessionProvider,
  ctx: AgentToolContext,
  input: { connection?: string },
): Promise<ToolAnswer> {
  return pool.use(input.connection, async (session, connection) => {
    serverOnly(connection, 'health');
    const result = await runHealthChecks(session, { signal: ctx.signal });
    const caveats = ['Read-only checks: the fixes are returned as DDL text with their rollback and were not run.'];
    const summary = [
      `Health ${result.score}/100 (${result.findings.length} finding(s)).`,
      ...result.findings.slice(0, 5).map((f) => `- [${f.severity}] ${f.title}`),
    ].join('\n');
    return { structured: { connection: connection.name, caveats, ...result }, summary };
  });
}

export function listConnectionsTool(ctx: AgentToolContext): ToolAnswer {
  const connections = [...ctx.connections.values()].map((c) => ({
    name: c.name,
    kind: c.kind,
    description: c.description,
  }));
  const policy = { allowAnalyzeWrites: ctx.allowAnalyzeWrites, allowWhatIf: ctx.allowWhatIf };
  return {
    structured: { connections, policy },
    summary: connections.map((c) => `- ${c.name}: ${c.description}`).join('\n'),
  };
}
