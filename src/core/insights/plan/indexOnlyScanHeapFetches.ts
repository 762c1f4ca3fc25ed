/** index-only-scan-heap-fetches: an Index Only Scan still visits the table, because the visibility map is out of date. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { numberField, qualifiedTable, tableOf } from './planFacts';
import { insightsOfRanNodes } from './planIndex';

export const INDEX_ONLY_SCAN_HEAP_FETCHES = 'index-only-scan-heap-fetches';

/** A tenth of the rows fetched from the heap: the scan has lost much of what made it index-only. */
export const FETCH_SHARE = 0.1;
/** Below a thousand fetches the cost is negligible. */
export const MIN_HEAP_FETCHES = 1_000;
/** Half the rows or more fetched: the index-only scan is about as costly as a plain index scan. */
export const WARNING_FETCH_SHARE = 0.5;

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(
    context,
    (node) => {
      // EXPLAIN reports Heap Fetches summed over all loops.
      const fetches = numberField(node.fields, 'Heap Fetches') ?? 0;
      const rows = node.metrics.actualRowsTotal;
      if (fetches < MIN_HEAP_FETCHES || fetches < FETCH_SHARE * Math.max(rows, 1)) return undefined;
      return insightFor(context, node, fetches, rows);
    },
    'Index Only Scan',
  );
}

function insightFor(context: PlanRuleContext, node: PlanNode, fetches: number, rows: number): Insight {
  const ratio = fetches / Math.max(rows, 1);
  const severity: Severity = ratio >= WARNING_FETCH_SHARE && node.metrics.timeShare >= 0.05 ? 'warning' : 'info';
  const table = qualifiedTable(node) ?? 'the table';
  const title = `${nodeLabel(node)} fetched ${formatCount(fetches)} heap rows for ${formatCount(rows)} rows returned (${formatPercent(ratio)})`;
  const evidence: Evidence[] = [
    { label: 'heap fetches', value: fetches },
    { label: 'rows returned', value: rows, unit: 'rows' },
    { label: 'fetches per row', value: formatPercent(ratio) },
    { label: 'time', value: formatMsPlain(node.metrics.inclusiveTimeMs) },
  ];
  const stats = tableOf(context, node);
  if (stats?.modificationsSinceAnalyze !== undefined) {
    evidence.push({ label: 'rows changed since last analyze', value: stats.modificationsSinceAnalyze, unit: 'rows' });
  }
  const explanation =
    `An index-only scan skips the table only for pages the visibility map marks all-visible. ${table} has many pages ` +
    'changed since its last VACUUM, so for those rows PostgreSQL still reads the table page to check visibility: ' +
    `${formatCount(fetches)} such visits here, which costs what the index-only scan was meant to save.`;
  const suggestion =
    `Run VACUUM ${table}; to refresh the visibility map. If the table keeps changing, make autovacuum visit it more ` +
    `often: ALTER TABLE ${table} SET (autovacuum_vacuum_scale_factor = 0.02), and for mostly-insert tables ` +
    'autovacuum_vacuum_insert_scale_factor (PostgreSQL 13+). Check that no long-running transaction holds vacuum back.';
  return {
    ruleId: INDEX_ONLY_SCAN_HEAP_FETCHES,
    severity,
    nodeIds: [node.id],
    title,
    explanation,
    suggestion,
    evidence,
  };
}

export const indexOnlyScanHeapFetches: PlanRule = { id: INDEX_ONLY_SCAN_HEAP_FETCHES, kind: 'plan', check };
