/**
 * The workload's index set as readable text: per index its DDL, the statements it serves with their gain
 * (measured, or the planner's estimate, labelled), its measured cost on the workload's writes, and the
 * existing indexes it makes redundant. The describe* lines are shared by the terminal and the Markdown report.
 */
import type {
  ServedStatement,
  WorkloadAdvice,
  WorkloadIndex,
  WorkloadStatementReport,
} from '../advice/index/adviseWorkload';
import { markdownCode, markdownInline, markdownText } from '../text/markdownText';
import { formatBytes, formatCost, formatCount, formatMs, formatRatio } from '../text/formatNumbers';

/** "orders: 12.3 ms → 0.4 ms (30.8× lower), measured" or "est. cost 1,234.00 → 8.50 (HypoPG estimate)". */
export function describeServed(s: ServedStatement): string {
  if (s.beforeMs !== undefined && s.afterMs !== undefined)
    return `${formatMs(s.beforeMs)} → ${formatMs(s.afterMs)} (${formatRatio(s.beforeMs, s.afterMs)}), measured with the set`;
  if (s.costBefore !== undefined && s.costAfter !== undefined)
    return `est. cost ${formatCost(s.costBefore)} → ${formatCost(s.costAfter)} (${formatRatio(s.costBefore, s.costAfter)}), ${s.method === 'hypopg' ? 'HypoPG estimate' : 'planner estimate'}, not measured`;
  return s.method === 'rules'
    ? 'not planned (its $n have no values or nothing could estimate it): the index serves its filter by the rules'
    : 'no figure';
}

/** The write cost of an index, one line per write statement timed. */
export function describeWriteCost(x: WorkloadIndex): string[] {
  if (!x.writeCost.measured) return [x.writeCost.reason];
  const lines = x.writeCost.timings.map((t) => {
    const extra = t.afterMs - t.beforeMs;
    return `${t.statementId}: ${formatMs(t.beforeMs)} → ${formatMs(t.afterMs)} (${extra >= 0 ? '+' : '−'}${formatMs(Math.abs(extra))} per run), measured`;
  });
  for (const f of x.writeCost.failed) lines.push(`${f.statementId}: not timed (${f.reason})`);
  return lines;
}

/** Where a statement comes from, and its weight in pg_stat_statements. */
export function describeOrigin(s: WorkloadStatementReport): string {
  const o = s.origin;
  const where =
    o.kind === 'file'
      ? `${o.path}:${o.line}`
      : o.kind === 'given'
        ? `statement ${o.position} of the workload`
        : `pg_stat_statements, ${formatCount(o.calls)} calls, ${formatMs(o.totalTimeMs)} total`;
  return s.valuesFrom ? `${where}; values from ${s.valuesFrom}` : where;
}

export function oneLineSql(sql: string, max = 100): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The headline: how much faster the measured statements run with the set, and what it takes. */
export function describeTotals(advice: WorkloadAdvice): string | undefined {
  const t = advice.totals;
  if (!t) return undefined;
  return `one run of each measured statement: ${formatMs(t.noneMs)} → ${formatMs(t.keptMs)} (${formatRatio(t.noneMs, t.keptMs)}) with ${advice.indexes.filter((x) => x.label === 'measured').length} index(es), ${formatBytes(t.keptBytes)} (of ${formatBytes(t.pooledBytes)} suggested)`;
}

export function describeMeasurement(advice: WorkloadAdvice): string {
  return advice.measured
    ? `indexes built and timed together in rolled-back transactions on ${advice.where}; writes timed in savepoints rolled back; nothing was kept`
    : `estimates only${advice.measurementReason ? ` (${advice.measurementReason})` : ''}: nothing was built`;
}

function fence(sql: string): string {
  return ['```sql', sql, '```'].join('\n');
}

