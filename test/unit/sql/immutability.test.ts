/**
 * sql/immutability.ts on the real test server: what it says may go into an index, PostgreSQL accepts, and what it
 * says is not IMMUTABLE, PostgreSQL refuses ("functions in index expression must be marked IMMUTABLE").
 */
import { strict as assert } from 'node:assert';
import { PgSession } from '../../../src/core/db/pgSession';
import { loadParser } from '../../../src/core/sql/parser';
import { functionsCalled, knownNotImmutable, notImmutable } from '../../../src/core/sql/immutability';
import { testServer } from '../../helpers/globalServer';

describe('immutability of index expressions', function () {
  this.timeout(60_000);
  let session: PgSession;

  before(async () => {
    await loadParser();
    const s = await testServer();
    session = await PgSession.connect({ connectionString: s.url });
    await session.execute(`DROP SCHEMA IF EXISTS immut CASCADE; CREATE SCHEMA immut;
      CREATE TABLE immut.t (id int, email text, closed_at timestamptz, at timestamp, n numeric);
      CREATE SEQUENCE immut.s`);
  });
  after(async () => {
    await session?.execute('DROP SCHEMA IF EXISTS immut CASCADE');
    await session?.close();
  });

  it('reads the calls with the parser, SQL value functions included', () => {
    assert.deepEqual(functionsCalled("COALESCE(closed_at, now()) + pg_catalog.date_trunc('day', at)"), [
      { name: 'now', args: 0 },
      { name: 'date_trunc', args: 2, schema: 'pg_catalog' },
    ]);
    assert.deepEqual(functionsCalled('COALESCE(closed_at, current_timestamp)'), [
      { name: 'current_timestamp', args: 0, sqlValueFunction: true },
    ]);
  });

  /** Whether PostgreSQL accepts the expression in an index (built in a transaction rolled back). */
  async function accepted(expression: string): Promise<boolean> {
    try {
      await session.execute(`BEGIN; CREATE INDEX ON immut.t ((${expression}))`);
      return true;
    } catch (err) {
      assert.match((err as Error).message, /must be marked IMMUTABLE/);
      return false;
    } finally {
      await session.execute('ROLLBACK');
    }
  }

  const refused: Array<[string, string[]]> = [
    ['COALESCE(closed_at, now())', ['now()']],
    ['COALESCE(closed_at, current_timestamp)', ['current_timestamp']],
    ['closed_at > localtimestamp', ['localtimestamp']],
    ["id + nextval('immut.s')", ['nextval()']],
    ['age(at)', ['age()']],
    ['clock_timestamp() - closed_at', ['clock_timestamp()']],
    ["to_char(n, '999')", ['to_char()']],
  ];
  for (const [expression, calls] of refused) {
    it(`not immutable, and refused: ${expression}`, async () => {
      assert.deepEqual(
        (await notImmutable(session, expression)).map((f) => f.call),
        calls,
      );
      assert.deepEqual(
        knownNotImmutable(expression).map((f) => f.call),
        calls,
      );
      assert.equal(await accepted(expression), false);
    });
  }

  for (const expression of ['lower(email)', 'COALESCE(n, 0)', "date_trunc('day', at)"]) {
    it(`immutable for these types, and accepted: ${expression}`, async () => {
      // pg_proc by name cannot tell date_trunc's overloads apart: unknown, never "immutable".
      const found = await notImmutable(session, expression);
      assert.ok(
        found.every((f) => f.volatility === 'unknown'),
        JSON.stringify(found),
      );
      assert.equal(await accepted(expression), true);
    });
  }

  it('date_trunc on timestamptz is refused, and is never said to be immutable', async () => {
    const expression = "date_trunc('day', closed_at)";
    assert.deepEqual(await notImmutable(session, expression), [{ call: 'date_trunc()', volatility: 'unknown' }]);
    assert.equal(await accepted(expression), false);
  });
});
