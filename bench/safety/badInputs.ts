/**
 * Bad and hostile plan inputs through parsePlan and the analysis (analysePlanText: rules, report), each in a
 * child process with a time bound: text, JSON, YAML and XML plans truncated, garbled, re-indented, quoted,
 * framed; deep, wide, huge names; binary junk; runs of spaces, digits and tags that used to take quadratic time;
 * a 100 MB text plan. Counts crashes (an exception other than our TunerError refusal, or the child dying) and
 * hangs (the time bound passed; the child is killed and the next input goes to a fresh one).
 *
 * `measureBadInputs()` is called by bench/safety/run.ts; `npx tsx bench/safety/badInputs.ts` runs it alone.
 * The child is this file started with `--child`: both sides build the same case list, only indexes travel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Deterministic (mulberry32): the same cases in the parent and the child.
import { seeded } from '../../test/unit/plan/pasteVariants';

export interface BadInputFigures {
  tried: number;
  crashes: string[];
  hangs: string[];
  largest: { bytes: number; ms: number; peakMB: number; what: string };
}

interface BadCase {
  what: string;
  make: () => string;
  /** Run in a child of its own, so that its peak memory is its own. */
  fresh?: boolean;
  timeoutMs?: number;
}

const TIMEOUT_MS = 20_000;
const fixtures = join(__dirname, '../../test/fixtures/plans');
const fixture = (path: string): string => readFileSync(join(fixtures, path), 'utf8');

function junk(bytes: number, seed: number): string {
  const random = seeded(seed);
  let out = '';
  for (let i = 0; i < bytes; i++) out += String.fromCharCode(Math.floor(random() * 256));
  return out;
}

function deepText(levels: number, leaf = 'Seq Scan on t'): string {
  const line = (name: string): string =>
    `${name}  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)`;
  const lines = [line('Limit')];
  for (let d = 1; d < levels; d++) {
    const pad = ' '.repeat(6 * d - 4);
    lines.push(`${pad}->  ${line('Limit')}`, `${pad}      Buffers: shared hit=1`);
  }
  lines.push(`${' '.repeat(6 * levels - 4)}->  ${line(leaf)}`);
  return lines.join('\n') + '\n';
}

function deepJson(levels: number): string {
  const node =
    '{"Node Type": "Limit", "Total Cost": 1, "Plan Rows": 1, "Actual Rows": 1, "Actual Loops": 1, "Actual Total Time": 1, "Plans": [';
  return `[{"Plan": ${node.repeat(levels)}{"Node Type": "Seq Scan", "Relation Name": "t"}${']}'.repeat(levels)}, "Execution Time": 1}]`;
}

function deepYaml(levels: number): string {
  const lines = ['- Plan: '];
  let pad = '    ';
  for (let d = 0; d < levels; d++) {
    lines.push(`${pad}Node Type: "Limit"`, `${pad}Plans: `);
    pad += '  ';
    lines.push(`${pad}- Node Type: "Limit"`);
    pad += '  ';
  }
  return lines.join('\n') + '\n';
}

function deepXml(levels: number): string {
  const open = '<Plan><Node-Type>Limit</Node-Type><Plans>';
  return `<explain xmlns="http://www.postgresql.org/2009/explain"><Query>${open.repeat(levels)}<Plan><Node-Type>Seq Scan</Node-Type></Plan>${'</Plans></Plan>'.repeat(levels)}</Query></explain>`;
}

function wideText(children: number): string {
  const lines = ['Append  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)'];
  for (let i = 0; i < children; i++)
    lines.push(
      `  ->  Seq Scan on t${i}  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)`,
      `        Filter: (a = ${i})`,
    );
  return lines.join('\n') + '\n';
}

/** About `bytes` of a valid text plan: many scans under an Append, each with details. */
function hugeText(bytes: number): string {
  const parts: string[] = ['Append  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)\n'];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const p = `  ->  Seq Scan on table_${i} t${i}  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..1.000 rows=1 loops=1)\n        Filter: ((a = ${i}) AND (b <> 'x'::text))\n        Rows Removed by Filter: ${i}\n        Buffers: shared hit=${i} read=1\n`;
    parts.push(p);
    size += p.length;
  }
  return parts.join('');
}

/** GNU unexpand of leading blanks at `width`. */
function tabbed(text: string, width: number): string {
  return text
    .split('\n')
    .map((l) => {
      const n = l.length - l.trimStart().length;
      return '\t'.repeat(Math.floor(n / width)) + ' '.repeat(n % width) + l.trimStart();
    })
    .join('\n');
}

