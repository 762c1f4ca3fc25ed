import type { CommandFactory } from './command';

/** The statement under the cursor (or in the plan view): its latest plan against the one before, from the history. */
export const compareWithPrevious: CommandFactory = (ctx) => async () => {
  const { compareWithPrevious: compare, currentStatementSql } = await import('../history/compareFlows');
  try {
    await compare(ctx, await currentStatementSql());
  } catch (err) {
    await ctx.reportError(err, { action: 'Compare with Previous' });
  }
};
