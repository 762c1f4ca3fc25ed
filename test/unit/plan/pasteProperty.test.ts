/**
 * The property pasted plans must have: every text plan in the fixtures, re-indented with tabs (any stop
 * width, whole or mixed line by line, leading only or `unexpand -a`), quoted per line, framed by psql (with
 * its footer in French or German), cut by a terminal, or CRLF'd, reads to the same tree as the plan itself,
 * or is refused with the line named. Never a different tree.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunerError } from '../../../src/core/errors';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import {
  crlf,
  doubleQuoted,
  psqlAligned,
  psqlBorder2,
  seeded,
  singleQuoted,
  terminalCut,
  treeOf,
  unexpand,
} from './pasteVariants';

const fixtures = join(__dirname, '../../fixtures/plans');

/** psql's aligned output back to the plan as EXPLAIN printed it: no header, rule, margin or footer. */
function plainFromPsql(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const rule = lines.findIndex((l) => /^-{3,}$/.test(l.trim()));
  const body: string[] = [];
  for (const l of lines.slice(rule + 1)) {
    if (/^\(\d+ \S+\)$/.test(l.trim()) || l.trim() === '') break;
    body.push(l.slice(1).trimEnd());
  }
  return body.join('\n') + '\n';
}

/** Text plans as EXPLAIN printed them, from every fixture folder that has them. */
function basePlans(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  const add = (dir: string, keep: (f: string) => boolean, plain = (t: string) => t): void => {
    for (const f of readdirSync(join(fixtures, dir)).filter(keep).sort()) {
      out.push({ name: `${dir}/${f}`, text: plain(readFileSync(join(fixtures, dir, f), 'utf8')) });
    }
  };
  add('real', (f) => /^\d\d-[\w-]+\.txt$/.test(f) && !/\.(psql|wrapped)\.txt$/.test(f));
  add('golden', (f) => f.endsWith('-plan.txt'));
  add('pasted', (f) => /^pg18-.*\.text\.txt$/.test(f));
  add('variants', (f) => f.endsWith('.psql.txt'), plainFromPsql);
  add('citus', (f) => f.endsWith('.txt') && !f.endsWith('.psql.txt'));
  add('citus', (f) => f.endsWith('.psql.txt'), plainFromPsql);
  return out;
}

interface Variant {
  kind: string;
  make: (text: string, name: string) => string;
}

const WIDTHS = [2, 3, 4, 5, 6, 7, 8];
const VARIANTS: Variant[] = [
  ...WIDTHS.map((w): Variant => ({ kind: `tabs-${w}`, make: (t) => unexpand(t, w) })),
  ...WIDTHS.map((w): Variant => ({ kind: `tabs-all-${w}`, make: (t) => unexpand(t, w, true) })),
  ...WIDTHS.map((w): Variant => ({
    kind: `tabs-mixed-${w}`,
    make: (t, name) => {
      const random = seeded(name.length * 31 + w);
      return unexpand(t, w, false, () => random() < 0.5);
    },
  })),
  { kind: 'tabs-psql-8', make: (t) => unexpand(psqlAligned(t), 8) },
  {
    // Two editors: some lines converted at 4-column stops, the others at 8.
    kind: 'tabs-two-widths',
    make: (t, name) => {
      const random = seeded(name.length * 7);
      const picks = t.split('\n').map(() => random() < 0.5);
      return unexpand(
        unexpand(t, 4, false, (i) => picks[i]),
        8,
        false,
        (i) => !picks[i],
      );
    },
  },
  // Irregular indentation where only one parent is possible: every detail one column deeper.
  { kind: 'indent-deeper', make: (t) => t.replace(/^( +)(?!->)(?=\S)/gm, ' $1') },
  {
    // A node's first detail moved into its arrow's columns: its node's or its parent's? Must be refused.
    kind: 'indent-into-arrow',
    make: (t) =>
      t.replace(
        /^( *)-> {2}([^\n]*)\n\1 {6}(?!->)(\S)/m,
        (_, pad: string, node: string, c: string) => `${pad}->  ${node}\n${pad}   ${c}`,
      ),
  },
  { kind: 'single-quoted-sql', make: (t) => singleQuoted(t, 'sql') },
  { kind: 'single-quoted-python', make: (t) => singleQuoted(t, 'python') },
  { kind: 'double-quoted', make: (t) => doubleQuoted(t) },
  { kind: 'psql-aligned', make: (t) => psqlAligned(t) },
  { kind: 'psql-lignes', make: (t) => psqlAligned(t, (n) => `(${n} lignes)`) },
  { kind: 'psql-zeilen-crlf', make: (t) => crlf(psqlAligned(t, (n) => `(${n} Zeilen)`)) },
  { kind: 'psql-border2', make: (t) => psqlBorder2(t) },
  { kind: 'terminal-80', make: (t) => terminalCut(psqlAligned(t), 80) },
  { kind: 'terminal-72', make: (t) => terminalCut(t, 72) },
  { kind: 'crlf', make: (t) => crlf(t) },
];

