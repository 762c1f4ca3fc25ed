/**
 * The embedded database on a thread of its own (src/core/db/pgliteThread.ts, as the extension runs it): the same
 * answers and the same errors as on the calling thread, while the caller's event loop keeps running during a long
 * load (on the calling thread it stops for the whole load). The worker is the build's dist/pgliteWorker.js, beside
 * the PGlite files and prepared data directory it loads, as in the VSIX.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { buildBundles, repoRoot } from '../../helpers/cliBundle';
import { PgliteSession } from '../../../src/core/db/pgliteSession';
import { prestartEngineOnThread } from '../../../src/core/db/pgliteThread';
import { TunerError } from '../../../src/core/errors';

/** Runs `work` and returns the longest time the event loop went without a 10 ms tick meanwhile, and how long it took. */
async function longestStall(work: () => Promise<unknown>): Promise<{ stallMs: number; tookMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  stallMs = Math.max(stallMs, performance.now() - last);
  return { stallMs, tookMs: performance.now() - started };
}

const heavyLoad =
  'CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 300000) g; CREATE INDEX ON t (h); ANALYZE t';

describe('PGlite on a thread of its own', function () {
  this.timeout(240_000);
  const script = join(repoRoot, 'dist/pgliteWorker.js');

  before(() => buildBundles());

  it('answers as on the calling thread: rows, plans, json as text, and errors with their code and position', async () => {
    const lines: string[] = [];
    const onThread = await PgliteSession.create({ threadScript: script, log: (l) => lines.push(l) });
    const here = await PgliteSession.create();
    try {
      assert.ok(
        lines.some((l) => /PGlite started .* on its own thread in \d+ ms/.test(l)),
        lines.join('\n'),
      );
      for (const s of [onThread, here])
        await s.execute(
          'CREATE TABLE items (id int PRIMARY KEY, code text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 500) g',
        );
      const sql = "SELECT id, code FROM items WHERE code = '42'";
      assert.deepEqual(await onThread.query(sql), await here.query(sql));
      const [a, b] = await Promise.all([onThread, here].map((s) => s.explain({ sql, analyze: false })));
      const shape = (json: string): unknown =>
        (JSON.parse(json) as Array<{ Plan: { 'Node Type': string } }>)[0].Plan['Node Type'];
      assert.equal(typeof a.planJson, 'string', 'EXPLAIN json comes back as text');
      assert.equal(shape(a.planJson), shape(b.planJson));
      const failures = await Promise.all(
        [onThread, here].map((s) =>
          s.query('SELECT id FROM items WHER id = 1').then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      for (const f of failures) assert.ok(f instanceof TunerError, String(f));
      const [ft, fh] = failures as TunerError[];
      assert.equal(ft.message, fh.message);
      assert.equal(ft.reason, fh.reason);
      assert.deepEqual(
        { code: ft.detail.code, offset: ft.detail.offset },
        { code: fh.detail.code, offset: fh.detail.offset },
      );
      assert.equal(ft.detail.code, '42601');
    } finally {
      await onThread.close();
      await here.close();
    }
    await assert.rejects(async () => onThread.query('SELECT 1'), /closed/);
  });

  it('a start ahead of need (while the files are read) is taken by the next session; the one after starts its own', async () => {
    prestartEngineOnThread(script);
    const lines: string[] = [];
    const first = await PgliteSession.create({ threadScript: script, log: (l) => lines.push(l) });
    const second = await PgliteSession.create({ threadScript: script });
    try {
      await first.execute('CREATE TABLE only_in_first (id int)');
      const [{ n }] = await second.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'only_in_first'",
      );
      assert.equal(n, 0, 'two sessions, two databases');
      assert.ok(lines.some((l) => /on its own thread/.test(l)));
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("keeps the caller's event loop running through a long load; on the calling thread it stops for all of it", async () => {
    const onThread = await PgliteSession.create({ threadScript: script });
    const here = await PgliteSession.create();
    try {
      const inThread = await longestStall(() => here.execute(heavyLoad));
      const offThread = await longestStall(() => onThread.execute(heavyLoad));
      // On the calling thread the loop waits for most of the load; on its own thread it keeps ticking.
      assert.ok(
        inThread.stallMs > inThread.tookMs / 2,
        `in-thread: stalled ${inThread.stallMs} of ${inThread.tookMs} ms`,
      );
      assert.ok(
        offThread.stallMs < offThread.tookMs / 4,
        `own thread: stalled ${offThread.stallMs.toFixed(0)} of ${offThread.tookMs.toFixed(0)} ms`,
      );
      const [{ n }] = await onThread.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      assert.equal(n, 300000);
    } finally {
      await onThread.close();
      await here.close();
    }
  });
});
