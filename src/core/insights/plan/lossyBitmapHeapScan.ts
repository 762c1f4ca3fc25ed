/** lossy-bitmap-heap-scan: the bitmap did not fit in work_mem and degraded to whole pages, rechecked row by row. */
import { nodeLabel, type PlanNode } from '../../plan/planNode';
import type { Evidence, Insight, PlanRule, PlanRuleContext, Severity } from '../insight';
import { formatCount, formatKb, formatMsPlain, formatPercent } from '../../text/formatNumbers';
import { numberField, stringField } from './planFacts';
import { insightsOfRanNodes } from './planIndex';
import { suggestWorkMemKb, workMemEvidence, workMemKb, workMemText } from './workMem';

export const LOSSY_BITMAP_HEAP_SCAN = 'lossy-bitmap-heap-scan';

/**
 * An exact bitmap keeps one entry per heap page: about 48 bytes of page entry plus 16 of hash table overhead
 * (PostgreSQL's tidbitmap.c sizes its table this way); doubled because the hash table grows by powers of two.
 */
export const BYTES_PER_PAGE = 64;
export const GROWTH_HEADROOM = 2;
/** A tenth of the pages lossy, or the scan holding a tenth of the time: worth a warning. */
export const WARNING_LOSSY_SHARE = 0.1;
export const WARNING_TIME_SHARE = 0.1;

function check(context: PlanRuleContext): Insight[] {
  return insightsOfRanNodes(
    context,
    (node) => {
      const lossy = numberField(node.fields, 'Lossy Heap Blocks') ?? 0;
      return lossy > 0 ? insightFor(context, node, lossy) : undefined;
    },
    'Bitmap Heap Scan',
  );
}

function insightFor(context: PlanRuleContext, node: PlanNode, lossy: number): Insight {
  const exact = numberField(node.fields, 'Exact Heap Blocks') ?? 0;
  const pages = exact + lossy;
  const lossyShare = lossy / pages;
  const current = workMemKb(context);
  const neededKb = (pages * BYTES_PER_PAGE * GROWTH_HEADROOM) / 1024;
  const suggestedKb = suggestWorkMemKb(neededKb, current.kb);
  const recheckRemoved = node.metrics.rowsRemovedByIndexRecheck;
  const severity: Severity =
    lossyShare >= WARNING_LOSSY_SHARE || node.metrics.timeShare >= WARNING_TIME_SHARE ? 'warning' : 'info';
  const title =
    `${nodeLabel(node)} went lossy on ${formatCount(lossy)} of ${formatCount(pages)} heap blocks ` +
    `(${formatPercent(lossyShare)}); work_mem ${workMemText(suggestedKb)} would keep the bitmap exact`;
  const evidence: Evidence[] = [
    { label: 'lossy heap blocks', value: lossy },
    { label: 'exact heap blocks', value: exact },
    { label: 'rows removed by index recheck', value: recheckRemoved, unit: 'rows' },
    workMemEvidence(current),
    { label: 'bitmap memory needed (estimate)', value: Math.ceil(neededKb), unit: 'kB' },
    { label: 'suggested work_mem', value: workMemText(suggestedKb) },
    { label: 'time', value: formatMsPlain(node.metrics.inclusiveTimeMs) },
  ];
  const recheck = stringField(node.fields, 'Recheck Cond');
  if (recheck) evidence.push({ label: 'recheck condition', value: recheck });
  const explanation =
    `The bitmap of matching rows needs about ${formatKb(neededKb)} to remember every row, more than work_mem ` +
    `(${workMemText(current.kb)}). PostgreSQL then keeps only which pages match, not which rows, so on ` +
    `${formatCount(lossy)} pages it reads every row and tests the condition again` +
    (recheckRemoved > 0 ? `, throwing away ${formatCount(recheckRemoved)} rows that did not match.` : '.');
  const suggestion =
    `Raise work_mem for this query: SET LOCAL work_mem = '${workMemText(suggestedKb)}' inside its transaction. ` +
    'If the scan matches a large part of the table, a more selective index (or a multicolumn one covering the ' +
    'whole condition) makes the bitmap smaller.';
  return { ruleId: LOSSY_BITMAP_HEAP_SCAN, severity, nodeIds: [node.id], title, explanation, suggestion, evidence };
}

export const lossyBitmapHeapScan: PlanRule = { id: LOSSY_BITMAP_HEAP_SCAN, kind: 'plan', check };
