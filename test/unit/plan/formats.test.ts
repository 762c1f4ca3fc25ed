/** Text and JSON forms of EXPLAIN details across PostgreSQL 12–18, written by hand from explain.c's formats. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../../src/core/plan/parsePlan';

describe('text plan details map to FORMAT JSON keys', () => {
  it('hash, sort, memoize, hashagg, storage, heap blocks, WAL, I/O timings', () => {
    const plan = parsePlan(
      [
        'Hash Left Join  (cost=1.00..2.00 rows=1 width=4) (actual time=0.1..0.2 rows=1.00 loops=1)',
        '  Hash Cond: (a.id = b.id)',
        '  WAL: records=3 fpi=1 bytes=420 buffers full=0',
        '  ->  Memoize  (cost=0.1..0.2 rows=1 width=4) (actual time=0.1..0.1 rows=0.33 loops=3)',
        '        Cache Key: a.x',
        '        Hits: 9  Misses: 1  Evictions: 0  Overflows: 0  Memory Usage: 1kB',
        '        ->  Bitmap Heap Scan on public.items a  (cost=0.1..0.2 rows=1 width=4) (actual time=0.1..0.1 rows=1 loops=1)',
        '              Heap Blocks: exact=12 lossy=34',
        '              I/O Timings: shared read=1.5 write=0.5, local read=0.25, temp write=2',
        '              Buffers: shared hit=5 read=6 dirtied=7 written=8, local hit=1, temp read=2 written=3',
        '              ->  Bitmap Index Scan on items_x_idx  (cost=0.1..0.2 rows=1 width=0) (actual time=0.1..0.1 rows=1 loops=1)',
        '                    Index Cond: (x > 1)',
        '                    Index Searches: 1',
        '  ->  Hash  (cost=1.00..1.00 rows=1 width=4) (actual time=0.1..0.1 rows=1 loops=1)',
        '        Buckets: 2048 (originally 1024)  Batches: 4 (originally 1)  Memory Usage: 95kB',
        '        ->  HashAggregate  (cost=1.00..1.00 rows=1 width=4) (actual time=0.1..0.1 rows=1 loops=1)',
        '              Group Key: b.id, lower((b.name)::text)',
        '              Planned Partitions: 4  Batches: 5  Memory Usage: 4145kB  Disk Usage: 2936kB',
        '              ->  Sort  (cost=1.00..1.00 rows=1 width=4) (actual time=0.1..0.1 rows=1 loops=1)',
        '                    Sort Key: b.id, b.name DESC',
        '                    Sort Method: external merge  Disk: 1234kB',
        '                    ->  Materialize  (cost=1.00..1.00 rows=1 width=4) (actual time=0.1..0.1 rows=1 loops=1)',
        '                          Storage: Memory  Maximum Storage: 17kB',
        '                          ->  Seq Scan on b  (cost=1.00..1.00 rows=1 width=4) (never executed)',
      ].join('\n'),
    );
    const [join, memo, heap, idx, hash, agg, sort, mat, scan] = plan.nodes;
    assert.equal(join.fields['Node Type'], 'Hash Join');
    assert.equal(join.fields['Join Type'], 'Left');
    assert.equal(join.fields['WAL FPI'], 1);
    assert.equal(join.fields['WAL Buffers Full'], 0);
    assert.equal(memo.fields['Cache Hits'], 9);
    assert.equal(memo.fields['Peak Memory Usage'], 1);
    assert.equal(memo.fields['Actual Rows'], 0.33);
    assert.equal(memo.fields['Parent Relationship'], 'Outer');
    assert.equal(heap.fields['Schema'], 'public');
    assert.equal(heap.fields['Alias'], 'a');
    assert.equal(heap.fields['Lossy Heap Blocks'], 34);
    assert.equal(heap.metrics.ioTimeMsExclusive, 4.25);
    assert.deepEqual(heap.metrics.buffersInclusive, {
      sharedHit: 5,
      sharedRead: 6,
      sharedDirtied: 7,
      sharedWritten: 8,
      localHit: 1,
      localRead: 0,
      localDirtied: 0,
      localWritten: 0,
      tempRead: 2,
      tempWritten: 3,
    });
    assert.equal(idx.fields['Index Name'], 'items_x_idx');
    assert.equal(idx.fields['Index Searches'], 1);
    assert.equal(hash.fields['Parent Relationship'], 'Inner');
    assert.equal(hash.fields['Original Hash Buckets'], 1024);
    assert.equal(hash.fields['Hash Batches'], 4);
    assert.equal(hash.fields['Original Hash Batches'], 1);
    assert.equal(agg.fields['Strategy'], 'Hashed');
    assert.deepEqual(agg.fields['Group Key'], ['b.id', 'lower((b.name)::text)']);
    assert.equal(agg.fields['HashAgg Batches'], 5);
    assert.equal(agg.fields['Disk Usage'], 2936);
    assert.deepEqual(sort.fields['Sort Key'], ['b.id', 'b.name DESC']);
    assert.equal(sort.fields['Sort Space Used'], 1234);
    assert.equal(mat.fields['Maximum Storage'], 17);
    assert.equal(scan.metrics.neverExecuted, true);
  });

  it('statement lines: planning buffers, JIT (17+ timing), triggers, settings, query id', () => {
    const plan = parsePlan(
      [
        'Insert on t  (cost=0.00..1.00 rows=0 width=0) (actual time=0.5..0.5 rows=0 loops=1)',
        '  ->  Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)',
        'Query Identifier: -42',
        "Settings: work_mem = '64kB', search_path = '\"$user\", public'",
        'Planning:',
        '  Buffers: shared hit=3 read=1',
        'Planning Time: 0.1 ms',
        'Trigger for constraint t_fk on t: time=0.7 calls=1',
        'Trigger audit: calls=1',
        'JIT:',
        '  Functions: 3',
        '  Options: Inlining false, Optimization false, Expressions true, Deforming true',
        '  Timing: Generation 0.4 ms (Deform 0.1 ms), Inlining 0.0 ms, Optimization 0.2 ms, Emission 1.4 ms, Total 2.0 ms',
        'Execution Time: 3.0 ms',
      ].join('\n'),
    );
    assert.equal(plan.root.fields['Operation'], 'Insert');
    assert.equal(plan.root.fields['Relation Name'], 't');
    assert.deepEqual(plan.settings, { work_mem: '64kB', search_path: '"$user", public' });
    assert.equal(plan.planningBuffers?.sharedHit, 3);
    assert.equal(plan.planningTimeMs, 0.1);
    assert.equal(plan.executionTimeMs, 3);
    assert.deepEqual(plan.triggers, [
      { name: 't_fk', relation: 't', timeMs: 0.7, calls: 1 },
      { name: 'audit', timeMs: 0, calls: 1 },
    ]);
    assert.deepEqual(plan.jit, {
      functions: 3,
      generationMs: 0.4,
      inliningMs: 0,
      optimizationMs: 0.2,
      emissionMs: 1.4,
      totalMs: 2,
    });
    assert.equal(plan.statementFields?.['Query Identifier'], -42);
  });

  it('node names: parallel, partial, joins, set ops, scans', () => {
    const plan = parsePlan(
      [
        'Finalize GroupAggregate  (cost=1.00..2.00 rows=1 width=4)',
        '  ->  Gather Merge  (cost=1.00..2.00 rows=1 width=4)',
        '        Workers Planned: 2',
        '        ->  Partial HashAggregate  (cost=1.00..2.00 rows=1 width=4)',
        '              ->  Parallel Hash Right Anti Join  (cost=1.00..2.00 rows=1 width=4)',
        '                    ->  Parallel Index Only Scan Backward using "Odd Index" on "My Table" t  (cost=1.00..2.00 rows=1 width=4)',
        '                    ->  Parallel Hash  (cost=1.00..2.00 rows=1 width=4)',
        '                          ->  Function Scan on generate_series g  (cost=1.00..2.00 rows=1 width=4)',
      ].join('\n'),
    );
    const [fin, gm, partial, join, ios, hash, fn] = plan.nodes;
    assert.deepEqual(
      [fin.fields['Node Type'], fin.fields['Strategy'], fin.fields['Partial Mode']],
      ['Aggregate', 'Sorted', 'Finalize'],
    );
    assert.equal(gm.fields['Workers Planned'], 2);
    assert.equal(partial.fields['Partial Mode'], 'Partial');
    assert.deepEqual(
      [join.fields['Node Type'], join.fields['Join Type'], join.fields['Parallel Aware']],
      ['Hash Join', 'Right Anti', true],
    );
    assert.deepEqual(
      [
        ios.fields['Node Type'],
        ios.fields['Scan Direction'],
        ios.fields['Index Name'],
        ios.fields['Relation Name'],
        ios.fields['Alias'],
      ],
      ['Index Only Scan', 'Backward', 'Odd Index', 'My Table', 't'],
    );
    assert.equal(hash.fields['Parallel Aware'], true);
    assert.equal(fn.fields['Function Name'], 'generate_series');
    assert.ok(ios.metrics.underGather);
    assert.equal(plan.analyzed, false);
  });

  it('psql noise: prompt, header, + marks, CRLF', () => {
    const text = [
      'db=# EXPLAIN ANALYZE SELECT 1;',
      '                      QUERY PLAN                      ',
      '------------------------------------------------------',
      ' Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1) +',
      ' Planning Time: 0.010 ms                              +',
      ' Execution Time: 0.020 ms                             +',
      '(3 rows)',
      '',
      'db=# ',
    ].join('\r\n');
    const plan = parsePlan(text);
    assert.equal(plan.root.fields['Node Type'], 'Result');
    assert.equal(plan.executionTimeMs, 0.02);
  });
});

describe('JSON plan forms', () => {
  const json = readFileSync(join(__dirname, '../../fixtures/plans/real/06-hash-join.json'), 'utf8');
  const reference = parsePlan(json);
  it('bare object, CSV-doubled quotes, prompt in front', () => {
    const obj = JSON.stringify((JSON.parse(json) as unknown[])[0]);
    assert.equal(parsePlan(obj).nodes.length, reference.nodes.length);
    assert.equal(
      parsePlan(`"${JSON.stringify(JSON.parse(json)).replace(/"/g, '""')}"`).nodes.length,
      reference.nodes.length,
    );
    assert.equal(
      parsePlan(`db=# EXPLAIN (ANALYZE, FORMAT JSON) SELECT …;\n${json}`).nodes.length,
      reference.nodes.length,
    );
  });
  it('keeps EXPLAIN key names and drops "Plans" from fields', () => {
    const n = reference.nodes[1];
    assert.ok('Actual Total Time' in n.fields);
    assert.ok(!('Plans' in n.fields));
  });
});
