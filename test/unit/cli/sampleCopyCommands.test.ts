/**
 * `--sample-copy[=share]` where `advise` has it (issue 12 §4): `pg-tuner rewrite --with-index` and `pg-tuner report
 * --advise` take it the same way (same parsing, the same notes as each table's copy starts, the same lines of what
 * the sample says), from the built bundle on the real test server (the dashboard demo: 5,000 users / 50,000
 * orders). Nothing is built on the tables, the rewrite is not measured with its index there, and nothing is left.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseCliArgs, UsageError } from '../../../src/cli/args';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { indexNames } from '../../helpers/testDatabase';
import { dashboardDatabase } from './dashboardDatabase';

const tty = { isTty: false, env: {} };

describe('--sample-copy for rewrite --with-index and report --advise: the flag', () => {
  it('parses as advise parses it', () => {
    const rewrite = (flag: string): unknown =>
      parseCliArgs(['rewrite', flag, '--with-index', '--allow-what-if', 'SELECT 1'], tty).sampleCopy;
    assert.deepEqual(rewrite('--sample-copy'), { fraction: undefined });
    assert.deepEqual(rewrite('--sample-copy=0.05'), { fraction: 0.05 });
    assert.deepEqual(rewrite('--sample-copy=25%'), { fraction: 0.25 });
    const report = (flag: string): unknown =>
      parseCliArgs(['report', 'SELECT 1', '--advise', '--allow-what-if', flag], tty).sampleCopy;
    assert.deepEqual(report('--sample-copy'), { fraction: undefined });
    assert.deepEqual(report('--sample-copy=0.2'), { fraction: 0.2 });
    assert.equal(parseCliArgs(['report', 'SELECT 1', '--advise'], tty).sampleCopy, undefined);
  });

  it('refuses a share outside (0, 1], and the flag where nothing builds an index', () => {
    for (const bad of ['--sample-copy=0', '--sample-copy=1.5', '--sample-copy=x']) {
      assert.throws(() => parseCliArgs(['rewrite', '--with-index', bad, 'SELECT 1'], tty), UsageError, bad);
      assert.throws(() => parseCliArgs(['report', '--advise', bad, 'SELECT 1'], tty), UsageError, bad);
    }
    assert.throws(() => parseCliArgs(['rewrite', '--sample-copy', 'SELECT 1'], tty), /goes with --with-index/);
    assert.throws(() => parseCliArgs(['report', '--sample-copy', 'SELECT 1'], tty), /goes with --advise/);
  });
});

describe('--sample-copy for rewrite --with-index and report --advise (built bundle, test server)', function () {
  this.timeout(600_000);
  let url: string;
  let file: string;
  const env = { PG_TUNER_STATE_DIR: mkdtempSync(join(tmpdir(), 'pg-tuner-sample-cli-state-')) };

  before(async () => {
    buildBundles();
    ({ url, file } = await dashboardDatabase('sample_copy_commands_test'));
  });

  async function copiesLeft(): Promise<string[]> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ relname: string }>(
        "SELECT relname FROM pg_class WHERE relname LIKE 'pgtuner\\_sample\\_%'",
      );
      return r.rows.map((x) => x.relname);
    } finally {
      await c.end();
    }
  }

  /** The copy notes on stderr: users (5,000 rows) whole, a share of orders. */
  function assertCopied(stderr: string, percent: number): void {
    assert.match(stderr, /^copying all of users \(about 5,000 rows\)…$/m);
    assert.match(stderr, new RegExp(`^copying a ${percent} % sample of orders \\(about 50,000 rows\\)…$`, 'm'));
  }

  it('rewrite --with-index: the candidates built on the copies, what the sample says, no rewrite + index on the tables', async () => {
    const r = await runCli(
      ['rewrite', '--file', file, '--url', url, '--with-index', '--allow-what-if', '--sample-copy=0.5'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assertCopied(r.stderr, 50);
    assert.match(
      r.stdout,
      /^Sample copy: Built and timed on a 50 % sample copy .*orders: [\d,]+ of about 50,000 rows \(\d+ %\), sampled; users: 5,000 of about 5,000 rows \(100 %\), copied whole\./m,
    );
    assert.match(r.stdout, /^Sample copy: .*an estimate from the sample, not a measurement there\.$/m);
    assert.match(r.stdout, /^Best: \S+ with .*: measured [\d.]+ m?s → [\d.]+ m?s \([^)]*\) on the sample copy$/m);
    // The four arms would build the index on the tables themselves: not measured, and said why.
    assert.doesNotMatch(r.stdout, /With the index \(measured on/);
    if (!/so no rewrite is measured with an index/.test(r.stderr))
      assert.match(r.stderr, /was measured on a sample copy; the rewrite and the index are not measured together/);
    assert.deepEqual(await indexNames(url), ['orders_pkey', 'users_pkey']);
    assert.deepEqual(await copiesLeft(), []);

    const json = await runCli(
      ['rewrite', '--file', file, '--url', url, '--with-index', '--allow-what-if', '--sample-copy', '--json'],
      { env },
    );
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { sampleCopy?: { fraction: number; tables: Array<{ method: string }> } };
    assert.equal(parsed.sampleCopy?.fraction, 0.1);
    assert.deepEqual(parsed.sampleCopy?.tables.map((t) => t.method).sort(), ['sample', 'whole']);
  });

  it('report --advise: the report’s index section says what the sample says; nothing built on the tables', async () => {
    const r = await runCli(
      ['report', '--file', file, '--url', url, '--advise', '--allow-what-if', '--sample-copy=20%'],
      {
        env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assertCopied(r.stderr, 20);
    assert.match(r.stdout, /^- \*\*Sample copy:\*\* Built and timed on a 20 % sample copy /m);
    assert.match(r.stdout, /orders: [\d,]+ of about 50,000 rows \(\d+ %\), sampled/);
    assert.deepEqual(await indexNames(url), ['orders_pkey', 'users_pkey']);
    assert.deepEqual(await copiesLeft(), []);
  });

  it('on a server without --allow-what-if nothing is copied, and it says so', async () => {
    const r = await runCli(['report', '--file', file, '--url', url, '--advise', '--sample-copy'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--sample-copy goes with --allow-what-if/);
    assert.doesNotMatch(r.stderr, /^copying /m);
    assert.doesNotMatch(r.stdout, /Sample copy:/);
  });
});
