import { writeFileSync } from 'node:fs';
import { TunerError } from '../../core/errors';
import { renderMarkdownReport } from '../../core/report/markdownReport';
import type { MarkdownReportOptions } from '../../core/report/markdownReport';
import type { CliRequest } from '../args';
import { failOnExitCode } from '../exitCodes';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';
import { runStatement } from '../runStatement';
import { analyseSavedPlan } from './plan';

/** `pg-tuner report`: the Markdown report of a statement or a saved plan, to stdout or --out. */
export async function reportCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  errorContext.planPath = request.planPath;
  const result = request.planPath !== undefined
    ? await analyseSavedPlan(request.planPath, request.sqlFile)
    : await runStatement(request.sql ?? { kind: 'inline', text: '' }, request.database, io, errorContext);
  const options: MarkdownReportOptions = { title: request.title };
  if (request.baselinePath !== undefined) {
    errorContext.planPath = request.baselinePath;
    const before = await analyseSavedPlan(request.baselinePath, undefined);
    options.comparison = { before, after: result, label: `${request.baselinePath} → this plan` };
  }
  const markdown = renderMarkdownReport(result, options);
  if (request.out !== undefined) {
    try {
      writeFileSync(request.out, markdown);
    } catch (err) {
      throw new TunerError('bad-input', `Cannot write the report to ${request.out}: ${(err as Error).message}`, { cause: err });
    }
    io.note(`Report written to ${request.out}.`);
  } else {
    io.out(markdown);
  }
  return failOnExitCode(result.insights, request.failOn);
}
