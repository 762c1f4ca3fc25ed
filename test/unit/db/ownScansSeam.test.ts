/**
 * The sessions record the scans of our own runs of the user's statement, whoever asks for them (issue 12 §4): an
 * editor-style explain through the core pipeline, `advise --allow-what-if` (rewrites, real index builds and timed
 * runs in rolled-back transactions) and `report --advise` on the real test server. Afterwards the table's
 * counters hold only our scans, the ledger holds exactly as many, and `health`'s sequential-scan check names the
 * table as ours instead of reporting it. Also the parallel workers' share of a plan, which the leader's
 * transaction counts leave out.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { createEventsDatabase } from '../../helpers/eventsDatabase';
import { dropDatabase } from '../../helpers/testDatabase';
import { openSession } from '../../../src/core/db/openSession';
import {
  beyondLeader,
  databaseKey,
  defaultLedgerPath,
  explainJsonScans,
  OwnScanLedger,
} from '../../../src/core/db/ownScans';
import { runHealthChecks } from '../../../src/core/health/runHealthChecks';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';
import { parseCliArgs } from '../../../src/cli/args';
import { createColours } from '../../../src/cli/colours';
import type { CommandIo } from '../../../src/cli/io';
import { adviseCommand } from '../../../src/cli/commands/advise';
import { reportCommand } from '../../../src/cli/commands/report';

const dbName = `own_scans_seam_${process.pid}`;
const statement =
  "SELECT count(*) AS n, sum(amount) AS total FROM events WHERE account = 42 AND created_at >= timestamptz '2024-06-01 00:00:00+00'";
const thresholds = { seqScanRowsRead: 200_000, seqScanRowsPerScan: 10_000 };

interface Counters {
  seqScans: number;
  seqRows: number;
}

async function counters(url: string, table: string): Promise<Counters> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ s: string; r: string }>(
      'SELECT seq_scan::text AS s, seq_tup_read::text AS r FROM pg_stat_user_tables WHERE relname = $1',
      [table],
    );
    return { seqScans: Number(r.rows[0]?.s ?? 0), seqRows: Number(r.rows[0]?.r ?? 0) };
  } finally {
    await c.end();
  }
}

/** Stats are flushed when a backend goes idle or exits, a little later: waits for the counters to reach `scans`. */
async function countersReaching(url: string, table: string, base: Counters, scans: number): Promise<Counters> {
  const until = Date.now() + 20_000;
  for (;;) {
    const now = await counters(url, table);
    if (now.seqScans - base.seqScans >= scans || Date.now() > until)
      return { seqScans: now.seqScans - base.seqScans, seqRows: now.seqRows - base.seqRows };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The ledger's scans of `table`, as the health check adds them up (schema named, or not: plans without VERBOSE). */
function ourScans(ledger: OwnScanLedger, key: string, table: string): Counters {
  const totals = ledger.totals(key);
  const named = [totals.get(`public.${table}`), totals.get(`.${table}`)];
  return {
    seqScans: named.reduce((n, t) => n + (t?.seqScans ?? 0), 0),
    seqRows: named.reduce((n, t) => n + (t?.seqRowsRead ?? 0), 0),
  };
}

async function cli(
  command: typeof adviseCommand,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    out: (text) => (stdout += text),
    note: (text) => (stderr += `${text}\n`),
    colours: createColours(false),
    signal: new AbortController().signal,
    env: {},
  };
  const code = await command(parseCliArgs(args, { isTty: false, env: {} }), io, {});
  return { code, stdout, stderr };
}

describe('own scans are recorded by the session, for every caller (real server)', function () {
  this.timeout(300_000);
  let url: string;
  const savedStateDir = process.env.PG_TUNER_STATE_DIR;

  before(async () => {
    // A ledger of this file's own: the sessions opened below (openSession's default) and the CLI commands write it.
    process.env.PG_TUNER_STATE_DIR = mkdtempSync(join(tmpdir(), 'pg-tuner-seam-state-'));
    url = await createEventsDatabase(dbName);
  });

  after(async () => {
    if (savedStateDir === undefined) delete process.env.PG_TUNER_STATE_DIR;
    else process.env.PG_TUNER_STATE_DIR = savedStateDir;
    await dropDatabase(await testServer(), dbName);
  });

  it('an explain, an advise run and a report: the ledger holds every scan they made, and health names them as ours', async () => {
    const base = await counters(url, 'events');
    const ledger = new OwnScanLedger(defaultLedgerPath());

    // The editor's path: a session from openSession, the core pipeline, EXPLAIN ANALYZE.
    const editor = await openSession({ kind: 'server', connectionString: url });
    let key: string;
    try {
      key = await databaseKey(editor);
      const explained = await explainAndOptimize(editor, statement, { analyze: true });
      assert.ok(explained.plan.analyzed);
    } finally {
      await editor.close();
    }
    // The explain's plan names the schema (VERBOSE).
    const afterExplain = ledger.totals(key).get('public.events');
    assert.equal(afterExplain?.seqScans, 1, 'the explain scanned events once, from its plan');
    assert.equal(afterExplain?.seqRowsRead, 60_000);

    const advised = await cli(adviseCommand, ['advise', '--url', url, '--allow-what-if', statement]);
    assert.equal(advised.code, 0, advised.stderr);
    assert.match(advised.stdout, /CREATE INDEX/);
    const reported = await cli(reportCommand, ['report', '--url', url, '--advise', '--allow-what-if', statement]);
    assert.equal(reported.code, 0, reported.stderr);

    const ours = ourScans(ledger, key, 'events');
    // The builds and the timed runs without an index each read the table: many more scans than the explain's one.
    assert.ok(ours.seqScans > 3, JSON.stringify(ours));
    // Nothing else touched events since `base`: its counters moved by exactly what the ledger holds.
    const moved = await countersReaching(url, 'events', base, ours.seqScans);
    assert.deepEqual(ours, moved);

    const session = await openSession({ kind: 'server', connectionString: url }, { ownScans: false });
    try {
      const without = await runHealthChecks(session, { only: ['seq-scan-heavy-table'], thresholds });
      assert.deepEqual(
        without.findings.map((f) => f.target.name),
        ['events'],
        'without the ledger, our scans look like the application’s',
      );
      const withLedger = await runHealthChecks(session, {
        only: ['seq-scan-heavy-table'],
        thresholds,
        ownScans: ledger,
      });
      assert.deepEqual(withLedger.findings, []);
      assert.match(
        withLedger.checks[0].notes.join('\n'),
        new RegExp(
          `^Not reported: sequential scans of events \\(${ours.seqScans} of its ${base.seqScans + ours.seqScans} scans`,
        ),
      );
    } finally {
      await session.close();
    }
  });

  it('parallel workers: their share of a plan and of an index build is added to the transaction’s own counts', async () => {
    const base = await counters(url, 'events');
    const ledger = new OwnScanLedger(defaultLedgerPath());
    // Parallel plans and builds on this small table, on this session only.
    const parallel = `${url}?options=${encodeURIComponent(
      '-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c max_parallel_workers_per_gather=2 -c max_parallel_maintenance_workers=2 -c maintenance_work_mem=256MB',
    )}`;
    const session = await openSession({ kind: 'server', connectionString: parallel });
    let key: string;
    let launched = 0;
    let earlier: Counters;
    try {
      key = await databaseKey(session);
      earlier = ourScans(ledger, key, 'events');
      launched = await session.inTransaction!(async (tx) => {
        const json = await tx.explainJson('SELECT count(*) FROM events WHERE amount > 1', 'ANALYZE');
        await tx.query('CREATE INDEX ON events (account)');
        return Number(/"Workers Launched": (\d+)/.exec(json)?.[1] ?? 0);
      });
    } finally {
      await session.close();
    }
    const all = ourScans(ledger, key, 'events');
    // What this transaction added to the file's ledger.
    const ours = { seqScans: all.seqScans - earlier.seqScans, seqRows: all.seqRows - earlier.seqRows };
    const moved = await countersReaching(url, 'events', base, ours.seqScans);
    assert.ok(launched >= 1, 'the plan ran in parallel');
    // The rows are the plan's (rounded per loop) and the build's table: within half a per cent of the counters.
    assert.ok(Math.abs(ours.seqRows - moved.seqRows) <= moved.seqRows * 0.005, JSON.stringify({ ours, moved }));
    // The scans of the plan are exact; the build's workers are a guess from the leader's share of the rows (the
    // server may launch fewer than it planned): within two scans either way. Health never takes off more than the
    // counter holds.
    assert.ok(Math.abs(ours.seqScans - moved.seqScans) <= 2, JSON.stringify({ ours, moved }));
  });

  it('an embedded session records nothing (its statistics are all ours)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-tuner-seam-embedded-')), 'own-scans.json');
    const ledger = new OwnScanLedger(path);
    const session = await openSession(
      { kind: 'embedded', files: [{ path: 'schema.sql', text: 'CREATE TABLE t (id int PRIMARY KEY, v int);' }] },
      { ownScans: ledger },
    );
    try {
      await explainAndOptimize(session, 'SELECT count(*) FROM t WHERE v = 1', { analyze: true });
      await session.inTransaction!((tx) => tx.explainJson('SELECT count(*) FROM t', 'ANALYZE'));
    } finally {
      await session.close();
    }
    assert.equal(ledger.totals('anything').size, 0);
    assert.equal(existsSync(path), false);
  });
});

