/**
 * Our diagnostics and what lies behind each: the insight, its statement, its plan node. Hovers and code actions
 * look the entry up by document, range and rule id (the `Diagnostic` objects they receive are copies).
 * Two collections: findings of the last explain (and its error), and static checks refreshed as the user types.
 */
import * as vscode from 'vscode';
import type { Insight } from '../../core/insights/insight';
import type { RuleId } from '../../core/insights/ruleIds';
import type { SourceRange } from '../../core/positions';

export const diagnosticSource = 'PostgreSQL Query Tuner';

export interface DiagnosticEntry {
  diagnostic: vscode.Diagnostic;
  insight: Insight;
  /** The statement in document offsets. */
  statement: { text: string; start: number; end: number };
  /** Document offsets of the diagnostic. */
  range: SourceRange;
  /** Set for findings of an explain: the plan node to select in the plan view. */
  nodeId?: number;
  fromExplain: boolean;
}

/** A document's diagnostics: the last explain's findings, its error, and the static checks. */
interface Slot {
  explain: DiagnosticEntry[];
  /** The error of the last explain that failed (a syntax error, a server error at a position). */
  errors: vscode.Diagnostic[];
  static: DiagnosticEntry[];
}

export class TunerDiagnostics implements vscode.Disposable {
  private readonly explainCollection = vscode.languages.createDiagnosticCollection('pgTuner.explain');
  private readonly staticCollection = vscode.languages.createDiagnosticCollection('pgTuner.static');
  private readonly entries = new Map<string, Slot>();

  setExplainFindings(
    document: vscode.TextDocument,
    findings: Array<Omit<DiagnosticEntry, 'diagnostic' | 'fromExplain'>>,
  ): void {
    const entries = findings.map((f) => ({
      ...f,
      fromExplain: true,
      diagnostic: toDiagnostic(document, f.insight, f.range),
    }));
    const slot = this.slot(document.uri);
    slot.explain = entries;
    slot.errors = [];
    this.publishExplain(document.uri);
  }

  /**
   * Adds findings computed after the explain (the advisors' suggestions), replacing earlier ones of the same
   * rules on the same statement; the explain's own findings stay, and so does an error reported meanwhile (an
   * advice run can end after a later explain of another statement failed).
   */
  appendExplainFindings(
    document: vscode.TextDocument,
    ruleIds: readonly RuleId[],
    findings: Array<Omit<DiagnosticEntry, 'diagnostic' | 'fromExplain'>>,
  ): void {
    const slot = this.slot(document.uri);
    const starts = new Set(findings.map((f) => f.statement.start));
    const kept = slot.explain.filter((e) => !(ruleIds.includes(e.insight.ruleId) && starts.has(e.statement.start)));
    slot.explain = [
      ...kept,
      ...findings.map((f) => ({ ...f, fromExplain: true, diagnostic: toDiagnostic(document, f.insight, f.range) })),
    ];
    this.publishExplain(document.uri);
  }

  /** A syntax or server error at a position: an Error diagnostic there; the document itself is left alone. */
  setExplainError(document: vscode.TextDocument, offset: number, message: string, code: string): void {
    const position = document.positionAt(offset);
    const wordRange = document.getWordRangeAtPosition(position) ?? new vscode.Range(position, position.translate(0, 1));
    const diagnostic = new vscode.Diagnostic(wordRange, message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = diagnosticSource;
    diagnostic.code = code;
    const slot = this.slot(document.uri);
    slot.explain = [];
    slot.errors = [diagnostic];
    this.publishExplain(document.uri);
  }

  clearExplain(uri: vscode.Uri): void {
    const slot = this.slot(uri);
    slot.explain = [];
    slot.errors = [];
    this.explainCollection.delete(uri);
    this.publishStatic(uri);
  }

  private publishExplain(uri: vscode.Uri): void {
    const slot = this.slot(uri);
    this.explainCollection.set(uri, [...slot.explain.map((e) => e.diagnostic), ...slot.errors]);
    this.publishStatic(uri);
  }

  setStatic(document: vscode.TextDocument, findings: Array<Omit<DiagnosticEntry, 'diagnostic' | 'fromExplain'>>): void {
    const entries = findings.map((f) => ({
      ...f,
      fromExplain: false,
      diagnostic: toDiagnostic(document, f.insight, f.range),
    }));
    this.slot(document.uri).static = entries;
    this.publishStatic(document.uri);
  }

  private shownStatic(slot: Slot): DiagnosticEntry[] {
    const explained = new Set(slot.explain.map((e) => `${e.insight.ruleId}@${e.range.start}-${e.range.end}`));
    return slot.static.filter((e) => !explained.has(`${e.insight.ruleId}@${e.range.start}-${e.range.end}`));
  }

  /** Static findings the last explain also reported (same rule, same range) are shown once, as the explain's. */
  private publishStatic(uri: vscode.Uri): void {
    this.staticCollection.set(
      uri,
      this.shownStatic(this.slot(uri)).map((e) => e.diagnostic),
    );
  }

  clearStatic(uri: vscode.Uri): void {
    this.slot(uri).static = [];
    this.staticCollection.delete(uri);
  }

  /** Entries whose range contains the position, explain findings first. */
  entriesAt(uri: vscode.Uri, position: vscode.Position): DiagnosticEntry[] {
    const slot = this.entries.get(uri.toString());
    if (!slot) return [];
    return [...slot.explain, ...this.shownStatic(slot)].filter((e) => e.diagnostic.range.contains(position));
  }

  /** The entry behind a diagnostic handed to a code-action provider. */
  entryFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): DiagnosticEntry | undefined {
    const slot = this.entries.get(uri.toString());
    if (!slot || diagnostic.source !== diagnosticSource) return undefined;
    return [...slot.explain, ...this.shownStatic(slot)].find(
      (e) =>
        e.diagnostic.range.isEqual(diagnostic.range) &&
        codeOf(e.diagnostic) === codeOf(diagnostic) &&
        e.diagnostic.message === diagnostic.message,
    );
  }

  private slot(uri: vscode.Uri): Slot {
    const key = uri.toString();
    let slot = this.entries.get(key);
    if (!slot) {
      slot = { explain: [], errors: [], static: [] };
      this.entries.set(key, slot);
    }
    return slot;
  }

  forget(uri: vscode.Uri): void {
    this.clearExplain(uri);
    this.clearStatic(uri);
    this.entries.delete(uri.toString());
  }

  dispose(): void {
    this.explainCollection.dispose();
    this.staticCollection.dispose();
    this.entries.clear();
  }
}

function toDiagnostic(document: vscode.TextDocument, insight: Insight, range: SourceRange): vscode.Diagnostic {
  const r = new vscode.Range(
    document.positionAt(range.start),
    document.positionAt(Math.max(range.end, range.start + 1)),
  );
  const severity =
    insight.severity === 'info' ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Warning;
  const d = new vscode.Diagnostic(r, insight.title, severity);
  d.source = diagnosticSource;
  d.code = insight.ruleId;
  return d;
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}
