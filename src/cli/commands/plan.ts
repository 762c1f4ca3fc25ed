import { analysePlanText } from '../../core/pipeline/explainAndOptimize';
import { obfuscatePlan } from '../../core/share/obfuscatePlan';
import { loadParser } from '../../core/sql/parser';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { CliRequest } from '../args';
import { failOnExitCode } from '../exitCodes';
import { writeResultJson } from '../formatJson';
import { formatResult } from '../formatResult';
import { readPlanFile, readSqlFile } from '../inputs';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';

/** Reads and analyses a saved plan (no database); `--sql-file` adds the statement for SQL mapping. */
export async function analyseSavedPlan(path: string, sqlFile: string | undefined): Promise<TuningResult> {
  const text = readPlanFile(path);
  const sql = sqlFile !== undefined ? readSqlFile(sqlFile) : undefined;
  return analysePlanText(text, sql);
}

/** `pg-tuner plan <file>`: the same output as explain, from EXPLAIN output saved earlier. */
export async function planCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  if (!request.planPath) throw new Error('plan without a file');
  errorContext.planPath = request.planPath;
  if (request.obfuscate) {
    await loadParser();
    const sql = request.sqlFile !== undefined ? readSqlFile(request.sqlFile) : undefined;
    const shared = obfuscatePlan(readPlanFile(request.planPath), { sql });
    if (request.json)
      io.out(`${JSON.stringify({ plan: shared.text, format: shared.format, sql: shared.sql }, null, 2)}\n`);
    else
      io.out(
        `${shared.text.replace(/\s+$/, '')}\n${shared.sql !== undefined ? `\n${shared.sql.replace(/\s+$/, '')}\n` : ''}`,
      );
    io.note('Names and literals replaced; numbers, node types and keywords kept.');
    return 0;
  }
  const result = await analyseSavedPlan(request.planPath, request.sqlFile);
  if (request.json) writeResultJson(result, io.out);
  else io.out(formatResult(result, io.colours));
  return failOnExitCode(result.insights, request.failOn);
}
