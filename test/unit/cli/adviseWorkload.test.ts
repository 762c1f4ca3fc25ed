/**
 * `pg-tuner advise --workload`, run in-process (parseCliArgs → the command): over pg_stat_statements on the real
 * test server (PostgreSQL 15, HypoPG), loaded by a small workload run here, with the statements' values from a
 * folder of copies; and over a folder of .sql files on the embedded demo dataset. Nothing may be left behind.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { WorkloadAdvice } from '../../../src/core/advice/index/adviseWorkload';
import { parseCliArgs } from '../../../src/cli/args';
import { createColours } from '../../../src/cli/colours';
import { adviseWorkloadCommand } from '../../../src/cli/commands/adviseWorkload';
import type { CommandIo } from '../../../src/cli/io';
import { testServer } from '../../helpers/globalServer';
import type { TestServer } from '../../helpers/postgresServer';
import { createDatabase, dropDatabase, indexNames, runSql } from '../../helpers/testDatabase';

const database = `advise_workload_${process.pid}`;

async function advise(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const request = parseCliArgs(['advise', '--workload', ...args], { isTty: false, env: {} });
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    out: (text) => (stdout += text),
    note: (text) => (stderr += `${text}\n`),
    colours: createColours(false),
    signal: new AbortController().signal,
    env: {},
  };
  const code = await adviseWorkloadCommand(request, io);
  return { code, stdout, stderr };
}

/** What a leftover would change: the rows (count and a checksum of every column) and the indexes. */
async function fingerprint(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const rows = await c.query<{ n: string; sum: string }>(
      'SELECT count(*)::text AS n, sum(hashtext(s::text)::bigint)::text AS sum FROM shipments s',
    );
    return `${rows.rows[0].n}/${rows.rows[0].sum}/${(await indexNames(url)).join(',')}`;
  } finally {
    await c.end();
  }
}

