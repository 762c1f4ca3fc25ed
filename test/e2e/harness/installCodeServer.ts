/**
 * Installs the real VS Code the end-to-end suites drive: code-server, the open-source VS Code built for the
 * browser with a real Node extension host, taken from the npm registry (the only place, with Debian's packages,
 * a test may fetch from). `@vscode/test-electron` would download the desktop build from elsewhere instead.
 *
 * The install is cached in `.vscode-test/code-server-<version>/` and reused by later runs. It is built in a
 * folder of its own and renamed into place only when complete, so an interrupted install is never reused and
 * two test processes installing at once both end with one whole copy.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { runCommand } from './runCommand';

/** The last code-server release that runs on Node 20 (VS Code 1.100.3); later ones need Node 22. */
export const codeServerVersion = '4.100.3';
const requiredNodeMajor = 20;

/**
 * The native modules code-server loads, by the package folder that holds them. npm's install scripts are
 * skipped (some fetch prebuilt binaries from outside the registry), so each is compiled here from its sources.
 */
const nativeModules: readonly { folder: 'package' | 'package/lib/vscode'; name: string }[] = [
  { folder: 'package', name: 'argon2' },
  { folder: 'package/lib/vscode', name: 'kerberos' },
  { folder: 'package/lib/vscode', name: '@vscode/spdlog' },
  { folder: 'package/lib/vscode', name: '@parcel/watcher' },
  { folder: 'package/lib/vscode', name: '@vscode/deviceid' },
  { folder: 'package/lib/vscode', name: 'native-watchdog' },
];

/** Marks a finished install; a cache folder without it is not used. */
const completeMarker = '.complete';

/** Where the install of `version` lives under `cacheRoot`, and its server entry point. */
export function codeServerPaths(cacheRoot: string, version = codeServerVersion): { dir: string; entry: string } {
  const dir = join(cacheRoot, `code-server-${version}`);
  return { dir, entry: join(dir, 'package/out/node/entry.js') };
}

/**
 * Returns the entry point (`out/node/entry.js`) of code-server, installing it under `cacheRoot` first when no
 * complete install is there. `log` hears one line per step (the first install takes a few minutes).
 */
