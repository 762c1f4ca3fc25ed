import * as vscode from 'vscode';
import type { TopStatement } from '../../core/workload/topQueries';
import { formatCount, formatMs } from '../../core/report/formatNumbers';
import type { CommandFactory } from './command';
import { explainInEditor } from '../explain/explainInEditor';

/** The statement of a tree item, whether the item's click passed it or its context menu passed the node. */
function statementOf(arg: unknown): TopStatement | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const candidate = 'statement' in arg ? (arg as { statement: unknown }).statement : arg;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const s = candidate as Partial<TopStatement>;
  return typeof s.query === 'string' && typeof s.textVisible === 'boolean' ? (candidate as TopStatement) : undefined;
}

/**
 * A top statement opened in a new SQL editor and explained there by the usual flow: `$n` parameters are
 * asked for (empty answers plan it with EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+).
 */
export const explainTopStatement: CommandFactory = (ctx) => async (arg: unknown) => {
  const statement = statementOf(arg);
  if (!statement) return;
  if (!statement.textVisible) {
    void vscode.window.showInformationMessage('The text of this statement belongs to another role and is hidden from this one: there is nothing to explain.');
    return;
  }
  const header =
    `-- From pg_stat_statements on ${ctx.connections.activeLabel}: ${formatCount(statement.calls)} calls, ` +
    `${formatMs(statement.totalTimeMs)} total, ${formatMs(statement.meanTimeMs)} mean\n`;
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content: `${header}${statement.query}\n` });
  const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: false });
  // The statement selected, the comment not: the explain flow takes a selection as the statement.
  editor.selection = new vscode.Selection(document.positionAt(header.length), document.positionAt(header.length + statement.query.length));
  await explainInEditor(ctx, editor, { analyze: true, action: 'Explain and Optimize' });
};
