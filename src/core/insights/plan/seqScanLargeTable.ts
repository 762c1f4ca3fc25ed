/** seq-scan-large-table: a Seq Scan reads a large table to keep a small part of it. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { indexKeyColumns } from './indexKeyOrder';
import { formatCount, formatKb, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { inclusiveShare, loops, numberField, qualifiedTable, stringField } from './planFacts';
import { planIndex } from './planIndex';

export const SEQ_SCAN_LARGE_TABLE = 'seq-scan-large-table';

/** Rows read from which a scan is "large" without a catalog: below 100k rows a full read costs a few milliseconds. */
export const LARGE_SCAN_ROWS = 100_000;
/**
 * A table of 32 MB or more is large: beyond a quarter of the default shared_buffers (128 MB) a Seq Scan goes through
 * a 256 kB ring buffer, so the table is read again from outside shared buffers on every scan.
 */
export const LARGE_TABLE_BYTES = 32 * 1024 * 1024;
/** Keeping at most 10 % of the rows, a B-tree index reads far fewer pages (its break-even lies around 5–20 %). */
export const SELECTIVE_KEEP_SHARE = 0.1;
/** Up to 60 % kept, a covering or partial index can still beat the Seq Scan; above, reading the table is right. */
export const MAX_KEEP_SHARE = 0.6;
/** A selective scan of a million rows or more that holds half the time is the query's main problem. */
export const CRITICAL_SCAN_ROWS = 1_000_000;
export const CRITICAL_TIME_SHARE = 0.5;

export interface LargeSeqScan {
  rowsRead: number;
  rowsKept: number;
  keepShare: number;
  /** True when the figures are the planner's (estimate-only plan with a catalog), not measured. */
  estimated: boolean;
  tableBytes?: number;
}

/** The figures that make `node` a large, selective Seq Scan, or undefined. Shared with filter-discards-most-rows. */
export function largeSeqScan(context: PlanRuleContext, node: PlanNode): LargeSeqScan | undefined {
  const f = node.fields;
  if (f['Node Type'] !== 'Seq Scan' || stringField(f, 'Filter') === undefined) return undefined;
  const index = planIndex(context);
  const table = index.tableOf(node);
  const tableBytes = table?.tableBytes;
  let rowsRead: number;
  let rowsKept: number;
  let estimated = false;
  if (context.plan.analyzed) {
    if (index.ran[node.id] !== 1) return undefined;
    rowsKept = node.metrics.actualRowsTotal;
    rowsRead = rowsKept + node.metrics.rowsRemovedByFilter;
  } else {
    // Without actual rows only the catalog knows how big the table is; the plan's row estimate is what is kept.
    if (!table || table.estimatedRows <= 0) return undefined;
    rowsRead = table.estimatedRows;
    rowsKept = Math.min(rowsRead, numberField(f, 'Plan Rows') ?? 0);
    estimated = true;
  }
  if (rowsRead <= 0) return undefined;
  const large = rowsRead >= LARGE_SCAN_ROWS || (tableBytes !== undefined && tableBytes >= LARGE_TABLE_BYTES);
  const keepShare = rowsKept / rowsRead;
  if (!large || keepShare > MAX_KEEP_SHARE) return undefined;
  return { rowsRead, rowsKept, keepShare, estimated, tableBytes };
}

function check(context: PlanRuleContext): Insight[] {
  const insights: Insight[] = [];
  for (const node of planIndex(context).nodesOfType('Seq Scan')) {
    const scan = largeSeqScan(context, node);
    if (scan) insights.push(insightFor(context, node, scan));
  }
  return insights;
}

function insightFor(context: PlanRuleContext, node: PlanNode, scan: LargeSeqScan): Insight {
  const { plan } = context;
  const filter = stringField(node.fields, 'Filter') ?? '';
  const table = qualifiedTable(node) ?? 'the table';
  const share = inclusiveShare(plan, node);
  const selective = scan.keepShare <= SELECTIVE_KEEP_SHARE;
  let severity: Severity = selective ? 'warning' : 'info';
  if (selective && scan.rowsRead >= CRITICAL_SCAN_ROWS && share >= CRITICAL_TIME_SHARE) severity = 'critical';

  const approx = scan.estimated ? '~' : '';
  const title =
    `${nodeLabel(node)} reads ${approx}${formatCount(scan.rowsRead)} rows to keep ${approx}${formatCount(scan.rowsKept)} ` +
    `(${formatPercent(scan.keepShare)})${scan.estimated ? ' (planner estimate)' : ''}`;

  const evidence: Evidence[] = [
    { label: scan.estimated ? 'rows in table (pg_class)' : 'rows read', value: scan.rowsRead, unit: 'rows' },
    { label: scan.estimated ? 'rows kept (estimate)' : 'rows kept', value: scan.rowsKept, unit: 'rows' },
    { label: 'kept', value: formatPercent(scan.keepShare) },
    { label: 'filter', value: filter },
  ];
  if (scan.tableBytes !== undefined) evidence.push({ label: 'table size', value: formatKb(scan.tableBytes / 1024) });
  if (loops(node) > 1) evidence.push({ label: 'loops', value: loops(node) });
  if (plan.analyzed) {
    evidence.push({ label: 'time (this node and below)', value: formatMsPlain(node.metrics.inclusiveTimeMs) });
    evidence.push({ label: 'share of query time', value: formatPercent(share) });
  }

  const columns = indexKeyColumns(filter, {
    alias: stringField(node.fields, 'Alias'),
    relation: stringField(node.fields, 'Relation Name'),
  });
  const columnList = columns.length > 0 ? columns.join(', ') : 'the filtered columns';
  const explanation =
    `PostgreSQL reads every row of ${table}${loops(node) > 1 ? ` (${formatCount(loops(node))} times)` : ''} and tests ` +
    `the filter ${filter} on each one; ${formatPercent(1 - scan.keepShare)} of what it reads is thrown away. ` +
    'A sequential scan costs in proportion to the size of the table, not to the size of the result, so it gets ' +
    'slower as the table grows even if the answer does not.';
  const suggestion = selective
    ? `An index on ${table} (${columnList}) lets PostgreSQL read only the matching rows. If the query needs few ` +
      'columns, add them with INCLUDE for an index-only scan; if the filter is a fixed value (a status, a flag), a ' +
      'partial index (… WHERE <that condition>) is smaller still. Verify it with the hypothetical index check before ' +
      'building it with CREATE INDEX CONCURRENTLY.'
    : `With ${formatPercent(scan.keepShare)} of the rows kept a plain index rarely beats the Seq Scan; a covering ` +
      `index on ${table} (${columnList}) INCLUDE (the selected columns), or a partial index on the filter, can ` +
      'still turn it into an index-only scan of a much smaller structure.';
  return { ruleId: SEQ_SCAN_LARGE_TABLE, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

export const seqScanLargeTable: PlanRule = { id: SEQ_SCAN_LARGE_TABLE, kind: 'plan', check };
