/**
 * The ORM N+1 finder's thread (src/extension/advice/ormFinderThread.ts): the editor's check gets the advice the
 * finder gives on the caller's thread, while the caller's event loop keeps running (the extension host is not
 * frozen by the TypeScript program). The worker is bundled as scripts/build.mjs does, TypeScript left outside.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { adviseOrmNPlusOne } from '../../../src/core/advice/nPlusOne/findOrmNPlusOne';
import { OrmFinderThread } from '../../../src/extension/advice/ormFinderThread';

const repoRoot = resolve(__dirname, '../../..');
const fixtures = join(repoRoot, 'test/fixtures/nplusone-orm');

describe('ORM N+1 finder thread', () => {
  let dir: string;
  let script: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orm-finder-'));
    script = join(dir, 'ormNPlusOneWorker.js');
    const typescript = require.resolve('typescript');
    await build({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      entryPoints: [join(repoRoot, 'src/extension/advice/ormNPlusOneWorker.ts')],
      outfile: script,
      plugins: [
        {
          name: 'typescript-apart',
          setup: (b) => b.onResolve({ filter: /^typescript$/ }, () => ({ path: typescript, external: true })),
        },
      ],
      logLevel: 'silent',
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the finder’s advice while the caller’s event loop keeps running', async () => {
    const thread = new OrmFinderThread(script);
    try {
      assert.equal(thread.offThread, true);
      for (const name of ['typeormFind.ts', 'prismaFindMany.ts']) {
        const fileName = join(fixtures, name);
        const text = readFileSync(fileName, 'utf8');
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        const advice = await thread.advise(text, fileName);
        clearInterval(timer);
        if (name === 'typeormFind.ts') assert.ok(ticks > 0, 'the event loop ran while the program was built');
        const here = adviseOrmNPlusOne(text, fileName);
        assert.ok(here.length > 0);
        assert.deepEqual(advice, JSON.parse(JSON.stringify(here)));
      }
    } finally {
      thread.dispose();
    }
  });

  it('says the finder runs on the caller’s thread when the worker is not there (tests from source)', () => {
    const thread = new OrmFinderThread(join(dir, 'missing.js'));
    assert.equal(thread.offThread, false);
    thread.dispose();
  });
});
