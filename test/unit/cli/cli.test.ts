/**
 * The built CLI bundle (dist/cli.js) run as a user runs it: real arguments, real files, the real test
 * server, and the embedded database started from a copy of dist/ outside the repository, so the bundle
 * must find libpg-query.wasm and PGlite's files beside itself.
 */
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { buildBundles, cliBundle as bundle, repoRoot as root, runCli } from '../../helpers/cliBundle';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';

const fixtures = join(__dirname, 'fixtures');

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

describe('pg-tuner CLI (built bundle)', function () {
  this.timeout(120_000);
  let copyDir: string;
  let copiedBundle: string;
  let url: string;
  let work: string;

  before(async () => {
    buildBundles();
    // A copy of dist/ where no node_modules can be found: what an installed package looks like.
    copyDir = mkdtempSync(join(tmpdir(), 'pg-tuner-dist-'));
    cpSync(join(root, 'dist'), copyDir, { recursive: true });
    copiedBundle = join(copyDir, 'cli.js');
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-cli-'));
    const server = await testServer();
    url = server.url;
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DROP TABLE IF EXISTS cli_events;
        CREATE TABLE cli_events (id bigint PRIMARY KEY, kind int NOT NULL, payload text NOT NULL);
        SELECT setseed(0.5);
        INSERT INTO cli_events SELECT g, (random() * 1000)::int, repeat('x', 40) FROM generate_series(1, 300000) g;
        ANALYZE cli_events;`);
    } finally {
      await client.end();
    }
  });

  after(() => {
    rmSync(copyDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('puts the parser and PGlite files beside the bundle', () => {
    for (const file of ['cli.js', 'libpg-query.wasm', 'pglite.wasm', 'pglite.data']) {
      assert.ok(existsSync(join(root, 'dist', file)), `dist/${file} missing`);
    }
    assert.match(readFileSync(bundle, 'utf8').slice(0, 30), /^#!\/usr\/bin\/env node/);
  });

  it('prints help and exits 64 on a usage error', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /pg-tuner explain/);
    const noSql = await runCli(['explain']);
    assert.equal(noSql.code, 64);
    assert.match(noSql.stderr, /explain needs a statement/);
    assert.match(noSql.stderr, /Usage:/);
    const badSeverity = await runCli(['plan', 'x.json', '--fail-on', 'fatal']);
    assert.equal(badSeverity.code, 64);
    assert.match(badSeverity.stderr, /--fail-on takes info, warning or critical/);
  });

  it('analyses a saved JSON plan: aligned tree, hotspot, footer', async () => {
    const r = await runCli(['plan', join(fixtures, 'dashboard.plan.json')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const scan = lines.find((l) => l.includes('Seq Scan on orders o'));
    assert.ok(scan, r.stdout);
    assert.match(scan, /[├└]─ Seq Scan on orders o/);
    assert.ok(
      lines.some((l) => l.startsWith('#1 ')),
      'the top hotspot is marked #1',
    );
    assert.match(r.stdout, /Hotspots: #1 /);
    assert.match(r.stdout, /From a saved JSON plan/);
    // Columns line up: every node row has its "Excl." figure ending at the same column.
    const header = lines.find((l) => /Node\s+Excl\./.test(l)) ?? '';
    const exclEnd = header.indexOf('Excl.') + 'Excl.'.length;
    for (const l of lines.filter((x) => /\d ms/.test(x) && /[├└]─|Limit/.test(x))) {
      assert.match(l.slice(exclEnd - 2, exclEnd), /s$/, `misaligned: ${l}`);
    }
  });

  it('analyses a psql text plan pasted with its header, and one from stdin', async () => {
    const text = await runCli(['plan', join(fixtures, 'dashboard.psql.txt')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /└─ Seq Scan on users u/);
    assert.match(text.stdout, /From a saved text plan/);
    const stdin = await runCli(['plan', '-', '--json'], {
      input: readFileSync(join(fixtures, 'dashboard.plan.json'), 'utf8'),
    });
    assert.equal(stdin.code, 0, stdin.stderr);
    const parsed = JSON.parse(stdin.stdout) as TuningResult;
    assert.equal(parsed.plan.nodes.length, 7);
  });

  it('explains on a server with --url and prints the tree', async () => {
    const r = await runCli(['explain', '--url', url, 'SELECT count(*) FROM cli_events WHERE kind = 7']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Seq Scan on cli_events/);
    assert.match(r.stdout, /Ran on .*127\.0\.0\.1.*read-only transaction, EXPLAIN ANALYZE/);
    assert.doesNotMatch(r.stdout, /not production timings/);
  });

  it('--json gives a TuningResult with insights; --fail-on warning exits 2 on a selective seq scan of a large table', async () => {
    const sql = 'SELECT * FROM cli_events WHERE kind = 7';
    const json = await runCli(['explain', '--url', url, '--json', sql]);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as TuningResult;
    assert.equal(result.run?.sessionKind, 'server');
    assert.equal(result.plan.analyzed, true);
    assert.ok(result.insights.length > 0, 'a selective seq scan of 300,000 rows must raise an insight');
    assert.ok(
      result.insights.some((i) => i.severity !== 'info'),
      JSON.stringify(result.insights.map((i) => i.ruleId)),
    );
    const failing = await runCli(['explain', '--url', url, '--fail-on', 'warning', sql]);
    assert.equal(failing.code, 2, failing.stderr);
  });

  it('--fail-on warning exits 0 when nothing at or above warning fires; :name parameters take --param', async () => {
    const sql = 'SELECT id, kind FROM cli_events WHERE id = :id';
    const json = await runCli(['explain', '--url', url, '--json', '--param', '42', sql]);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as TuningResult;
    assert.match(result.sql, /id = \$1/);
    assert.ok(result.plan.nodes.some((n) => n.fields['Node Type'] === 'Index Scan'));
    assert.deepEqual(
      result.insights.filter((i) => i.severity !== 'info').map((i) => i.ruleId),
      [],
    );
    const ok = await runCli(['explain', '--url', url, '--fail-on', 'warning', '--param', '42', sql]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('picks one statement of a file with --statement and points at a syntax error with line, column and caret', async () => {
    const file = join(work, 'queries.sql');
    writeFileSync(file, 'SELECT 1;\n\n-- the broken one\nSELECT id\n  FORM cli_events;\n');
    const many = await runCli(['explain', '--url', url, '--file', file]);
    assert.equal(many.code, 64);
    assert.match(many.stderr, /holds 2 statements/);
    const broken = await runCli(['explain', '--url', url, '--file', file, '--statement', '2']);
    assert.equal(broken.code, 1);
    assert.equal(broken.stdout, '');
    assert.match(
      broken.stderr,
      new RegExp(`Syntax error at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+:.*syntax error`),
    );
    const lines = broken.stderr.split('\n');
    const sqlLine = lines.findIndex((l) => l.includes('FORM cli_events'));
    assert.ok(sqlLine >= 0, broken.stderr);
    const caret = lines[sqlLine + 1];
    assert.match(caret, /^\s*\^$/);
    // The caret sits under a character of the statement, inside the echoed line.
    assert.ok(caret.length <= lines[sqlLine].length, broken.stderr);
  });

  it('names host and port when the server cannot be reached', async () => {
    const port = await freePort();
    const r = await runCli(['explain', '--url', `postgres://nobody:secret@127.0.0.1:${port}/none`, 'SELECT 1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.stderr, /secret/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('refuses a file that is not a plan, naming the line, and an empty file', async () => {
    const notPlan = await runCli(['plan', join(fixtures, 'not-a-plan.json')]);
    assert.equal(notPlan.code, 1);
    assert.match(notPlan.stderr, /not-a-plan\.json is not an EXPLAIN plan/);
    assert.match(notPlan.stderr, /line \d+/);
    const truncated = await runCli(['plan', join(fixtures, 'truncated.psql.txt')]);
    assert.equal(truncated.code, 1, truncated.stdout);
    assert.match(truncated.stderr, /line \d+/);
    const empty = await runCli(['plan', join(fixtures, 'empty.json')]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty\.json is empty/);
    const emptySql = join(work, 'empty.sql');
    writeFileSync(emptySql, '-- nothing here\n');
    const noStatement = await runCli(['explain', '--url', url, '--file', emptySql]);
    assert.equal(noStatement.code, 1);
    assert.match(noStatement.stderr, /empty\.sql is empty/);
  });

  it('stops reading binary or endless input with a message, and reads a plan saved as UTF-16 (PowerShell)', async () => {
    // Before: `plan /dev/zero` grew to 14.5 GB until the system killed it.
    const zero = await runCli(['plan', '/dev/zero']);
    assert.equal(zero.code, 1, zero.stdout);
    assert.match(zero.stderr, /\/dev\/zero holds binary data \(a NUL byte\), not text/);
    const big = join(work, 'big.txt');
    writeFileSync(big, Buffer.alloc(257 * 1024 * 1024, 'x'));
    const tooBig = await runCli(['plan', big]);
    rmSync(big);
    assert.equal(tooBig.code, 1, tooBig.stdout);
    assert.match(tooBig.stderr, /big\.txt is larger than 256 MB/);
    const utf16 = join(work, 'plan-utf16.txt');
    const text = readFileSync(join(fixtures, 'dashboard.psql.txt'), 'utf8');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const read = await runCli(['plan', utf16, '--json']);
    assert.equal(read.code, 0, read.stderr);
    const plain = await runCli(['plan', join(fixtures, 'dashboard.psql.txt'), '--json']);
    const plan = (out: string): unknown => (JSON.parse(out) as { plan?: unknown }).plan;
    assert.ok(plan(plain.stdout));
    assert.deepEqual(plan(read.stdout), plan(plain.stdout));
  });

  it('writes a Markdown report of a saved plan to --out, with a before/after table from --baseline', async () => {
    const out = join(work, 'report.md');
    const reportDir = join(__dirname, '../report/fixtures');
    const r = await runCli([
      'report',
      '--plan',
      join(reportDir, 'dashboard-rewrite.plan.json'),
      '--sql-file',
      join(reportDir, 'dashboard-rewrite.sql'),
      '--baseline',
      join(reportDir, 'dashboard.plan.json'),
      '--out',
      out,
      '--title',
      'Dashboard rewrite',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const md = readFileSync(out, 'utf8');
    assert.match(md, /^# Dashboard rewrite\n/);
    for (const heading of [
      '## Query',
      '## Plan summary',
      '## Hotspots',
      '## Insights',
      '## Before / after: ',
      '## Plan',
    ]) {
      assert.ok(md.includes(heading), heading);
    }
    assert.match(md, /\| Execution time \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+× (lower|higher) \|/);
  });

  it('runs the demo from a copy of dist/: tree with the hotspot and the LEFT JOIN finding, embedded note, then the fix', async function () {
    // Loading, explaining, then both advisors timing their forms on the embedded database.
    this.timeout(300_000);
    const r = await runCli(['demo'], { bundle: copiedBundle, cwd: copyDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Seq Scan on orders o/);
    assert.match(r.stdout, /^#1 /m);
    assert.match(r.stdout, /Hotspots: #1 /);
    assert.match(r.stdout, /LEFT JOIN/i);
    assert.match(r.stdout, /left-join/);
    assert.match(r.stdout, /not production timings/);
    assert.match(r.stdout, /Ran on embedded PostgreSQL/);
    // Then the fix the advisors find by themselves: the aggregate-first rewrite, proven on the demo's rows, and
    // measured with the index advisor's pick for it (or why there is none).
    const fix = r.stdout.slice(r.stdout.indexOf('The fix (found by the advisors'));
    assert.ok(fix.length > 0 && r.stdout.includes('The fix (found by the advisors'), 'the fix section');
    assert.match(
      fix,
      /^Rewrite: Aggregate orders first and push ORDER BY … LIMIT into it — alone [\d.]+ m?s → [\d.]+ m?s \([\d.]+× (lower|higher)\), faster beyond noise: (yes|no)$/m,
    );
    assert.match(fix, /Equivalence: equivalent: .*100 = 100 rows; same rows in the same order/);
    assert.match(fix, /Finding: WHERE o\.created_at >= '2024-01-01' is never true for the NULL-extended rows/);
    // No foreign key from orders to users: the cut before the join keeps only orders whose user exists.
    assert.match(fix, /AND o\.user_id IN \(SELECT u_wanted\.id FROM users AS u_wanted\)/);
    assert.doesNotMatch(fix, /Caveat: The LIMIT is applied before the join/);
    assert.match(
      fix,
      /CREATE INDEX CONCURRENTLY \w+ ON public\.orders \(user_id\)[^\n]*;\n[\s\S]*rewrite \+ index +[\d.]+ ms|Index: the index advisor found none that makes this form faster on this data\./,
    );
    assert.match(fix, /SQL:\n\s+SELECT\n[\s\S]*GROUP BY\n\s+o\.user_id/);
  });

  it('parses SQL with the bundled parser from the copy (syntax error before any database)', async () => {
    const r = await runCli(['explain', '--embedded', 'SELEC 1'], { bundle: copiedBundle, cwd: copyDir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Syntax error at line 1, column 1:/);
    assert.match(r.stderr, /\n {2}SELEC 1\n {2}\^/);
  });
});
