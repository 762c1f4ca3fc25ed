/**
 * A real VS Code for the end-to-end tests: code-server (VS Code 1.100 for the browser, with a Node extension
 * host) installed from the npm registry by ../shared/vscode-web, started on a free loopback port with our VSIX,
 * and killed by its pid when the test ends.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');
const testDir = join(repoRoot, '.vscode-test');

/** `../shared/vscode-web` beside the repository, as CI clones it. */
export function sharedVscodeWeb(): string {
  const dir = resolve(repoRoot, '../shared/vscode-web');
  if (!existsSync(join(dir, 'install.sh'))) {
    throw new Error(`${dir}/install.sh not found: the end-to-end tests need the shared/ folder cloned beside the repository.`);
  }
  return dir;
}

/** Builds the bundles for production and packages the VSIX the user would install. */
export function packageVsix(): string {
  const vsix = join(testDir, `pg-query-tuner-e2e-${process.pid}.vsix`);
  mkdirSync(testDir, { recursive: true });
  execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: repoRoot, stdio: 'pipe' });
  // Dependencies are bundled by esbuild; --no-dependencies keeps node_modules out of the VSIX.
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--skip-license', '--allow-missing-repository', '--out', vsix], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  return vsix;
}

/** Installs code-server once (cached in .vscode-test/code-server) and returns its entry point. */
export function installCodeServer(): string {
  const out = execFileSync(join(sharedVscodeWeb(), 'install.sh'), [join(testDir, 'code-server')], { cwd: repoRoot, encoding: 'utf8' });
  return out.trim().split('\n').pop() ?? '';
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface RunningEditor {
  port: number;
  pid: number;
  workDir: string;
  workspace: string;
  url: string;
  /** Kills the server; removes its profile and workspace copy unless `keepFiles` (for a failed run's logs). */
  stop(keepFiles?: boolean): void;
}

/**
 * Starts VS Code with the VSIX on a fresh profile and a fresh copy of the sample workspace. `settings` are merged
 * into the profile's settings.json; `env` reaches the extension host (e.g. a password for `passwordEnv`).
 */
export async function startEditor(options: {
  entry: string;
  vsix: string;
  name: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}): Promise<RunningEditor> {
  const port = await freePort();
  // Per process: two suites running at once (a developer and CI on one machine) must not share a profile.
  const workDir = join(testDir, `run-${options.name}-${process.pid}`);
  const workspace = join(testDir, `workspace-${options.name}-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
  cpSync(join(repoRoot, 'test/e2e-workspace'), workspace, { recursive: true });
  execFileSync(join(sharedVscodeWeb(), 'start.sh'), [options.entry, String(port), workDir, options.vsix], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
  });
  const pid = Number(readFileSync(join(workDir, 'server.pid'), 'utf8').trim());
  const kill = (): void => {
    // start.sh runs the server with setsid: its pid is the process group of the server and its extension hosts.
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  // Also when mocha exits early (a failing before hook, --exit): never leave a server behind.
  process.once('exit', kill);
  const settingsFile = join(workDir, 'user/User/settings.json');
  const settings = {
    ...(JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>),
    // The workspace copy sits inside this repository: keep Git's "open the parent repository?" toast away.
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    ...options.settings,
  };
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  return {
    port,
    pid,
    workDir,
    workspace,
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
    stop: (keepFiles = false) => {
      kill();
      process.removeListener('exit', kill);
      if (!keepFiles) {
        rmSync(workspace, { recursive: true, force: true });
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/** Lines of the extension's output channel, as VS Code writes it to the profile's log folder. */
export function extensionLogLines(workDir: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.includes('PostgreSQL Query Tuner')) lines.push(...readFileSync(path, 'utf8').split('\n'));
    }
  };
  const logs = join(workDir, 'user/logs');
  if (existsSync(logs)) walk(logs);
  return lines;
}
