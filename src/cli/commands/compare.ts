import { comparePlans } from '../../core/compare/comparePlans';
import { comparisonMarkdown, comparisonRows, comparisonText } from '../../core/compare/comparisonTable';
import { summariseComparison } from '../../core/compare/summariseComparison';
import { parsePlan } from '../../core/plan/parsePlan';
import type { Plan } from '../../core/plan/planNode';
import type { CliRequest } from '../args';
import { exitCodes } from '../exitCodes';
import { readPlanFile } from '../inputs';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';

function readPlan(path: string, errorContext: ErrorContext): Plan {
  errorContext.planPath = path;
  return parsePlan(readPlanFile(path));
}

/** `pg-tuner compare before.json after.json`: matched nodes with their deltas, headed by the summary. */
export async function compareCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  if (!request.comparePaths) throw new Error('compare without files');
  const [beforePath, afterPath] = request.comparePaths;
  const before = readPlan(beforePath, errorContext);
  const after = readPlan(afterPath, errorContext);
  const comparison = comparePlans(before, after);
  if (request.json) {
    io.out(
      `${JSON.stringify({ before: beforePath, after: afterPath, summary: summariseComparison(comparison), comparison }, null, 2)}\n`,
    );
    return exitCodes.ok;
  }
  const rows = comparisonRows(
    comparison,
    (id) => before.nodes[id].depth,
    (id) => after.nodes[id].depth,
  );
  if (request.markdown) {
    io.out(comparisonMarkdown(comparison, rows, `Plan comparison: ${beforePath} → ${afterPath}`));
    return exitCodes.ok;
  }
  io.out(`${io.colours.bold(`${beforePath} → ${afterPath}`)}\n${comparisonText(comparison, rows)}\n`);
  return exitCodes.ok;
}
