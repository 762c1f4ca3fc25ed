/**
 * `pg-tuner loops` from the built bundle on the ORM fixtures (test/fixtures/nplusone-orm/, copied into a folder
 * under the repository so that the ORMs' declarations resolve from its node_modules): each loop reported with its
 * ORM and how it was told, the change as a diff or why there is none, in text, --json and --markdown; --apply
 * writes the batching changes, and the next run finds only the loops that got no edit.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopsResult } from '../../../src/cli/commands/loops';
import { buildBundles, repoRoot, runCli } from '../../helpers/cliBundle';

const fixtures = join(repoRoot, 'test', 'fixtures', 'nplusone-orm');

describe('pg-tuner loops: ORM N+1 loops (built bundle)', function () {
  this.timeout(600_000);
  let work: string;
  let relativeWork: string;

  before(() => {
    buildBundles();
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    work = mkdtempSync(join(repoRoot, 'test-artifacts', 'orm-loops-'));
    cpSync(fixtures, work, { recursive: true });
    relativeWork = work.slice(repoRoot.length + 1);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const loopFiles = readdirSync(fixtures).filter((f) => f.endsWith('.ts'));
  const editable = loopFiles.filter((f) => !/NoEdit/.test(f));

  it('--json: every ORM loop, told by its declarations (Prisma by its shape: the fixtures type it locally)', async () => {
    const run = await runCli(['loops', relativeWork, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as LoopsResult;
    assert.equal(result.loops.length, 0, 'no raw SQL here');
    assert.deepEqual(result.ormLoops.map((r) => r.path.split(/[\\/]/).pop()).sort(), [...loopFiles].sort());
    for (const r of result.ormLoops) {
      const name = r.path.split(/[\\/]/).pop() ?? '';
      assert.equal(r.advice.finding.orm, /^[a-z]+/.exec(name)?.[0]);
      assert.equal(r.advice.finding.recognisedBy, name.startsWith('prisma') ? 'syntax' : 'types', name);
      assert.equal(r.advice.edits.length > 0, editable.includes(name), `${name}: ${r.advice.noEditReason ?? ''}`);
    }
  });

  it('text and --markdown: the ORM, the batched query and the diff, or why there is no change', async () => {
    const text = await runCli(['loops', join(relativeWork, 'knexAssign.ts'), join(relativeWork, 'knexNoEditLimit.ts')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ORM: knex, told by its type declarations/);
    assert.match(
      text.stdout,
      /Batched query:\n\s+knex\('orders'\)\.whereIn\("user_id", users\.map\(\(user\) => user\.id\)\)/,
    );
    assert.match(text.stdout, /^\s+\+\s+user\.orders = ordersByUserId\.get\(user\.id\) \?\? \[\];$/m);
    assert.match(text.stdout, /No code change: its \.limit\(\) applies per parent/);
    assert.match(text.stdout, /2 N\+1 loops found in 2 files\./);
    const md = await runCli(['loops', join(relativeWork, 'typeormFind.ts'), '--markdown']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /### `.*typeormFind\.ts:10:\d+` N\+1 queries: TypeORM find/);
    assert.match(md.stdout, /```diff\n[\s\S]*\+import \{ In \} from 'typeorm';/);
  });

  it('--apply batches every loop it can; the next run finds only those it could not change', async () => {
    const before = readFileSync(join(work, 'knexNoEditLimit.ts'), 'utf8');
    const apply = await runCli(['loops', relativeWork, '--apply']);
    assert.equal(apply.code, 0, apply.stderr);
    for (const name of editable)
      assert.match(apply.stdout, new RegExp(`Wrote .*${name.replace('.', '\\.')}: 1 ORM loop batched`), name);
    assert.match(apply.stdout, /Not changed: 3 ORM loop\(s\)/);
    assert.equal(
      readFileSync(join(work, 'knexNoEditLimit.ts'), 'utf8'),
      before,
      'a loop without an edit is left as it is',
    );
    const again = await runCli(['loops', relativeWork, '--json']);
    const result = JSON.parse(again.stdout) as LoopsResult;
    assert.deepEqual(
      result.ormLoops.map((r) => r.path.split(/[\\/]/).pop()).sort(),
      loopFiles.filter((f) => /NoEdit/.test(f)).sort(),
    );
    assert.match(readFileSync(join(work, 'sequelizeFindAll.ts'), 'utf8'), /import \{ Op \} from 'sequelize';/);
  });
});
