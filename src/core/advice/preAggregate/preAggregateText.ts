/**
 * The "Pre-aggregate" section of `pg-tuner rewrite` (terminal and Markdown), for either form: the trade-off in
 * one line, the proof, the refresh (a materialized view) or the write cost (a summary table kept by triggers), the
 * DDL to run yourself, the query over it, and the rollback. Never applied by the tool.
 */
import { formatMs } from '../../text/formatNumbers';
import type { MaterializedViewAdvice, PreAggregateAdvice, PreAggregateCheck } from './adviseMaterializedView';
import type { SummaryTableAdvice, SummaryTableCheck, WriteCost } from './adviseSummaryTable';

function checkText(c: PreAggregateCheck): string {
  const order = c.ordered === undefined ? '' : c.ordered ? ', same order' : ', order differs';
  return `${c.when}: ${c.same ? 'same rows' : 'DIFFERENT rows'} (${c.originalRows} vs ${c.rewrittenRows} rows, ${c.missing} missing and ${c.extra} extra by EXCEPT ALL${order})`;
}

function tableCheckText(c: SummaryTableCheck): string {
  return `${c.when}: ${c.same ? 'same' : 'DIFFERENT'} (${c.storedRows} vs ${c.freshRows} groups, ${c.missing} missing and ${c.extra} extra)`;
}

function costText(c: WriteCost): string {
  if (c.refused) return `${c.operation}: refused by the data (${c.refused})`;
  const per = (ms: number): string => formatMs(ms / c.rows);
  return `${c.operation} (${c.detail}): ${per(c.withoutMs)} → ${per(c.withMs)} per row, ${c.addedMsPerRow > 0 ? `+${formatMs(c.addedMsPerRow)}` : 'no difference beyond noise'}`;
}

function viewFacts(a: MaterializedViewAdvice): string[] {
  return [
    `Refresh: ${a.refreshSql} took ${a.refreshSamplesMs.map(formatMs).join(', ')} on the current data (median ${formatMs(a.refreshMs)}).`,
    `Staleness: ${a.staleness}`,
  ];
}

function tableFacts(a: SummaryTableAdvice): string[] {
  const rows = a.writeCosts[0]?.rows ?? 0;
  const runs = a.writeCosts[0]?.withSamplesMs.length ?? 0;
  return [
    `Write cost (single-row statements, ${rows} per batch, median of ${runs} batches without and with the triggers): ${a.writeCosts.map(costText).join('; ')}.`,
    `Maintenance: ${a.maintenance}`,
    `Backfill: took ${formatMs(a.backfillMs)} on the current data; run the DDL in one transaction (the LOCK makes writes to the child wait until it commits, so none is missed).`,
  ];
}

/** The proof and the figures, one line each. */
function facts(a: PreAggregateAdvice): string[] {
  const holder = a.kind === 'materialized-view' ? 'view' : 'table';
  const proof = [
    ...a.checks.map(checkText),
    ...(a.kind === 'summary-table'
      ? a.tableChecks.map((c) => `the whole table vs the aggregate afresh, ${tableCheckText(c)}`)
      : []),
  ];
  return [
    `Trade-off: ${a.summary}.`,
    ...(a.joinForm
      ? [
          `Read as: the correlated subqueries ask what this LEFT JOIN aggregate asks (0 for a count over no rows, NULL for sum/min/max/avg), built from it and proven against the statement as written: ${a.joinForm.replace(/\s+/g, ' ')}`,
        ]
      : []),
    ...(a.proofIndex ? [`Proof index: ${a.proofIndex}.`] : []),
    `Proof (${a.where}, one transaction rolled back): ${a.equivalent ? 'equivalent' : 'NOT equivalent — not offered'}; ${proof.join('; ')}.`,
    a.kind === 'materialized-view'
      ? `Random writes to the child before the second check: ${a.writes.join('; ')}.`
      : `Random writes to the child before the second check, kept by the triggers alone (no refresh): ${a.writes.join('; ')}.`,
    ...(a.kind === 'materialized-view' ? viewFacts(a) : tableFacts(a)),
    ...(a.filterSql
      ? [
          `The ${holder} holds only the rows of ${a.filterSql}: its literals are part of the ${holder}, another value needs another ${holder}.`,
        ]
      : []),
  ];
}

export function preAggregateLines(a: PreAggregateAdvice): string[] {
  const over = a.kind === 'materialized-view' ? 'view' : 'summary table';
  return [
    `Pre-aggregate: ${a.title} ${a.equivalent ? '[equivalent]' : '[NOT equivalent]'}`,
    ...facts(a).map((l) => `  ${l}`),
    a.kind === 'materialized-view' ? '  DDL (not run for you):' : '  DDL (not run for you; in one transaction):',
    ...a.ddl.flatMap((d) => d.split('\n').map((l) => `    ${l}`)),
    `  Query over the ${over}:`,
    ...a.rewrittenSql.split('\n').map((l) => `    ${l}`),
    `  Rollback: ${a.rollbackSql}`,
  ];
}

export function preAggregateMarkdown(a: PreAggregateAdvice): string {
  const view = a.kind === 'materialized-view';
  return [
    view ? '## Pre-aggregate' : '## Pre-aggregate: summary table kept by triggers',
    '',
    `**${a.title}** — ${a.equivalent ? 'equivalent' : 'NOT equivalent'}`,
    '',
    ...facts(a).map((l) => `- ${l}`),
    '',
    '```sql',
    ...(view ? a.ddl : ['BEGIN;', ...a.ddl, 'COMMIT;']),
    '',
    ...(view ? [`-- refresh (as often as the answers may be old):`, a.refreshSql, ''] : []),
    `-- the query over the ${view ? 'view' : 'summary table'}:`,
    `${a.rewrittenSql};`,
    '',
    `-- rollback: ${a.rollbackSql}`,
    '```',
    '',
  ].join('\n');
}