function indexMarkdown(x: WorkloadIndex, n: number, byId: Map<string, WorkloadStatementReport>): string[] {
  const out: string[] = [];
  const label = x.label === 'measured' ? 'measured' : '**estimated only**';
  const size = x.sizeBytes !== undefined ? `, ${formatBytes(x.sizeBytes)}` : '';
  out.push(`### ${n}. ${markdownCode(x.candidate.name)} on ${markdownText(x.candidate.table)} (${label}${size})`, '');
  out.push(fence(x.createSql), '');
  out.push(`**Serves** (${x.serves.length} statement${x.serves.length === 1 ? '' : 's'}):`, '');
  if (x.serves.length === 0) out.push('- none of the statements timed uses it alone (kept for the set)');
  for (const s of x.serves) {
    const sql = byId.get(s.statementId)?.sql ?? '';
    out.push(
      `- ${markdownCode(s.statementId)} ${markdownCode(oneLineSql(sql, 80))}: ${markdownInline(describeServed(s))}`,
    );
  }
  out.push('', '**Cost on writes:**', '');
  for (const line of describeWriteCost(x)) out.push(`- ${markdownInline(line)}`);
  if (x.makesRedundant.length > 0) {
    out.push('', '**Makes redundant** (existing indexes; drop them once the new one is in place and you agree):', '');
    for (const r of x.makesRedundant)
      out.push(
        `- ${markdownCode(r.name)} (${formatBytes(r.sizeBytes)}${r.scans !== undefined ? `, ${formatCount(r.scans)} scans` : ''}): ${markdownInline(r.reason)} — ${markdownCode(r.dropSql)}`,
      );
  }
  out.push('', `Rollback: ${markdownCode(x.rollbackSql)}`, '');
  return out;
}

export interface WorkloadReportOptions {
  title?: string;
}

/** The whole workload advice as Markdown, with every DDL in one block at the end for copying. */
export function renderWorkloadAdviceMarkdown(advice: WorkloadAdvice, options: WorkloadReportOptions = {}): string {
  const byId = new Map(advice.statements.map((s) => [s.id, s]));
  const out: string[] = [`# ${markdownText(options.title ?? `Indexes for the workload on ${advice.where}`)}`, ''];
  out.push(`- **Measurement:** ${markdownInline(describeMeasurement(advice))}`);
  const totals = describeTotals(advice);
  if (totals) out.push(`- **Workload:** ${markdownInline(totals)}`);
  const counted = (status: string): number => advice.statements.filter((s) => s.status === status).length;
  out.push(
    `- **Statements:** ${counted('measured')} measured, ${counted('estimated')} estimated, ${counted('write')} writes, ${counted('skipped')} skipped`,
  );
  for (const n of advice.notes) out.push(`- ${markdownInline(n)}`);
  out.push('', '## Indexes', '');
  if (advice.indexes.length === 0) out.push('No index to suggest for this workload.', '');
  advice.indexes.forEach((x, i) => out.push(...indexMarkdown(x, i + 1, byId)));
  if (advice.slower.length > 0) {
    out.push('## Slower with the set', '');
    for (const s of advice.slower)
      out.push(
        `- ${markdownCode(s.id)}: ${formatMs(s.noneMs)} → ${formatMs(s.keptMs)} with ${s.indexes.map(markdownCode).join(', ')}`,
      );
    out.push('');
  }
  if (advice.dropped.length > 0) {
    out.push('## Suggested for one statement, not kept for the workload', '');
    for (const d of advice.dropped) out.push(`- ${markdownCode(d.name)}: ${markdownInline(d.reason)}`);
    out.push('');
  }
  out.push(
    '## Statements',
    '',
    '| Statement | SQL | Source | Status | Without → with the set |',
    '|---|---|---|---|---|',
  );
  for (const s of advice.statements) {
    const times =
      s.noneMs !== undefined && s.keptMs !== undefined ? `${formatMs(s.noneMs)} → ${formatMs(s.keptMs)}` : '';
    const status = s.reason ? `${s.status}: ${s.reason}` : s.status;
    out.push(
      `| ${markdownCode(s.id)} | ${markdownCode(oneLineSql(s.sql, 80))} | ${markdownInline(describeOrigin(s))} | ${markdownInline(status)} | ${times} |`,
    );
  }
  if (advice.indexes.length > 0) {
    out.push('', '## DDL', '', fence(advice.indexes.map((x) => x.createSql).join('\n')));
    out.push('', 'Rollback:', '', fence(advice.indexes.map((x) => x.rollbackSql).join('\n')));
  }
  return `${out.join('\n')}\n`;
}
