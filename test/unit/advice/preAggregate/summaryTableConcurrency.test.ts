/**
 * The summary table kept by triggers under concurrent writers (issue 12 §4): the generated DDL, triggers and
 * backfill installed in a scratch database of the real test server, then written to by two or more sessions at
 * once, interleaved on purpose: one deletes a group's MAX (or MIN) row while another inserts a new extreme, in
 * both orders; one moves a row to another group while another deletes that group's extreme row; many writers of
 * random single-row statements at READ COMMITTED, then at REPEATABLE READ (retrying serialization failures).
 * Afterwards the summary table must equal the aggregate recomputed from the base table, row for row.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../../helpers/testDatabase';
import { matchPreAggregate } from '../../../../src/core/advice/preAggregate/preAggregateForm';
import { buildSummaryTable, type SummaryTableForm } from '../../../../src/core/advice/preAggregate/summaryTableForm';

const dbName = `summary_concurrency_${process.pid}`;

/** count, sum, min and max of a fixed-scale numeric, over the rows that pass a filter: every kind of state column. */
const statement = `SELECT u.id, count(*) AS n, sum(o.total) AS total, min(o.total) AS low, max(o.total) AS high
FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 10 GROUP BY u.id`;

const groups = 20;

function form(): SummaryTableForm {
  const m = matchPreAggregate(statement);
  assert.ok(m, 'of the family');
  const built = buildSummaryTable(
    m,
    [
      { name: 'id', type: 'integer', base: 'int4', typmod: -1 },
      { name: 'user_id', type: 'integer', base: 'int4', typmod: -1 },
      { name: 'total', type: 'numeric(10,2)', base: 'numeric', typmod: 655366 },
    ],
    new Map([
      ['min_total', 'numeric'],
      ['max_total', 'numeric'],
    ]),
    true,
  );
  assert.ok(!('declined' in built), 'declined' in built ? built.declined : '');
  return built;
}

