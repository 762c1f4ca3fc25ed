/**
 * Behaviour both sessions must share (pg on the test server, PGlite in process), asserted against the
 * real databases: the tables are created by `schemaSql` below, nothing is stubbed.
 */
import { strict as assert } from 'node:assert';
import { TunerError } from '../../../src/core/errors';
import type { DatabaseSession } from '../../../src/core/db/session';

export const schemaSql = `
DROP TABLE IF EXISTS orders, order_archive, calls CASCADE;
DROP FUNCTION IF EXISTS log_call();
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, amount numeric(10,2) NOT NULL, note text);
INSERT INTO orders SELECT g, g % 100, (g * 7 % 1000) / 10.0, CASE WHEN g % 3 = 0 THEN 'n' || g END
  FROM generate_series(1, 2000) g;
CREATE INDEX orders_user_id_idx ON orders (user_id) INCLUDE (amount);
CREATE INDEX orders_note_partial_idx ON orders (lower(note)) WHERE note IS NOT NULL;
CREATE TABLE order_archive (id int PRIMARY KEY, user_id int, amount numeric(10,2), note text);
INSERT INTO order_archive SELECT id, user_id, amount, note FROM orders WHERE id <= 100;
CREATE TABLE calls (n serial PRIMARY KEY);
CREATE FUNCTION log_call() RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO calls DEFAULT VALUES RETURNING 1';
ANALYZE orders; ANALYZE order_archive;
`;

interface Fingerprint {
  n: number;
  sum: string;
  calls: number;
}

export async function fingerprint(session: DatabaseSession): Promise<Fingerprint> {
  const [row] = await session.query<{ n: number; sum: string; calls: number }>(
    `SELECT (SELECT count(*)::int FROM orders) AS n,
            (SELECT md5(string_agg(id || ':' || user_id || ':' || amount || ':' || coalesce(note, '-'), ',' ORDER BY id)) FROM orders) AS sum,
            (SELECT count(*)::int FROM calls) AS calls`,
  );
  return row;
}

type PlanJson = Array<{ Plan: Record<string, unknown>; 'Execution Time'?: number }>;

export function topPlan(planJson: string): Record<string, unknown> {
  return (JSON.parse(planJson) as PlanJson)[0].Plan;
}

