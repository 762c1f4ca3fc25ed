import { writeFileSync } from 'node:fs';
import { TunerError } from '../../core/errors';
import { explainAndOptimize } from '../../core/pipeline/explainAndOptimize';
import { renderMarkdownReport } from '../../core/report/markdownReport';
import type { MarkdownReportOptions } from '../../core/report/markdownReport';
import { adviseStatement, type AdviceStep } from '../../core/pipeline/statementAdvice';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import type { CliRequest } from '../args';
import { failOnExitCode } from '../exitCodes';
import type { CommandIo } from '../io';
import type { ErrorContext } from '../reportError';
import { prepareStatement, runStatement, withSession } from '../runStatement';
import { analyseSavedPlan } from './plan';
import { noteSampleCopyUnused, sampleCopyOption } from '../sampleCopyText';

const stepNote: Record<AdviceStep, string> = {
  rewrites: 'Rewrites: running both forms of each and comparing their rows…',
  indexes: 'Indexes: screening candidates…',
  combination:
    'Measuring the chosen rewrite with its index (original, rewrite, index, both) in a rolled-back transaction…',
};

/**
 * `--advise`: explain, then both advisors, on one session (the embedded database loads once). Index figures are
 * measured on the embedded database, or on a server with --allow-what-if; otherwise estimates only (as `advise`).
 */
async function explainAndAdvise(
  request: CliRequest,
  io: CommandIo,
  errorContext: ErrorContext,
): Promise<{
  result: TuningResult;
  advice: Pick<MarkdownReportOptions, 'rewrites' | 'indexAdvice' | 'preAggregate'>;
}> {
  const db = request.database;
  const { sql, target } = await prepareStatement(request.sql ?? { kind: 'inline', text: '' }, db, io, errorContext);
  const allowMeasuredWhatIf = target.kind === 'embedded' || request.allowWhatIf === true;
  if (!allowMeasuredWhatIf) {
    io.note(
      'Index figures are estimates only: pass --allow-what-if to build candidate indexes in rolled-back transactions and time them (never on production).',
    );
  }
  noteSampleCopyUnused(request, target.kind === 'server', io);
  const params = db.params.length > 0 ? db.params : undefined;
  return withSession(target, async (session) => {
    const result = await explainAndOptimize(session, sql, {
      analyze: db.analyze && !db.genericPlan,
      params,
      genericPlan: db.genericPlan,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
    });
    const advised = await adviseStatement(session, sql, {
      allowMeasuredWhatIf,
      params,
      statementTimeoutMs: db.timeoutMs,
      signal: io.signal,
      onStep: (step) => io.note(stepNote[step]),
      // The report's index section then says what the sample says (renderIndexAdviceMarkdown), as `advise` does.
      sampleCopy: sampleCopyOption(request, io),
      preAggregate: {
        howToAllow: 'pass --allow-what-if, never on production',
        onMeasure: () =>
          io.note(
            'Pre-aggregate: building the summary in a rolled-back transaction, timing it, its refresh or write cost and the query over it…',
          ),
      },
    });
    if (advised.combinationNote) io.note(advised.combinationNote);
    return {
      result,
      advice: { rewrites: advised.rewrites, indexAdvice: advised.indexes, preAggregate: advised.preAggregate },
    };
  });
}

/** `pg-tuner report`: the Markdown report of a statement or a saved plan, to stdout or --out. */
export async function reportCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  errorContext.planPath = request.planPath;
  const options: MarkdownReportOptions = { title: request.title };
  let result: TuningResult;
  if (request.planPath !== undefined) result = await analyseSavedPlan(request.planPath, request.sqlFile);
  else if (request.advise) {
    const explained = await explainAndAdvise(request, io, errorContext);
    result = explained.result;
    Object.assign(options, explained.advice);
  } else result = await runStatement(request.sql ?? { kind: 'inline', text: '' }, request.database, io, errorContext);
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
      throw new TunerError('bad-input', `Cannot write the report to ${request.out}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    io.note(`Report written to ${request.out}.`);
  } else {
    io.out(markdown);
  }
  return failOnExitCode(result.insights, request.failOn);
}
