import type { CommandFactory } from './command';

/** Two plans of the statement's history, or two saved plan files, in the compare view. */
export const comparePlans: CommandFactory = (ctx) => async () => {
  const { comparePlansInteractively } = await import('../history/compareFlows');
  try {
    await comparePlansInteractively(ctx);
  } catch (err) {
    await ctx.reportError(err, { action: 'Compare Plans' });
  }
};