/** The cases, in a fixed order. */
export function badInputCases(): BadCase[] {
  const cases: BadCase[] = [];
  const add = (what: string, make: () => string, extra: Partial<BadCase> = {}): void => {
    cases.push({ what, make, ...extra });
  };
  const bases: Array<[string, string]> = [
    ['text hash join', 'real/06-hash-join.txt'],
    ['text parallel', 'real/13-parallel-gather.txt'],
    ['text cte', 'real/16-cte-materialized.txt'],
    ['json nested loop', 'real/08-nested-loop.json'],
    ['json parallel', 'real/13-parallel-gather.json'],
    ['yaml agg', 'pasted/pg18-agg.yaml'],
    ['xml cte', 'pasted/pg18-cte-subplan.xml'],
    ['psql border2', 'pasted/pg15-agg.psql-border2.txt'],
    ['server log', 'pasted/pg15-agg.server-log.text.log'],
    ['citus', 'citus/citus-distributed-subplan.txt'],
  ];
  for (const [name, path] of bases) {
    // Truncated at 9 points.
    for (let k = 1; k <= 9; k++)
      add(`${name}: cut at ${k * 10}%`, () => {
        const t = fixture(path);
        return t.slice(0, Math.floor((t.length * k) / 10));
      });
    // Garbled: random bytes replaced, lines dropped, lines repeated, binary inserted.
    add(`${name}: 1% of characters replaced`, () => {
      const random = seeded(name.length);
      return [...fixture(path)]
        .map((c) => (random() < 0.01 ? String.fromCharCode(Math.floor(random() * 0x3000)) : c))
        .join('');
    });
    add(`${name}: every third line dropped`, () =>
      fixture(path)
        .split('\n')
        .filter((_, i) => i % 3 !== 1)
        .join('\n'),
    );
    add(`${name}: lines repeated`, () =>
      fixture(path)
        .split('\n')
        .flatMap((l) => [l, l])
        .join('\n'),
    );
    add(`${name}: binary junk in the middle`, () => {
      const t = fixture(path);
      return t.slice(0, t.length >> 1) + junk(4096, 7) + t.slice(t.length >> 1);
    });
    add(`${name}: NUL bytes`, () => fixture(path).replace(/ /g, '\0'));
    // Pasted variants.
    for (const w of [2, 4, 8]) add(`${name}: tabs at ${w}`, () => tabbed(fixture(path), w));
    add(`${name}: tabs at 4 and 8 mixed`, () =>
      fixture(path)
        .split('\n')
        .map((l, i) => tabbed(l, i % 2 ? 4 : 8))
        .join('\n'),
    );
    add(`${name}: single-quoted lines`, () =>
      fixture(path)
        .split('\n')
        .map((l) => `'${l.replace(/'/g, "''")}'`)
        .join('\n'),
    );
    add(`${name}: double-quoted lines`, () =>
      fixture(path)
        .split('\n')
        .map((l) => `"${l.replace(/"/g, '""')}"`)
        .join('\n'),
    );
    add(`${name}: CRLF and BOM`, () => '\uFEFF' + fixture(path).replace(/\n/g, '\r\n'));
    add(`${name}: terminal cut at 37`, () =>
      fixture(path)
        .split('\n')
        .flatMap((l) => l.match(/.{1,37}/g) ?? [''])
        .join('\n'),
    );
    add(`${name}: every line indented 10,000 more`, () =>
      fixture(path)
        .split('\n')
        .map((l) => ' '.repeat(10_000) + l)
        .join('\n'),
    );
  }
  // Runs that used to be scanned from each of their characters.
  const spaces = ' '.repeat(200_000);
  add(
    '200 KB of spaces inside a detail',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Filter:${spaces}x\n`,
  );
  add('200 KB of spaces before the figures', () => `Seq Scan on t${spaces}(cost=0.00..1.00 rows=1 width=4)\n`);
  add('200 KB of spaces after a node line', () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)${spaces}x\n`);
  add('200 KB of spaces as a line', () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n${spaces}x\n`);
  add(
    '200 KB of spaces in Sort Method',
    () =>
      `Sort  (cost=1.00..1.00 rows=1 width=4)\n  Sort Method: a${spaces}b\n  ->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n`,
  );
  add(
    '200 KB of spaces then +',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)${spaces}+\n  Filter: x${spaces}+\n`,
  );
  add('200 KB of spaces, one line', () => spaces);
  add('200 KB of dashes then x', () => `${'-'.repeat(200_000)}x\nSeq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n`);
  add('200 KB of digits and dots in cost', () => `Seq Scan on t  (cost=0.${'1.'.repeat(100_000)}\n`);
  add('100,000 "(cost" without ")"', () => `Seq Scan on t  ${'(cost'.repeat(100_000)}\n`);
  add(
    '100,000 unclosed XML tags',
    () => `<explain xmlns="http://www.postgresql.org/2009/explain">${'<a'.repeat(100_000)}`,
  );
  add(
    '100,000 XML comments never closed',
    () => `<explain xmlns="http://www.postgresql.org/2009/explain">${'<!--'.repeat(100_000)}`,
  );
  add(
    'Buffers with 100,000 words',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Buffers: shared ${'a '.repeat(100_000)}\n`,
  );
  add(
    'Settings with a 200 KB name',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\nSettings: ${'a'.repeat(200_000)}\n`,
  );
  add(
    'JIT Timing with a 200 KB word',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\nJIT:\n  Timing: ${'a'.repeat(200_000)}\n`,
  );
  add(
    'Trigger line with 50,000 ": "',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\nTrigger ${'a: '.repeat(50_000)}\n`,
  );
  add('log line with 100,000 LOG:', () => `${'LOG:  '.repeat(100_000)}duration: 1 ms plan:\n`);
  add('YAML key of 200 KB', () => `- Plan: \n    ${'a'.repeat(200_000)}\n`);
  add('JSON rule of 200 KB dashes', () => `QUERY PLAN\n${'-'.repeat(200_000)}x\n[{"Plan": {"Node Type": "Result"}}]\n`);
  add('pgAdmin cell of 200 KB quotes', () => `"${'""'.repeat(100_000)}x\n`);
  // Deep, wide, huge names.
  add('text plan 2,000 levels deep (12 MB)', () => deepText(2000));
  // Deeper text plans are bigger than a string can be: EXPLAIN indents 6 columns a level (4,000 ≈ 96 MB).
  add('text plan 4,000 levels deep (96 MB)', () => deepText(4000), { timeoutMs: 60_000 });
  add('JSON plan 10,000 levels deep', () => deepJson(10_000));
  add('JSON plan 100,000 levels deep', () => deepJson(100_000));
  add('JSON nested arrays 1,000,000 deep', () => '['.repeat(1_000_000) + ']'.repeat(1_000_000));
  add('YAML plan 5,000 levels deep (150 MB)', () => deepYaml(5000), { timeoutMs: 60_000 });
  add('YAML plan 1,000 levels deep', () => deepYaml(1000));
  add('XML plan 10,000 levels deep', () => deepXml(10_000));
  add('XML plan 100,000 levels deep', () => deepXml(100_000));
  add('text plan 100,000 children wide', () => wideText(100_000));
  add('relation name of 10 MB', () => `Seq Scan on ${'r'.repeat(10_000_000)}  (cost=0.00..1.00 rows=1 width=4)\n`);
  add(
    'JSON relation name of 10 MB',
    () => `[{"Plan": {"Node Type": "Seq Scan", "Relation Name": "${'r'.repeat(10_000_000)}"}}]`,
  );
  add(
    'Filter of 10 MB',
    () => `Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  Filter: (${'a = 1 AND '.repeat(1_000_000)}true)\n`,
  );
  add('node type of 1 MB', () => `->  ${'X'.repeat(1_000_000)}  (cost=0.00..1.00 rows=1 width=4)\n`);
  // Junk.
  for (let i = 0; i < 10; i++) add(`binary junk ${i + 1} (64 KB)`, () => junk(65_536, i + 1));
  add('binary junk 4 MB', () => junk(4_000_000, 99));
  add('empty', () => '');
  add('BOM only', () => '\uFEFF');
  add('whitespace only', () => ' \t\r\n'.repeat(1000));
  add('NUL only', () => '\0'.repeat(100_000));
  add('unpaired surrogates', () => '\uD800'.repeat(10_000));
  add('a million newlines', () => '\n'.repeat(1_000_000));
  add('a million ->', () => '->  '.repeat(1_000_000));
  add(
    'JSON with numbers as strings',
    () => '[{"Plan": {"Node Type": "Seq Scan", "Actual Rows": "1e308", "Actual Loops": "-1", "Total Cost": "NaN"}}]',
  );
  add('JSON with a Plan that is a string', () => '[{"Plan": "Seq Scan"}]');
  add('JSON with Plans as an object', () => '[{"Plan": {"Node Type": "Limit", "Plans": {"Node Type": "Seq Scan"}}}]');
  add(
    'JSON 1e400 times',
    () => '[{"Plan": {"Node Type": "Seq Scan", "Actual Total Time": 1e400, "Actual Loops": 1e400}}]',
  );
  add('100 MB of spaces', () => ' '.repeat(100_000_000), { timeoutMs: 120_000 });
  // Last and alone: the largest valid plan, for its time and peak memory.
  add('100 MB text plan', () => hugeText(100_000_000), { fresh: true, timeoutMs: 180_000 });
  return cases;
}

