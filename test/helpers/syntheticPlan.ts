/**
 * A big, realistic EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) document made by our generator (not by a server),
 * for benchmarks and huge-plan tests: Aggregate → Append over many partitions, each partition a Nested Loop
 * with a looped Index Scan, a Hash Join, or a Seq Scan whose filter runs a correlated SubPlan. Deterministic:
 * the same nodeCount gives the same text. Times and buffers are consistent (a parent's inclusive figures
 * are its children's plus its own), so metric passes give meaningful answers on it.
 */

interface SynthNode {
  fields: Record<string, unknown>;
  plans: SynthNode[];
  /** Inclusive time over all loops, ms. */
  time: number;
  hit: number;
  read: number;
}

/** A small linear congruential generator: deterministic and fast. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function syntheticPlanJson(nodeCount: number): string {
  if (nodeCount < 3) throw new Error('syntheticPlanJson needs at least 3 nodes');
  const rnd = random(20240601);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  let remaining = nodeCount - 2; // Aggregate + Append
  const parts: SynthNode[] = [];
  let partition = 0;
  let subplan = 0;
  while (remaining > 0) {
    const kind = remaining < 3 ? 'scan' : (['loop', 'hash', 'subplan', 'loop'] as const)[partition % 4];
    const table = `measurements_p${String(partition).padStart(5, '0')}`;
    partition++;
    if (kind === 'scan' || (kind === 'hash' && remaining < 4)) {
      parts.push(seqScan(table, int(1000, 20000), int(0, 5000), 1, 'Member', rnd));
      remaining -= 1;
    } else if (kind === 'loop') {
      const outer = seqScan(table, int(100, 2000), int(0, 30000), 1, 'Outer', rnd);
      const loops = outer.fields['Actual Rows'] as number;
      const inner = indexScan('sensors', 'sensors_pkey', 1, loops, 'Inner', rnd);
      parts.push(
        combine('Nested Loop', 'Member', [outer, inner], loops, { 'Join Type': 'Inner', 'Inner Unique': true }, rnd),
      );
      remaining -= 3;
    } else if (kind === 'hash') {
      const probe = seqScan(table, int(5000, 50000), 0, 1, 'Outer', rnd);
      const build = seqScan('sites', int(100, 900), 0, 1, 'Outer', rnd);
      const hash = combine(
        'Hash',
        'Inner',
        [build],
        build.fields['Actual Rows'] as number,
        {
          'Hash Buckets': 1024,
          'Original Hash Buckets': 1024,
          'Hash Batches': 1,
          'Original Hash Batches': 1,
          'Peak Memory Usage': int(20, 90),
        },
        rnd,
      );
      parts.push(
        combine(
          'Hash Join',
          'Member',
          [probe, hash],
          probe.fields['Actual Rows'] as number,
          {
            'Join Type': 'Inner',
            'Hash Cond': `(${table}.site_id = sites.id)`,
          },
          rnd,
        ),
      );
      remaining -= 4;
    } else {
      subplan++;
      const rows = int(50, 500);
      const inner = indexScan('alarms', 'alarms_sensor_id_idx', int(0, 20), rows, 'Outer', rnd);
      inner.fields['Node Type'] = 'Index Only Scan';
      inner.fields['Heap Fetches'] = int(0, 50);
      const agg = combine('Aggregate', 'SubPlan', [inner], rows, { Strategy: 'Plain', 'Partial Mode': 'Simple' }, rnd);
      agg.fields['Subplan Name'] = `SubPlan ${subplan}`;
      const scan = seqScan(table, rows, int(0, 9000), 1, 'Member', rnd);
      scan.fields['Filter'] = `(value > (SubPlan ${subplan}))`;
      scan.plans.push(agg);
      scan.time += agg.time;
      scan.fields['Actual Total Time'] = round(scan.time);
      scan.hit += agg.hit;
      scan.read += agg.read;
      parts.push(scan);
      remaining -= 3;
    }
  }
  const rows = parts.reduce(
    (s, p) => s + (p.fields['Actual Rows'] as number) * (p.fields['Actual Loops'] as number),
    0,
  );
  const append = combine('Append', 'Outer', parts, rows, {}, rnd);
  const root = combine('Aggregate', undefined, [append], 1, { Strategy: 'Plain', 'Partial Mode': 'Simple' }, rnd);
  const doc = [
    {
      Plan: toJson(root),
      Planning: {
        'Shared Hit Blocks': 1200,
        'Shared Read Blocks': 30,
        'Shared Dirtied Blocks': 0,
        'Shared Written Blocks': 0,
      },
      'Planning Time': 250.5,
      Triggers: [],
      'Execution Time': round(root.time + 0.2),
    },
  ];
  return JSON.stringify(doc, null, 2);
}

function seqScan(
  table: string,
  rows: number,
  removed: number,
  loops: number,
  rel: string,
  rnd: () => number,
): SynthNode {
  const perRow = 0.0002 + rnd() * 0.0002;
  const time = (rows + removed) * perRow * loops;
  const pages = Math.max(1, Math.round((rows + removed) / 60));
  const read = Math.round(pages * rnd() * 0.3);
  const fields: Record<string, unknown> = {
    'Node Type': 'Seq Scan',
    'Parent Relationship': rel,
    'Parallel Aware': false,
    'Async Capable': false,
    'Relation Name': table,
    Alias: table,
    'Startup Cost': 0,
    'Total Cost': round(pages + (rows + removed) * 0.0125),
    'Plan Rows': Math.max(1, Math.round(rows * (0.2 + rnd() * 3))),
    'Plan Width': 24,
    'Actual Startup Time': round(perRow * 10),
    'Actual Total Time': round(time / loops),
    'Actual Rows': rows,
    'Actual Loops': loops,
  };
  if (removed > 0) {
    fields['Filter'] = `(recorded_at >= '2024-01-01 00:00:00'::timestamp without time zone)`;
    fields['Rows Removed by Filter'] = removed;
  }
  return { fields, plans: [], time, hit: pages * loops - read, read };
}

function indexScan(
  table: string,
  index: string,
  rowsPerLoop: number,
  loops: number,
  rel: string,
  rnd: () => number,
): SynthNode {
  // A whole number of microseconds: EXPLAIN prints 3 decimals, and × loops would magnify the rounding.
  const perLoop = round(0.002 + rnd() * 0.004);
  const hit = loops * 3;
  const read = Math.round(loops * rnd() * 0.2);
  return {
    fields: {
      'Node Type': 'Index Scan',
      'Parent Relationship': rel,
      'Parallel Aware': false,
      'Async Capable': false,
      'Scan Direction': 'Forward',
      'Index Name': index,
      'Relation Name': table,
      Alias: table,
      'Startup Cost': 0.29,
      'Total Cost': 8.31,
      'Plan Rows': 1,
      'Plan Width': 16,
      'Actual Startup Time': round(perLoop / 2),
      'Actual Total Time': round(perLoop),
      'Actual Rows': rowsPerLoop,
      'Actual Loops': loops,
      'Index Cond': `(id = ${table === 'alarms' ? 's.id' : 'm.sensor_id'})`,
      'Rows Removed by Index Recheck': 0,
    },
    plans: [],
    time: perLoop * loops,
    hit,
    read,
  };
}

function combine(
  type: string,
  rel: string | undefined,
  children: SynthNode[],
  rows: number,
  extra: Record<string, unknown>,
  rnd: () => number,
): SynthNode {
  const own = 0.01 + rnd() * 0.05 + rows * 0.00005;
  const time = children.reduce((s, c) => s + c.time, own);
  const cost = children.reduce((s, c) => s + (c.fields['Total Cost'] as number), rows * 0.01);
  const fields: Record<string, unknown> = { 'Node Type': type };
  if (rel) fields['Parent Relationship'] = rel;
  Object.assign(fields, {
    'Parallel Aware': false,
    'Async Capable': false,
    'Startup Cost': round(cost * 0.9),
    'Total Cost': round(cost),
    'Plan Rows': Math.max(1, Math.round(rows * (0.5 + rnd()))),
    'Plan Width': 32,
    'Actual Startup Time': round(time * 0.9),
    'Actual Total Time': round(time),
    'Actual Rows': rows,
    'Actual Loops': 1,
    ...extra,
  });
  return {
    fields,
    plans: children,
    time,
    hit: children.reduce((s, c) => s + c.hit, 0),
    read: children.reduce((s, c) => s + c.read, 0),
  };
}

function toJson(node: SynthNode): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...node.fields,
    'Shared Hit Blocks': node.hit,
    'Shared Read Blocks': node.read,
    'Shared Dirtied Blocks': 0,
    'Shared Written Blocks': 0,
    'Local Hit Blocks': 0,
    'Local Read Blocks': 0,
    'Local Dirtied Blocks': 0,
    'Local Written Blocks': 0,
    'Temp Read Blocks': 0,
    'Temp Written Blocks': 0,
  };
  if (node.plans.length > 0) out['Plans'] = node.plans.map(toJson);
  return out;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
