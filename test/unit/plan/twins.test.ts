/**
 * Real-server fixtures (test/fixtures/plans/real, made by ../../fixtures/plans/generate.ts on PostgreSQL 15):
 * each text twin — EXPLAIN FORMAT TEXT of the same statement, and the psql captures (header, `+` marks,
 * terminal-wrapped CRLF copy) — must give the same tree as the FORMAT JSON run.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import type { Plan, PlanNode } from '../../../src/core/plan/planNode';

const dir = join(__dirname, '../../fixtures/plans/real');
const load = (name: string): Plan => parsePlan(readFileSync(join(dir, name), 'utf8'));

/** What two runs of one statement share: shape, names, estimates, loops (times and buffers differ). */
function shape(n: PlanNode): string {
  const f = n.fields;
  return [
    n.depth,
    f['Node Type'],
    f['Relation Name'],
    f['Alias'],
    f['Index Name'],
    f['CTE Name'],
    f['Function Name'],
    f['Parent Relationship'],
    f['Subplan Name'],
    f['Join Type'],
    f['Strategy'],
    f['Partial Mode'],
    f['Operation'],
    f['Scan Direction'],
    f['Plan Rows'],
    f['Plan Width'],
    f['Startup Cost'],
    f['Total Cost'],
    f['Actual Loops'],
    f['Parallel Aware'] === true,
    JSON.stringify(f['Sort Key']),
    JSON.stringify(f['Group Key']),
    f['Filter'],
    f['Index Cond'],
    f['Hash Cond'],
  ].join(' | ');
}

const bases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe('real plans: text twins match their JSON twin', () => {
  it('has all generated cases', () => assert.ok(bases.length >= 25, `only ${bases.length} fixtures`));
  for (const base of bases) {
    for (const variant of ['.txt', '.psql.txt', '.wrapped.txt', '.psql-json.txt']) {
      if (!existsSync(join(dir, base + variant))) continue;
      it(`${base}${variant}`, () => {
        const json = load(`${base}.json`);
        const other = load(base + variant);
        assert.equal(json.format, 'json');
        assert.equal(other.format, variant === '.psql-json.txt' ? 'json' : 'text');
        assert.deepEqual(other.nodes.map(shape), json.nodes.map(shape));
        assert.equal(other.analyzed, json.analyzed);
        assert.equal(other.executionTimeMs === undefined, json.executionTimeMs === undefined);
        assert.equal(other.triggers.map((t) => t.name).join(), json.triggers.map((t) => t.name).join());
        assert.equal(other.jit === undefined, json.jit === undefined);
        if (json.analyzed && json.executionTimeMs !== undefined) {
          const rootBuffers = json.totals.buffers.sharedHit + json.totals.buffers.sharedRead;
          const textBuffers = other.totals.buffers.sharedHit + other.totals.buffers.sharedRead;
          assert.equal(textBuffers > 0, rootBuffers > 0, 'both or neither report buffers');
        }
      });
    }
  }
});

