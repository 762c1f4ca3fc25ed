/** The built CLI bundle (dist/cli.js) run as a user runs it, for the tests that go through it. */
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');
export const cliBundle = join(repoRoot, 'dist/cli.js');

/** Builds dist/ (extension, CLI and webview bundles) as `npm run build` does. */
export function buildBundles(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'pipe' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Another copy of the bundle (default: dist/cli.js). */
  bundle?: string;
  /** Standard input (default: empty, closed). */
  input?: string;
  /** Added to the clean environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `node <bundle> …args` with a clean environment (no PG* variables, no colour). */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env };
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [options.bundle ?? cliBundle, ...args], {
      env,
      cwd: options.cwd ?? repoRoot,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