describe('explainJsonScans and beyondLeader: what a plan scanned, and the parallel workers’ share', () => {
  // Gather ran twice (a rescan); each time the leader and two workers scanned: 6 loops, 1,000 rows + 500 removed each.
  const plan = JSON.stringify([
    {
      Plan: {
        'Node Type': 'Nested Loop',
        'Actual Loops': 1,
        Plans: [
          { 'Node Type': 'Index Scan', 'Relation Name': 'users', 'Actual Loops': 1, 'Actual Rows': 2 },
          {
            'Node Type': 'Gather',
            'Actual Loops': 2,
            'Workers Launched': 2,
            Plans: [
              {
                'Node Type': 'Seq Scan',
                'Relation Name': 'orders',
                'Actual Loops': 6,
                'Actual Rows': 1000,
                'Rows Removed by Filter': 500,
              },
            ],
          },
          { 'Node Type': 'Seq Scan', 'Relation Name': 'never', 'Actual Loops': 0, 'Actual Rows': 0 },
        ],
      },
    },
  ]);

  it('all: every loop, rows per loop times loops; a node that never ran counts nothing', () => {
    assert.deepEqual(explainJsonScans(plan), [
      { schema: '', name: 'users', seqScans: 0, seqRowsRead: 0, indexScans: 1 },
      { schema: '', name: 'orders', seqScans: 6, seqRowsRead: 9_000, indexScans: 0 },
    ]);
  });

  it('beyond the leader: what the workers scanned, matched by name when the plan names no schema', () => {
    const leader = [
      { schema: 'public', name: 'orders', seqScans: 2, seqRowsRead: 3_500, indexScans: 0 },
      { schema: 'other', name: 'users', seqScans: 0, seqRowsRead: 0, indexScans: 1 },
    ];
    assert.deepEqual(beyondLeader(explainJsonScans(plan), leader), [
      { schema: '', name: 'orders', seqScans: 4, seqRowsRead: 5_500, indexScans: 0 },
    ]);
    // A plan naming its schema (VERBOSE) matches only that schema's table.
    assert.deepEqual(
      beyondLeader([{ schema: 'public', name: 'users', seqScans: 0, seqRowsRead: 0, indexScans: 1 }], leader),
      [{ schema: 'public', name: 'users', seqScans: 0, seqRowsRead: 0, indexScans: 1 }],
    );
  });

  it('not a plan: nothing', () => {
    assert.deepEqual(explainJsonScans('not json'), []);
    assert.deepEqual(explainJsonScans('[{"Query Text": "x"}]'), []);
  });
});
