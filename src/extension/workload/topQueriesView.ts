/**
 * The "Top Queries" tree view: the active connection's statements from pg_stat_statements, ordered by a key
 * the user picks. Loaded when the view is shown (never at activation) and again on refresh, order change or
 * connection change; the workspace is searched for the statements' sources once per load, in the background.
 */
import * as vscode from 'vscode';
import { TunerError } from '../../core/errors';
import type { TopQueriesResult, TopQueryOrder, TopStatement } from '../../core/workload/topQueries';
import { vscodeCommand } from '../commandCalls';
import type { StatementCopy } from '../commandTable';
import type { TunerContext } from '../context';
import { withSessionProgress } from '../connections/withSessionProgress';
import { userMessageFor } from '../errorMessages';
import {
  isTopQueryOrder,
  notFoundNode,
  sourceNodes,
  topQueryNodes,
  viewDescription,
  type SourceNode,
  type TopQueryNode,
} from './topQueryItems';
import { indexWorkspaceSources, type WorkspaceSourceIndex } from './workspaceSources';

export const topQueriesViewId = 'pgTuner.topQueries';
const orderKey = 'pgTuner.topQueries.orderBy';
const statementLimit = 20;

export class TopQueriesView implements vscode.TreeDataProvider<TopQueryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TopQueryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private tree: vscode.TreeView<TopQueryNode> | undefined;
  private roots: Promise<TopQueryNode[]> | undefined;
  private result: TopQueriesResult | undefined;
  private sources: Promise<WorkspaceSourceIndex | undefined> | undefined;
  private sourceIndex: WorkspaceSourceIndex | undefined;
  private indexing: vscode.CancellationTokenSource | undefined;
  private generation = 0;

  constructor(private readonly ctx: TunerContext) {}

  attach(tree: vscode.TreeView<TopQueryNode>): void {
    this.tree = tree;
    this.updateDescription();
  }

  get orderBy(): TopQueryOrder {
    const stored = this.ctx.extension.workspaceState.get<string>(orderKey);
    return isTopQueryOrder(stored) ? stored : 'total';
  }

  async setOrder(orderBy: TopQueryOrder): Promise<void> {
    await this.ctx.extension.workspaceState.update(orderKey, orderBy);
    this.refresh();
  }

  /** Forgets the list and the source index; the tree asks again if it is visible. */
  refresh(): void {
    this.generation++;
    this.roots = undefined;
    this.result = undefined;
    this.sources = undefined;
    this.sourceIndex = undefined;
    this.indexing?.cancel();
    this.indexing?.dispose();
    this.indexing = undefined;
    this.updateDescription();
    this.changed.fire(undefined);
  }

  getTreeItem(node: TopQueryNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, this.collapsibleState(node));
    // A new id per load: VS Code then draws every row anew, and no row keeps a click command of the old list.
    item.id = `${this.generation}/${node.id}`;
    item.description = node.description;
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.kind === 'statement' && node.explainable ? 'statement.explainable' : node.kind;
    switch (node.kind) {
      case 'statement':
        // The second argument finds the workspace's copy with values (stays in this host: VS Code keeps a tree
        // command's arguments on our side), so that opening it asks for no `$n` the workspace already gives.
        if (node.explainable)
          item.command = vscodeCommand('Open and Explain', 'pgTuner.explainTopStatement', node.statement, () =>
            this.copyWithValues(node.statement),
          );
        break;
      case 'step':
        item.command = vscodeCommand('Open the Steps', 'pgTuner.openUntitledSql', node.script);
        break;
      case 'source':
        item.resourceUri = vscode.Uri.parse(node.source.path);
        item.iconPath = vscode.ThemeIcon.File;
        item.command = {
          command: 'vscode.open',
          title: 'Open File',
          arguments: [item.resourceUri, { selection: this.rangeOf(node), preview: true }],
        };
        break;
      case 'note':
      case 'message':
        break;
    }
    return item;
  }

  async getChildren(node?: TopQueryNode): Promise<TopQueryNode[]> {
    if (!node) {
      this.roots ??= this.load();
      return this.roots;
    }
    switch (node.kind) {
      case 'note':
        return node.steps;
      case 'statement': {
        if (!node.explainable) return [];
        const index = await this.sourcesOnce();
        if (!index) return [];
        const found = index.find(node.statement);
        if (found.length === 0) return [notFoundNode(node.id, index.fileCount)];
        return sourceNodes(node.id, found, (path) => vscode.workspace.asRelativePath(vscode.Uri.parse(path)));
      }
      default:
        return [];
    }
  }

  private collapsibleState(node: TopQueryNode): vscode.TreeItemCollapsibleState {
    const { None, Collapsed, Expanded } = vscode.TreeItemCollapsibleState;
    if (node.kind === 'note') return node.steps.length > 0 ? Expanded : None;
    // Whether the workspace issues a statement is known only once it is indexed; the child then says so either way.
    // (Redrawing the list when the index is ready would leave the rows' click commands stale in VS Code.)
    return node.kind === 'statement' && node.explainable ? Collapsed : None;
  }

  private async load(): Promise<TopQueryNode[]> {
    const connection = this.ctx.connections.activeLabel;
    const kind = this.ctx.connections.active.kind;
    const orderBy = this.orderBy;
    const started = performance.now();
    try {
      const result = await withSessionProgress(
        this.ctx.connections,
        'Top Queries',
        async (session) => {
          const { loadTopQueries } = await import('../../core/workload/topQueries');
          return loadTopQueries(session, { orderBy, limit: statementLimit });
        },
        { location: { viewId: topQueriesViewId } },
      );
      this.result = result;
      this.updateDescription();
      this.ctx.log.info(
        `Top queries: ${result.statements.length} statement(s) by ${orderBy} on ${connection} in ${Math.round(performance.now() - started)} ms (${result.status})`,
      );
      if (result.statements.some((s) => s.textVisible)) void this.sourcesOnce();
      return topQueryNodes({ result, connectionKind: kind });
    } catch (err) {
      if (
        err instanceof TunerError &&
        err.reason === 'authentication-failed' &&
        this.ctx.connections.active.kind === 'server'
      ) {
        await this.ctx.connections.forgetPassword(connection);
      }
      this.ctx.log.error('Top queries', err);
      return [
        {
          kind: 'message',
          id: 'message:error',
          label: 'Could not read the top queries',
          description: userMessageFor(err, { action: 'Top queries', connection }),
          tooltip: `${userMessageFor(err, { action: 'Top queries', connection })}\n\nDetails are in the output "PostgreSQL Query Tuner". Refresh to try again.`,
          icon: 'error',
        },
      ];
    }
  }

  /** The workspace's copy of `statement` with values for its `$n` (sourceWithValues), with its text. */
  private async copyWithValues(statement: TopStatement): Promise<StatementCopy | undefined> {
    const index = await this.sourcesOnce();
    const source = index?.withValues(statement);
    return (
      source && {
        sql: source.sql,
        where: `${vscode.workspace.asRelativePath(vscode.Uri.parse(source.path))}:${source.line + 1}`,
      }
    );
  }

  /** The workspace index, built at most once per load; a failure leaves the statements without sources. */
  private sourcesOnce(): Promise<WorkspaceSourceIndex | undefined> {
    if (!this.sources) {
      const cancel = new vscode.CancellationTokenSource();
      this.indexing = cancel;
      this.sources = this.buildSources(cancel.token);
    }
    return this.sources;
  }

  private async buildSources(token: vscode.CancellationToken): Promise<WorkspaceSourceIndex | undefined> {
    try {
      const index = await indexWorkspaceSources(this.ctx.log, token);
      if (token.isCancellationRequested) return undefined;
      this.sourceIndex = index;
      return index;
    } catch (err) {
      this.ctx.log.error('Top queries: searching the workspace for the statements', err);
      return undefined;
    }
  }

  private rangeOf(node: SourceNode): vscode.Range {
    const start = new vscode.Position(node.source.line, node.source.column);
    const end = this.sourceIndex?.ends.get(node.source);
    return new vscode.Range(start, end ? new vscode.Position(end.line, end.column) : start);
  }

  private updateDescription(): void {
    // A message, not the title's description: with one view in the container VS Code does not show the latter.
    if (this.tree) this.tree.message = viewDescription(this.result, this.orderBy, this.ctx.connections.activeLabel);
  }

  dispose(): void {
    this.indexing?.cancel();
    this.indexing?.dispose();
    this.changed.dispose();
  }
}

const views = new WeakMap<TunerContext, TopQueriesView>();

/** The view of this extension instance, for the commands on its title bar. */
export function topQueriesViewOf(ctx: TunerContext): TopQueriesView | undefined {
  return views.get(ctx);
}

export function registerTopQueriesView(ctx: TunerContext): vscode.Disposable[] {
  const view = new TopQueriesView(ctx);
  views.set(ctx, view);
  const tree = vscode.window.createTreeView(topQueriesViewId, { treeDataProvider: view, showCollapseAll: true });
  view.attach(tree);
  return [tree, view, ctx.connections.onDidChange(() => view.refresh())];
}
