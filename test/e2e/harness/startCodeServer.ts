/**
 * Starts an installed code-server the way a test needs it: a fresh profile in `workDir` (settings, extensions,
 * logs), our VSIX installed into it through code-server's own CLI, no password, workspace trust off, listening
 * on loopback only, and answered on `/healthz` before the promise resolves. The server runs in a process group
 * of its own (its extension hosts included) so the caller can end all of it with one signal to `-pid`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './runCommand';

/** The profile settings every run starts from: nothing may ask the test a question or reach the network. */
export const baseSettings: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
};

/** The workbench appears in ~5 s; on a loaded 2-core machine the server itself can take several times that. */
const healthTimeoutMs = 60_000;
const healthPollMs = 250;

export interface StartedCodeServer {
  /** The server's pid, also the id of its process group. */
  pid: number;
  /** The profile's settings.json. */
  settingsFile: string;
  /** Where the server writes its own output. */
  serverLog: string;
}

export async function startCodeServer(options: {
  entry: string;
  port: number;
  workDir: string;
  /** A VSIX (or extension folder) installed into the fresh profile before the server starts. */
  extension?: string;
  /** Merged over `baseSettings` into the profile's settings.json before the server reads it. */
  settings?: Readonly<Record<string, unknown>>;
  /** Reaches the server and its extension hosts. */
  env?: NodeJS.ProcessEnv;
}): Promise<StartedCodeServer> {
  const { entry, port, workDir } = options;
  if (!existsSync(entry))
    throw new Error(`code-server entry point ${entry} not found: install it first (installCodeServer).`);
  const userDir = join(workDir, 'user');
  const settingsFile = join(userDir, 'User/settings.json');
  mkdirSync(join(userDir, 'User'), { recursive: true });
  mkdirSync(join(workDir, 'extensions'), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...options.settings }, null, 2));
  const profileArgs = ['--user-data-dir', userDir, '--extensions-dir', join(workDir, 'extensions')];
  const env = { ...process.env, ...options.env };

  if (options.extension) {
    const installed = await runCommand(
      process.execPath,
      [entry, ...profileArgs, '--install-extension', options.extension],
      {
        cwd: workDir,
        env,
        what: `installing ${options.extension} into the test profile`,
      },
    );
    writeFileSync(join(workDir, 'install-extension.log'), `${installed.stdout}${installed.stderr}`);
  }

  const serverLog = join(workDir, 'server.log');
  const out = openSync(serverLog, 'w');
  const child = spawn(
    process.execPath,
    [
      entry,
      ...profileArgs,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
    ],
    // detached: a new session and process group, so one signal to -pid also ends the extension hosts.
    { cwd: workDir, env, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`code-server did not start (no pid); see ${serverLog}`);
  writeFileSync(join(workDir, 'server.pid'), `${pid}\n`);

  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`code-server ended before answering (${exited}):\n${tail(serverLog)}`);
    if (await answers(`http://127.0.0.1:${port}/healthz`)) return { pid, settingsFile, serverLog };
    if (Date.now() > deadline) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      throw new Error(
        `code-server did not answer on 127.0.0.1:${port}/healthz within ${healthTimeoutMs / 1000} s:\n${tail(serverLog)}`,
      );
    }
    await new Promise((r) => setTimeout(r, healthPollMs));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-3000) : `(no ${file})`;
}
