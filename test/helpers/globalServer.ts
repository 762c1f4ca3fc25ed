/**
 * Mocha global fixture: one real PostgreSQL server for the whole run, started lazily by the first test
 * that asks for it (testServer()), stopped after the run, also on failure.
 */
import { startTestServer, type TestServer } from './postgresServer';

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
