/**
 * adviseWorkload() on the real server, per version (`npm run test:versions` runs it on 16–18 too): a read whose
 * `$n` have no values is planned generically from PostgreSQL 16 (estimated, never run, served by the measured
 * index that covers it) and skipped before 16 with the reason; the read with values is measured; nothing is kept.
 */
import { strict as assert } from 'node:assert';
import { adviseWorkload } from '../../../../src/core/advice/index/adviseWorkload';
import { openSession } from '../../../../src/core/db/openSession';
import type { DatabaseSession } from '../../../../src/core/db/session';
import { testServer } from '../../../helpers/globalServer';
import type { TestServer } from '../../../helpers/postgresServer';
import { createDatabase, dropDatabase, indexNames, runSql } from '../../../helpers/testDatabase';

const database = `workload_generic_${process.pid}`;

describe('adviseWorkload: statements without values, by server version', function () {
  this.timeout(300_000);
  let server: TestServer;
  let session: DatabaseSession;
  let url: string;

  before(async () => {
    server = await testServer();
    url = await createDatabase(server, database);
    await runSql(
      url,
      `CREATE TABLE parcels (id int PRIMARY KEY, depot int NOT NULL, note text NOT NULL);
      INSERT INTO parcels SELECT g, g % 5000, 'n' || g FROM generate_series(1, 200000) g;
      ANALYZE parcels;`,
    );
    session = await openSession({ kind: 'server', connectionString: url });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(server, database);
  });

  it('plans a $n read generically from 16, skips it before, measures the read with values', async () => {
    const advice = await adviseWorkload(
      session,
      [
        { id: '#1', sql: 'SELECT id FROM parcels WHERE depot = $1', origin: { kind: 'given', position: 1 } },
        { id: '#2', sql: 'SELECT id FROM parcels WHERE depot = 7', origin: { kind: 'given', position: 2 } },
      ],
      { allowMeasuredWhatIf: true },
    );
    const [generic, valued] = advice.statements;
    assert.equal(valued.status, 'measured');
    const onDepot = advice.indexes.find((x) => x.label === 'measured' && x.candidate.keys[0]?.column === 'depot');
    assert.ok(onDepot, JSON.stringify(advice.indexes.map((x) => x.createSql)));
    assert.ok(onDepot.serves.some((s) => s.statementId === '#2' && s.afterMs! < s.beforeMs!));
    if (server.versionNum >= 160000) {
      assert.equal(generic.status, 'estimated', JSON.stringify(generic));
      assert.match(generic.reason ?? '', /planned generically \(EXPLAIN \(GENERIC_PLAN\)\), not run/);
      // Served by the measured index on the same keys, not offered a second time.
      assert.ok(
        advice.indexes.some((x) => x.serves.some((s) => s.statementId === '#1')),
        JSON.stringify(advice.indexes),
      );
      assert.equal(advice.indexes.filter((x) => x.candidate.keys[0]?.column === 'depot').length, 1);
    } else {
      assert.equal(generic.status, 'skipped');
      assert.match(generic.reason ?? '', /cannot plan it generically \(16\+ can\)/);
    }
    assert.deepEqual(await indexNames(url), ['parcels_pkey']);
  });
});
