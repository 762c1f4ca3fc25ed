/**
 * The "Pre-aggregate" section of `pg-tuner rewrite` (terminal and Markdown): the trade-off in one line, the
 * proof, the DDL to run yourself, the refresh, the rewrite, and the rollback. Never applied by the tool.
 */
import { formatMs } from '../../text/formatNumbers';
import type { PreAggregateAdvice, PreAggregateCheck } from './adviseMaterializedView';

function checkText(c: PreAggregateCheck): string {
  const order = c.ordered === undefined ? '' : c.ordered ? ', same order' : ', order differs';
  return `${c.when}: ${c.same ? 'same rows' : 'DIFFERENT rows'} (${c.originalRows} vs ${c.rewrittenRows} rows, ${c.missing} missing and ${c.extra} extra by EXCEPT ALL${order})`;
}

/** The proof and the figures, one line each. */
function facts(a: PreAggregateAdvice): string[] {
  return [
    `Trade-off: ${a.summary}.`,
    `Proof (${a.where}, one transaction rolled back): ${a.equivalent ? 'equivalent' : 'NOT equivalent — not offered'}; ${a.checks.map(checkText).join('; ')}.`,
    `Random writes to the child before the second check: ${a.writes.join('; ')}.`,
    `Refresh: ${a.refreshSql} took ${a.refreshSamplesMs.map(formatMs).join(', ')} on the current data (median ${formatMs(a.refreshMs)}).`,
    `Staleness: ${a.staleness}`,
    ...(a.filterSql
      ? [
          `The view holds only the rows of ${a.filterSql}: its literals are part of the view, another value needs another view.`,
        ]
      : []),
  ];
}

export function preAggregateLines(a: PreAggregateAdvice): string[] {
  return [
    `Pre-aggregate: ${a.title} ${a.equivalent ? '[equivalent]' : '[NOT equivalent]'}`,
    ...facts(a).map((l) => `  ${l}`),
    '  DDL (not run for you):',
    ...a.ddl.flatMap((d) => d.split('\n').map((l) => `    ${l}`)),
    '  Query over the view:',
    ...a.rewrittenSql.split('\n').map((l) => `    ${l}`),
    `  Rollback: ${a.rollbackSql}`,
  ];
}

export function preAggregateMarkdown(a: PreAggregateAdvice): string {
  return [
    '## Pre-aggregate',
    '',
    `**${a.title}** — ${a.equivalent ? 'equivalent' : 'NOT equivalent'}`,
    '',
    ...facts(a).map((l) => `- ${l}`),
    '',
    '```sql',
    ...a.ddl,
    '',
    `-- refresh (as often as the answers may be old):`,
    a.refreshSql,
    '',
    '-- the query over the view:',
    `${a.rewrittenSql};`,
    '',
    `-- rollback: ${a.rollbackSql}`,
    '```',
    '',
  ].join('\n');
}
