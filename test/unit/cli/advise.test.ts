/**
 * `pg-tuner advise` from the built bundle (dist/cli.js): on the embedded demo dataset (no --url) and on the
 * real test server (PostgreSQL 15 + HypoPG) in a database of its own, with data from our generator.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import type { IndexAdvice } from '../../../src/core/advice/indexSuggestion';

const root = resolve(__dirname, '../../..');
const bundle = join(root, 'dist/cli.js');
const database = 'advise_cli_test';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { env, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

async function indexNames(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
    return r.rows.map((x) => x.name);
  } finally {
    await c.end();
  }
}

describe('pg-tuner advise (built bundle)', function () {
  this.timeout(240_000);
  let url: string;

  before(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    const s = await testServer();
    const admin = new Client({ connectionString: s.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    url = s.url.replace(/\/[^/]+$/, `/${database}`);
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE EXTENSION hypopg;
        SELECT setseed(0.3);
        CREATE TABLE items (id bigint PRIMARY KEY, code text NOT NULL, qty int NOT NULL);
        INSERT INTO items SELECT g, 'c' || (g % 20000), (random() * 100)::int FROM generate_series(1, 200000) g;
        ANALYZE items;`);
    } finally {
      await c.end();
    }
  });

  it('on the embedded demo (no --url): a measured suggestion with DDL, reasons, figures, plans and rollback', async () => {
    const r = await run(['advise', 'SELECT id, total FROM orders WHERE user_id = 42']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /embedded demo dataset/);
    assert.match(r.stdout, /^1\. orders_user_id\w*_idx on orders \[measured\]$/m);
    assert.match(r.stdout, /^ {3}CREATE INDEX CONCURRENTLY orders_user_id\w*_idx ON public\.orders \(user_id\)[^;]*;$/m);
    assert.match(r.stdout, /Why this column order: 1\. equality on user_id/);
    assert.match(r.stdout, /Estimate: estimated by the planner with the real index/);
    assert.match(r.stdout, /Measured: measured on embedded \(EXPLAIN ANALYZE, median of 3 runs[^)]*\): [\d.]+ m?s → [\d.]+ m?s \([\d.]+× lower\); real size [\d.]+ [kM]B/);
    assert.match(r.stdout, /Plan before: cost [\d,.]+, [\d.]+ m?s: Seq Scan on orders/);
    assert.match(r.stdout, /Plan after: {2}cost [\d,.]+, [\d.]+ m?s: (Bitmap Heap Scan on orders; Bitmap Index Scan using orders_user_id|Index (Only )?Scan using orders_user_id)/);
    assert.match(r.stdout, /Rollback: DROP INDEX CONCURRENTLY public\.orders_user_id\w*_idx;/);
    assert.match(r.stdout, /HypoPG: HypoPG is not installed/);
  });

  it('on a server without --allow-what-if: "estimated only" by HypoPG, nothing built', async () => {
    const r = await run(['advise', "SELECT id, qty FROM items WHERE code = 'c77'", '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--allow-what-if/);
    assert.match(r.stdout, /^1\. items_code\w*_idx on items \[estimated only\]$/m);
    assert.match(r.stdout, /Estimate: estimated with a HypoPG hypothetical index: cost [\d,.]+ → [\d,.]+ \([\d.]+× lower\), the plan uses it/);
    assert.match(r.stdout, /Measured: not measured here \(estimated only\)/);
    assert.match(r.stdout, /Measurement: none \(.*\); figures are estimates only/);
    assert.match(r.stdout, /Rollback: DROP INDEX CONCURRENTLY public\.items_code\w*_idx;/);
    assert.deepEqual(await indexNames(url), ['items_pkey']);
  });

  it('--allow-what-if --json on a server: measured there, from a file, and still nothing left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-tuner-advise-'));
    const file = join(dir, 'q.sql');
    writeFileSync(file, "SELECT id, qty FROM items WHERE code = 'c77';\n");
    const r = await run(['advise', '--file', file, '--url', url, '--allow-what-if', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const advice = JSON.parse(r.stdout) as IndexAdvice;
    const s = advice.suggestions[0];
    assert.ok(s, r.stdout.slice(0, 2000));
    assert.equal(s.label, 'measured');
    assert.equal(s.estimate?.method, 'hypopg');
    assert.ok(s.measurement && s.measurement.where.includes(database) && s.measurement.sizeBytes > 0);
    assert.ok(s.measurement.timeAfterMs < s.measurement.timeBeforeMs);
    assert.match(s.createSql, /^CREATE INDEX CONCURRENTLY items_code\w*_idx ON public\.items \(code\)/);
    assert.equal(advice.hypopg.available, true);
    assert.deepEqual(await indexNames(url), ['items_pkey']);
  });

  it('usage errors exit 64: no statement, an option advise does not take', async () => {
    const none = await run(['advise']);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /advise needs a statement/);
    const wrong = await run(['advise', 'SELECT 1', '--no-analyze']);
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /advise does not take --no-analyze/);
  });
});
