/**
 * `health` and pg-tuner's own measurement scans, on the real test server: the scans a measurement transaction
 * made (pg_stat_xact_user_tables before and after) and an EXPLAIN ANALYZE made (its plan) are recorded in a
 * ledger file, and the sequential-scan check takes them off the table's counters: a table only we scanned is
 * not reported (a note names it), a table the application scans too is reported with the application's figures.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';
import { PgSession } from '../../../src/core/db/pgSession';
import {
  databaseKey,
  defaultLedgerPath,
  OwnScanLedger,
  planScans,
  readTransactionScans,
  recordOwnScans,
  scansBetween,
} from '../../../src/core/db/ownScans';
import { runHealthChecks } from '../../../src/core/health/runHealthChecks';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';

const dbName = `own_scans_${process.pid}`;

async function seqScans(url: string, table: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT seq_scan::text AS n FROM pg_stat_user_tables WHERE relname = $1', [
      table,
    ]);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

/** Waits until the server's counters show `expected` sequential scans of `table` (stats are flushed when sessions go idle). */
async function waitForScans(url: string, table: string, expected: number): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    const n = await seqScans(url, table);
    if (n >= expected) return;
    if (Date.now() > until) throw new Error(`${table}: ${n} sequential scans counted, ${expected} expected`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("health: pg-tuner's own scans are not the application's (real server)", function () {
  this.timeout(120_000);
  let url: string;
  let session: PgSession;
  let ledger: OwnScanLedger;

  before(async () => {
    url = await createDatabase(await testServer(), dbName);
    await runSql(
      url,
      `CREATE TABLE ours_only (id int PRIMARY KEY, v int NOT NULL);
       INSERT INTO ours_only SELECT g, g % 1000 FROM generate_series(1, 100000) g;
       CREATE TABLE shared_t (id int PRIMARY KEY, v int NOT NULL);
       INSERT INTO shared_t SELECT g, g % 1000 FROM generate_series(1, 100000) g;
       ANALYZE ours_only; ANALYZE shared_t;`,
    );
    session = await PgSession.connect({ connectionString: url });
    ledger = new OwnScanLedger(join(mkdtempSync(join(tmpdir(), 'pg-tuner-state-')), 'own-scans.json'));
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), dbName);
  });

  it('the ledger path: PG_TUNER_STATE_DIR, else XDG_STATE_HOME, else ~/.local/state', () => {
    assert.equal(defaultLedgerPath({ PG_TUNER_STATE_DIR: '/s' }), '/s/own-scans.json');
    assert.equal(defaultLedgerPath({ XDG_STATE_HOME: '/x' }), '/x/pg-query-tuner/own-scans.json');
    assert.match(defaultLedgerPath({}), /\.local\/state\/pg-query-tuner\/own-scans\.json$/);
  });

  it("counts a measurement transaction's own scans exactly, and an EXPLAIN ANALYZE's from its plan", async () => {
    const scans = await session.inTransaction!(async (tx) => {
      await tx.query('SELECT 1'); // the counters of earlier, unflushed work are in the first read
      const before = await readTransactionScans(tx);
      for (let i = 0; i < 12; i++) await tx.query('SELECT count(*) FROM ours_only WHERE v = $1', [i]);
      for (let i = 0; i < 4; i++) await tx.query('SELECT count(*) FROM shared_t WHERE v = $1', [i]);
      return scansBetween(before, await readTransactionScans(tx));
    });
    const ours = scans.find((s) => s.name === 'ours_only');
    assert.deepEqual(ours, {
      schema: 'public',
      name: 'ours_only',
      seqScans: 12,
      seqRowsRead: 1_200_000,
      indexScans: 0,
    });
    await recordOwnScans(ledger, session, scans);

    const explained = await explainAndOptimize(session, 'SELECT count(*) FROM shared_t WHERE v < 3', { analyze: true });
    const fromPlan = planScans(explained.plan);
    const shared = fromPlan.find((s) => s.name === 'shared_t');
    assert.ok(shared && shared.seqScans >= 1 && shared.seqRowsRead >= 100_000, JSON.stringify(fromPlan));
    await recordOwnScans(ledger, session, fromPlan);
    // A plan without ANALYZE ran nothing.
    const estimate = await explainAndOptimize(session, 'SELECT count(*) FROM shared_t', { analyze: false });
    assert.deepEqual(planScans(estimate.plan), []);

    const key = await databaseKey(session);
    assert.match(key, new RegExp(`:\\d+/${dbName}#\\d+$`));
    const totals = ledger.totals(key);
    assert.equal(totals.get('public.ours_only')?.seqScans, 12);
    assert.ok(JSON.parse(readFileSync(ledger.path, 'utf8')).entries.length >= 3);
    // Another database's key sees nothing; neither does a time after the scans (a reset since).
    assert.equal(ledger.totals(`${key}x`).size, 0);
    assert.equal(ledger.totals(key, new Date(Date.now() + 60_000).toISOString()).size, 0);
  });

  it('a table only we scanned is not reported (a note names it); one the application scans too shows its figures', async () => {
    const app = new Client({ connectionString: url });
    await app.connect();
    try {
      for (let i = 0; i < 15; i++) await app.query('SELECT count(*) FROM shared_t WHERE v = $1', [i]);
      await app.query('SELECT pg_stat_force_next_flush()');
    } finally {
      await app.end();
    }
    await session.query('SELECT pg_stat_force_next_flush()');
    const ourShared = ledger.totals(await databaseKey(session));
    const sharedOurs = (ourShared.get('public.shared_t')?.seqScans ?? 0) + (ourShared.get('.shared_t')?.seqScans ?? 0);
    await waitForScans(url, 'ours_only', 12);
    await waitForScans(url, 'shared_t', 15 + sharedOurs);

    const without = await runHealthChecks(session, { only: ['seq-scan-heavy-table'] });
    assert.deepEqual(without.findings.map((f) => f.target.name).sort(), ['ours_only', 'shared_t']);

    const withLedger = await runHealthChecks(session, { only: ['seq-scan-heavy-table'], ownScans: ledger });
    const check = withLedger.checks[0];
    assert.deepEqual(
      check.findings.map((f) => f.target.name),
      ['shared_t'],
    );
    const f = check.findings[0];
    const shownScans = f.evidence.find((e) => e.label === 'Sequential scans')?.value;
    assert.equal(shownScans, (await seqScans(url, 'shared_t')) - sharedOurs);
    assert.equal(
      f.evidence.find((e) => e.label === "pg-tuner's own sequential scans (not counted)")?.value,
      sharedOurs,
    );
    assert.match(f.explanation, new RegExp(`pg-tuner's own measurements made ${sharedOurs} more`));
    assert.equal(check.notes.length, 1);
    assert.match(
      check.notes[0],
      new RegExp(
        `^Not reported: sequential scans of ours_only \\(12 of its ${await seqScans(url, 'ours_only')} scans, 1,200,000 rows\\) were pg-tuner's own`,
      ),
    );
  });
});
