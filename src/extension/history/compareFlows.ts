/**
 * The editor's ways into the compare view: "Compare with Previous" (the latest two plans of a statement from
 * the plan history) and "Compare Plans…" (two plans of the statement's history, or two saved plan files).
 */
import * as vscode from 'vscode';
import type { PlanHistoryEntry } from '../../core/compare/planHistory';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { TunerContext } from '../context';
import { PlanPanel } from '../panel/planPanel';
import { entryDetail, entryLabel, entryResult } from './comparison';

/** The statement the user means: the one under the cursor of a SQL editor, else the one in the plan view. */
export async function currentStatementSql(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor && (editor.document.languageId === 'sql' || !editor.selection.isEmpty)) {
    const document = editor.document;
    let text: string | undefined;
    if (!editor.selection.isEmpty) text = document.getText(editor.selection).trim().replace(/;\s*$/, '');
    else {
      const { statementAt } = await import('../../core/sql/splitStatements');
      text = statementAt(document.getText(), document.offsetAt(editor.selection.active))?.text;
    }
    if (text && text.trim()) {
      // The history holds the statement as explained: named parameters already turned into $n.
      const { rewriteNamedParameters } = await import('../../core/sql/namedParameters');
      return rewriteNamedParameters(text).text;
    }
  }
  const shown = PlanPanel.current?.result?.sql;
  return shown && shown.trim() ? shown : undefined;
}

export async function compareWithPrevious(ctx: TunerContext, sql: string | undefined): Promise<void> {
  if (!sql) {
    void vscode.window.showInformationMessage(
      'Put the cursor in a SQL statement you explained twice, or show its plan, to compare with the previous plan.',
    );
    return;
  }
  const history = await ctx.history();
  const pair = await history.latestTwo(sql);
  if (!pair) {
    const count = (await history.entries(sql)).length;
    void vscode.window.showInformationMessage(
      count === 0
        ? 'This statement has no plans in the history yet: run "Explain and Optimize" on it (twice to compare).'
        : 'This statement has one plan in the history: explain it again to compare the two.',
    );
    return;
  }
  await compareEntries(ctx, pair.previous, pair.latest, 'previous plan');
}

export async function compareEntries(
  ctx: TunerContext,
  before: PlanHistoryEntry,
  after: PlanHistoryEntry,
  what: string,
): Promise<void> {
  const [b, a] = await Promise.all([entryResult(before), entryResult(after)]);
  await ctx.showComparison(b, a, {
    title: `${firstLine(after.sql)} (${what})`,
    before: entryLabel(before),
    after: entryLabel(after),
  });
}

/** "Compare Plans…": the source first (history or files), then the two plans. */
export async function comparePlansInteractively(ctx: TunerContext): Promise<void> {
  const sql = await currentStatementSql();
  const entries = sql ? await (await ctx.history()).entries(sql) : [];
  const fromHistory = {
    label: '$(history) Two plans of this statement from the history',
    detail: `${entries.length} plan${entries.length === 1 ? '' : 's'} kept for this statement`,
    id: 'history' as const,
  };
  const fromFiles = {
    label: '$(files) Two saved plan files (JSON or text)',
    detail: 'EXPLAIN output saved from psql, pgAdmin, a log or this extension',
    id: 'files' as const,
  };
  const choice =
    entries.length >= 2
      ? await vscode.window.showQuickPick([fromHistory, fromFiles], {
          title: 'Compare Plans',
          placeHolder: 'Which plans?',
        })
      : fromFiles;
  if (!choice) return;
  if (choice.id === 'history') {
    const picked = await pickTwoEntries(entries);
    if (picked) await compareEntries(ctx, picked[0], picked[1], 'from the history');
    return;
  }
  await compareFiles(ctx);
}

async function pickTwoEntries(entries: PlanHistoryEntry[]): Promise<[PlanHistoryEntry, PlanHistoryEntry] | undefined> {
  const items = [...entries]
    .reverse()
    .map((entry, i) => ({ label: entryLabel(entry), description: entryDetail(entry), picked: i < 2, entry }));
  // Preselect the latest two: accepting at once is "compare with previous".
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Compare Plans: pick two plans of this statement',
    canPickMany: true,
    placeHolder: 'Select exactly two (the older one is shown as "before")',
  });
  if (!picked) return undefined;
  if (picked.length !== 2) {
    void vscode.window.showInformationMessage(`Pick exactly two plans to compare (you picked ${picked.length}).`);
    return undefined;
  }
  const [x, y] = picked.map((p) => p.entry).sort((p, q) => p.timestamp - q.timestamp);
  return [x, y];
}

async function compareFiles(ctx: TunerContext): Promise<void> {
  const filters = {
    'Plans (JSON or text)': ['json', 'txt', 'plan', 'log', 'sql', 'yaml', 'yml', 'xml'],
    'All files': ['*'],
  };
  const before = await vscode.window.showOpenDialog({
    canSelectMany: false,
    title: 'Compare Plans: the plan BEFORE',
    openLabel: 'Before',
    filters,
  });
  if (!before?.[0]) return;
  const after = await vscode.window.showOpenDialog({
    canSelectMany: false,
    title: 'Compare Plans: the plan AFTER',
    openLabel: 'After',
    filters,
    defaultUri: before[0],
  });
  if (!after?.[0]) return;
  const [b, a] = [before[0], after[0]];
  try {
    const results = await Promise.all(
      [b, a].map(async (uri) => {
        const { analysePlanText } = await import('../../core/pipeline/explainAndOptimize');
        return analysePlanText(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      }),
    );
    const name = (uri: vscode.Uri): string => vscode.workspace.asRelativePath(uri);
    await ctx.showComparison(results[0], results[1], {
      title: `${name(b)} → ${name(a)}`,
      before: name(b),
      after: name(a),
    });
  } catch (err) {
    await ctx.reportError(err, { action: 'Compare Plans' });
  }
}

/** "Compare with Previous" from the plan view's button: the shown result's statement. */
export function compareShownWithPrevious(ctx: TunerContext, result: TuningResult): Promise<void> {
  return compareWithPrevious(ctx, result.sql.trim() ? result.sql : undefined);
}

function firstLine(sql: string): string {
  const line = sql.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
