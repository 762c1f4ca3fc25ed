/**
 * Pre-aggregation in the editor (issue 12 §2): a summary kept beside the tables, offered only when proven to
 * return the statement's rows and measured faster beyond noise (preAggregateStep.ts; never on the embedded
 * database's generated data). Its finding, its fixes and its log lines. The first fix never runs anything: it
 * opens a new SQL document with the DDL, the refresh, the query over the summary and the rollback, under the
 * trade-off and the proof as comments; the second, a separate and explicit action, replaces the statement by the
 * query over the summary (which needs the summary created first). The text of every kind of advice is
 * preAggregateText's; only the short cost in the title names a kind's own figure. Free of `vscode`.
 */
import { preAggregateLines, preAggregateMarkdown } from '../../core/advice/preAggregate/preAggregateText';
import type { PreAggregateAdvice } from '../../core/advice/preAggregate/adviseMaterializedView';
import type { Insight } from '../../core/insights/insight';
import { preAggregateRule } from '../../core/insights/ruleIds';
import { offeredPreAggregates, type PreAggregateOutcome } from '../../core/pipeline/preAggregateStep';
import { formatMs } from '../../core/text/formatNumbers';
import type { CodeFix } from '../fixes/codeFix';
import { speedup } from '../../core/text/shortFigures';
import type { AdvisedStatement } from './rewriteFix';

/** What the summary costs besides its space, in a few words: the refresh of a view, or the first line of the trade-off. */
function costPhrase(a: PreAggregateAdvice): string {
  switch (a.kind) {
    case 'materialized-view':
      return `refresh takes ${formatMs(a.refreshMs)}`;
    default:
      return tradeOffCost(a);
  }
}

/** For a kind without its own phrase: the trade-off line after its first "; " (what it costs). */
function tradeOffCost(a: { summary: string }): string {
  const i = a.summary.indexOf('; ');
  return i >= 0 ? a.summary.slice(i + 2) : a.summary;
}

/** "materialized view", from the kind: the noun of the title. */
function kindNoun(a: PreAggregateAdvice): string {
  return a.kind.replace(/-/g, ' ');
}

/** The name of what would be created (the view, the table), when the advice names one. */
function summaryName(a: PreAggregateAdvice): string | undefined {
  if ('viewName' in a && typeof a.viewName === 'string') return a.viewName;
  if ('tableName' in a && typeof a.tableName === 'string') return a.tableName;
  return undefined;
}

/** "Pre-aggregate: materialized view pg_tuner_orders_by_user_id (2,600× faster; refresh takes 41.2 ms)". */
export function preAggregateFixTitle(a: PreAggregateAdvice, embedded = false): string {
  const name = summaryName(a) ? ` ${summaryName(a)}` : '';
  const where = embedded ? ', on the embedded database' : '';
  return `Pre-aggregate: ${kindNoun(a)}${name} (${speedup(a.before.timeMs, a.after.timeMs)}; ${costPhrase(a)}${where})`;
}

export function preAggregateReplaceTitle(a: PreAggregateAdvice): string {
  const name = ` ${summaryName(a) ?? kindNoun(a)}`;
  return `Pre-aggregate: replace the statement by the query over${name} (create it first)`;
}

/** The SQL block of the advice's Markdown: DDL, refresh, query and rollback, in the order a DBA runs them. */
function sqlBlock(a: PreAggregateAdvice): string[] {
  const md = preAggregateMarkdown(a);
  const m = /```sql\n([\s\S]*?)\n```/.exec(md);
  if (m) return m[1].split('\n');
  return [...a.ddl, '', '-- the query:', `${a.rewrittenSql};`, '', `-- rollback: ${a.rollbackSql}`];
}

/** Comment lines, each point wrapped at ~110 characters with its continuation indented under its text. */
function comments(lines: string[], width = 110): string[] {
  const out: string[] = [];
  for (const text of lines) {
    let line = '';
    const wrapped: string[] = [];
    for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
      if (line && line.length + word.length + 1 > width) {
        wrapped.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) wrapped.push(line);
    out.push(...(wrapped.length > 0 ? wrapped.map((l, i) => (i === 0 ? `-- ${l}` : `--   ${l}`)) : ['--']));
  }
  return out;
}

/**
 * The document the fix opens: what it is and that nothing ran, the statement it is for, the trade-off, proof and
 * figures as comments (preAggregateLines up to its SQL), then the SQL block. Running the whole document creates
 * the summary, refreshes it and runs the query over it once; the rollback stays a comment.
 */
