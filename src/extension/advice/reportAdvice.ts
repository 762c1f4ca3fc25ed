/**
 * What a saved report takes from the editor's advice: the rewrites (with their equivalence tables, figures and the
 * rewrite + index measurement) and the index suggestions, only when the advice is for the reported statement.
 * Free of `vscode`.
 */
import type { MarkdownReportOptions } from '../../core/report/markdownReport';
import type { TuningResult } from '../../core/pipeline/tuningResult';
import { sameStatement, type StatementAdvice } from './statementAdvice';
import { offeredPreAggregates } from '../../core/pipeline/preAggregateStep';

export type ReportAdvice = Pick<MarkdownReportOptions, 'rewrites' | 'indexAdvice' | 'preAggregate'>;

export function reportAdviceOptions(result: TuningResult, advice: StatementAdvice | undefined): ReportAdvice {
  if (!advice || !result.sql.trim() || sameStatement(advice.statement.sql) !== sameStatement(result.sql)) return {};
  return {
    rewrites: advice.rewrites,
    indexAdvice: advice.indexes,
    ...(advice.preAggregate ? { preAggregate: advice.preAggregate } : {}),
  };
}

/** One line for the log: what of the advice went into the report. */
export function reportAdviceLine(options: ReportAdvice, connection: string | undefined): string {
  if (!options.rewrites && !options.indexAdvice)
    return 'Report: no advice for this statement (run "Suggest Indexes and Rewrites" to add it)';
  const combined = options.rewrites?.filter((r) => r.combination).length ?? 0;
  const pre = options.preAggregate;
  const preText = !pre
    ? ''
    : offeredPreAggregates(pre).length > 0
      ? ', pre-aggregation offered'
      : ', pre-aggregation not offered';
  return `Report: ${options.rewrites?.length ?? 0} rewrite(s), ${options.indexAdvice?.suggestions.length ?? 0} index suggestion(s)${combined ? ', rewrite + index measured' : ''}${preText} from the advice on ${connection ?? '?'}`;
}
