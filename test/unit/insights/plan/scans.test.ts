import assert from 'node:assert/strict';
import { filterDiscardsMostRows } from '../../../../src/core/insights/plan/filterDiscardsMostRows';
import { indexOnlyScanHeapFetches } from '../../../../src/core/insights/plan/indexOnlyScanHeapFetches';
import { lossyBitmapHeapScan } from '../../../../src/core/insights/plan/lossyBitmapHeapScan';
import { seqScanLargeTable } from '../../../../src/core/insights/plan/seqScanLargeTable';
import { evidence, loadCatalog, loadPlan, nodeTypeOf, run } from './fixtures';

describe('seq-scan-large-table', () => {
  it('fires on the Seq Scan of orders keeping 2 % of 200,000 rows, with the figures', () => {
    const plan = loadPlan('seq-scan-orders-pending');
    const [insight, ...rest] = seqScanLargeTable.check({ plan });
    assert.equal(rest.length, 0);
    assert.equal(insight.ruleId, 'seq-scan-large-table');
    assert.equal(insight.severity, 'warning');
    assert.deepEqual(insight.nodeIds, [0]);
    const scan = plan.nodes[0];
    const kept = scan.fields['Actual Rows'] as number;
    const removed = scan.fields['Rows Removed by Filter'] as number;
    assert.equal(kept + removed, 200_000);
    assert.equal(evidence(insight, 'rows read'), 200_000);
    assert.equal(evidence(insight, 'rows kept'), kept);
    assert.match(
      insight.title,
      new RegExp(`^Seq Scan on orders reads 200,000 rows to keep ${kept.toLocaleString('en-US')} \\(\\d\\.\\d %\\)$`),
    );
    assert.match(String(evidence(insight, 'filter')), /status = 'pending'/);
    assert.match(insight.suggestion ?? '', /index on orders \(status\)/);
  });

  it('adds the table size from the catalog', () => {
    const [insight] = run(seqScanLargeTable, 'seq-scan-orders-pending', { catalog: loadCatalog() });
    assert.match(String(evidence(insight, 'table size')), /^\d+(\.\d)? MB$/);
  });

  it('fires on the estimate alone when the catalog says how big the table is', () => {
    const plan = loadPlan('estimate-only-join');
    assert.equal(plan.analyzed, false);
    assert.deepEqual(seqScanLargeTable.check({ plan }), []);
    const insights = seqScanLargeTable.check({ plan, catalog: loadCatalog() });
    assert.equal(insights.length, 1);
    assert.equal(plan.nodes[insights[0].nodeIds[0]].fields['Relation Name'], 'orders');
    assert.match(insights[0].title, /reads ~200,000 rows .*planner estimate/);
  });

  it('does not fire on a full read without a filter, nor on a small table', () => {
    assert.deepEqual(run(seqScanLargeTable, 'seq-scan-orders-all'), []);
    assert.deepEqual(run(seqScanLargeTable, 'seq-scan-users-filter', { catalog: loadCatalog() }), []);
  });

  it('still fires with parallel workers, counting the rows of all processes', () => {
    const plan = loadPlan('parallel-launched');
    const [insight] = seqScanLargeTable.check({ plan });
    assert.equal(nodeTypeOf(plan, insight.nodeIds[0]), 'Seq Scan');
    assert.ok(Math.abs(Number(evidence(insight, 'rows read')) - 200_000) <= 3, String(evidence(insight, 'rows read')));
  });
});

describe('filter-discards-most-rows', () => {
  it('fires on an Index Scan whose filter drops 98 % of the index range', () => {
    const plan = loadPlan('index-scan-filter');
    const [insight] = filterDiscardsMostRows.check({ plan });
    assert.ok(insight);
    assert.deepEqual(insight.nodeIds, [0]);
    assert.equal(nodeTypeOf(plan, 0), 'Index Scan');
    const removed = plan.nodes[0].fields['Rows Removed by Filter'] as number;
    assert.equal(evidence(insight, 'rows removed by filter'), removed);
    assert.ok(removed / Number(evidence(insight, 'rows read')) >= 0.9);
    assert.match(
      insight.title,
      /^Index Scan using orders_created_at_idx on orders discards [\d,]+ of [\d,]+ rows read \(9\d %\) in its filter$/,
    );
    assert.match(insight.suggestion ?? '', /Add status to the index/);
  });

  it('fires on a small Seq Scan that keeps 0.1 %', () => {
    const [insight] = run(filterDiscardsMostRows, 'seq-scan-users-filter');
    assert.equal(evidence(insight, 'rows read'), 50_000);
    assert.match(insight.title, /\(99\.9 %\)/);
  });

  it('leaves a large Seq Scan to seq-scan-large-table, and does not fire without a filter', () => {
    assert.deepEqual(run(filterDiscardsMostRows, 'seq-scan-orders-pending'), []);
    assert.deepEqual(run(filterDiscardsMostRows, 'seq-scan-orders-all'), []);
    assert.deepEqual(run(filterDiscardsMostRows, 'nested-loop-few'), []);
  });
});

describe('index-only-scan-heap-fetches', () => {
  it('fires when most rows had to visit the heap', () => {
    const plan = loadPlan('index-only-heap-fetches');
    const [insight] = indexOnlyScanHeapFetches.check({ plan });
    assert.deepEqual(insight.nodeIds, [0]);
    assert.equal(evidence(insight, 'heap fetches'), plan.nodes[0].fields['Heap Fetches']);
    assert.ok(Number(evidence(insight, 'heap fetches')) > 1000);
    assert.match(insight.suggestion ?? '', /VACUUM events/);
  });

  it('does not fire after VACUUM, nor on an index-only scan with a handful of fetches', () => {
    const vacuumed = loadPlan('index-only-vacuumed');
    assert.equal(vacuumed.nodes[0].fields['Heap Fetches'], 0);
    assert.deepEqual(indexOnlyScanHeapFetches.check({ plan: vacuumed }), []);
    // many-joins-planning has an Index Only Scan with 16 heap fetches for 16 rows: below the minimum.
    assert.deepEqual(run(indexOnlyScanHeapFetches, 'many-joins-planning'), []);
  });
});

describe('lossy-bitmap-heap-scan', () => {
  it('fires with the lossy blocks and a work_mem that covers every page', () => {
    const plan = loadPlan('bitmap-lossy');
    const [insight] = lossyBitmapHeapScan.check({ plan });
    const node = plan.nodes[insight.nodeIds[0]];
    assert.equal(node.fields['Node Type'], 'Bitmap Heap Scan');
    assert.equal(evidence(insight, 'lossy heap blocks'), node.fields['Lossy Heap Blocks']);
    assert.equal(evidence(insight, 'work_mem'), '64kB');
    assert.equal(insight.severity, 'warning');
    const pages = (node.fields['Lossy Heap Blocks'] as number) + (node.fields['Exact Heap Blocks'] as number);
    assert.ok(Number(evidence(insight, 'bitmap memory needed (estimate)')) >= (pages * 48) / 1024);
  });

  it('does not fire on an exact bitmap', () => {
    assert.deepEqual(run(lossyBitmapHeapScan, 'bitmap-exact'), []);
  });
});
