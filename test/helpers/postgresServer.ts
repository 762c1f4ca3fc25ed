/**
 * Starts a real, throw-away PostgreSQL server for the tests: initdb into a temporary directory, a free port
 * on 127.0.0.1, password authentication, pg_stat_statements preloaded and HypoPG created where installed.
 * Stopped and removed by stop(), and on process exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface TestServer {
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  versionNum: number;
  /** Extensions that could be created: 'pg_stat_statements', 'hypopg'. */
  extensions: string[];
  binDir: string;
  stop(): Promise<void>;
}

export function findPostgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // pg_config is optional; the Debian layout below is the usual place.
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debianRoot, v, 'bin'));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries not found (looked at $PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin). ' +
      'Install them, e.g. `apt-get install -y postgresql-15 postgresql-15-hypopg`, or set PG_BIN.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** initdb and postgres refuse to run as root; as root we run them as the `postgres` system user. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [cmd, args];
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

async function waitForServer(url: string, proc: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`PostgreSQL test server did not start (log: ${logFile}): ${String(lastError)}`);
}

export interface TestServerOptions {
  /** shared_preload_libraries; default pg_stat_statements (tests of a server without it pass []). */
  preloadLibraries?: string[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const binDir = findPostgresBinDir();
  const root = mkdtempSync(join(tmpdir(), 'pgtuner-test-'));
  const dataDir = join(root, 'data');
  const ids = serverUserIds();
  if (ids) chownSync(root, ids.uid, ids.gid);
  const user = 'tuner';
  const password = 'tuner-test-password';
  const pwFile = join(root, 'pw');
  writeFileSync(pwFile, password + '\n');
  if (ids) chownSync(pwFile, ids.uid, ids.gid);
  const [initCmd, initArgs] = asServerUser(join(binDir, 'initdb'), [
    '-D', dataDir, '-U', user, '--pwfile', pwFile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync',
  ]);
  try {
    execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(err)}`);
  }
  const port = await freePort();
  const logFile = join(root, 'server.log');
  const [pgCmd, pgArgs] = asServerUser(join(binDir, 'postgres'), [
    '-D', dataDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${root}`,
    '-c', `shared_preload_libraries=${(options.preloadLibraries ?? ['pg_stat_statements']).join(',')}`,
    '-c', 'fsync=off',
    '-c', 'full_page_writes=off',
    '-c', 'track_io_timing=on',
    '-c', 'max_connections=50',
    '-c', `logging_collector=off`,
  ]);
  const { openSync } = await import('node:fs');
  const logFd = openSync(logFile, 'a');
  const proc = spawn(pgCmd, pgArgs, { stdio: ['ignore', logFd, logFd], detached: false });
  const database = 'postgres';
  const url = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    if (proc.exitCode === null) {
      proc.kill('SIGINT');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          proc.kill('SIGKILL');
          resolve();
        }, 10_000);
        proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    rmSync(root, { recursive: true, force: true });
  };
  const stopSync = (): void => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  try {
    await waitForServer(url, proc, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  const extensions: string[] = [];
  try {
    for (const ext of ['pg_stat_statements', 'hypopg']) {
      try {
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${ext}`);
        extensions.push(ext);
      } catch {
        // HypoPG is optional on a developer machine; tests that need it check `extensions`.
      }
    }
    const v = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    const versionNum = Number(v.rows[0].v);
    await client.end();
    return { url, host: '127.0.0.1', port, user, password, database, versionNum, extensions, binDir, stop };
  } catch (err) {
    await client.end().catch(() => undefined);
    await stop();
    throw err;
  }
}
