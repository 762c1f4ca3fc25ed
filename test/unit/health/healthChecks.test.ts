/**
 * The health checks against a database planted by plantedDatabase.ts on the real PostgreSQL 15 test server:
 * each check finds exactly what was planted and nothing else.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import type { TestServer } from '../../helpers/postgresServer';
import { PgSession } from '../../../src/core/db/pgSession';
import type { HealthCheckId, HealthResult } from '../../../src/core/health/healthFinding';
import { renderHealthReport } from '../../../src/core/health/healthReport';
import { healthChecks } from '../../../src/core/health/healthChecks';
import { runHealthChecks } from '../../../src/core/health/runHealthChecks';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import { plantWorkload, planted } from './plantedDatabase';

const dbName = `health_checks_${process.pid}`;

function keys(result: HealthResult, id: HealthCheckId): string[] {
  const check = result.checks.find((c) => c.id === id);
  assert.ok(check, `check ${id} ran`);
  return check.findings.map((f) => f.key).sort();
}

async function waitForStats(url: string): Promise<void> {
  // A finished backend flushes its statistics as it exits; wait until they are visible.
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 50; i++) {
      const r = await c.query<{ n: string }>(
        "SELECT (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'readings') * (SELECT temp_files FROM pg_stat_database WHERE datname = current_database()) AS n",
      );
      if (Number(r.rows[0].n) > 0) return;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    throw new Error('workload statistics never became visible');
  } finally {
    await c.end();
  }
}

describe('health checks (real server, planted database)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let url: string;
  let session: PgSession;
  let result: HealthResult;
  let idle: Client;
  let sleeper: Client;
  let sleeping: Promise<unknown>;
  let idlePid: number;
  let sleeperPid: number;

  before(async () => {
    server = await testServer();
    url = await createDatabase(server, dbName);
    await plantWorkload(url);
    await waitForStats(url);
    // Planted: one session idle in a transaction and one running a long statement (thresholds 1 s below).
    idle = new Client({ connectionString: url });
    await idle.connect();
    idlePid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    sleeper = new Client({ connectionString: url });
    await sleeper.connect();
    sleeperPid = (await sleeper.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    sleeping = sleeper.query('SELECT pg_sleep(30)').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1300));
    session = await PgSession.connect({ connectionString: url });
    result = await runHealthChecks(session, { thresholds: { idleInTransactionSeconds: 1, longRunningSeconds: 1 } });
  });

  after(async () => {
    await session?.close();
    if (sleeper) {
      const c = new Client({ connectionString: server.url });
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [sleeperPid]);
      await c.end();
      await sleeping;
      await sleeper.end();
    }
    await idle?.query('ROLLBACK').catch(() => undefined);
    await idle?.end();
    await dropDatabase(server, dbName);
  });

  it('runs every check, none skipped, in report order', () => {
    assert.deepEqual(
      result.checks.map((c) => c.id),
      healthChecks.map((c) => c.id),
    );
    assert.deepEqual(
      result.checks.filter((c) => c.status === 'skipped').map((c) => c.id),
      [],
    );
    assert.equal(result.database, dbName);
    assert.equal(
      healthChecks.reduce((sum, c) => sum + c.weight, 0),
      100,
    );
  });

  it('finds the unindexed foreign key, not the two-column one indexed in the other order', () => {
    assert.deepEqual(keys(result, 'unindexed-foreign-key'), [`public.orders.${planted.unindexedForeignKey}`]);
    const f = result.checks.find((c) => c.id === 'unindexed-foreign-key')!.findings[0];
    assert.equal(f.fix?.ddl, 'CREATE INDEX CONCURRENTLY public.orders_customer_id_idx ON public.orders (customer_id);');
    assert.equal(f.fix?.rollback, 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx;');
    assert.equal(f.severity, 'warning'); // 20,000 referencing rows
  });

  it('finds the unused index only (not PK, unique, invalid, redundant or sole foreign-key support)', () => {
    assert.deepEqual(keys(result, 'unused-index'), [`public.${planted.unusedIndex}`]);
    const f = result.checks.find((c) => c.id === 'unused-index')!.findings[0];
    assert.equal(f.fix?.ddl, `DROP INDEX CONCURRENTLY public.${planted.unusedIndex};`);
    assert.equal(
      f.fix?.rollback,
      `CREATE INDEX CONCURRENTLY ${planted.unusedIndex} ON public.events USING btree (kind);`,
    );
  });

  it('finds the duplicate (dropping the unscanned twin) and the prefix-redundant index', async () => {
    const findings = result.checks.find((c) => c.id === 'redundant-index')!.findings;
    assert.equal(findings.length, 2);
    const [dup, prefix] = findings.sort((a, b) => a.target.table!.localeCompare(b.target.table!));
    const pair = [planted.duplicate.redundant, planted.duplicate.kept];
    assert.ok(pair.includes(dup.target.name as (typeof pair)[number]));
    // The twin to drop is the one the workload did not scan.
    const scans = await session.query<{ name: string; scans: number }>(
      "SELECT indexrelname::text AS name, idx_scan::float8 AS scans FROM pg_stat_user_indexes WHERE relname = 'tags' AND indexrelname <> 'tags_pkey'",
    );
    const unscanned = scans.filter((s) => s.scans === 0).map((s) => s.name);
    assert.deepEqual(unscanned, [dup.target.name]);
    assert.match(dup.title, /duplicates/);
    assert.equal(prefix.target.name, planted.prefix.redundant);
    assert.match(prefix.title, new RegExp(`prefix of ${planted.prefix.kept}`));
    assert.equal(
      prefix.fix?.rollback,
      `CREATE INDEX CONCURRENTLY ${planted.prefix.redundant} ON public.visits USING btree (page);`,
    );
  });

  it('finds the invalid index left by the failed CREATE UNIQUE INDEX CONCURRENTLY', () => {
    assert.deepEqual(keys(result, 'invalid-index'), [`public.${planted.invalidIndex}`]);
    const f = result.checks.find((c) => c.id === 'invalid-index')!.findings[0];
    assert.match(
      f.fix!.ddl,
      /^DROP INDEX CONCURRENTLY public\.emails_address_key;\nCREATE UNIQUE INDEX CONCURRENTLY emails_address_key ON public\.emails/,
    );
    assert.match(f.risk, /duplicate values/);
  });

  it('finds the table read by large sequential scans', () => {
    assert.deepEqual(keys(result, 'seq-scan-heavy-table'), [`public.${planted.seqScanTable}`]);
    const f = result.checks.find((c) => c.id === 'seq-scan-heavy-table')!.findings[0];
    const read = f.evidence.find((e) => e.label === 'Rows read by them')!.value as number;
    assert.ok(read >= 1_500_000, `rows read ${read}`);
  });

  it('estimates the bloat of the updated table and its primary key, and of nothing else', () => {
    assert.deepEqual(keys(result, 'table-bloat'), [`public.${planted.bloatedTable}`]);
    assert.deepEqual(keys(result, 'index-bloat'), [`public.${planted.bloatedTable}_pkey`]);
    const f = result.checks.find((c) => c.id === 'table-bloat')!.findings[0];
    // Five versions of each row: about 80% of the pages hold dead rows.
    assert.match(f.title, /about (7\d|8\d)\.\d% bloat/);
    assert.equal(f.fix?.ddl, `VACUUM (FULL, ANALYZE) public.${planted.bloatedTable};`);
  });

  it('finds the never-analysed table and the dead rows of the updated one', () => {
    assert.deepEqual(keys(result, 'vacuum-analyze'), [
      `public.${planted.bloatedTable}:dead-tuples`,
      `public.${planted.neverAnalysed}:never-analysed`,
    ]);
  });

  it('finds the idle-in-transaction and the long-running session, not its own', () => {
    assert.deepEqual(
      keys(result, 'long-running-session'),
      [`pid:${idlePid}:idle-in-transaction`, `pid:${sleeperPid}:active`].sort(),
    );
  });

  it('finds temp files against work_mem, and random_page_cost = 4 on an all-cached workload', () => {
    // The updates make over a million block accesses, all but a few thousand cache hits.
    assert.deepEqual(keys(result, 'settings'), ['setting:random_page_cost', 'setting:work_mem']);
    const temp = result.checks.find((c) => c.id === 'settings')!.findings.find((f) => f.key === 'setting:work_mem')!;
    assert.equal(temp.fix?.rollback, `ALTER DATABASE ${dbName} RESET work_mem;`);
  });

  it('finds nothing for cache hits and connections at the default thresholds', () => {
    assert.deepEqual(keys(result, 'cache-hit-ratio'), []);
    assert.deepEqual(keys(result, 'connection-use'), []);
  });

  it('flags cache hits and connection use once the thresholds are below what the database shows', async () => {
    const strict = await runHealthChecks(session, {
      only: ['cache-hit-ratio', 'connection-use'],
      thresholds: {
        databaseHitRatio: 1.01,
        databaseMinBlocksRead: 1,
        tableHitRatio: 1.01,
        tableMinBlocksRead: 1,
        connectionWarnRatio: 0,
      },
    });
    const cache = keys(strict, 'cache-hit-ratio');
    assert.ok(cache.includes(`database:${dbName}`), cache.join());
    assert.ok(cache.includes(`public.${planted.bloatedTable}`), cache.join());
    assert.deepEqual(keys(strict, 'connection-use'), ['server:connections']);
    assert.equal(strict.checks.length, 2);
  });

  it('scores with the stated weights and renders the Markdown report', () => {
    const lost = result.checks.reduce((sum, c) => sum + c.weight * c.penalty, 0);
    assert.equal(result.score, Math.round(100 - lost));
    assert.ok(result.score > 0 && result.score < 100);
    const md = renderHealthReport(result);
    assert.match(md, new RegExp(`^# Health report: ${dbName}`));
    assert.match(md, new RegExp(`\\*\\*Score: ${result.score} / 100\\*\\*`));
    assert.match(md, /\| Foreign keys without an index \| 12 \| 1 finding \| 6\.0 \|/);
    assert.ok(md.includes('CREATE INDEX CONCURRENTLY public.orders_customer_id_idx ON public.orders (customer_id);'));
    assert.ok(md.includes('Rollback:'));
    for (const f of result.findings) assert.ok(md.includes(f.title), f.title);
  });

  it('changes nothing: the catalog is the same after the checks', async () => {
    const count = async (): Promise<string> =>
      (
        await session.query<{ n: string }>(
          "SELECT count(*)::text || '/' || (SELECT count(*) FROM pg_index)::text AS n FROM pg_class",
        )
      )[0].n;
    const before = await count();
    await runHealthChecks(session);
    assert.equal(await count(), before);
  });

  it('gives a role without pg_read_all_stats a note, not an error', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query("DROP ROLE IF EXISTS health_reader; CREATE ROLE health_reader LOGIN PASSWORD 'reader-pw'");
    await admin.end();
    const readerUrl = new URL(url);
    readerUrl.username = 'health_reader';
    readerUrl.password = 'reader-pw';
    const reader = await PgSession.connect({ connectionString: readerUrl.toString() });
    try {
      const r = await runHealthChecks(reader);
      const sessions = r.checks.find((c) => c.id === 'long-running-session')!;
      assert.deepEqual(sessions.findings, []);
      assert.match(sessions.notes.join(' '), /session\(s\) of other roles hide their state/);
      // pg_stats shows this role no columns of tables it may not read: no estimates, said in a note.
      assert.deepEqual(keys(r, 'table-bloat'), []);
      assert.match(r.checks.find((c) => c.id === 'table-bloat')!.notes.join(' '), /without column statistics/);
    } finally {
      await reader.close();
      const cleanup = new Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query('DROP ROLE IF EXISTS health_reader');
      await cleanup.end();
    }
  });
});