const plans = basePlans();
/** How many variants were read and how many refused, per kind (printed at the end). */
const tally = new Map<string, { read: number; refused: number; examples: string[] }>();

describe('pasted plans: re-indented, quoted, framed or cut, the same tree or refused naming the line', () => {
  it('has text plans from every fixture folder', () => {
    assert.ok(plans.length >= 40, `only ${plans.length}`);
    for (const dir of ['real/', 'golden/', 'pasted/', 'variants/', 'citus/'])
      assert.ok(
        plans.some((p) => p.name.startsWith(dir)),
        dir,
      );
  });

  for (const base of plans) {
    it(base.name, () => {
      const expected = treeOf(parsePlan(base.text));
      for (const variant of VARIANTS) {
        const text = variant.make(base.text, base.name);
        const count = tally.get(variant.kind) ?? { read: 0, refused: 0, examples: [] };
        tally.set(variant.kind, count);
        let got: string[];
        try {
          got = treeOf(parsePlan(text));
        } catch (err) {
          assert.ok(err instanceof TunerError, `${variant.kind}: ${String(err)}`);
          assert.equal(err.reason, 'not-a-plan', variant.kind);
          assert.match(err.message, /^line \d+: /, `${variant.kind}: the refusal names no line: ${err.message}`);
          assert.ok((err.detail.line ?? 0) >= 1, variant.kind);
          count.refused++;
          if (count.examples.length < 3) count.examples.push(`${base.name}: ${err.message.slice(0, 160)}`);
          continue;
        }
        assert.deepEqual(got, expected, `${variant.kind} read a different tree`);
        count.read++;
      }
    });
  }

  it('reads (does not refuse) what only moved, quoted or framed the plan, and tabs at EXPLAIN-exact stops', () => {
    assert.ok((tally.get('indent-into-arrow')?.refused ?? 0) >= 30, 'a line inside an arrow was not refused');
    // One plan may refuse it: Citus prints "Task Count" after a Distributed Subplan, so one column deeper it
    // sits inside that subplan's arrow (its line or the scan's?).
    assert.ok((tally.get('indent-deeper')?.refused ?? 0) <= 1, 'indent-deeper refused plans');
    const mustRead = [
      'single-quoted-sql',
      'single-quoted-python',
      'double-quoted',
      'psql-aligned',
      'psql-lignes',
      'psql-zeilen-crlf',
      'psql-border2',
      'crlf',
      'tabs-8',
      'tabs-4',
      'tabs-2',
      'tabs-psql-8',
      'tabs-mixed-8',
    ];
    const lines = [...tally].map(
      ([kind, c]) => `${kind}: ${c.read} read, ${c.refused} refused${c.examples.map((e) => `\n        ${e}`).join('')}`,
    );
    console.log(`      ${lines.join('\n      ')}`);
    for (const kind of mustRead)
      assert.equal(tally.get(kind)?.refused, 0, `${kind} refused a plan: ${tally.get(kind)?.examples.join('; ')}`);
  });
});
