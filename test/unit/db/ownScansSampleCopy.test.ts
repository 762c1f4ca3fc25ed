/**
 * The reads of the user's tables that run outside a measurement transaction are recorded as ours too (issue 12 §4):
 * the sample copies of `advise --sample-copy` (a large table sampled, the rows of its sampled parents' keys, a small
 * table copied whole) and the query that finds keyset pagination's previous page's last key. On the real test
 * server: afterwards each table's counters moved by exactly what the ledger holds, the ledger keeps no entry for
 * our temporary copies, and `health`'s sequential-scan check reports none of it as the application's.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';
import { openSession } from '../../../src/core/db/openSession';
import { databaseKey, OwnScanLedger, type TableScans } from '../../../src/core/db/ownScans';
import { createSampleCopy } from '../../../src/core/advice/index/sampleCopy';
import { alternativeForms } from '../../../src/core/advice/rewrite/alternativeForms';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import { runHealthChecks } from '../../../src/core/health/runHealthChecks';

const dbName = `own_scans_sample_${process.pid}`;
const tables = ['customers', 'purchases', 'regions'] as const;
type Table = (typeof tables)[number];
type Counters = Pick<TableScans, 'seqScans' | 'seqRowsRead' | 'indexScans'>;

async function counters(url: string): Promise<Map<Table, Counters>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: Table; s: string; r: string; i: string }>(
      `SELECT relname AS name, seq_scan::text AS s, seq_tup_read::text AS r, coalesce(idx_scan, 0)::text AS i
         FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY($1)`,
      [tables],
    );
    return new Map(
      r.rows.map((x) => [x.name, { seqScans: Number(x.s), seqRowsRead: Number(x.r), indexScans: Number(x.i) }]),
    );
  } finally {
    await c.end();
  }
}

const moved = (a: Counters | undefined, b: Counters | undefined): Counters => ({
  seqScans: (b?.seqScans ?? 0) - (a?.seqScans ?? 0),
  seqRowsRead: (b?.seqRowsRead ?? 0) - (a?.seqRowsRead ?? 0),
  indexScans: (b?.indexScans ?? 0) - (a?.indexScans ?? 0),
});

/** The ledger's scans of each table (schema named, or '' as plans without VERBOSE name it). */
function ledgerScans(ledger: OwnScanLedger, key: string, table: Table): Counters {
  const totals = ledger.totals(key);
  const named = [totals.get(`public.${table}`), totals.get(`.${table}`)];
  return {
    seqScans: named.reduce((n, t) => n + (t?.seqScans ?? 0), 0),
    seqRowsRead: named.reduce((n, t) => n + (t?.seqRowsRead ?? 0), 0),
    indexScans: named.reduce((n, t) => n + (t?.indexScans ?? 0), 0),
  };
}

