/**
 * `pg-tuner check` in one pass: collect the statements of the files with their locations → static SQL
 * rules → EXPLAIN (estimate only: nothing runs) on the session → plan insights mapped back to the source →
 * compare with the baseline plan. A statement that is broken or fails on the database is a finding, never a
 * crash; only a lost connection or a cancel stops the run.
 */
import type { DatabaseSession } from '../db/session';
import { highestParam } from '../db/statementSafety';
import { TunerError } from '../errors';
import { explainAndOptimize } from '../pipeline/explainAndOptimize';
import type { Insight } from '../insights/insight';
import { checkSqlDocument } from '../insights/sqlRules';
import { parsePlan } from '../plan/parsePlan';
import { statementKey } from '../compare/planHistory';
import { rewriteNamedParameters } from '../sql/namedParameters';
import { loadParser } from '../sql/parser';
import type { BaselineEntry } from './baseline';
import { baselinePlanText } from './baseline';
import type { CheckedStatement, CheckFinding, CheckResult } from './checkResult';
import type { CheckRuleId } from './checkRules';
import { checkRules, isCheckRuleId } from './checkRules';
import type { FoundStatement, SourceFile } from './collectStatements';
import { collectStatements, locationIn } from './collectStatements';
import type { RegressionThresholds } from './regressions';
import { defaultRegressionThresholds, findRegressions } from './regressions';

export interface CheckOptions {
  /** Where to explain; without one only the static rules run. */
  session?: DatabaseSession;
  /** Baseline plans by fingerprint; absent: no comparison. */
  baselines?: ReadonlyMap<string, BaselineEntry>;
  thresholds?: RegressionThresholds;
  statementTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Failures that end the run: the database is gone or the user stopped it. */
const fatal = new Set(['connection-failed', 'authentication-failed', 'cancelled']);

/** A range in the statement's SQL → a location in its file (the whole statement when offsets do not map 1:1). */
function locate(
  statement: FoundStatement,
  range: { start: number; end: number } | undefined,
): CheckFinding['location'] {
  if (!range || !statement.exact) return statement.location;
  const base = statement.location.start;
  const start = base + Math.min(range.start, statement.sql.length);
  const end = base + Math.min(Math.max(range.end, range.start), statement.sql.length);
  return locationIn(statement.file, start, end);
}

function messageOf(insight: Insight): string {
  return insight.title;
}

export async function runCheck(files: readonly SourceFile[], options: CheckOptions = {}): Promise<CheckResult> {
  await loadParser();
  const found = collectStatements(files);
  const thresholds = options.thresholds ?? defaultRegressionThresholds;
  const statements: CheckedStatement[] = [];
  const findings: CheckFinding[] = [];

  for (const [index, statement] of found.entries()) {
    const add = (
      ruleId: CheckRuleId,
      insightLike: { severity: Insight['severity']; message: string; suggestion?: string },
      range?: { start: number; end: number },
    ): void => {
      findings.push({
        ruleId,
        severity: insightLike.severity,
        message: insightLike.message,
        suggestion: insightLike.suggestion,
        location: locate(statement, range),
        statement: index,
      });
    };
    const checked: CheckedStatement = {
      location: statement.location,
      sql: statement.sql,
      fingerprint: statementKey(statement.sql),
      explained: false,
      baseline: 'none',
    };
    statements.push(checked);

    const staticFindings = checkSqlDocument(statement.sql);
    let broken = false;
    for (const insight of staticFindings) {
      if (insight.ruleId === 'syntax-error') broken = true;
      if (!isCheckRuleId(insight.ruleId)) continue;
      add(
        insight.ruleId,
        { severity: insight.severity, message: messageOf(insight), suggestion: insight.suggestion },
        insight.sqlRange,
      );
    }
    if (broken || !options.session) continue;

    // `:name` placeholders go to the server as $n; a statement with $n has no values here: a generic plan.
    const rewrite = rewriteNamedParameters(statement.sql);
    const genericPlan = highestParam(rewrite.text) > 0;
    try {
      const result = await explainAndOptimize(options.session, rewrite.text, {
        analyze: false,
        genericPlan,
        statementTimeoutMs: options.statementTimeoutMs,
        signal: options.signal,
      });
      checked.explained = true;
      checked.rawPlan = result.rawPlan;
      checked.totalCost = result.plan.totals.cost;
      for (const insight of result.insights) {
        // The SQL rules were reported above, from the text as written.
        if (!isCheckRuleId(insight.ruleId) || checkRules[insight.ruleId].kind !== 'plan') continue;
        const range = insight.sqlRange && {
          start: rewrite.toOriginal(insight.sqlRange.start),
          end: rewrite.toOriginal(insight.sqlRange.end),
        };
        add(
          insight.ruleId,
          { severity: insight.severity, message: messageOf(insight), suggestion: insight.suggestion },
          range,
        );
      }
      const baseline = options.baselines?.get(checked.fingerprint);
      if (options.baselines) checked.baseline = baseline ? 'compared' : 'missing';
      if (baseline) {
        for (const regression of findRegressions(
          parsePlan(baselinePlanText(baseline)),
          result.plan,
          thresholds,
          result.catalog,
        )) {
          add(regression.ruleId, { severity: 'warning', message: regression.message });
        }
      }
    } catch (err) {
      if (!(err instanceof TunerError) || fatal.has(err.reason)) throw err;
      const offset = err.detail.offset !== undefined ? rewrite.toOriginal(err.detail.offset) : undefined;
      const range = offset !== undefined ? { start: offset, end: offset + 1 } : undefined;
      if (err.reason === 'server-error' || err.reason === 'timeout' || err.reason === 'syntax-error') {
        add(
          err.reason === 'syntax-error' ? 'syntax-error' : 'statement-error',
          { severity: 'critical', message: `${err.message}` },
          range,
        );
      } else if (err.reason !== 'unsafe-statement') {
        // DDL and maintenance (a migration next to the queries) have no plan: nothing to report about them.
        add('not-explained', {
          severity: 'info',
          message: /^Not explained/.test(err.message) ? err.message : `Not explained: ${err.message}`,
        });
      }
    }
  }
  return { statements, findings, files: files.map((f) => f.path) };
}

/** Statements that would have a baseline written with --update-baseline: explained and without one. */
export function statementsWithoutBaseline(result: CheckResult): CheckedStatement[] {
  return result.statements.filter((s) => s.baseline === 'missing');
}