type ToChild = { index: number };
type FromChild =
  | { index: number; outcome: 'ok' | 'refused'; ms: number; bytes: number; peakMB: number }
  | { index: number; outcome: 'crash'; message: string };

export async function measureBadInputs(): Promise<BadInputFigures> {
  const cases = badInputCases();
  const crashes: string[] = [];
  const hangs: string[] = [];
  let largest: BadInputFigures['largest'] = { bytes: 0, ms: 0, peakMB: 0, what: '' };
  let child: ChildProcess | undefined;
  const start = (): ChildProcess => {
    const execArgv = process.execArgv.some((a) => a.includes('tsx'))
      ? process.execArgv
      : [...process.execArgv, '--import', 'tsx'];
    return fork(__filename, ['--child'], {
      execArgv: [...execArgv, '--max-old-space-size=4096'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
  };
  for (let index = 0; index < cases.length; index++) {
    const c = cases[index];
    if (c.fresh && child) {
      child.kill('SIGKILL');
      child = undefined;
    }
    child ??= start();
    const running = child;
    const result = await new Promise<FromChild | 'hang' | 'died'>((resolve) => {
      const timer = setTimeout(() => resolve('hang'), c.timeoutMs ?? TIMEOUT_MS);
      const onMessage = (m: FromChild): void => {
        if (m.index !== index) return;
        clearTimeout(timer);
        running.off('exit', onExit);
        running.off('message', onMessage);
        resolve(m);
      };
      const onExit = (): void => {
        clearTimeout(timer);
        running.off('message', onMessage);
        resolve('died');
      };
      running.on('message', onMessage);
      running.once('exit', onExit);
      running.send({ index } satisfies ToChild);
    });
    if (result === 'hang' || result === 'died') {
      running.kill('SIGKILL');
      child = undefined;
      (result === 'hang' ? hangs : crashes).push(result === 'hang' ? c.what : `${c.what}: the process died`);
      continue;
    }
    if (result.outcome === 'crash') crashes.push(`${c.what}: ${result.message}`);
    else if (result.bytes > largest.bytes)
      largest = { bytes: result.bytes, ms: result.ms, peakMB: result.peakMB, what: c.what };
  }
  child?.kill('SIGKILL');
  return { tried: cases.length, crashes, hangs, largest };
}

/** The child: runs the cases it is sent, one at a time, and says how each ended. */
async function childMain(): Promise<void> {
  const { TunerError } = await import('../../src/core/errors');
  const { analysePlanText } = await import('../../src/core/pipeline/explainAndOptimize');
  const cases = badInputCases();
  process.on('message', (m: ToChild) => {
    void (async () => {
      const c = cases[m.index];
      let text = '';
      const t0 = performance.now();
      try {
        text = c.make();
        await analysePlanText(text);
        reply({
          index: m.index,
          outcome: 'ok',
          ms: performance.now() - t0,
          bytes: text.length,
          peakMB: process.resourceUsage().maxRSS / 1024,
        });
      } catch (err) {
        if (err instanceof TunerError) {
          reply({
            index: m.index,
            outcome: 'refused',
            ms: performance.now() - t0,
            bytes: text.length,
            peakMB: process.resourceUsage().maxRSS / 1024,
          });
        } else {
          reply({
            index: m.index,
            outcome: 'crash',
            message: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err),
          });
        }
      }
    })();
  });
}

function reply(m: FromChild): void {
  process.send?.(m);
}

if (process.argv.includes('--child')) {
  void childMain();
} else if (require.main === module) {
  void measureBadInputs().then((f) => {
    console.log(`bad inputs tried: ${f.tried}; crashes: ${f.crashes.length}; hangs: ${f.hangs.length}`);
    for (const c of f.crashes) console.log(`  crash: ${c}`);
    for (const h of f.hangs) console.log(`  hang: ${h}`);
    console.log(
      `largest read: ${f.largest.what}, ${(f.largest.bytes / 1e6).toFixed(1)} MB in ${Math.round(f.largest.ms)} ms, peak ${Math.round(f.largest.peakMB)} MB`,
    );
  });
}
