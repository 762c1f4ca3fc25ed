/**
 * Mocha global fixture: one real PostgreSQL server for the whole run, started lazily by the first test
 * that asks for it (testServer()), stopped after the run, also on failure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './postgresServer';

// Server sessions record the scans of our own measurements in a ledger file (src/core/db/ownScans.ts): the run's
// go to a directory of its own, not the user's.
process.env.PG_TUNER_STATE_DIR ??= mkdtempSync(join(tmpdir(), 'pg-tuner-test-state-'));

let server: Promise<TestServer> | undefined;

/** The run's PostgreSQL server; the first call starts it. A server that cannot start fails the test. */
export function testServer(): Promise<TestServer> {
  server ??= startTestServer();
  return server;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (server) {
    const s = await server.catch(() => undefined);
    await s?.stop();
  }
}