export function preAggregateDocument(a: PreAggregateAdvice, statement: string, embedded = false): string {
  const lines = preAggregateLines(a);
  const sqlAt = lines.findIndex((l) => /^\s*DDL\b/.test(l));
  const facts = (sqlAt > 0 ? lines.slice(1, sqlAt) : lines.slice(1)).map((l) => l.trim());
  const quoted = statement.trim().split('\n');
  return [
    `-- ${preAggregateFixTitle(a, embedded)}`,
    '-- Nothing has been run. Review it, then run it yourself (not on a busy production table at peak time).',
    ...(embedded
      ? ['-- Measured on the embedded database (rows loaded from your files): the times are not production times.']
      : []),
    '--',
    '-- For the statement:',
    ...quoted.slice(0, 12).map((l) => `--   ${l}`),
    ...(quoted.length > 12 ? ['--   …'] : []),
    '--',
    ...comments(facts),
    '',
    ...sqlBlock(a),
    '',
  ].join('\n');
}

/** The span of the statement without its surrounding blanks and final semicolon, in document offsets. */
function statementCore(statement: AdvisedStatement): { start: number; end: number } {
  const text = statement.text;
  const lead = text.length - text.trimStart().length;
  const core = text.trimEnd().replace(/;$/, '').trimEnd();
  return { start: statement.start + lead, end: statement.start + core.length };
}

/**
 * The fixes of the offers: for each, open its document (the first preferred when `isPreferred`), then, only for a
 * statement whose text is the advised SQL (no named parameters to lose), replace it by the query over the summary.
 * `form` keeps the offer of one kind.
 */
export function preAggregateFixes(
  outcome: PreAggregateOutcome | undefined,
  statement: AdvisedStatement,
  isPreferred = false,
  form?: string,
): CodeFix[] {
  const embedded = outcome?.embedded === true;
  const fixes: CodeFix[] = [];
  for (const a of offeredPreAggregates(outcome)) {
    if (form !== undefined && a.kind !== form) continue;
    fixes.push({
      title: preAggregateFixTitle(a, embedded),
      isPreferred: isPreferred && fixes.length === 0,
      newDocument: { language: 'sql', content: preAggregateDocument(a, statement.text, embedded) },
    });
    if (statement.sql === statement.text)
      fixes.push({
        title: preAggregateReplaceTitle(a),
        edits: [{ range: statementCore(statement), newText: a.rewrittenSql }],
      });
  }
  return fixes;
}

/** The findings on the statement, one per offer: the trade-off in its title, the proof and the SQL in the hover. */
export function preAggregateInsights(outcome: PreAggregateOutcome | undefined): Insight[] {
  const embedded = outcome?.embedded === true;
  return offeredPreAggregates(outcome).map((a) => {
    const lines = preAggregateLines(a);
    const sqlAt = lines.findIndex((l) => /^\s*DDL\b/.test(l));
    const facts = (sqlAt > 0 ? lines.slice(1, sqlAt) : lines.slice(1)).map((l) => l.trim());
    return {
      ruleId: preAggregateRule,
      severity: 'info',
      nodeIds: [],
      title: `${preAggregateFixTitle(a, embedded)} — same rows`,
      explanation: `${a.title}. The quick fix opens its DDL, query and rollback; nothing is run.`,
      details: [{ heading: 'Trade-off and proof', items: facts }],
      code: [
        ...a.ddl.map((sql) => ({ caption: 'Create', sql })),
        { caption: 'Query over it', sql: a.rewrittenSql },
        { caption: 'Rollback', sql: a.rollbackSql },
      ],
      // Its own run timed the statement as written too; only the ratio is shown, so the hover keeps one time of
      // the statement as written (the other findings' baseline).
      evidence: [
        { label: 'Median time pre-aggregated', value: round(a.after.timeMs), unit: 'ms' },
        {
          label: `Faster than as written (same run, ${a.where})`,
          value: `${(a.before.timeMs / Math.max(a.after.timeMs, 1e-6)).toFixed(0)}×`,
        },
      ],
      advice: { kind: 'pre-aggregate', form: a.kind },
    };
  });
}

/** The progress message while the summary is built and timed. */
export const preAggregateProgress =
  'pre-aggregate: building the summary and timing it, its refresh or write cost and the query over it (rolled back)…';

/** The log's lines: each offer's trade-off, and why anything else is not offered or was not tried. */
export function preAggregateLog(outcome: PreAggregateOutcome | undefined): string[] {
  if (!outcome) return [];
  return [
    ...offeredPreAggregates(outcome).map((a) => `pre-aggregate: ${a.title}: ${a.summary}`),
    ...(outcome.notTried ? [`pre-aggregate: not tried, ${outcome.notTried}`] : []),
    ...outcome.notes.map((n) => n.replace(/^Pre-aggregate: /, 'pre-aggregate: ')),
  ];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
