/** filter-discards-most-rows: a node reads rows only to throw nearly all of them away in its Filter or Join Filter. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { indexKeyColumns } from './indexKeyOrder';
import { formatCount, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { inclusiveShare, qualifiedTable, stringField } from './planFacts';
import { insightsOfRanNodes } from './planIndex';
import { largeSeqScan } from './seqScanLargeTable';

export const FILTER_DISCARDS_MOST_ROWS = 'filter-discards-most-rows';

/** Nine rows in ten thrown away: the access path fetches ten times what the query uses. */
export const DISCARD_SHARE = 0.9;
/** Below a thousand rows read the waste is microseconds: not worth a line. */
export const MIN_ROWS_READ = 1_000;
/** Worth a warning when the node holds a fifth of the time, or throws away a million rows or more. */
export const WARNING_TIME_SHARE = 0.2;
export const WARNING_ROWS_REMOVED = 1_000_000;

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(context, (node) => {
    const m = node.metrics;
    const removed = m.rowsRemovedByFilter + m.rowsRemovedByJoinFilter;
    const read = removed + m.actualRowsTotal;
    if (read < MIN_ROWS_READ || removed / read < DISCARD_SHARE) return undefined;
    // seq-scan-large-table says the same about a large Seq Scan, with the index advice; one insight per finding.
    if (largeSeqScan(context, node)) return undefined;
    return insightFor(context, node, removed, read);
  });
}

function insightFor(context: PlanRuleContext, node: PlanNode, removed: number, read: number): Insight {
  const f = node.fields;
  const byJoinFilter = node.metrics.rowsRemovedByJoinFilter > node.metrics.rowsRemovedByFilter;
  const condition = (byJoinFilter ? stringField(f, 'Join Filter') : stringField(f, 'Filter')) ?? '';
  const share = inclusiveShare(context.plan, node);
  const severity: Severity = share >= WARNING_TIME_SHARE || removed >= WARNING_ROWS_REMOVED ? 'warning' : 'info';
  const ratio = removed / read;
  const title =
    `${nodeLabel(node)} discards ${formatCount(removed)} of ${formatCount(read)} rows read ` +
    `(${formatPercent(ratio)}) in its ${byJoinFilter ? 'join filter' : 'filter'}`;
  const evidence: Evidence[] = [
    { label: 'rows read', value: read, unit: 'rows' },
    { label: byJoinFilter ? 'rows removed by join filter' : 'rows removed by filter', value: removed, unit: 'rows' },
    { label: 'rows kept', value: node.metrics.actualRowsTotal, unit: 'rows' },
    { label: 'discarded', value: formatPercent(ratio) },
    { label: byJoinFilter ? 'join filter' : 'filter', value: condition },
    { label: 'time (this node and below)', value: formatMsPlain(node.metrics.inclusiveTimeMs) },
  ];
  const table = qualifiedTable(node) ?? 'the table';
  const columns = indexKeyColumns(condition, {
    alias: stringField(f, 'Alias'),
    relation: stringField(f, 'Relation Name'),
  });
  const columnList = columns.length > 0 ? columns.join(', ') : 'the filtered columns';
  const type = f['Node Type'];
  let explanation: string;
  let suggestion: string;
  if (byJoinFilter) {
    explanation =
      `The join checks ${condition} on every pair of rows it forms, after forming it; ${formatPercent(ratio)} of the ` +
      'pairs fail. A condition that is not a plain equality between the two sides cannot be used as a hash, merge or ' +
      'index key, so the join produces far more pairs than it returns.';
    suggestion =
      'Turn the condition into an equality the join can use as a key (or an index condition on the inner side), ' +
      'or filter each side before the join.';
  } else if (type === 'Index Scan' || type === 'Index Only Scan' || type === 'Bitmap Heap Scan') {
    const index = stringField(f, 'Index Name');
    explanation =
      `The index${index ? ` ${index}` : ''} finds candidate rows, but ${condition} is not part of its condition, so ` +
      `each candidate is fetched from ${table} and then tested; ${formatPercent(ratio)} are thrown away after the fetch.`;
    suggestion =
      `Add ${columnList} to the index (equality columns first, then range columns), or make it a partial index ` +
      'with this condition, so that the index returns only the rows the query keeps.';
  } else if (type === 'Seq Scan') {
    explanation =
      `PostgreSQL reads all of ${table} and tests ${condition} on each row; ${formatPercent(ratio)} are thrown away. ` +
      'The table is small enough that this is cheap today, but it grows with the table.';
    suggestion = `If ${table} will grow, an index on ${table} (${columnList}) keeps this query fast.`;
  } else {
    explanation =
      `This node tests ${condition} on every row it receives and throws away ${formatPercent(ratio)}: the rows were ` +
      'produced by the nodes below only to be discarded here.';
    suggestion =
      'Apply the condition earlier: in the subquery or CTE that produces the rows, where an index can serve it.';
  }
  return { ruleId: FILTER_DISCARDS_MOST_ROWS, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

export const filterDiscardsMostRows: PlanRule = { id: FILTER_DISCARDS_MOST_ROWS, kind: 'plan', check };