export async function installCodeServer(
  cacheRoot: string,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const { dir, entry } = codeServerPaths(cacheRoot);
  if (existsSync(join(dir, completeMarker)) && existsSync(entry)) return entry;

  checkNodeVersion();
  const ripgrep = findOnPath('rg');
  if (!ripgrep) {
    throw new Error(
      'ripgrep (`rg`) is not on PATH: VS Code searches files with it and the harness takes it from Debian. ' +
        'Run `npm test` once (its set-up installs the system packages), or: sudo apt-get install -y ripgrep',
    );
  }
  const nodeHeaders = nodeHeadersDir();

  mkdirSync(cacheRoot, { recursive: true });
  removeAbandonedInstalls(cacheRoot, dir);
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  try {
    log(`code-server ${codeServerVersion}: fetching the package from the npm registry`);
    const packed = await runCommand(
      'npm',
      ['pack', '--json', '--pack-destination', work, `code-server@${codeServerVersion}`],
      {
        cwd: work,
        what: `npm pack code-server@${codeServerVersion}`,
      },
    );
    const tarball = tarballName(packed.stdout);
    await runCommand('tar', ['xzf', tarball], { cwd: work, what: 'unpacking the code-server package' });
    rmSync(join(work, tarball), { force: true });

    const pkg = join(work, 'package');
    const vscode = join(pkg, 'lib/vscode');
    for (const folder of [pkg, vscode, join(vscode, 'extensions')]) {
      log(`code-server: npm install in ${folder.slice(work.length + 1)}`);
      await npmInstall(folder);
    }

    const buildEnv = { ...process.env, npm_config_nodedir: nodeHeaders, npm_config_build_from_source: 'true' };
    for (const mod of nativeModules) {
      const moduleDir = join(work, mod.folder, 'node_modules', mod.name);
      if (!existsSync(moduleDir)) {
        throw new Error(
          `code-server ${codeServerVersion}: ${mod.name} is not in ${mod.folder}/node_modules after npm install; the list of native modules in ${__filename} needs updating.`,
        );
      }
      log(`code-server: compiling ${mod.name}`);
      await buildNativeModule(moduleDir, buildEnv);
    }

    // VS Code's search runs the ripgrep binary that @vscode/ripgrep's install script would have downloaded.
    const rgDir = join(vscode, 'node_modules/@vscode/ripgrep/bin');
    mkdirSync(rgDir, { recursive: true });
    copyFileSync(ripgrep, join(rgDir, 'rg'));
    chmodSync(join(rgDir, 'rg'), 0o755);
    // What code-server's own postinstall would link: VS Code looks for its modules in node_modules.asar, and
    // for the `code-server` CLI and browser helper under the names of this platform.
    symlinkSync('node_modules', join(vscode, 'node_modules.asar'));
    symlinkSync('code-linux.sh', join(vscode, 'bin/remote-cli/code-server'));
    symlinkSync('browser-linux.sh', join(vscode, 'bin/helpers/browser.sh'));

    writeFileSync(join(work, completeMarker), `${codeServerVersion}\n`);
    try {
      renameSync(work, dir);
    } catch (err) {
      // Another test process finished the same install first: keep its copy.
      if (!existsSync(join(dir, completeMarker))) throw err;
      rmSync(work, { recursive: true, force: true });
    }
    log(`code-server ${codeServerVersion}: installed in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
    return entry;
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

/** Partial installs left by a test process that was killed: they are never completed, only in the way. */
function removeAbandonedInstalls(cacheRoot: string, dir: string): void {
  const prefix = `${basename(dir)}.partial-`;
  for (const name of readdirSync(cacheRoot)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && !processRuns(pid)) rmSync(join(cacheRoot, name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function checkNodeVersion(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== requiredNodeMajor) {
    throw new Error(
      `code-server ${codeServerVersion} (the VS Code of the end-to-end tests) runs on Node ${requiredNodeMajor}; this is Node ${process.versions.node}. ` +
        `Run the tests with Node ${requiredNodeMajor}.`,
    );
  }
}

/**
 * The folder with Node's C headers (`include/node/node.h`) that the native modules compile against. node-gyp
 * would otherwise download them from nodejs.org; Node's own packages (Debian/NodeSource, the nodejs.org tarball,
 * nvm) ship them beside the binary.
 */
function nodeHeadersDir(): string {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].filter(
    (d): d is string => !!d,
  );
  const found = candidates.find((d) => existsSync(join(d, 'include/node/node.h')));
  if (!found) {
    throw new Error(
      `Node's C headers (include/node/node.h) are not under ${candidates.join(' or ')}: code-server's native modules are compiled ` +
        'against them. Use a Node.js build that ships them (the nodejs.org tarball, NodeSource, nvm), or set npm_config_nodedir.',
    );
  }
  return found;
}

function tarballName(packJson: string): string {
  const parsed = JSON.parse(packJson) as { filename?: string }[];
  const name = parsed[0]?.filename;
  if (!name) throw new Error(`npm pack printed no file name: ${packJson.slice(0, 500)}`);
  return name;
}

function npmInstall(folder: string): Promise<unknown> {
  // --ignore-scripts: no package's install script runs (they may download); native modules are compiled below.
  return runCommand(
    'npm',
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: folder,
      what: `npm install in ${folder}`,
    },
  );
}

/**
 * Compiles one native module from its sources with npm's own node-gyp (`$npm_config_node_gyp` inside
 * `npm exec`). Modules published for node-pre-gyp (argon2) name their output in package.json, so they are
 * built through node-pre-gyp, told to build from source and never to fetch a prebuilt binary.
 */
async function buildNativeModule(moduleDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as {
    binary?: { module_name?: string };
  };
  const script = manifest.binary?.module_name
    ? 'node-pre-gyp rebuild --build-from-source'
    : 'node "$npm_config_node_gyp" rebuild --jobs=max';
  await runCommand('npm', ['exec', '--no', '-c', script], { cwd: moduleDir, env, what: `compiling ${moduleDir}` });
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}