/** Statistics reach the shared counters when a backend goes idle or exits, a little later: waits for `want`. */
async function countersReaching(
  url: string,
  base: Map<Table, Counters>,
  want: Map<Table, Counters>,
): Promise<Map<Table, Counters>> {
  const until = Date.now() + 20_000;
  for (;;) {
    const now = await counters(url);
    const out = new Map(tables.map((t) => [t, moved(base.get(t), now.get(t))]));
    const reached = tables.every((t) => {
      const m = out.get(t);
      const w = want.get(t);
      return m && w && m.seqRowsRead >= w.seqRowsRead && m.seqScans >= w.seqScans && m.indexScans >= w.indexScans;
    });
    if (reached || Date.now() > until) return out;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('own scans: the sample copies and the keyset last-key query are recorded (real server)', function () {
  this.timeout(300_000);
  let url: string;
  let ledger: OwnScanLedger;

  before(async () => {
    url = await createDatabase(await testServer(), dbName);
    await runSql(
      url,
      `CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL);
       INSERT INTO regions SELECT g, 'region ' || g FROM generate_series(1, 50) g;
       CREATE TABLE customers (id int PRIMARY KEY, region_id int NOT NULL REFERENCES regions, name text NOT NULL);
       INSERT INTO customers SELECT g, 1 + g % 50, 'customer ' || g FROM generate_series(1, 20000) g;
       CREATE TABLE purchases (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric NOT NULL);
       INSERT INTO purchases SELECT g, 1 + g % 20000, g % 97 FROM generate_series(1, 60000) g;`,
    );
    await runSql(url, 'VACUUM ANALYZE regions, customers, purchases');
    // The load's scans (the foreign keys' checks) out of the counters, so what health sees is the copies' alone. A
    // backend flushes its counts as it exits, a moment after its client has gone: reset until they stay at zero.
    for (let i = 0; i < 20; i++) {
      await runSql(url, 'SELECT pg_stat_reset()');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await counters(url);
      if ([...now.values()].every((c) => c.seqScans === 0 && c.seqRowsRead === 0 && c.indexScans === 0)) break;
    }
    ledger = new OwnScanLedger(join(mkdtempSync(join(tmpdir(), 'pg-tuner-sample-scans-')), 'own-scans.json'));
  });

  after(async () => {
    await dropDatabase(await testServer(), dbName);
  });

  it('the copies: each table’s counters moved by what the ledger holds, and health reports none of it', async () => {
    const base = await counters(url);
    const session = await openSession({ kind: 'server', connectionString: url }, { ownScans: ledger });
    let key: string;
    try {
      key = await databaseKey(session);
      const sample = await createSampleCopy(
        session,
        tables.map((name) => ({ schema: 'public', name })),
        [],
        { fraction: 0.1 },
      );
      try {
        const methods = Object.fromEntries(sample.tables.map((t) => [t.table, t.method]));
        assert.deepEqual(methods, { regions: 'whole', customers: 'sample', purchases: 'children' });
      } finally {
        await sample.drop();
      }
    } finally {
      await session.close();
    }
    const ours = new Map(tables.map((t) => [t, ledgerScans(ledger, key, t)]));
    const now = await countersReaching(url, base, ours);
    for (const t of tables) assert.deepEqual(ours.get(t), now.get(t), t);
    // Each copy read its table: the sample visits every page of customers, purchases are read for their keys.
    assert.ok((ours.get('customers')?.seqRowsRead ?? 0) >= 1_000, JSON.stringify([...ours]));
    assert.ok((ours.get('purchases')?.seqRowsRead ?? 0) + (ours.get('purchases')?.indexScans ?? 0) > 0);
    assert.equal(ours.get('regions')?.seqScans, 1);
    assert.equal(ours.get('regions')?.seqRowsRead, 50);
    // Our temporary copies are nobody's workload: not in the ledger.
    assert.deepEqual(
      [...ledger.totals(key).keys()].filter((k) => k.includes('pg_temp') || k.includes('pgtuner_sample')),
      [],
    );
    const session2 = await openSession({ kind: 'server', connectionString: url }, { ownScans: false });
    try {
      const thresholds = { seqScanRowsRead: 40, seqScanRowsPerScan: 40 };
      const without = await runHealthChecks(session2, { only: ['seq-scan-heavy-table'], thresholds });
      assert.deepEqual(
        without.findings.map((f) => f.target.name).sort(),
        ['purchases', 'regions'],
        'without the ledger, the copies’ reads look like the application’s',
      );
      const withLedger = await runHealthChecks(session2, {
        only: ['seq-scan-heavy-table'],
        thresholds,
        ownScans: ledger,
      });
      assert.deepEqual(
        withLedger.findings.map((f) => f.target.name),
        [],
      );
    } finally {
      await session2.close();
    }
  });

  it('the keyset rewrite’s last-key query: recorded as ours', async () => {
    const base = await counters(url);
    const session = await openSession({ kind: 'server', connectionString: url }, { ownScans: ledger });
    let key: string;
    let earlier: Counters;
    try {
      key = await databaseKey(session);
      earlier = ledgerScans(ledger, key, 'regions');
      const original = 'SELECT id, name FROM regions ORDER BY name LIMIT 5 OFFSET 20';
      const keyset: Rewrite = {
        id: 'keyset-pagination',
        ref: 'keyset-pagination#1',
        title: 'Keyset pagination instead of OFFSET 20',
        explanation: '',
        originalSql: original,
        rewrittenSql: 'SELECT id, name FROM regions WHERE name > $last_name ORDER BY name LIMIT 5',
        executableSql: 'SELECT id, name FROM regions WHERE name > $1 ORDER BY name LIMIT 5',
        extraParamsQuery: 'SELECT (name)::text AS last_name FROM regions ORDER BY name LIMIT 1 OFFSET 19',
        newParameters: [{ name: 'last_name', description: '' }],
        sqlRange: { start: 0, end: original.length },
        caveats: [],
        verification: 'equivalent',
        verificationReason: '',
        quickFix: false,
      };
      const forms = await alternativeForms(session, [keyset], undefined);
      assert.equal(forms.length, 1);
      assert.deepEqual(forms[0].params, ['region 27']);
    } finally {
      await session.close();
    }
    const all = ledgerScans(ledger, key, 'regions');
    const ours = { seqScans: all.seqScans - earlier.seqScans, seqRowsRead: all.seqRowsRead - earlier.seqRowsRead };
    assert.equal(ours.seqScans, 1, 'the last-key query read regions once');
    const want = new Map(tables.map((t) => [t, { seqScans: 0, seqRowsRead: 0, indexScans: 0 }]));
    want.set('regions', { ...ours, indexScans: 0 });
    const now = await countersReaching(url, base, want);
    assert.deepEqual({ seqScans: now.get('regions')?.seqScans, seqRowsRead: now.get('regions')?.seqRowsRead }, ours);
  });
});
