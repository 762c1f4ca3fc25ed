import { dashboardDemoFiles, dashboardQuery, defaultDashboardScale } from '../../core/demo/dashboardDemo';
import { explainAndOptimize } from '../../core/explainAndOptimize';
import { formatCount, formatMs } from '../../core/report/formatNumbers';
import type { CliRequest } from '../args';
import { failOnExitCode } from '../exitCodes';
import { formatResult } from '../formatResult';
import type { CommandIo } from '../io';
import { withSession } from '../runStatement';

/**
 * `pg-tuner demo`: the slow-dashboard case (cases.md, case 1) end to end on the embedded database: load the
 * schema and generated data, Explain and Optimize the dashboard query, print the result.
 */
export async function demoCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const { users, orders } = defaultDashboardScale;
  io.note(`Loading the demo into embedded PostgreSQL: ${formatCount(users)} users, ${formatCount(orders)} orders…`);
  const started = performance.now();
  const [schema, ...data] = dashboardDemoFiles();
  return withSession({ kind: 'embedded', files: [schema], seedFiles: data }, async (session) => {
    const loadedMs = performance.now() - started;
    const result = await explainAndOptimize(session, dashboardQuery, { analyze: true, signal: io.signal });
    if (request.json) {
      io.out(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const { colours } = io;
      io.out(`${colours.bold('Query')} (the slow dashboard, cases.md case 1)\n${dashboardQuery}\n\n`);
      io.out(formatResult(result, colours));
      io.out(colours.dim(`Embedded start and load ${formatMs(loadedMs)}; explain ${formatMs(performance.now() - started - loadedMs)}.\n`));
    }
    return failOnExitCode(result.insights, request.failOn);
  });
}
