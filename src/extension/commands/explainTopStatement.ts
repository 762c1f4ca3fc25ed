import * as vscode from 'vscode';
import type { TopStatement } from '../../core/workload/topQueries';
import { formatCount, formatMs } from '../../core/text/formatNumbers';
import type { CommandFactory } from './command';
import type { StatementCopy } from '../commandTable';
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
 * asked for (empty answers plan it with EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+). When the workspace holds a
 * copy with values (the view's click passes how to find it), that copy is opened instead: nothing to ask.
 */
export const explainTopStatement: CommandFactory = (ctx) => async (arg: unknown, findCopy?: unknown) => {
  const statement = statementOf(arg);
  if (!statement) return;
  if (!statement.textVisible) {
    void vscode.window.showInformationMessage(
      'The text of this statement belongs to another role and is hidden from this one: there is nothing to explain.',
    );
    return;
  }
  const copy =
    /\$\d/.test(statement.query) && typeof findCopy === 'function'
      ? await (findCopy as () => Promise<StatementCopy | undefined>)()
      : undefined;
  const sql = copy?.sql.trim() ?? statement.query;
  const header =
    `-- From pg_stat_statements on ${ctx.connections.activeLabel}: ${formatCount(statement.calls)} calls, ` +
    `${formatMs(statement.totalTimeMs)} total, ${formatMs(statement.meanTimeMs)} mean\n` +
    (copy ? `-- With the values of the workspace's copy at ${copy.where}\n` : '');
  if (copy) ctx.log.info(`Top queries: opening the workspace's copy with values at ${copy.where}`);
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content: `${header}${sql}\n` });
  const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preview: false });
  // The statement selected, the comment not: the explain flow takes a selection as the statement.
  editor.selection = new vscode.Selection(
    document.positionAt(header.length),
    document.positionAt(header.length + sql.length),
  );
  await explainInEditor(ctx, editor, { analyze: true, action: 'Explain and Optimize' });
};
