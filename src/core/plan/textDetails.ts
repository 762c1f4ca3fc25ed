/**
 * Text-format detail lines ("Filter: …", "Buffers: shared hit=…", "Sort Method: external merge  Disk: 1234kB")
 * to the keys FORMAT JSON uses for the same facts. A line we don't know keeps its own label as key, which is
 * what EXPLAIN's text output does for most properties anyway.
 */

/** Keys whose JSON value is a list; text joins the items with ", ". */
const LIST_KEYS = new Set(['Sort Key', 'Presorted Key', 'Group Key', 'Output', 'Hash Key', 'Repartition Key']);

/** Applies one "Label: value" detail line to `fields`; false when the line is not of that form. */
export function applyDetail(fields: Record<string, unknown>, line: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9 /()_-]*?):(?:\s+(.*))?$/.exec(line);
  if (!m) return false;
  const label = m[1];
  const value = (m[2] ?? '').trim();
  const special = SPECIAL[label];
  if (special) {
    special(fields, value);
    return true;
  }
  fields[label] = LIST_KEYS.has(label) ? splitList(value) : scalar(value);
  return true;
}

type DetailReader = (fields: Record<string, unknown>, value: string) => void;

const SPECIAL: Record<string, DetailReader> = {
  Buffers: (f, v) => readBuffers(f, v),
  'I/O Timings': (f, v) => readIoTimings(f, v),
  WAL: (f, v) => {
    const names: Record<string, string> = {
      records: 'WAL Records',
      fpi: 'WAL FPI',
      bytes: 'WAL Bytes',
      'buffers full': 'WAL Buffers Full',
    };
    for (const [k, n] of pairs(v)) if (names[k]) f[names[k]] = n;
  },
  'Heap Blocks': (f, v) => {
    const p = new Map(pairs(v));
    f['Exact Heap Blocks'] = p.get('exact') ?? 0;
    f['Lossy Heap Blocks'] = p.get('lossy') ?? 0;
  },
  'Sort Method': (f, v) => {
    // "external merge  Disk: 1234kB" / "quicksort  Memory: 25kB"
    // `\S` before the spaces: a run of spaces is tried once, not from each of its characters.
    const m = /^(.*?\S)\s+(Disk|Memory):\s*(\d+)kB$/.exec(v);
    if (m) {
      f['Sort Method'] = m[1];
      f['Sort Space Used'] = Number(m[3]);
      f['Sort Space Type'] = m[2];
    } else {
      f['Sort Method'] = v;
    }
  },
  Buckets: (f, v) => {
    // "1024 (originally 512)  Batches: 2 (originally 1)  Memory Usage: 9kB"
    const m =
      /^(\d+)(?: \(originally (\d+)\))?\s+Batches: (\d+)(?: \(originally (\d+)\))?\s+Memory Usage: (\d+)kB/.exec(v);
    if (!m) {
      f['Hash Buckets'] = scalar(v);
      return;
    }
    f['Hash Buckets'] = Number(m[1]);
    f['Original Hash Buckets'] = Number(m[2] ?? m[1]);
    f['Hash Batches'] = Number(m[3]);
    f['Original Hash Batches'] = Number(m[4] ?? m[3]);
    f['Peak Memory Usage'] = Number(m[5]);
  },
  // HashAggregate (13+): "Batches: 1  Memory Usage: 24kB" or "Planned Partitions: 4  Batches: 5  Memory Usage: …kB  Disk Usage: …kB"
  Batches: (f, v) => readSpaced(f, `Batches: ${v}`, HASHAGG_NAMES),
  'Planned Partitions': (f, v) => readSpaced(f, `Planned Partitions: ${v}`, HASHAGG_NAMES),
  // Memoize: "Hits: 9  Misses: 1  Evictions: 0  Overflows: 0  Memory Usage: 1kB"
  Hits: (f, v) => readSpaced(f, `Hits: ${v}`, MEMOIZE_NAMES),
  // Materialize, CTE Scan, WindowAgg (17+): "Storage: Memory  Maximum Storage: 17kB"
  Storage: (f, v) => readSpaced(f, `Storage: ${v}`, { Storage: 'Storage', 'Maximum Storage': 'Maximum Storage' }),
};

const HASHAGG_NAMES: Record<string, string> = {
  'Planned Partitions': 'Planned Partitions',
  Batches: 'HashAgg Batches',
  'Memory Usage': 'Peak Memory Usage',
  'Disk Usage': 'Disk Usage',
};
const MEMOIZE_NAMES: Record<string, string> = {
  Hits: 'Cache Hits',
  Misses: 'Cache Misses',
  Evictions: 'Cache Evictions',
  Overflows: 'Cache Overflows',
  'Memory Usage': 'Peak Memory Usage',
};

/** "A: 1  B: 2kB  C: x": items separated by two spaces; kB suffixes dropped (JSON gives kB as numbers). */
function readSpaced(f: Record<string, unknown>, text: string, names: Record<string, string>): void {
  // Two spaces between items, or a tab where an editor turned those spaces into one.
  for (const item of text.split(/\s{2,}|\t/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(item);
    if (!m) continue;
    const key = names[m[1]] ?? m[1];
    f[key] = scalar(m[2].replace(/^(\d+)kB$/, '$1'));
  }
}

/** "shared hit=12 read=3, local hit=1, temp read=5 written=6" → Shared Hit Blocks … */
function readBuffers(f: Record<string, unknown>, v: string): void {
  for (const part of v.split(/,\s*/)) {
    const m = /^(shared|local|temp)\s+(.*)$/.exec(part.trim());
    if (!m) continue;
    const scope = m[1][0].toUpperCase() + m[1].slice(1);
    for (const [k, n] of pairs(m[2])) f[`${scope} ${k[0].toUpperCase()}${k.slice(1)} Blocks`] = n;
  }
}

/**
 * "read=1.2 write=0.5" (≤ 14), "shared read=…, temp write=…" (15, 16), "shared read=…, local read=…" (17+)
 * → I/O Read Time, Local I/O Read Time, Temp I/O Write Time …
 */
function readIoTimings(f: Record<string, unknown>, v: string): void {
  for (const part of v.split(/,\s*/)) {
    const m = /^(?:(shared\/local|shared|local|temp)\s+)?(.*)$/.exec(part.trim()) as RegExpExecArray;
    // "shared" is what 15 and 16 print for their "I/O Read Time" too; 17's "Shared I/O Read Time" can't be
    // told apart in text, and the sum is the same.
    const prefix = m[1] === 'local' ? 'Local ' : m[1] === 'temp' ? 'Temp ' : '';
    for (const [k, n] of pairs(m[2])) {
      if (k === 'read') f[`${prefix}I/O Read Time`] = n;
      else if (k === 'write') f[`${prefix}I/O Write Time`] = n;
    }
  }
}

/** "hit=12 read=3 buffers full=0" → [["hit", 12], ["read", 3], ["buffers full", 0]]. */
function pairs(text: string): Array<[string, number]> {
  // Word by word: a regex for "words=number" tried from every word of a long run without "=" was quadratic.
  const out: Array<[string, number]> = [];
  let words: string[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      words = /^[a-z]+$/.test(token) ? [...words.slice(-3), token] : [];
      continue;
    }
    const key = token.slice(0, eq);
    const number = /^-?[\d.]+/.exec(token.slice(eq + 1));
    if (/^[a-z]+$/.test(key) && number) out.push([[...words, key].join(' '), Number(number[0])]);
    words = [];
  }
  return out;
}

export function scalar(value: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** Splits "a, (b, c), 'x, y'" at top-level commas. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0 && value[i + 1] === ' ') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}