describe('real plans: what each case shows', () => {
  const both = (base: string) => [load(`${base}.json`), load(`${base}.txt`)];
  const find = (p: Plan, pred: (n: PlanNode) => boolean) => {
    const n = p.nodes.find(pred);
    assert.ok(n, 'node not found');
    return n;
  };

  it('seq scan with filter: rows removed and discard ratio', () => {
    for (const p of both('01-seq-scan-filter')) {
      const m = p.root.metrics;
      assert.equal(p.root.fields['Node Type'], 'Seq Scan');
      assert.equal(m.rowsRemovedByFilter + m.actualRowsTotal, 100000);
      assert.ok((m.filterDiscardRatio ?? 0) > 0.95);
      assert.equal(p.totals.rowsScanned, 100000);
      assert.equal(m.hotspotRank, 1);
    }
  });
  it('index-only scan reports heap fetches', () => {
    for (const p of both('03-index-only-scan')) {
      assert.equal(p.root.fields['Node Type'], 'Index Only Scan');
      assert.ok((p.root.fields['Heap Fetches'] as number) > 0);
    }
  });
  it('lossy bitmap heap scan', () => {
    for (const p of both('05-bitmap-lossy')) {
      const heap = find(p, (n) => n.fields['Node Type'] === 'Bitmap Heap Scan');
      assert.ok((heap.fields['Lossy Heap Blocks'] as number) > 0);
      assert.ok(heap.metrics.rowsRemovedByIndexRecheck > 0);
    }
  });
  it('nested loop: inner side time and rows over all loops', () => {
    for (const p of both('08-nested-loop')) {
      const inner = find(p, (n) => n.fields['Parent Relationship'] === 'Inner');
      const loops = inner.fields['Actual Loops'] as number;
      assert.ok(loops > 100);
      const perLoop = inner.fields['Actual Total Time'] as number;
      assert.ok(Math.abs(inner.metrics.inclusiveTimeMs - perLoop * loops) < 1e-9);
      assert.equal(inner.metrics.actualRowsTotal, (inner.fields['Actual Rows'] as number) * loops);
    }
  });
  it('external sort and hash batches', () => {
    for (const p of both('09-external-sort')) {
      const sort = find(p, (n) => n.fields['Node Type'] === 'Sort');
      assert.equal(sort.fields['Sort Space Type'], 'Disk');
      assert.equal(sort.fields['Sort Method'], 'external merge');
      assert.ok(sort.metrics.buffersExclusive.tempWritten > 0);
    }
    for (const p of both('10-hash-batches')) {
      const hash = find(p, (n) => n.fields['Node Type'] === 'Hash');
      assert.ok((hash.fields['Hash Batches'] as number) > 1);
    }
  });
  it('parallel plan: nodes under the Gather are divided by the processes', () => {
    for (const p of both('13-parallel-gather')) {
      const gather = find(p, (n) => n.fields['Node Type'] === 'Gather');
      const scan = find(p, (n) => n.fields['Node Type'] === 'Seq Scan');
      assert.equal(scan.fields['Parallel Aware'], true);
      assert.equal(scan.metrics.underGather, true);
      assert.equal(gather.metrics.underGather, false);
      const processes = (gather.fields['Workers Launched'] as number) + 1;
      const expected =
        ((scan.fields['Actual Total Time'] as number) * (scan.fields['Actual Loops'] as number)) / processes;
      assert.ok(Math.abs(scan.metrics.inclusiveTimeMs - expected) < 1e-9);
      assert.ok(scan.metrics.inclusiveTimeMs <= gather.metrics.inclusiveTimeMs);
      const workers = scan.fields['Workers'] as Array<Record<string, unknown>>;
      assert.equal(workers.length, gather.fields['Workers Launched']);
    }
  });
  it('InitPlan, SubPlan and CTE: exclusive times add up to the root', () => {
    for (const base of ['14-initplan', '15-subplan', '16-cte-materialized']) {
      for (const p of both(base)) {
        const sum = p.nodes.reduce((s, n) => s + n.metrics.exclusiveTimeMs, 0);
        // Exact when no node was clamped at 0; timer rounding may clamp a few microseconds.
        assert.ok(
          Math.abs(sum - p.root.metrics.inclusiveTimeMs) < 0.01,
          `${base}: ${sum} vs ${p.root.metrics.inclusiveTimeMs}`,
        );
      }
    }
  });
  it('CTE: the CTE is attributed to the scan that pulled its rows', () => {
    for (const p of both('16-cte-materialized')) {
      const cte = find(p, (n) => n.fields['Subplan Name'] === 'CTE totals');
      assert.equal(cte.fields['Parent Relationship'], 'InitPlan');
      const scans = p.nodes.filter((n) => n.fields['Node Type'] === 'CTE Scan');
      assert.equal(scans.length, 2);
      const puller = scans.reduce((a, b) => (a.metrics.inclusiveTimeMs > b.metrics.inclusiveTimeMs ? a : b));
      assert.ok(puller.metrics.exclusiveTimeMs < puller.metrics.inclusiveTimeMs - cte.metrics.inclusiveTimeMs + 1e-9);
      assert.equal(puller.metrics.buffersExclusive.sharedHit, 0);
    }
  });
  it('partitions, limit, modify table, trigger, JIT, settings, estimate-only', () => {
    for (const p of both('17-append-partitions')) {
      assert.ok(p.nodes.filter((n) => n.fields['Parent Relationship'] === 'Member').length >= 3);
    }
    for (const p of both('18-limit')) {
      assert.equal(p.root.fields['Node Type'], 'Limit');
      assert.equal(p.nodes[1].fields['Scan Direction'], 'Backward');
    }
    for (const p of both('19-delete')) {
      assert.equal(p.root.fields['Node Type'], 'ModifyTable');
      assert.equal(p.root.fields['Operation'], 'Delete');
      assert.ok((p.root.fields['WAL Records'] as number) > 0);
    }
    for (const p of both('22-trigger')) {
      assert.equal(p.triggers.length, 2);
      assert.ok(p.triggers.every((t) => t.calls === 200 && t.timeMs > 0));
    }
    for (const p of both('21-jit')) {
      assert.ok(p.jit && p.jit.functions > 0 && p.jit.totalMs > 0);
    }
    for (const p of both('24-timing-off-settings')) {
      assert.deepEqual(p.settings, { random_page_cost: '1.1' });
      assert.equal(p.analyzed, true);
      assert.equal(p.root.metrics.inclusiveTimeMs, 0);
      assert.ok(p.root.metrics.actualRowsTotal > 0);
    }
    for (const p of both('23-estimate-only')) {
      assert.equal(p.analyzed, false);
      assert.equal(p.executionTimeMs, undefined);
      assert.ok(p.nodes.every((n) => n.metrics.inclusiveTimeMs === 0 && n.metrics.exclusiveTimeMs === 0));
      assert.ok(p.nodes.some((n) => n.metrics.hotspotRank === 1));
      assert.ok(p.totals.cost > 0);
    }
  });
});
