/** `pg-tuner top` and `pg-tuner health` from the built bundle (dist/cli.js) against the real test server. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { buildBundles, runCli as run } from '../../helpers/cliBundle';
import type { TestServer } from '../../helpers/postgresServer';
import type { HealthResult } from '../../../src/core/health/healthFinding';
import type { TopQueriesResult } from '../../../src/core/workload/topQueries';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import { plantWorkload } from './plantedDatabase';

const dbName = `health_cli_${process.pid}`;

describe('pg-tuner top and health (built bundle)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let url: string;
  let work: string;

  before(async () => {
    buildBundles();
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-health-'));
    server = await testServer();
    url = await createDatabase(server, dbName);
    await plantWorkload(url);
  });

  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await dropDatabase(server, dbName);
  });

  it('top without the extension prints the steps and exits 1', async () => {
    const r = await run(['top', '--url', url]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /pg_stat_statements extension is not created in database "health_cli_\d+"/);
    assert.match(r.stdout, /1\. CREATE EXTENSION pg_stat_statements;/);
  });

  it('top lists the statements by the chosen key, as a table and as JSON', async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE EXTENSION pg_stat_statements');
    for (let i = 0; i < 30; i++) await c.query('SELECT count(*) FROM tags WHERE id < $1', [i]);
    await c.end();
    const text = await run(['top', '--url', url, '--by', 'calls', '--limit', '3']);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.match(lines[0], new RegExp(`^Top 3 of \\d+ statements in ${dbName} by calls \\(pg_stat_statements 1\\.10`));
    assert.match(lines[1], /^\s*#\s+Total\s+Share\s+Calls\s+Mean\s+Rows\s+Reads\s+Temp\s+Statement$/);
    assert.match(lines[2], /^\s*1\s.*\s30\s.*SELECT count\(\*\) FROM tags WHERE id < \$1$/);
    const json = await run(['top', '--url', url, '--by', 'calls', '--json']);
    assert.equal(json.code, 0);
    const result = JSON.parse(json.stdout) as TopQueriesResult;
    assert.equal(result.orderBy, 'calls');
    assert.equal(result.statements[0].calls, 30);
    const bad = await run(['top', '--url', url, '--by', 'speed']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--by takes total, mean, calls, rows, reads, temp, not "speed"/);
  });

  it('health prints the score and findings and writes the Markdown report', async () => {
    const out = join(work, 'health.md');
    const r = await run(['health', '--url', url, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Health of ${dbName}: \\d+ / 100`));
    assert.match(r.stdout, /Foreign key orders_customer_id_fkey on orders \(customer_id\) has no index/);
    assert.match(
      r.stdout,
      /Fix: {6}CREATE INDEX CONCURRENTLY public\.orders_customer_id_idx ON public\.orders \(customer_id\);/,
    );
    assert.match(r.stderr, /Health report written to/);
    const md = readFileSync(out, 'utf8');
    assert.match(md, new RegExp(`^# Health report: ${dbName}`));
    const json = await run(['health', '--url', url, '--json']);
    const result = JSON.parse(json.stdout) as HealthResult;
    assert.equal(result.database, dbName);
    assert.equal(result.checks.length, 12);
    assert.ok(result.findings.some((f) => f.key === 'public.events_kind_idx'));
  });

  it('top and health need a server', async () => {
    const r = await run(['health']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /health reads a server's statistics: pass --url/);
    const help = await run(['--help']);
    assert.match(help.stdout, /pg-tuner top --url/);
    assert.match(help.stdout, /pg-tuner health --url/);
  });
});
