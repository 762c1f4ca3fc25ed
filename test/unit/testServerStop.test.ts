/**
 * The throw-away test server really goes away: as root, runuser stands in front of postgres and ended on the
 * stop signal without passing it on, so every stopped server kept running (and listening) as an orphan.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { startTestServer } from '../helpers/postgresServer';

describe('startTestServer / stop', function () {
  this.timeout(60_000);

  it('after stop() nothing answers on the server’s port', async () => {
    const server = await startTestServer({ preloadLibraries: [] });
    await server.stop();
    const client = new Client({ connectionString: server.url, connectionTimeoutMillis: 3000 });
    await assert.rejects(client.connect(), /ECONNREFUSED/);
    await client.end().catch(() => undefined);
  });
});
