import * as vscode from 'vscode';
import type { CommandFactory } from './command';
import { isTopQueryOrder, orderPicks } from '../workload/topQueryItems';
import { topQueriesViewOf } from '../workload/topQueriesView';

/** Picks what the Top Queries view ranks by; the list is read again, since the top N differ per key. */
export const orderTopQueries: CommandFactory = (ctx) => async (orderBy: unknown) => {
  const view = topQueriesViewOf(ctx);
  if (!view) return;
  if (isTopQueryOrder(orderBy)) {
    await view.setOrder(orderBy);
    return;
  }
  const picked = await vscode.window.showQuickPick(orderPicks(view.orderBy), {
    title: 'PostgreSQL Query Tuner: order the top queries by',
    placeHolder: 'The statements are read again from pg_stat_statements in this order',
  });
  if (picked) await view.setOrder(picked.orderBy);
};
