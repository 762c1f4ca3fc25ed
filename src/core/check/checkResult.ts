/** What `pg-tuner check` found, as plain data: the SARIF and Markdown writers and `--json` render it. */
import type { Severity } from '../insights/insight';
import type { CheckRuleId } from './checkRules';

/** A place in a source file: 0-based offsets, 1-based lines and columns (UTF-16 code units), as SARIF counts. */
export interface SourceLocation {
  /** Relative to the working directory, `/`-separated (what code scanning resolves against the checkout). */
  path: string;
  start: number;
  end: number;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface CheckFinding {
  ruleId: CheckRuleId;
  severity: Severity;
  /** One line, with the figures: "Estimated cost 3.1× the baseline (1,204 → 3,733)". */
  message: string;
  suggestion?: string;
  location: SourceLocation;
  /** Index into CheckResult.statements. */
  statement: number;
}

export interface CheckedStatement {
  /** The statement where it starts in its file. */
  location: SourceLocation;
  /** As found in the file (a template's `${…}` shown as `$n`). */
  sql: string;
  /** libpg-query fingerprint (constants and spacing do not change it); the baseline's key. */
  fingerprint: string;
  /** Explained on the database (estimate only); false for syntax errors, DDL, failures. */
  explained: boolean;
  totalCost?: number;
  /** The EXPLAIN (FORMAT JSON) output, for the baseline. */
  rawPlan?: string;
  baseline: 'compared' | 'missing' | 'none';
}

export interface CheckResult {
  statements: CheckedStatement[];
  findings: CheckFinding[];
  /** The files read, relative, in order. */
  files: string[];
  /** Where the statements were explained; absent when checked statically only. */
  database?: { kind: 'embedded' | 'server'; label: string };
}
