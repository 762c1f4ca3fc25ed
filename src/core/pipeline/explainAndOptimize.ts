/**
 * The main job, one way through: SQL text → parse → session.explain → plan model → insights → result.
 * Front ends (CLI, extension) call these two functions and render what they return.
 */
import { qualifiedName } from '../sql/quoteIdentifier';
import type { DatabaseSession, ExplainRequest, ExplainResult } from '../db/session';
import { defaultStatementTimeoutMs } from '../db/explainRunner';
import { TunerError } from '../errors';
import type { CatalogSnapshot } from '../db/catalog';
import { embeddedDataNote } from '../db/generateData/embeddedDataNote';
import type { Insight } from '../insights/insight';
import { severityOrder } from '../insights/insight';
import { runPlanRules } from '../insights/planRules';
import { runSqlRules } from '../insights/sqlRules';
import type { Plan } from '../plan/planNode';
import { parsePlan } from '../plan/parsePlan';
import { analyseStatement } from '../sql/analyseStatement';
import { mapPlanToSql } from '../sql/mapPlanToSql';
import { loadParser } from '../sql/parser';
import type { StatementFacts } from '../sql/statementFacts';
import type { SourceRange } from '../positions';
import type { TuningResult } from './tuningResult';

/** What session.explain() takes besides the statement (EXPLAIN ANALYZE is made safe by the session), and the catalog switch. */
export interface TuneOptions extends Omit<ExplainRequest, 'sql'> {
  /** Read table sizes, indexes and column statistics for the advice (default true). */
  withCatalog?: boolean;
  /**
   * When EXPLAIN ANALYZE hits statement_timeout, plan the statement without ANALYZE and return that plan with
   * a warning saying so (default true): a statement too slow to run is the one most worth seeing.
   */
  estimateOnTimeout?: boolean;
}

/** "0.2 s", "30 s", "1.5 s": the timeout as a person reads it. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

/** The statement_timeout (ms) an ANALYZE run stopped at, or undefined for any other error (lock_timeout, cancel, …). */
function analyzeTimeoutOf(err: unknown, options: Omit<ExplainRequest, 'sql'>): number | undefined {
  if (!options.analyze || options.genericPlan) return undefined;
  if (!(err instanceof TunerError) || err.reason !== 'timeout' || err.detail.code !== '57014') return undefined;
  return options.statementTimeoutMs ?? defaultStatementTimeoutMs;
}

export function analyzeTimedOutMessage(timeoutMs: number): string {
  return `The statement timed out after ${seconds(timeoutMs)} with ANALYZE (statement_timeout = ${timeoutMs} ms); showing the estimated plan (EXPLAIN without ANALYZE). Raise the timeout to measure it.`;
}

/** Explains one statement on the session and analyses the plan. Throws TunerError on bad SQL or server errors. */
export async function explainAndOptimize(
  session: DatabaseSession,
  sql: string,
  options: TuneOptions,
): Promise<TuningResult> {
  await loadParser();
  // Parse before touching the database: a syntax error is reported at its offset and nothing runs.
  const facts = analyseStatement(sql);
  const { withCatalog, estimateOnTimeout, ...explainOptions } = options;
  let explained: ExplainResult;
  let timedOutMs: number | undefined;
  try {
    explained = await session.explain({ ...explainOptions, sql });
  } catch (err) {
    timedOutMs = estimateOnTimeout === false ? undefined : analyzeTimeoutOf(err, explainOptions);
    if (timedOutMs === undefined) throw err;
    // The ANALYZE run was stopped and rolled back; planning alone runs nothing.
    explained = await session.explain({ ...explainOptions, sql, analyze: false });
  }
  const plan = parsePlan(explained.planJson);
  if (timedOutMs !== undefined)
    plan.warnings = [{ field: '', message: analyzeTimedOutMessage(timedOutMs) }, ...(plan.warnings ?? [])];
  const catalog = withCatalog === false ? undefined : await readCatalog(session, plan);
  const result = assemble(sql, facts, plan, explained.planJson, catalog);
  result.run = {
    sessionKind: session.kind,
    sessionLabel: session.label,
    serverVersion: versionWithoutBuild(explained.server.versionText),
    wrapper: explained.wrapper,
    analyzed: plan.analyzed,
    roundTripMs: explained.roundTripMs,
    explainStatement: explained.explainStatement,
  };
  if (timedOutMs !== undefined) result.run.analyzeTimedOutMs = timedOutMs;
  const dataNote = embeddedDataNote(
    session,
    plan.nodes.flatMap((n) => (n.fields['Relation Name'] ? [n.fields['Relation Name']] : [])),
  );
  if (dataNote) result.run.dataNote = dataNote;
  return result;
}

