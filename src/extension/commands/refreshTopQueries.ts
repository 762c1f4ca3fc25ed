import type { CommandFactory } from './command';
import { topQueriesViewOf } from '../workload/topQueriesView';

/** Reads pg_stat_statements again and searches the workspace again (title bar of the Top Queries view). */
export const refreshTopQueries: CommandFactory = (ctx) => () => {
  topQueriesViewOf(ctx)?.refresh();
};
