import type { SourceRange } from '../positions';
import type { Plan } from '../plan/planNode';
import type { StatementFacts } from '../sql/statementFacts';
import type { CatalogSnapshot } from '../db/catalog';
import type { RewriteRef } from '../advice/rewriteSuggestion';
import type { PlanRuleId, RuleId, SqlRuleId } from './ruleIds';

export type Severity = 'critical' | 'warning' | 'info';

export const severityOrder: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** One number (or fact) that proves an insight, shown to the user as "label: value unit". */
export interface Evidence {
  label: string;
  value: number | string;
  unit?: string;
}

export interface Insight {
  /** The rule's id, shared by diagnostics, hovers and quick fixes ("seq-scan-large-table"). */
  ruleId: RuleId;
  severity: Severity;
  /** Plan node ids (PlanNode.id) this insight concerns; empty for SQL-only findings. */
  nodeIds: number[];
  /** One line: "Seq Scan on orders reads 8.5M rows to keep 4.2M". */
  title: string;
  /** What happens and why it is slow, for a developer who is not a DBA. */
  explanation: string;
  /** What to do about it, when known. */
  suggestion?: string;
  evidence: Evidence[];
  /** Further points, one short line each, under a heading: a hover shows them as lists. */
  details?: Array<{ heading: string; items: string[] }>;
  /** SQL the finding proposes (the DDL, the rewritten statement), each under its caption: code blocks in a hover. */
  code?: Array<{ caption: string; sql: string }>;
  /** Where in the statement text (0-based offsets) the cause sits, when it can be mapped. */
  sqlRange?: SourceRange;
  /** For an advisor's finding: the advice it stands for, by id; its fixes are looked up by this, never by text. */
  advice?: AdviceRef;
}

/**
 * An advisor's suggestion, by id: an index by its name (unique in the statement's advice), a rewrite by its ref,
 * or indexes that gain only with a rewrite, as the pair.
 */
export type AdviceRef =
  | { kind: 'index'; index: string }
  | { kind: 'rewrite'; rewrite: RewriteRef }
  | { kind: 'rewrite-with-index'; rewrite: RewriteRef; indexes: string[] }
  /** A pre-aggregation offer of the statement, by its kind (one offer per kind: materialized view, summary table). */
  | { kind: 'pre-aggregate'; form: string };

/** What a plan rule may look at. Only `plan` is always there. */
export interface PlanRuleContext {
  plan: Plan;
  statement?: StatementFacts;
  catalog?: CatalogSnapshot;
}

/** A rule over an explained plan (needs a database or a pasted plan). */
export interface PlanRule {
  id: PlanRuleId;
  kind: 'plan';
  check(context: PlanRuleContext): Insight[];
}

/** A rule over the statement text alone; runs as the user types, so it must be cheap. */
export interface SqlRule {
  id: SqlRuleId;
  kind: 'sql';
  check(statement: StatementFacts): Insight[];
}

export type InsightRule = PlanRule | SqlRule;