/** Largest "Actual Rows" anywhere in the plan: proof the statement really ran. */
export function maxActualRows(node: Record<string, unknown>): number {
  const own = typeof node['Actual Rows'] === 'number' ? (node['Actual Rows'] as number) : 0;
  const children = (node.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return Math.max(own, ...children.map(maxActualRows));
}

export async function rejection(promise: Promise<unknown>): Promise<TunerError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TunerError, `expected a TunerError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** Registers the shared tests; `session()` gives the file's one session, with schemaSql loaded. */
export function explainBehaviour(session: () => DatabaseSession): void {
  it('EXPLAIN ANALYZE of a SELECT gives JSON with actual times, in a read-only transaction', async () => {
    const r = await session().explain({ sql: 'SELECT * FROM orders WHERE user_id = 7;', analyze: true });
    const plan = topPlan(r.planJson);
    assert.equal(typeof plan['Actual Total Time'], 'number');
    assert.equal(plan['Actual Rows'], 20);
    assert.equal(r.wrapper, 'read-only-transaction');
    // 17+ adds SERIALIZE (the cost of the output) and MEMORY (the planner's).
    const v17 = (await session().serverInfo()).versionNum >= 170000;
    const options = v17
      ? 'ANALYZE, BUFFERS, VERBOSE, SETTINGS, WAL, SERIALIZE, MEMORY, FORMAT JSON'
      : 'ANALYZE, BUFFERS, VERBOSE, SETTINGS, WAL, FORMAT JSON';
    assert.equal(r.explainStatement, `EXPLAIN (${options}) SELECT * FROM orders WHERE user_id = 7`);
    if (v17)
      assert.equal(
        typeof (JSON.parse(r.planJson) as Array<Record<string, Record<string, unknown>>>)[0]['Serialization'][
          'Output Volume'
        ],
        'number',
      );
    assert.ok(r.roundTripMs > 0);
  });

  it('plain EXPLAIN has no actuals', async () => {
    const r = await session().explain({ sql: 'SELECT * FROM orders WHERE user_id = 7', analyze: false });
    assert.equal(r.wrapper, 'plan-only');
    assert.doesNotMatch(r.planJson, /Actual/);
    assert.equal(typeof topPlan(r.planJson)['Total Cost'], 'number');
    const v17 = (await session().serverInfo()).versionNum >= 170000;
    assert.ok(
      r.explainStatement.startsWith(
        v17 ? 'EXPLAIN (VERBOSE, SETTINGS, MEMORY, FORMAT JSON) ' : 'EXPLAIN (VERBOSE, SETTINGS, FORMAT JSON) ',
      ),
      r.explainStatement,
    );
  });

  it('plain EXPLAIN of a DELETE plans it without running it', async () => {
    const before = await fingerprint(session());
    const r = await session().explain({ sql: 'DELETE FROM orders', analyze: false });
    assert.equal(topPlan(r.planJson)['Operation'], 'Delete');
    assert.deepEqual(await fingerprint(session()), before);
  });

  const writes: Array<[string, string]> = [
    ['DELETE', 'DELETE FROM orders WHERE user_id < 50'],
    ['INSERT', "INSERT INTO orders SELECT id + 10000, user_id, amount, 'copy' FROM orders"],
    ['UPDATE', "UPDATE orders SET amount = amount + 1, note = 'changed'"],
    [
      'MERGE',
      `MERGE INTO orders o USING order_archive a ON o.id = a.id
       WHEN MATCHED AND a.id % 2 = 0 THEN DELETE
       WHEN MATCHED THEN UPDATE SET note = 'merged'`,
    ],
    ['WITH … DELETE', 'WITH gone AS (DELETE FROM orders WHERE id > 100 RETURNING *) SELECT count(*) FROM gone'],
  ];
  for (const [name, sql] of writes) {
    it(`EXPLAIN ANALYZE of ${name} runs it and leaves the table unchanged`, async () => {
      const before = await fingerprint(session());
      const r = await session().explain({ sql, analyze: true });
      assert.equal(r.wrapper, 'rolled-back-transaction');
      assert.ok(maxActualRows(topPlan(r.planJson)) > 0, 'the statement really ran');
      assert.deepEqual(await fingerprint(session()), before);
    });
  }

  it('SELECT … FOR UPDATE runs in a rolled-back transaction', async () => {
    const r = await session().explain({ sql: 'SELECT * FROM orders WHERE id < 10 FOR UPDATE', analyze: true });
    assert.equal(r.wrapper, 'rolled-back-transaction');
  });

  it('a SELECT calling a volatile function is rolled back (its insert is undone)', async () => {
    const before = await fingerprint(session());
    const r = await session().explain({ sql: 'SELECT log_call() FROM orders WHERE id <= 5', analyze: true });
    assert.equal(r.wrapper, 'rolled-back-transaction');
    assert.equal(topPlan(r.planJson)['Actual Rows'], 5);
    assert.deepEqual(await fingerprint(session()), before);
    assert.equal(before.calls, 0);
  });

  it('a SELECT calling only stable/immutable functions stays read-only', async () => {
    const r = await session().explain({ sql: 'SELECT lower(note), now() FROM orders WHERE id = 1', analyze: true });
    assert.equal(r.wrapper, 'read-only-transaction');
  });

  const refused: Array<[string, RegExp]> = [
    ['CREATE TABLE t2 (x int)', /DDL/],
    ['DROP TABLE orders', /DDL/],
    ['VACUUM orders', /VACUUM/],
    ['ANALYZE orders', /VACUUM and ANALYZE/],
    ['COPY orders TO STDOUT', /COPY/],
    ['BEGIN', /Transaction control/],
    ['SET work_mem = 1000', /SET/],
    ['SELECT 1; SELECT 2', /2 statements/],
    ['EXPLAIN ANALYZE SELECT 1', /without EXPLAIN/],
    ['SELECT * INTO orders_copy FROM orders', /INTO/],
  ];
  for (const [sql, message] of refused) {
    it(`refuses "${sql}" with a reason`, async () => {
      const before = await fingerprint(session());
      const err = await rejection(session().explain({ sql, analyze: true }));
      assert.equal(err.reason, 'unsafe-statement');
      assert.match(err.message, message);
      assert.deepEqual(await fingerprint(session()), before);
    });
  }

  it('binds $1/$2 as parameters', async () => {
    const r = await session().explain({
      sql: 'SELECT * FROM orders WHERE user_id = $1 AND amount > $2',
      params: [7, '50'],
      analyze: true,
    });
    assert.ok(r.planJson.includes('"Actual Rows"'));
    assert.match(r.explainStatement, /\$1/);
    assert.doesNotMatch(r.explainStatement, /\b7\b/);
    const rows = await session().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE user_id = $1 AND amount > $2',
      [7, '50'],
    );
    assert.equal(topPlan(r.planJson)['Actual Rows'], rows[0].n);
  });

  it('an unknown table gives a server error with the 0-based offset of its name, and the session still works', async () => {
    const sql = 'SELECT *\nFROM no_such_table WHERE x = 1';
    const err = await rejection(session().explain({ sql, analyze: true }));
    assert.equal(err.reason, 'server-error');
    assert.equal(err.detail.code, '42P01');
    assert.equal(err.detail.offset, sql.indexOf('no_such_table'));
    const ok = await session().explain({ sql: 'SELECT count(*) FROM orders', analyze: true });
    assert.equal(topPlan(ok.planJson)['Actual Rows'], 1);
  });

  it('a syntax error is a syntax-error with the offset', async () => {
    const sql = 'SELECT * FROM orders WHERE';
    const err = await rejection(session().explain({ sql, analyze: false }));
    assert.equal(err.reason, 'syntax-error');
    assert.equal(err.detail.offset, sql.length);
  });

  it('a runtime error inside the transaction is rolled back; the next explain works', async () => {
    const err = await rejection(session().explain({ sql: 'SELECT 1 / (id - id) FROM orders', analyze: true }));
    assert.equal(err.reason, 'server-error');
    assert.equal(err.detail.code, '22012');
    const ok = await session().explain({ sql: 'SELECT 1', analyze: true });
    assert.equal(ok.wrapper, 'read-only-transaction');
    const [state] = await session().query<{ x: number }>('SELECT 1 AS x');
    assert.equal(state.x, 1);
  });

  it('no session advisory lock outlives an explain, even one taken through a name built at run time', async () => {
    await session().execute(`CREATE OR REPLACE FUNCTION sneaky_lock() RETURNS text LANGUAGE plpgsql AS $$
      DECLARE r text; BEGIN EXECUTE 'SELECT pg_advisory_' || 'lock(77)::text' INTO r; RETURN r; END $$;`);
    await session().explain({ sql: 'SELECT sneaky_lock()', analyze: true });
    const [held] = await session().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'",
    );
    assert.equal(held.n, 0);
  });

  it('a session advisory lock called directly is refused with ANALYZE, naming the function', async () => {
    const err = await rejection(session().explain({ sql: 'SELECT pg_advisory_lock(78)', analyze: true }));
    assert.equal(err.reason, 'unsafe-statement');
    assert.match(err.message, /pg_advisory_lock\(\).*session-level advisory lock/);
  });

  it('$n without values says to give values', async () => {
    const err = await rejection(session().explain({ sql: 'SELECT * FROM orders WHERE id = $1', analyze: false }));
    assert.equal(err.detail.code, '42P02');
    assert.match(err.message, /Give values/);
  });

  it('catalogFor returns sizes, index definitions and pg_stats', async () => {
    const snap = await session().catalogFor(['orders', 'public.order_archive', 'no_such_table']);
    assert.deepEqual(
      snap.tables.map((t) => t.name),
      ['order_archive', 'orders'],
    );
    const orders = snap.tables.find((t) => t.name === 'orders');
    assert.ok(orders);
    assert.equal(orders.schema, 'public');
    assert.equal(orders.estimatedRows, 2000);
    assert.ok(orders.relPages > 0);
    assert.ok(orders.totalBytes > orders.tableBytes && orders.tableBytes > 0);
    assert.ok(orders.lastAnalyze, 'ANALYZE time recorded');
    const byUser = snap.indexes.find((i) => i.name === 'orders_user_id_idx');
    assert.ok(byUser);
    assert.equal(
      byUser.definition,
      'CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id) INCLUDE (amount)',
    );
    assert.deepEqual(byUser.keyColumns, ['user_id']);
    assert.deepEqual(byUser.includeColumns, ['amount']);
    assert.equal(byUser.method, 'btree');
    assert.equal(byUser.unique, false);
    assert.ok(byUser.sizeBytes > 0);
    const partial = snap.indexes.find((i) => i.name === 'orders_note_partial_idx');
    assert.ok(partial);
    assert.deepEqual(partial.keyColumns, ['lower(note)']);
    assert.equal(partial.predicate, 'note IS NOT NULL');
    const pkey = snap.indexes.find((i) => i.name === 'orders_pkey');
    assert.ok(pkey?.primary && pkey.unique && pkey.valid);
    const userId = snap.columns.find((c) => c.table === 'orders' && c.column === 'user_id');
    assert.ok(userId);
    assert.equal(userId.nDistinct, 100);
    assert.equal(userId.nullFrac, 0);
    assert.equal(userId.dataType, 'integer');
    const id = snap.columns.find((c) => c.table === 'orders' && c.column === 'id');
    assert.equal(id?.nDistinct, -1);
    assert.equal(id?.correlation, 1);
    const note = snap.columns.find((c) => c.table === 'orders' && c.column === 'note');
    assert.ok(note && Math.abs(note.nullFrac - 2 / 3) < 0.01);
    assert.equal(snap.columns.find((c) => c.column === 'amount')?.dataType, 'numeric(10,2)');
  });

  it('serverInfo reports version, settings and extensions', async () => {
    const info = await session().serverInfo();
    assert.ok(info.versionNum >= 120000);
    assert.match(info.versionText, /^PostgreSQL \d+/);
    assert.equal(info.extensions.plpgsql !== undefined, true);
    for (const name of [
      'work_mem',
      'random_page_cost',
      'shared_buffers',
      'effective_cache_size',
      'jit',
      'max_parallel_workers_per_gather',
    ]) {
      assert.ok(info.settings[name] !== undefined, name);
    }
    assert.match(info.settings.work_mem, /^\d+(kB|MB|GB)$/);
    assert.equal(await session().serverInfo(), info, 'cached');
  });
}