describe('summary table kept by triggers: concurrent writers (real server)', function () {
  this.timeout(600_000);
  let url: string;
  let f: SummaryTableForm;
  const clients: Client[] = [];
  /** Each client's backend, read as it connects (a client busy with a waiting statement cannot be asked). */
  const pids = new Map<Client, number>();

  async function client(): Promise<Client> {
    const c = new Client({ connectionString: url });
    await c.connect();
    // A waiter that never gets its lock fails the test instead of hanging it.
    await c.query("SET lock_timeout = '20s'");
    // Writers that deadlock on two groups learn it after 50 ms rather than the default second (superuser only).
    await c.query("SET deadlock_timeout = '50ms'").catch(() => undefined);
    pids.set(c, (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    clients.push(c);
    return c;
  }

  before(async () => {
    url = await createDatabase(await testServer(), dbName);
    f = form();
  });

  /** The server is shared: each test's connections end with it. */
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });

  after(async () => {
    await dropDatabase(await testServer(), dbName);
  });

  /** One connection per test for the reads around the writers. */
  let readerClient: Client | undefined;
  async function reader(): Promise<Client> {
    if (!readerClient || !clients.includes(readerClient)) readerClient = await client();
    return readerClient;
  }

  /** Fresh tables with the summary table, its triggers and its backfill, as the advice gives them. */
  beforeEach(async () => {
    await runSql(
      url,
      `DROP TABLE IF EXISTS orders, users CASCADE;
       DROP TABLE IF EXISTS ${f.tableName} CASCADE;
       DROP FUNCTION IF EXISTS ${f.functionName}() CASCADE;
       SELECT setseed(0.5);
       CREATE TABLE users (id int PRIMARY KEY);
       INSERT INTO users SELECT g FROM generate_series(1, ${groups}) g;
       CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users, total numeric(10,2));
       CREATE INDEX orders_user_id ON orders (user_id);
       INSERT INTO orders (user_id, total)
         SELECT 1 + g % ${groups}, round((random() * 100)::numeric, 2) FROM generate_series(1, 400) g;
       BEGIN;
       ${f.lockSql}
       ${f.createTableSql}
       ${f.orderIndexSql ?? ''}
       ${f.createFunctionSql}
       ${f.createTriggerSql.join('\n')}
       ${f.backfillSql}
       COMMIT;`,
    );
  });

  /** The rows the summary table holds that the aggregate afresh does not, and the other way round. */
  async function difference(): Promise<{ extra: unknown[]; missing: unknown[] }> {
    const c = await reader();
    const extra = await c.query(`(${f.storedSql}) EXCEPT ALL (${f.freshSql})`);
    const missing = await c.query(`(${f.freshSql}) EXCEPT ALL (${f.storedSql})`);
    return { extra: extra.rows, missing: missing.rows };
  }

  async function assertExact(what: string): Promise<void> {
    const d = await difference();
    assert.deepEqual(d, { extra: [], missing: [] }, what);
  }

  /** Waits until `pid` waits on a lock, so the interleaving is the one the test means. */
  async function waitingOnLock(watcher: Client, pid: number): Promise<void> {
    const until = Date.now() + 20_000;
    for (;;) {
      const r = await watcher.query<{ waiting: boolean }>(
        "SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1",
        [pid],
      );
      if (r.rows[0]?.waiting) return;
      if (Date.now() > until) throw new Error(`backend ${pid} never waited on a lock`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until `c`'s statement waits on a lock (another transaction holds the group's summary row). */
  async function blocked(watcher: Client, c: Client): Promise<void> {
    await waitingOnLock(watcher, pids.get(c) ?? 0);
  }

  /**
   * `first` runs its statement in `a`'s open transaction, then `second` in `b`'s, which must wait on `a`'s lock;
   * `a` commits, `second` goes on, `b` commits.
   */
  async function interleave(
    watcher: Client,
    a: Client,
    first: () => Promise<unknown>,
    b: Client,
    second: () => Promise<unknown>,
  ): Promise<void> {
    await first();
    const waiting = second();
    await blocked(watcher, b);
    await a.query('COMMIT');
    await waiting;
    await b.query('COMMIT');
  }

  async function extreme(group: number, fn: 'max' | 'min'): Promise<{ id: number; total: string }> {
    const c = await reader();
    const r = await c.query<{ id: number; total: string }>(
      `SELECT id, total::text AS total FROM orders WHERE user_id = $1 AND total > 10 ORDER BY total ${fn === 'max' ? 'DESC' : 'ASC'}, id LIMIT 1`,
      [group],
    );
    return r.rows[0];
  }

  for (const fn of ['max', 'min'] as const) {
    const beyond = fn === 'max' ? '1000.00' : '10.01';
    for (const first of ['the delete', 'the insert'] as const) {
      it(`T1 deletes a group's ${fn.toUpperCase()} row while T2 inserts a new ${fn === 'max' ? 'greater' : 'smaller'} one; ${first} takes the group first`, async () => {
        const t1 = await client();
        const t2 = await client();
        const watcher = await client();
        const row = await extreme(3, fn);
        await t1.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        await t2.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const del = (): Promise<unknown> => t1.query('DELETE FROM orders WHERE id = $1', [row.id]);
        const ins = (): Promise<unknown> => t2.query('INSERT INTO orders (user_id, total) VALUES (3, $1)', [beyond]);
        if (first === 'the delete') await interleave(watcher, t1, del, t2, ins);
        else await interleave(watcher, t2, ins, t1, del);
        await assertExact(`${fn} after ${first} first`);
        const c = await reader();
        const stored = await c.query<{ v: string }>(
          `SELECT ${fn}_total::text AS v FROM ${f.tableName} WHERE user_id = 3`,
        );
        assert.equal(stored.rows[0]?.v, beyond);
      });
    }

    it(`T1 deletes a group's ${fn.toUpperCase()} row while T2's insert of a new extreme waits at the end of its statement (the recompute runs between)`, async () => {
      const t1 = await client();
      const t2 = await client();
      const row = await extreme(4, fn);
      await t1.query('BEGIN');
      await t2.query('BEGIN');
      // T2's row is in the table before T1 recomputes, but its trigger (at the end of the statement) runs after.
      const inserting = t2.query(
        `WITH ins AS (INSERT INTO orders (user_id, total) VALUES (4, $1) RETURNING id) SELECT pg_sleep(0.5) FROM ins`,
        [beyond],
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      await t1.query('DELETE FROM orders WHERE id = $1', [row.id]);
      await t1.query('COMMIT');
      await inserting;
      await t2.query('COMMIT');
      await assertExact(`${fn}: insert pending while the recompute ran`);
    });

    it(`T1 and T2 each delete one of a group's two greatest-or-least rows at once (${fn.toUpperCase()})`, async () => {
      const t1 = await client();
      const t2 = await client();
      const watcher = await client();
      const c = await reader();
      const two = await c.query<{ id: number }>(
        `SELECT id FROM orders WHERE user_id = 5 AND total > 10 ORDER BY total ${fn === 'max' ? 'DESC' : 'ASC'}, id LIMIT 2`,
      );
      await t1.query('BEGIN');
      await t2.query('BEGIN');
      await interleave(
        watcher,
        t1,
        () => t1.query('DELETE FROM orders WHERE id = $1', [two.rows[0].id]),
        t2,
        () => t2.query('DELETE FROM orders WHERE id = $1', [two.rows[1].id]),
      );
      await assertExact(`${fn}: two extremes deleted at once`);
    });
  }

  for (const fn of ['max', 'min'] as const) {
    it(`T1 moves a row into another group while T2 deletes that group's ${fn.toUpperCase()} row, both orders`, async () => {
      for (const order of ['move first', 'delete first'] as const) {
        const t1 = await client();
        const t2 = await client();
        const watcher = await client();
        const target = order === 'move first' ? 6 : 7;
        const row = await extreme(target, fn);
        // A row of another group with a value beyond the target's current extreme: it becomes the extreme there.
        const c = await reader();
        const mover = await c.query<{ id: number }>(`INSERT INTO orders (user_id, total) VALUES (8, $1) RETURNING id`, [
          fn === 'max' ? '999.00' : '10.02',
        ]);
        await t1.query('BEGIN');
        await t2.query('BEGIN');
        const move = (): Promise<unknown> =>
          t1.query('UPDATE orders SET user_id = $1 WHERE id = $2', [target, mover.rows[0].id]);
        const del = (): Promise<unknown> => t2.query('DELETE FROM orders WHERE id = $1', [row.id]);
        if (order === 'move first') await interleave(watcher, t1, move, t2, del);
        else await interleave(watcher, t2, del, t1, move);
        await assertExact(`${fn}: ${order}`);
      }
    });
  }

  it('the check catches a trigger that recomputes with the snapshot of its first statement (a control)', async () => {
    // The naive form: the group's new MAX read in the same statement that subtracts the row, whose snapshot is
    // taken before it waits for the group's row. The generated function recomputes in a later statement instead.
    await runSql(
      url,
      `CREATE OR REPLACE FUNCTION ${f.functionName}() RETURNS trigger LANGUAGE plpgsql AS $naive$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') AND old.user_id IS NOT NULL AND COALESCE(old.total > 10, false) THEN
           UPDATE ${f.tableName} AS sm SET row_count = sm.row_count - 1,
             n_total = sm.n_total - (old.total IS NOT NULL)::int, s_total = sm.s_total - COALESCE(old.total, 0),
             min_total = CASE WHEN old.total <= sm.min_total
               THEN (SELECT min(o.total) FROM orders o WHERE o.user_id = old.user_id AND o.total > 10) ELSE sm.min_total END,
             max_total = CASE WHEN old.total >= sm.max_total
               THEN (SELECT max(o.total) FROM orders o WHERE o.user_id = old.user_id AND o.total > 10) ELSE sm.max_total END
           WHERE sm.user_id = old.user_id;
           DELETE FROM ${f.tableName} WHERE user_id = old.user_id AND row_count = 0;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') AND new.user_id IS NOT NULL AND COALESCE(new.total > 10, false) THEN
           INSERT INTO ${f.tableName} AS sm (user_id, row_count, n_total, s_total, min_total, max_total)
           VALUES (new.user_id, 1, (new.total IS NOT NULL)::int, COALESCE(new.total, 0), new.total, new.total)
           ON CONFLICT (user_id) DO UPDATE SET row_count = sm.row_count + 1, n_total = sm.n_total + EXCLUDED.n_total,
             s_total = sm.s_total + EXCLUDED.s_total, min_total = LEAST(sm.min_total, EXCLUDED.min_total),
             max_total = GREATEST(sm.max_total, EXCLUDED.max_total);
         END IF;
         RETURN NULL;
       END $naive$`,
    );
    await assertExact('the naive trigger is right without concurrency');
    const t1 = await client();
    const t2 = await client();
    const watcher = await client();
    const c = await reader();
    const two = await c.query<{ id: number }>(
      'SELECT id FROM orders WHERE user_id = 5 AND total > 10 ORDER BY total DESC, id LIMIT 2',
    );
    await t1.query('BEGIN');
    await t2.query('BEGIN');
    await interleave(
      watcher,
      t1,
      () => t1.query('DELETE FROM orders WHERE id = $1', [two.rows[0].id]),
      t2,
      () => t2.query('DELETE FROM orders WHERE id = $1', [two.rows[1].id]),
    );
    const d = await difference();
    assert.equal(d.extra.length, 1, 'the naive trigger keeps a MAX that was deleted');
    assert.equal(d.missing.length, 1);
  });

  /**
   * One random write: insert, delete, change the value (in or out of the filter), set it NULL, move the row to
   * another group, or change every row of a group at once.
   */
  async function randomWrite(c: Client, rand: () => number): Promise<void> {
    const group = 1 + Math.floor(rand() * 4); // few groups: writers meet on the same summary rows
    const value = (rand() * 120).toFixed(2);
    const kind = Math.floor(rand() * 6);
    const pick = `(SELECT id FROM orders WHERE user_id = ${group} ORDER BY ${rand() < 0.5 ? 'total DESC' : 'total'} NULLS LAST, id LIMIT 1 OFFSET ${Math.floor(rand() * 3)})`;
    if (kind === 0) await c.query('INSERT INTO orders (user_id, total) VALUES ($1, $2)', [group, value]);
    else if (kind === 1) await c.query(`DELETE FROM orders WHERE id = ${pick}`);
    else if (kind === 2) await c.query(`UPDATE orders SET total = $1 WHERE id = ${pick}`, [value]);
    else if (kind === 3)
      await c.query(`UPDATE orders SET user_id = $1 WHERE id = ${pick}`, [1 + Math.floor(rand() * 4)]);
    else if (kind === 4) await c.query(`UPDATE orders SET total = NULL WHERE id = ${pick}`);
    // A batch: every row of the group raised or lowered at once (some cross the filter's bound).
    else
      await c.query('UPDATE orders SET total = greatest(total + $1, 0) WHERE user_id = $2', [
        Number(value) > 60 ? 5 : -5,
        group,
      ]);
  }

  /** A small deterministic generator per writer, so a failure can be run again. */
  function generator(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  for (const isolation of ['READ COMMITTED', 'REPEATABLE READ'] as const) {
    it(`many writers of random statements at ${isolation}, two statements per transaction`, async () => {
      const writers = 6;
      const transactions = 100;
      const outcome = { committed: 0, retried: 0 };
      const work = async (w: number): Promise<void> => {
        const c = await client();
        const rand = generator(1000 * w + (isolation === 'READ COMMITTED' ? 1 : 2));
        for (let i = 0; i < transactions; i++) {
          for (;;) {
            try {
              await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
              await randomWrite(c, rand);
              await randomWrite(c, rand);
              await c.query('COMMIT');
              outcome.committed += 1;
              break;
            } catch (err) {
              await c.query('ROLLBACK');
              // A deadlock between two writers of the same groups, or a serialization failure (REPEATABLE READ):
              // the transaction is rolled back whole, as an application retries it.
              const code = (err as { code?: string }).code;
              if (code !== '40P01' && code !== '40001') throw err;
              outcome.retried += 1;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => work(w)));
      assert.equal(outcome.committed, writers * transactions);
      // The writers did meet: some transactions were rolled back by a deadlock or a serialization failure.
      assert.ok(outcome.retried > 0, JSON.stringify(outcome));
      await assertExact(`${isolation}: ${JSON.stringify(outcome)}`);
    });
  }
});
