/**
 * `npm run test:electron`: the extension's smoke suite in a downloaded VS Code (Electron), for machines that can
 * download it. Where the download is impossible (these offline machines) it says so and exits 0; the code-server
 * suite in test/e2e (run by `npm test`) drives a real VS Code instead.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const repoRoot = resolve(__dirname, '../..');
const downloadTimeoutMs = 120_000;

async function main(): Promise<number> {
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await Promise.race([
      downloadAndUnzipVSCode('stable'),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer in ${downloadTimeoutMs / 1000} s`)), downloadTimeoutMs).unref(),
      ),
    ]);
  } catch (err) {
    console.log(
      `test:electron: cannot download VS Code on this machine (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); skipped. ` +
        'The end-to-end suite in test/e2e runs the extension in code-server instead (npm test).',
    );
    return 0;
  }
  const out = join(repoRoot, '.vscode-test/electron');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(__dirname, 'suite/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    outfile: join(out, 'suite.js'),
    logLevel: 'warning',
  });
  const workspace = join(out, 'workspace');
  cpSync(join(repoRoot, 'test/e2e-workspace'), workspace, { recursive: true });
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(out, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('test:electron failed:', err);
    process.exit(1);
  },
);