/** Analyses a plan the user pasted or saved (JSON or psql text); no database. `sql` adds SQL mapping and rules. */
export async function analysePlanText(planText: string, sql?: string): Promise<TuningResult> {
  const plan = parsePlan(planText);
  const statementText = sql ?? plan.queryText;
  let facts: StatementFacts | undefined;
  if (statementText) {
    await loadParser();
    try {
      facts = analyseStatement(statementText);
    } catch {
      // A plan without parsable SQL is still worth analysing; the mapping to SQL is simply absent.
      facts = undefined;
    }
  }
  return assemble(statementText ?? '', facts, plan, planText, undefined);
}

function assemble(
  sql: string,
  facts: StatementFacts | undefined,
  plan: Plan,
  rawPlan: string,
  catalog: CatalogSnapshot | undefined,
): TuningResult {
  const nodeRanges: Record<number, SourceRange> = facts ? mapPlanToSql(plan, facts) : {};
  const insights = [...runPlanRules({ plan, statement: facts, catalog }), ...(facts ? runSqlRules(facts) : [])];
  for (const insight of insights) {
    if (!insight.sqlRange) {
      const mapped = insight.nodeIds.map((id) => nodeRanges[id]).find((r) => r !== undefined);
      if (mapped) insight.sqlRange = mapped;
    }
  }
  return { sql, facts, plan, insights: rankInsights(insights, plan), nodeRanges, rawPlan, catalog };
}

/** Most severe first; within a severity, the insight whose nodes take the most time first. */
export function rankInsights(insights: Insight[], plan: Plan): Insight[] {
  // Weighed once each, not in every comparison: a huge plan can carry thousands of insights.
  const weights = new Map<Insight, number>();
  for (const i of insights)
    weights.set(
      i,
      i.nodeIds.reduce((s, id) => s + (plan.nodes[id]?.metrics.timeShare ?? 0), 0),
    );
  const weight = (i: Insight): number => weights.get(i) ?? 0;
  return [...insights].sort((a, b) => severityOrder[b.severity] - severityOrder[a.severity] || weight(b) - weight(a));
}

/** "PostgreSQL 15.20 (Debian …) on x86_64-pc-linux-gnu, compiled by gcc …" → "PostgreSQL 15.20 (Debian …)". */
function versionWithoutBuild(versionText: string): string {
  const cut = versionText.indexOf(' on ');
  return cut > 0 ? versionText.slice(0, cut) : versionText;
}

async function readCatalog(session: DatabaseSession, plan: Plan): Promise<CatalogSnapshot | undefined> {
  const tables = new Set<string>();
  for (const node of plan.nodes) {
    const name = node.fields['Relation Name'];
    if (typeof name === 'string') {
      const schema = node.fields['Schema'];
      // Quoted: to_regclass reads `we"ird` or `My.Table` unquoted as bad syntax or a database name.
      tables.add(qualifiedName(typeof schema === 'string' ? schema : undefined, name));
    }
  }
  if (tables.size === 0) return undefined;
  return session.catalogFor([...tables]);
}
