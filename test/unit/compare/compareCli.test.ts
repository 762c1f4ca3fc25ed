/** `pg-tuner compare` and `pg-tuner plan --obfuscate` through the built bundle, on real server plans. */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { testServer } from '../../helpers/globalServer';
import { realPlans, type RealPlans } from './realPlans';

const root = resolve(__dirname, '../../..');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pg-tuner compare / plan --obfuscate (built bundle)', function () {
  this.timeout(180_000);
  let work: string;
  let plans: RealPlans;
  let beforePath: string;
  let afterPath: string;

  before(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    plans = await realPlans((await testServer()).url);
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-compare-'));
    beforePath = join(work, 'before.json');
    afterPath = join(work, 'after.json');
    writeFileSync(beforePath, plans.before);
    writeFileSync(afterPath, plans.after);
    writeFileSync(join(work, 'before.txt'), plans.beforeText);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('prints the summary, then the matched nodes aligned with their deltas', () => {
    const r = cli(['compare', beforePath, afterPath]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[1], /^• Execution time .* → .*(faster|slower)/);
    assert.ok(
      lines.some((l) => /^• Merge Join → /.test(l)),
      r.stdout,
    );
    assert.ok(
      lines.some((l) => /^• Spill gone: Sort/.test(l)),
      r.stdout,
    );
    const header = lines.find((l) => /^Before\s+After\s+Match\s+Rows\s+Self time$/.test(l));
    assert.ok(header, r.stdout);
    const matchCol = header.indexOf('Match');
    const scan = lines.find((l) => /^\s*Seq Scan on orders o\s/.test(l));
    assert.ok(scan, r.stdout);
    assert.match(scan.slice(matchCol), /^likely\s+[\d,]+( → [\d,]+)?\s+[\d.]+ ms → [\d.]+ ms$/);
    assert.ok(scan.slice(header.indexOf('After'), matchCol).includes('on orders o'));
    assert.ok(
      lines.some((l) => /^\s*Materialize\s+—\s+only before/.test(l)),
      'unmatched nodes are listed',
    );
    // Every row has its Match column where the header has it.
    for (const l of lines.slice(lines.indexOf(header) + 2).filter((x) => x.trim())) {
      assert.match(l.slice(matchCol), /^(exact|likely|guessed|only before|only after)/, l);
    }
  });

  it('gives the comparison as JSON and as Markdown', () => {
    const j = cli(['compare', beforePath, afterPath, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const data = JSON.parse(j.stdout) as {
      summary: string[];
      comparison: { matches: unknown[]; typeChanges: Array<{ before: string }> };
    };
    assert.ok(data.summary.length >= 3);
    assert.ok(data.comparison.typeChanges.some((t) => t.before === 'Merge Join'));
    const m = cli(['compare', beforePath, afterPath, '--markdown']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^## Plan comparison: /);
    assert.match(m.stdout, /\n- Merge Join → /);
    assert.match(m.stdout, /\n\| Before \| After \| Match \| Rows \| Self time \|\n\|---\|/);
    // A text plan compares with a JSON one.
    const mixed = cli(['compare', join(work, 'before.txt'), afterPath]);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(mixed.stdout, /Merge Join → /);
  });

  it('refuses one file, and both --json and --markdown', () => {
    const one = cli(['compare', beforePath]);
    assert.equal(one.code, 64);
    assert.match(one.stderr, /compare takes two saved plan files/);
    const both = cli(['compare', beforePath, afterPath, '--json', '--markdown']);
    assert.equal(both.code, 64);
    const missing = cli(['compare', beforePath, join(work, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.json/);
  });

  it('prints an obfuscated plan that parses to the same tree', () => {
    for (const file of [beforePath, join(work, 'before.txt')]) {
      const r = cli(['plan', file, '--obfuscate']);
      assert.equal(r.code, 0, r.stderr);
      for (const name of ['orders', 'customers', 'customer_id', 'cmp_shop', 'gift'])
        assert.doesNotMatch(r.stdout, new RegExp(`\\b${name}\\b`));
      const original = parsePlan(file === beforePath ? plans.before : plans.beforeText);
      const shared = parsePlan(r.stdout);
      assert.deepEqual(
        shared.nodes.map((n) => [n.fields['Node Type'], n.parentId, n.fields['Actual Rows'], n.fields['Total Cost']]),
        original.nodes.map((n) => [n.fields['Node Type'], n.parentId, n.fields['Actual Rows'], n.fields['Total Cost']]),
      );
      assert.match(r.stdout, /table_\d+/);
    }
  });
});
