/**
 * An index-only scan is only index-only where the visibility map says so. On the real PostgreSQL 15 test
 * server, a table loaded by our generator (setseed, generate_series) with autovacuum off: before VACUUM the
 * scan fetches every row from the table and heapFetchShare says so; after VACUUM it says nothing.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { parsePlan } from '../../../../src/core/plan/parsePlan';
import { heapFetchShare } from '../../../../src/core/advice/index/whatIf';

const database = 'advisor_heap_fetches_test';
const query = "SELECT user_id, count(*), sum(total) FROM orders WHERE created_at >= '2024-01-01' GROUP BY user_id";

describe('heapFetchShare: index-only scans on a table VACUUM has not seen', function () {
  this.timeout(120_000);
  let session: PgSession;

  before(async () => {
    const s = await testServer();
    session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
    // autovacuum off: it must not set the visibility map behind the test's back.
    await session.execute(`SET synchronous_commit = on;
SELECT setseed(0.3);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id int NOT NULL, total numeric(10,2) NOT NULL, created_at timestamp NOT NULL)
  WITH (autovacuum_enabled = off);
INSERT INTO orders SELECT g, 1 + floor(random() * 2000)::int, round((random() * 500)::numeric, 2),
  timestamp '2022-01-01' + floor(random() * 1095) * interval '1 day' FROM generate_series(1, 60000) g;
CREATE INDEX orders_user_total_2024 ON orders (user_id) INCLUDE (total) WHERE created_at >= '2024-01-01';
ANALYZE orders;
SET enable_seqscan = off;
SET enable_bitmapscan = off;`);
  });
  after(async () => {
    await session?.close();
  });

  async function planned(): Promise<ReturnType<typeof parsePlan>> {
    return parsePlan((await session.explain({ sql: query, analyze: true })).planJson);
  }

  it('reports the share of rows fetched from the table before VACUUM, and nothing after', async () => {
    const before = await planned();
    assert.ok(
      before.nodes.some((n) => n.fields['Node Type'] === 'Index Only Scan'),
      'the index-only scan is planned',
    );
    const share = heapFetchShare(before, 'orders_user_total_2024');
    assert.ok(share !== undefined && share > 0.9, `share ${share}`);
    assert.equal(heapFetchShare(before, 'another_index'), undefined);

    await session.execute('VACUUM orders');
    const after = await planned();
    const scan = after.nodes.find((n) => n.fields['Node Type'] === 'Index Only Scan');
    assert.equal(Number(scan?.fields['Heap Fetches']), 0);
    assert.equal(heapFetchShare(after, 'orders_user_total_2024'), undefined);
  });
});
