/**
 * A real VS Code for the end-to-end tests: code-server (VS Code 1.100 for the browser, with a Node extension
 * host) installed from the npm registry by our harness (`harness/installCodeServer.ts`, cached in
 * .vscode-test/), started on a free loopback port with our VSIX (`harness/startCodeServer.ts`), and killed by
 * its process group when the test ends. `useEditor()` is the suites' fixture: it registers the hooks that start
 * all that for a `describe` and stop it again, and returns a handle with the page and the helpers.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { installCodeServer as installIntoCache } from './harness/installCodeServer';
import { startCodeServer } from './harness/startCodeServer';
import { planFrame, waitFor } from './pageProbes';
import { activeEditorText, contextMenuCommand, editorText, openFile, runCommand } from './workbench';
import { testServer } from '../helpers/globalServer';

export const repoRoot = resolve(__dirname, '../..');
const testDir = join(repoRoot, '.vscode-test');

/** Builds the bundles for production and packages the VSIX the user would install. */
export function packageVsix(): string {
  const vsix = join(testDir, `pg-query-tuner-e2e-${process.pid}.vsix`);
  mkdirSync(testDir, { recursive: true });
  execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: repoRoot, stdio: 'pipe' });
  // Dependencies are bundled by esbuild; --no-dependencies keeps node_modules out of the VSIX.
  execFileSync(
    'npx',
    [
      'vsce',
      'package',
      '--no-dependencies',
      '--no-rewrite-relative-links',
      '--skip-license',
      '--allow-missing-repository',
      '--out',
      vsix,
    ],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  );
  return vsix;
}

