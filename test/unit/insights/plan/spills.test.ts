import assert from 'node:assert/strict';
import { hashSpillsToDisk } from '../../../../src/core/insights/plan/hashSpillsToDisk';
import { sortSpillsToDisk } from '../../../../src/core/insights/plan/sortSpillsToDisk';
import { tempBuffersWritten } from '../../../../src/core/insights/plan/tempBuffersWritten';
import { evidence, loadPlan, nodeTypeOf, run } from './fixtures';

describe('sort-spills-to-disk', () => {
  it('fires on the external merge with the disk used and a work_mem above the in-memory need', () => {
    const plan = loadPlan('sort-spill');
    const [insight] = sortSpillsToDisk.check({ plan });
    assert.equal(nodeTypeOf(plan, insight.nodeIds[0]), 'Sort');
    const sort = plan.nodes[insight.nodeIds[0]];
    assert.equal(evidence(insight, 'disk used'), sort.fields['Sort Space Used']);
    assert.equal(evidence(insight, 'sort method'), 'external merge');
    assert.equal(evidence(insight, 'work_mem'), '64kB');
    // The same sort in memory (sort-in-memory.json, work_mem 64MB) used this much: the suggestion must cover it.
    const inMemory = loadPlan('sort-in-memory').nodes[0].fields['Sort Space Used'] as number;
    assert.ok(Number(evidence(insight, 'memory needed (estimate)')) >= inMemory);
    assert.match(
      insight.title,
      /^Sort spills [\d.]+ MB to disk \(external merge, work_mem 64kB\); work_mem \d+MB would keep it in memory$/,
    );
    assert.match(insight.suggestion ?? '', /SET LOCAL work_mem = '\d+MB'/);
  });

  it('does not fire on an in-memory quicksort', () => {
    assert.deepEqual(run(sortSpillsToDisk, 'sort-in-memory'), []);
  });
});

describe('hash-spills-to-disk', () => {
  it('fires on a Hash Join in 32 batches, concerning the Hash and its join', () => {
    const plan = loadPlan('hash-join-spill');
    const [insight] = hashSpillsToDisk.check({ plan });
    assert.deepEqual(
      insight.nodeIds.map((id) => nodeTypeOf(plan, id)),
      ['Hash', 'Hash Join'],
    );
    assert.equal(evidence(insight, 'hash batches'), 32);
    assert.equal(evidence(insight, 'hash_mem_multiplier'), 2);
    const inMemoryPeak = loadPlan('hash-join-in-memory').nodes.find((n) => n.fields['Node Type'] === 'Hash')?.fields[
      'Peak Memory Usage'
    ] as number;
    assert.ok(Number(evidence(insight, 'memory needed (estimate)')) >= inMemoryPeak);
    assert.match(insight.title, /^Hash of Seq Scan on users u runs in 32 batches/);
  });

  it('fires on a HashAggregate that wrote batches to disk (PostgreSQL 13+)', () => {
    const plan = loadPlan('hashagg-spill');
    const [insight] = hashSpillsToDisk.check({ plan });
    const agg = plan.nodes[insight.nodeIds[0]];
    assert.equal(agg.fields['Strategy'], 'Hashed');
    assert.equal(evidence(insight, 'HashAgg batches'), agg.fields['HashAgg Batches']);
    assert.equal(evidence(insight, 'disk used'), agg.fields['Disk Usage']);
    assert.match(insight.title, /^HashAggregate spills to disk/);
  });

  it('does not fire on a one-batch hash, nor on an in-memory HashAggregate', () => {
    assert.deepEqual(run(hashSpillsToDisk, 'hash-join-in-memory'), []);
    assert.deepEqual(run(hashSpillsToDisk, 'no-jit'), []);
  });
});

describe('temp-buffers-written', () => {
  it('fires at plan level and says which nodes wrote', () => {
    const plan = loadPlan('hash-join-spill');
    const [insight] = tempBuffersWritten.check({ plan });
    assert.equal(evidence(insight, 'temp blocks written'), plan.totals.buffers.tempWritten);
    assert.deepEqual(insight.nodeIds.map((id) => nodeTypeOf(plan, id)).sort(), ['Hash', 'Hash Join']);
    assert.match(String(evidence(insight, 'written by')), /Hash Join .*; Hash /);
    const sorted = tempBuffersWritten.check({ plan: loadPlan('sort-spill') })[0];
    assert.match(sorted.title, /^Query wrote [\d.]+ MB of temporary files \([\d,]+ blocks\), in Sort$/);
  });

  it('does not fire when nothing spilled', () => {
    assert.deepEqual(run(tempBuffersWritten, 'sort-in-memory'), []);
    assert.deepEqual(run(tempBuffersWritten, 'hash-join-in-memory'), []);
  });
});
