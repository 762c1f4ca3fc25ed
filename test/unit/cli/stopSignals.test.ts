/**
 * Stopping pg-tuner while a statement runs on the server (the built bundle, the real test server): a job runner's
 * SIGTERM, a closed terminal's SIGHUP, and an MCP client that closes stdin mid-call. Each must cancel the
 * statement on the server, as Ctrl-C does, rather than leave it running (holding its locks) until the timeout.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { buildBundles, cliBundle } from '../../helpers/cliBundle';

const cleanEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' });

/** Backends other than ours whose query holds `marker`, still running. */
async function running(url: string, marker: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'",
      [marker],
    );
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('stopping pg-tuner mid-statement cancels it on the server (built bundle, test server)', function () {
  this.timeout(120_000);
  let url = '';

  before(async () => {
    buildBundles();
    url = (await testServer()).url;
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} to \`pg-tuner explain\` cancels the running statement and exits`, async () => {
      const marker = `stop_${signal.toLowerCase()}_${process.pid}`;
      const child = spawn(
        process.execPath,
        [cliBundle, 'explain', '--url', url, '--timeout', '60000', `SELECT pg_sleep(40) AS ${marker}`],
        { env: cleanEnv() },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = exited(child);
      await until('the statement to run', async () => (await running(url, marker)) > 0, 30_000);
      child.kill(signal);
      const code = await done;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /Cancelling…/);
      // Before: the process ended at once and pg_sleep(40) kept running on the server.
      await until('the statement to end on the server', async () => (await running(url, marker)) === 0, 5_000);
    });
  }

  it('an MCP client that closes stdin mid-call: the statement is cancelled before the server exits', async () => {
    const marker = `stop_mcp_eof_${process.pid}`;
    const child = spawn(process.execPath, [cliBundle, 'mcp', '--connection', `db=${url}`, '--allow-analyze-writes'], {
      env: cleanEnv(),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = exited(child);
    const send = (message: object): boolean => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'eof-test', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: {
        name: 'explain',
        arguments: { connection: 'db', sql: `SELECT pg_sleep(40) AS ${marker}`, mode: 'analyze' },
      },
    });
    await until('the statement to run', async () => (await running(url, marker)) > 0, 30_000);
    child.stdin.end();
    await done;
    // Before: the server exited at once and pg_sleep(40) kept running until the timeout.
    assert.equal(await running(url, marker), 0, stderr);
  });
});