describe('pg-tuner advise --workload', function () {
  this.timeout(600_000);
  let server: TestServer;
  let url: string;
  let work: string;

  before(async () => {
    server = await testServer();
    url = await createDatabase(server, database);
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-workload-'));
    await runSql(
      url,
      `CREATE EXTENSION hypopg;
      CREATE EXTENSION pg_stat_statements;
      SELECT setseed(0.5);
      CREATE TABLE shipments (id bigint PRIMARY KEY, customer_id int NOT NULL, state text NOT NULL,
        created_at timestamptz NOT NULL, weight int NOT NULL);
      INSERT INTO shipments SELECT g, 1 + (g::bigint * 7919) % 200, CASE WHEN g % 500 = 0 THEN 'lost' ELSE 'delivered' END,
        timestamptz '2024-01-01' + (g % 700) * interval '1 hour', (random() * 100)::int FROM generate_series(1, 300000) g;
      CREATE INDEX shipments_customer_legacy ON shipments (customer_id);
      ANALYZE shipments;`,
    );
    // The workload pg_stat_statements records: reads with constants (kept as $n), a write, one read never copied.
    const c = new Client({ connectionString: url });
    await c.connect();
    // This database's figures only, without the set-up (the server's other databases keep theirs).
    await c.query(
      'SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)',
    );
    for (let i = 0; i < 5; i++) {
      await c.query(
        `SELECT id, created_at FROM shipments WHERE customer_id = ${40 + i} ORDER BY created_at DESC LIMIT 10`,
      );
      await c.query(`SELECT count(*) FROM shipments WHERE state = 'lost' AND created_at >= '2024-01-20'`);
      await c.query(`SELECT id FROM shipments WHERE weight = ${i} AND created_at < '2024-01-02' LIMIT 3`);
      await c.query(`UPDATE shipments SET weight = weight WHERE id = ${i + 1}`);
    }
    await c.end();
    // The application's copies of the statements, with values (a .sql file and a TypeScript literal).
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(
      join(src, 'reports.sql'),
      "SELECT id, created_at FROM shipments WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 10;\nSELECT count(*) FROM shipments WHERE state = 'lost' AND created_at >= '2024-01-20';\n",
    );
    writeFileSync(join(src, 'touch.ts'), 'export const touch = "UPDATE shipments SET weight = weight WHERE id = 3";\n');
  });

  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await dropDatabase(server, database);
  });

  it('over pg_stat_statements with --allow-what-if: the index set, gains per statement, write cost, redundancy; nothing left behind', async () => {
    const before = await fingerprint(url);
    const r = await advise([
      '--url',
      url,
      '--allow-what-if',
      '--values-from',
      join(work, 'src'),
      '--top',
      '5',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const advice = JSON.parse(r.stdout) as WorkloadAdvice;
    assert.equal(advice.measured, true, r.stdout.slice(0, 3000));
    const byQuery = (pattern: RegExp) => advice.statements.find((s) => pattern.test(s.sql));
    const history = byQuery(/customer_id = 42/);
    const lost = byQuery(/state = 'lost'/);
    const update = byQuery(/^UPDATE/);
    // Values came from the copies; the read without a copy is skipped with the reason, on PostgreSQL 15.
    assert.equal(history?.status, 'measured', JSON.stringify(advice.statements));
    assert.match(history?.valuesFrom ?? '', /reports\.sql:1$/);
    assert.equal(lost?.status, 'measured');
    assert.equal(update?.status, 'write');
    assert.match(update?.valuesFrom ?? '', /touch\.ts:1$/);
    const uncopied = byQuery(/weight = \$1/);
    assert.equal(uncopied?.status, 'skipped');
    assert.match(uncopied?.reason ?? '', /no values .* PostgreSQL 15 cannot plan it generically/);

    // One index per need, each serving its statement with a measured gain.
    const onCustomer = advice.indexes.find((x) => x.candidate.keys[0]?.column === 'customer_id');
    const onLost = advice.indexes.find((x) => x.serves.some((s) => s.statementId === lost?.id));
    assert.ok(onCustomer && onLost, JSON.stringify(advice.indexes.map((x) => x.createSql)));
    assert.notEqual(onCustomer, onLost);
    for (const [x, statement] of [
      [onCustomer, history],
      [onLost, lost],
    ] as const) {
      assert.equal(x.label, 'measured');
      assert.match(x.createSql, /^CREATE INDEX CONCURRENTLY \w+ ON public\.shipments /);
      const served = x.serves.find((s) => s.statementId === statement?.id);
      assert.ok(served?.beforeMs !== undefined && served.afterMs !== undefined, JSON.stringify(x.serves));
      assert.equal(served.method, 'measured');
      assert.ok(served.afterMs < served.beforeMs, JSON.stringify(served));
      assert.ok((x.sizeBytes ?? 0) > 0);
      // The write cost: the UPDATE on the table, timed without and with the index.
      assert.ok(x.writeCost.measured, JSON.stringify(x.writeCost));
      const timing = x.writeCost.timings.find((t) => t.statementId === update?.id);
      assert.ok(timing && timing.beforeMs > 0 && timing.afterMs > 0, JSON.stringify(x.writeCost));
    }
    assert.ok(onCustomer.candidate.keys.length >= 2, onCustomer.createSql);
    assert.deepEqual(
      onCustomer.makesRedundant.map((m) => [m.name, m.dropSql]),
      [['shipments_customer_legacy', 'DROP INDEX CONCURRENTLY public.shipments_customer_legacy;']],
    );
    assert.deepEqual(onLost.makesRedundant, []);
    // Both totals are measured (which is faster is a bench figure, not a test: on this small data it is noise).
    assert.ok(advice.totals && advice.totals.keptMs > 0 && advice.totals.noneMs > 0, JSON.stringify(advice.totals));
    assert.equal(await fingerprint(url), before);

    // The same as text: served statements, write cost and redundancy named.
    const text = await advise(['--url', url, '--allow-what-if', '--values-from', join(work, 'src'), '--top', '10']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Measurement: indexes built and timed together in rolled-back transactions/m);
    assert.match(
      text.stdout,
      /Serves:\n\s+#\d+ SELECT id, created_at FROM shipments WHERE customer_id = 42 .*: [\d.]+ m?s → [\d.]+ m?s \([\d.]+× lower\), measured with the set/,
    );
    assert.match(text.stdout, /Cost on writes:\n\s+#\d+: [\d.]+ m?s → [\d.]+ m?s \([+−][\d.]+ m?s per run\), measured/);
    assert.match(text.stdout, /Makes redundant .*\n\s+shipments_customer_legacy \(.*\): its key \(customer_id\) leads/);
    assert.equal(await fingerprint(url), before);
  });

  it('over pg_stat_statements without --allow-what-if: estimated by HypoPG, labelled, no write cost, as Markdown', async () => {
    const before = await fingerprint(url);
    const r = await advise(['--url', url, '--values-from', join(work, 'src'), '--markdown']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Estimates only: pass --allow-what-if/);
    assert.match(r.stdout, /^# Indexes for the workload on /);
    assert.match(r.stdout, /\*\*Measurement:\*\* estimates only \(the connection is not marked as non-production/);
    assert.match(r.stdout, /^### 1\. `\w+` on shipments \(\*\*estimated only\*\*/m);
    assert.match(r.stdout, /est\. cost [\d,.]+ → [\d,.]+ \([\d.]+× lower\), HypoPG estimate, not measured/);
    assert.match(r.stdout, /not measured: the connection is not marked as non-production/);
    assert.match(r.stdout, /## DDL\n\n```sql\nCREATE INDEX CONCURRENTLY /);
    assert.equal(await fingerprint(url), before);
  });

  it('over a folder of .sql files on the embedded demo: measured set, write cost, DDL skipped', async () => {
    const dir = join(work, 'queries');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'a.sql'),
      "SELECT id, total FROM orders WHERE user_id = 42;\nSELECT count(*) FROM orders WHERE status = 'cancelled' AND created_at >= '2025-12-01';\nSELECT pg_advisory_lock(42);\n",
    );
    writeFileSync(
      join(dir, 'b.sql'),
      "UPDATE orders SET status = 'shipped' WHERE id = 17;\nCREATE INDEX orders_total ON orders (total);\n",
    );
    const r = await advise([dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /embedded demo dataset/);
    const advice = JSON.parse(r.stdout) as WorkloadAdvice;
    assert.equal(advice.where, 'embedded');
    assert.equal(advice.measured, true);
    const ddl = advice.statements.find((s) => /^CREATE INDEX/.test(s.sql));
    assert.equal(ddl?.status, 'skipped');
    assert.match(ddl?.reason ?? '', /a DDL statement/);
    const update = advice.statements.find((s) => /^UPDATE/.test(s.sql));
    assert.match(update?.id ?? '', /b\.sql:1$/);
    // A SELECT that a rollback cannot undo is refused by the safety rules, and only it is left out.
    const lock = advice.statements.find((s) => /pg_advisory_lock/.test(s.sql));
    assert.equal(lock?.status, 'skipped');
    assert.match(lock?.reason ?? '', /^not run: .*pg_advisory_lock\(\)/);
    const onUser = advice.indexes.find((x) => x.candidate.keys[0]?.column === 'user_id');
    const served = onUser?.serves.find((s) => /a\.sql:1$/.test(s.statementId));
    assert.ok(served && served.afterMs! < served.beforeMs!, JSON.stringify(advice.indexes));
    for (const x of advice.indexes) {
      assert.ok(x.writeCost.measured, JSON.stringify(x.writeCost));
      assert.equal(x.writeCost.timings[0]?.statementId, update?.id);
    }
    assert.ok(advice.indexes.length >= 2, JSON.stringify(advice.indexes.map((x) => x.createSql)));
  });

  it('usage: --top and --values-from only over pg_stat_statements, no statement options, and it needs a server', async () => {
    assert.throws(
      () => parseCliArgs(['advise', '--workload', 'q/', '--top', '3'], { isTty: false, env: {} }),
      /--top and --values-from are for a workload from pg_stat_statements/,
    );
    assert.throws(
      () => parseCliArgs(['advise', '--workload', '--param', '1'], { isTty: false, env: {} }),
      /--param is for one statement/,
    );
    assert.throws(
      () => parseCliArgs(['advise', 'SELECT 1', '--top', '3'], { isTty: false, env: {} }),
      /go with --workload/,
    );
    await assert.rejects(advise([]), /reads pg_stat_statements: give a server/);
  });
});
