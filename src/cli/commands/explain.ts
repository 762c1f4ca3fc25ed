import type { CliRequest } from '../args';
import { failOnExitCode } from '../exitCodes';
import { writeResultJson } from '../formatJson';
import { formatResult } from '../formatResult';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';
import { runStatement } from '../runStatement';

/** `pg-tuner explain`: the tree, hotspots and insights (or --json); exit 2 when --fail-on is reached. */
export async function explainCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  if (!request.sql) throw new Error('explain without a statement');
  const result = await runStatement(request.sql, request.database, io, errorContext);
  if (request.json) writeResultJson(result, io.out);
  else io.out(formatResult(result, io.colours));
  return failOnExitCode(result.insights, request.failOn);
}
