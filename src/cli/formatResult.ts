/**
 * The whole terminal output for one result: the plan tree, the hotspots, the insights and a footer saying
 * what the figures are and where they come from.
 */
import type { TuningResult } from '../core/pipeline/tuningResult';
import type { SafetyWrapper } from '../core/db/session';
import { formatCost, formatMs, shortServerVersion } from '../core/text/formatNumbers';
import type { Colours } from './colours';
import { formatHotspots, formatTree } from './formatTree';
import { formatInsights } from './formatInsights';

const wrapperText: Record<SafetyWrapper, string> = {
  'read-only-transaction': 'in a read-only transaction',
  'rolled-back-transaction': 'in a transaction rolled back afterwards',
  'plan-only': 'plan only, the statement did not run',
};

export const embeddedTimingsNote =
  'Note: timings from the embedded database (PostgreSQL in WebAssembly) are not production timings; use --url to measure on your server.';

export function formatFooter(result: TuningResult): string {
  const plan = result.plan;
  const figures: string[] = [];
  if (plan.analyzed && plan.executionTimeMs !== undefined) figures.push(`Execution ${formatMs(plan.executionTimeMs)}`);
  else if (!plan.analyzed) figures.push(`Estimate only, total cost ${formatCost(plan.totals.cost)}`);
  if (plan.planningTimeMs !== undefined) figures.push(`planning ${formatMs(plan.planningTimeMs)}`);
  if (plan.jit) figures.push(`JIT ${formatMs(plan.jit.totalMs)}`);
  const run = result.run;
  if (run) figures.push(`round trip ${formatMs(run.roundTripMs)}`);
  const lines = [figures.join(' · ')];
  if (run) {
    const version = shortServerVersion(run.serverVersion);
    const where =
      run.sessionKind === 'embedded' ? `embedded PostgreSQL (${version})` : `${run.sessionLabel} (${version})`;
    lines.push(
      `Ran on ${where}, ${wrapperText[run.wrapper]}, ${run.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN without ANALYZE'}.`,
    );
  } else {
    lines.push(`From a saved ${plan.format === 'json' ? 'JSON' : 'text'} plan; not run by pg-tuner.`);
  }
  return lines.join('\n');
}

/** The plan's figures that were not as PostgreSQL writes them: said before anything is read from them. */
export function formatPlanWarnings(result: TuningResult, colours: Colours): string {
  const warnings = result.plan.warnings ?? [];
  return warnings.map((w) => colours.yellow(`Warning: ${w.message}`)).join('\n');
}

export function formatResult(result: TuningResult, colours: Colours): string {
  const parts = [colours.bold('Plan'), formatTree(result.plan, colours)];
  const warnings = formatPlanWarnings(result, colours);
  if (warnings) parts.unshift(warnings, '');
  const hotspots = formatHotspots(result.plan, colours);
  if (hotspots) parts.push('', hotspots);
  parts.push('', colours.bold('Insights'), formatInsights(result.insights, result.plan, colours));
  parts.push('', colours.dim(formatFooter(result)));
  if (result.run?.sessionKind === 'embedded') parts.push(colours.yellow(embeddedTimingsNote));
  // Generated rows or empty tables: the plan is not one of the user's data, and says so.
  if (result.run?.dataNote) parts.push(colours.yellow(`Data: ${result.run.dataNote}`));
  return `${parts.join('\n')}\n`;
}
