/**
 * `pg-tuner advise --sample-copy[=share]`: the flag's forms, and the command in process on the real test server
 * (PostgreSQL 15 + HypoPG): the advice says what was copied, the ratio on the sample and how it carries to the
 * full tables (an estimate); nothing is left in the database.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { parseCliArgs, UsageError } from '../../../src/cli/args';
import { createColours } from '../../../src/cli/colours';
import { adviseCommand } from '../../../src/cli/commands/advise';
import type { CommandIo } from '../../../src/cli/io';
import type { IndexAdvice } from '../../../src/core/advice/indexSuggestion';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, runSql } from '../../helpers/testDatabase';

const tty = { isTty: false, env: {} };
const database = 'advise_sample_copy_cli_test';

describe('pg-tuner advise --sample-copy: the flag', () => {
  it('alone means the advisor’s default share, and takes a share or a percentage', () => {
    assert.deepEqual(parseCliArgs(['advise', '--sample-copy', 'SELECT 1'], tty).sampleCopy, { fraction: undefined });
    assert.deepEqual(parseCliArgs(['advise', 'SELECT 1', '--sample-copy'], tty).sampleCopy, { fraction: undefined });
    assert.deepEqual(parseCliArgs(['advise', '--sample-copy=0.05', 'SELECT 1'], tty).sampleCopy, { fraction: 0.05 });
    assert.deepEqual(parseCliArgs(['advise', '--sample-copy=25%', 'SELECT 1'], tty).sampleCopy, { fraction: 0.25 });
    assert.equal(parseCliArgs(['advise', 'SELECT 1'], tty).sampleCopy, undefined);
  });

  it('refuses a share outside (0, 1], other commands and --workload', () => {
    for (const bad of ['--sample-copy=0', '--sample-copy=1.5', '--sample-copy=150%', '--sample-copy=x']) {
      assert.throws(() => parseCliArgs(['advise', bad, 'SELECT 1'], tty), UsageError, bad);
    }
    assert.throws(() => parseCliArgs(['explain', '--sample-copy', 'SELECT 1'], tty), /explain does not take/);
    assert.throws(() => parseCliArgs(['advise', '--workload', '--sample-copy'], tty), /one statement/);
  });
});

describe('pg-tuner advise --sample-copy on a server', function () {
  this.timeout(300_000);
  let url: string;

  before(async () => {
    url = await createDatabase(await testServer(), database);
    await runSql(
      url,
      `CREATE EXTENSION hypopg;
      SET synchronous_commit = on;
      SELECT setseed(0.3);
      CREATE TABLE items (id bigint PRIMARY KEY, code text NOT NULL, qty int NOT NULL);
      INSERT INTO items SELECT g, 'c' || (g % 20000), (random() * 100)::int FROM generate_series(1, 200000) g;
`,
    );
    await runSql(url, 'VACUUM ANALYZE items');
  });

  async function advise(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const request = parseCliArgs(['advise', ...args, '--url', url], tty);
    let stdout = '';
    let stderr = '';
    const io: CommandIo = {
      out: (t) => (stdout += t),
      note: (t) => (stderr += `${t}\n`),
      colours: createColours(false),
      signal: new AbortController().signal,
      env: {},
    };
    const code = await adviseCommand(request, io, {});
    return { code, stdout, stderr };
  }

  it('says what was copied, the ratio there and how it carries, as an estimate; leaves nothing behind', async () => {
    const sql = "SELECT id, qty FROM items WHERE code = 'c77'";
    const r = await advise([sql, '--allow-what-if', '--as-written', '--sample-copy=0.2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1\. items_code\w*_idx on items \[measured\]$/m);
    assert.match(r.stderr, /^copying a 20 % sample of items \(about 200,000 rows\)…$/m);
    assert.match(r.stdout, /CREATE INDEX CONCURRENTLY items_code\w*_idx ON public\.items /);
    assert.match(
      r.stdout,
      /^Sample copy: Built and timed on a 20 % sample copy .*items: [\d,]+ of about 200,000 rows \(\d+ %\), sampled\./m,
    );
    assert.match(r.stdout, /statement took [\d.]+ m?s on the sample and [\d.]+ m?s on the full tables \(timed once/);
    assert.match(r.stdout, /items_code\w*_idx: [\d.,]+× faster on the sample\. If the ratio carries, the full tables/);
    assert.match(r.stdout, /an estimate from the sample, not a measurement there/);
    assert.match(r.stdout, /^Best: .*measured .* on the sample copy$/m);
    assert.match(r.stdout, /Measured: measured on \S+ \(sample copy, 20 %\)/);
    // The DDL and its rollback are for the user's table; the plans measured on the copy name the copy.
    assert.doesNotMatch(
      r.stdout
        .split('\n')
        .filter((l) => /CREATE INDEX|Rollback:/.test(l))
        .join('\n'),
      /pgtuner_sample/,
    );
    assert.match(r.stdout, /Plan after: .* on pgtuner_sample_items items/);

    const json = await advise([sql, '--allow-what-if', '--as-written', '--sample-copy', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const advice = JSON.parse(json.stdout) as IndexAdvice;
    assert.equal(advice.sampleCopy?.fraction, 0.1);
    assert.equal(advice.sampleCopy?.tables[0].method, 'sample');

    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const left = await c.query("SELECT relname FROM pg_class WHERE relname LIKE 'pgtuner\\_sample\\_%'");
      assert.deepEqual(left.rows, []);
      const indexes = await c.query("SELECT indexname FROM pg_indexes WHERE tablename = 'items'");
      assert.deepEqual(
        indexes.rows.map((x: { indexname: string }) => x.indexname),
        ['items_pkey'],
      );
      const rows = await c.query<{ n: string }>('SELECT count(*)::int8 AS n FROM items');
      assert.equal(Number(rows.rows[0].n), 200_000);
    } finally {
      await c.end();
    }
  });

  it('without --allow-what-if nothing is built or copied, and it says so', async () => {
    const r = await advise(["SELECT id, qty FROM items WHERE code = 'c77'", '--as-written', '--sample-copy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--sample-copy goes with --allow-what-if/);
    assert.doesNotMatch(r.stdout, /Sample copy:/);
  });
});