/** Installs code-server once (cached in .vscode-test/code-server-<version>) and returns its entry point. */
export function installCodeServer(): Promise<string> {
  return installIntoCache(testDir, (line) => console.log(`      [e2e set-up] ${line}`));
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
  /** Paths of the sample workspace left out of the copy (e.g. its schema folders, so nothing activates the extension). */
  omit?: string[];
}): Promise<RunningEditor> {
  const port = await freePort();
  // Per process: two suites running at once (a developer and CI on one machine) must not share a profile.
  const workDir = join(testDir, `run-${options.name}-${process.pid}`);
  const workspace = join(testDir, `workspace-${options.name}-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
  cpSync(join(repoRoot, 'test/e2e-workspace'), workspace, { recursive: true });
  for (const path of options.omit ?? []) rmSync(join(workspace, path), { recursive: true, force: true });
  const { pid } = await startCodeServer({
    entry: options.entry,
    port,
    workDir,
    extension: options.vsix,
    env: options.env,
    settings: {
      // The workspace copy sits inside this repository: keep Git's "open the parent repository?" toast away.
      'git.enabled': false,
      'git.openRepositoryInParentFolders': 'never',
      ...options.settings,
    },
  });
  const kill = (): void => {
    // The server leads its own process group, with its extension hosts: one signal ends them all.
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  // Also when mocha exits early (a failing before hook, --exit): never leave a server behind.
  process.once('exit', kill);
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

// ---------------------------------------------------------------------------------------------------------------
// The suites' fixture: one VSIX and one browser per mocha process, one editor and page per `useEditor` call.

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const artifactsDir = join(repoRoot, 'test-artifacts');

let shared: Promise<{ vsix: string; entry: string }> | undefined;
let browser: Promise<Browser> | undefined;
let browserUsers = 0;

/**
 * The VSIX (built for production) and code-server, made once per process: suites run in one mocha process
 * (`npm test`) install the same VSIX, each into its own profile. The VSIX is removed when the process exits.
 */
export function sharedInstall(): Promise<{ vsix: string; entry: string }> {
  shared ??= Promise.resolve().then(async () => {
    const vsix = packageVsix();
    process.once('exit', () => rmSync(vsix, { force: true }));
    return { vsix, entry: await installCodeServer() };
  });
  return shared;
}

async function acquireBrowser(): Promise<Browser> {
  browserUsers++;
  browser ??= chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumFlags });
  return browser;
}

/** Closes the browser once no suite uses it: the next suite launches a fresh one. */
async function releaseBrowser(): Promise<void> {
  if (--browserUsers > 0 || !browser) return;
  const closing = browser;
  browser = undefined;
  await (await closing.catch(() => undefined))?.close();
}

export interface EditorOptions {
  /** Names the profile and workspace folders, and the screenshots of failed tests. */
  name: string;
  /** Merged into the profile's settings.json. */
  settings?: Record<string, unknown>;
  /** Reaches the extension host (e.g. a password for `passwordEnv`). */
  env?: Record<string, string>;
  /** Files (paths relative to the workspace) written into the workspace copy before the workbench opens. */
  files?: Record<string, string>;
  /** Lets the page read and write the browser's clipboard, which is the workbench's. */
  clipboard?: boolean;
}

/** One running editor with its workbench page, for the tests of a `describe`. */
export class EditorHandle {
  private running: { editor: RunningEditor; page: Page; vsix: string } | undefined;

  get page(): Page {
    return this.started().page;
  }

  get editor(): RunningEditor {
    return this.started().editor;
  }

  /** The workspace copy the workbench has open. */
  get workspace(): string {
    return this.started().editor.workspace;
  }

  /** The profile (settings, logs). */
  get workDir(): string {
    return this.started().editor.workDir;
  }

  get vsix(): string {
    return this.started().vsix;
  }

  /** @internal set by useEditor's hooks. */
  attach(running: { editor: RunningEditor; page: Page; vsix: string } | undefined): void {
    this.running = running;
  }

  logLines(): string[] {
    return extensionLogLines(this.workDir);
  }

  /** Waits for a line of the extension's log matching `pattern` and returns it. */
  waitForLog(pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<string> {
    return waitFor(() => this.logLines().find((l) => pattern.test(l)), timeoutMs, what);
  }

  /** Waits for the extension's "activated in N ms" line (menus carry our items from then on); returns N. */
  async activated(timeoutMs = 60_000): Promise<number> {
    const line = await this.waitForLog(/activated in [\d.]+ ms/, timeoutMs, 'the "activated in N ms" log line');
    return Number(/activated in ([\d.]+) ms/.exec(line)?.[1]);
  }

  openFile(name: string, shownText: string): Promise<void> {
    return openFile(this.page, name, shownText);
  }

  runCommand(title: string): Promise<void> {
    return runCommand(this.page, title);
  }

  contextMenuCommand(lineText: string, item: string): Promise<void> {
    return contextMenuCommand(this.page, lineText, item);
  }

  editorText(): Promise<string> {
    return editorText(this.page);
  }

  activeEditorText(): Promise<string> {
    return activeEditorText(this.page);
  }

  /** The plan view's frame once `ready` holds for it. */
  planFrame(ready: (frame: Frame) => Promise<boolean>, timeoutMs: number): Promise<Frame> {
    return planFrame(this.page, ready, timeoutMs);
  }

  /** A screenshot of the workbench into test-artifacts/`name`.png. */
  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(artifactsDir, `${name}.png`) });
  }

  private started(): { editor: RunningEditor; page: Page; vsix: string } {
    if (!this.running)
      throw new Error(
        'The editor is not running: use the handle inside tests of the describe that called useEditor().',
      );
    return this.running;
  }
}

/**
 * Starts code-server with the shared VSIX on a fresh profile and workspace copy (with `options.files`) and opens
 * the workbench in the shared browser. For mocha suites use `useEditor`; this is for callers without mocha hooks
 * (a benchmark). `close(keepFiles)` stops it all again.
 */
export async function openEditor(options: EditorOptions): Promise<{
  editor: RunningEditor;
  page: Page;
  vsix: string;
  /** performance.now() when the browser was sent to the workspace (the user opened it). */
  openedAt: number;
  close(keepFiles?: boolean): Promise<void>;
}> {
  mkdirSync(artifactsDir, { recursive: true });
  const { vsix, entry } = await sharedInstall();
  const b = await acquireBrowser();
  let editor: RunningEditor | undefined;
  let page: Page | undefined;
  const close = async (keepFiles = false): Promise<void> => {
    await page
      ?.context()
      .close()
      .catch(() => undefined);
    editor?.stop(keepFiles);
    await releaseBrowser();
  };
  try {
    editor = await startEditor({ entry, vsix, name: options.name, settings: options.settings, env: options.env });
    for (const [path, text] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(join(editor.workspace, path)), { recursive: true });
      writeFileSync(join(editor.workspace, path), text);
    }
    const context = await b.newContext({ viewport: { width: 1600, height: 1000 } });
    if (options.clipboard)
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(editor.url).origin });
    page = await context.newPage();
    const openedAt = performance.now();
    await page.goto(editor.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return { editor, page, vsix, openedAt, close };
  } catch (err) {
    await close(true);
    throw err;
  }
}

/**
 * Registers the hooks of the calling `describe`: before — `openEditor` (the shared VSIX and browser,
 * code-server on a fresh profile and workspace copy, the workbench page); after each failed test — a screenshot
 * (test-artifacts/failed-<name>-<test>.png), and the run's profile and workspace are then kept for their logs;
 * after — page and editor stopped, the browser released. `options` may be a function, called in the before
 * hook (after the describe's own earlier hooks, e.g. a database set-up).
 */
/**
 * The editor options that give the workbench one connection, `label`, to `database` on the run's test server:
 * the password reaches the extension host through `passwordEnv`, as a user's CI would give it.
 */
export async function serverConnection(
  label: string,
  database: string,
): Promise<Pick<EditorOptions, 'env' | 'settings'>> {
  const server = await testServer();
  return {
    env: { PGTUNER_E2E_PASSWORD: server.password },
    settings: {
      'pgTuner.connections': [
        {
          label,
          host: server.host,
          port: server.port,
          database,
          user: server.user,
          sslmode: 'disable',
          passwordEnv: 'PGTUNER_E2E_PASSWORD',
        },
      ],
    },
  };
}

export function useEditor(options: EditorOptions | (() => EditorOptions | Promise<EditorOptions>)): EditorHandle {
  const handle = new EditorHandle();
  let failed = false;
  let name = typeof options === 'function' ? 'editor' : options.name;
  let opened: Awaited<ReturnType<typeof openEditor>> | undefined;

  before(async () => {
    const opts = typeof options === 'function' ? await options() : options;
    name = opts.name;
    opened = await openEditor(opts);
    handle.attach(opened);
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== 'failed') return;
    failed = true;
    const title = test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await opened?.page.screenshot({ path: join(artifactsDir, `failed-${name}-${title}.png`) }).catch(() => undefined);
  });

  after(async () => {
    handle.attach(undefined);
    await opened?.close(failed);
  });

  return handle;
}
