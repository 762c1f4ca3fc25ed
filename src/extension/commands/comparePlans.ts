import type { CommandFactory } from './command';
import { isAdviceComparePayload } from '../advice/adviceComparison';

/**
 * Two plans of the statement's history, or two saved plan files, in the compare view. From an advice code action
 * ("Compare before/after") it takes the suggestion as argument and compares the statement without and with it.
 */
export const comparePlans: CommandFactory = (ctx) => async (payload: unknown) => {
  try {
    if (isAdviceComparePayload(payload)) {
      await ctx.advice.compare(payload);
      return;
    }
    const { comparePlansInteractively } = await import('../history/compareFlows');
    await comparePlansInteractively(ctx);
  } catch (err) {
    await ctx.reportError(err, { action: 'Compare Plans' });
  }
};
