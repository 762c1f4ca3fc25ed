/**
 * Drives the real editor (code-server via test/e2e/codeServer.ts, Debian's Chromium via playwright-core) for the
 * extension's figures: activation time, command → first paint of the plan view, VSIX size. Shared by the e2e
 * test (test/e2e/paint.test.ts), which asserts what is shown, and `benchExtension()`, which takes medians.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { extensionLogLines, sharedInstall, startEditor, type RunningEditor } from '../e2e/codeServer';
import { waitFor } from '../e2e/pageProbes';

export { waitFor };
import { writePlanFiles } from './planFiles';

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** One "Open Plan from File" of a plan of `nodes` nodes into a freshly created plan view. */
export interface PaintSample {
  nodes: number;
  /** How long the file dialog stayed open before Enter, beyond what the test itself needed (openPlan's dwellMs). */
  dwellMs?: number;
  /** Test side: from accepting the file in the dialog until the webview frame shows the plan (polled). */
  commandToPaintMs: number;
  /** Host side, from the log: from the command calling show() until the view reported the painted frame. */
  hostFirstPaintMs: number;
  /** The view's own part of it: from receiving the result to the painted frame. */
  viewMs: number;
  /** For a newly created view, from the host's "plan view ready" line: panel created → the view said ready. */
  readyMs?: number;
  /** …of which, inside the view (ms since its page began loading): our script started, and it said ready. */
  scriptStartMs?: number;
  scriptReadyMs?: number;
  /** …and when it received the result (same clock): after `scriptReadyMs` by the message's way there and back. */
  receivedMs?: number;
}

/** What the plan view shows right after the first paint, read from its frame. */
export interface PaintedView {
  frame: Frame;
  title: string;
  nodesStat: string;
  /** The label of the node the view opened on: the rank-1 hotspot, else the first drawn node (a plan that does not
   * fit at a readable scale opens centred on its hotspot, so the root may be out of view and not drawn). */
  openedOnLabel: string | null;
  /** The id attribute of the drawn node that carries the rank-1 hotspot badge (`plan-node-<id>`), if drawn. */
  hotspotNode: string | null;
  drawnNodes: number;
}

const firstPaintLine =
  /first paint (\d+) ms for (\d+) nodes \((\d+) ms of it in the view(?:; the view received it (\d+) ms after its page began loading)?\)/;
const readyLine =
  /plan view ready (\d+) ms after the panel was created(?: \(in the view: script started (\d+) ms and ready (\d+) ms)?/;

export class EditorSession {
  private constructor(
    readonly browser: Browser,
    readonly editor: RunningEditor,
    readonly page: Page,
    readonly vsixBytes: number,
    /** The VSIX's entries (zip paths such as `extension/dist/pglite.data`). */
    readonly vsixFiles: string[],
    private readonly plans: Map<number, string>,
  ) {}

  /**
   * Packages the VSIX, starts code-server with it and opens the workbench on a workspace holding plan files of
   * `planSizes` nodes. Everything started is stopped again if a step fails.
   */
  static async start(name: string, planSizes: number[]): Promise<EditorSession> {
    // The one VSIX of this process (removed when it exits): the e2e suites that run after this one install it too.
    const { vsix, entry } = await sharedInstall();
    const vsixBytes = statSync(vsix).size;
    const vsixFiles = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
    let browser: Browser | undefined;
    let editor: RunningEditor | undefined;
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumFlags });
      // Without the schema folders: the extension activates on a workspace holding them (and starts the embedded
      // database), and these sessions measure the activation by their first command, on plan files alone.
      editor = await startEditor({ entry, vsix, name, omit: ['schema', 'seed'] });
      const paths = writePlanFiles(editor.workspace, planSizes);
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(editor.url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // The explorer appears once the workspace is loaded: the palette works from then on.
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      return new EditorSession(
        browser,
        editor,
        page,
        vsixBytes,
        vsixFiles,
        new Map(planSizes.map((n, i) => [n, paths[i]])),
      );
    } catch (err) {
      editor?.stop();
      await browser?.close();
      throw err;
    }
  }

  /** "activated in N ms" from the extension's log; waits for it (the first command activates the extension). */
  async activationMs(timeoutMs = 30_000): Promise<number> {
    const line = await waitFor(
      () => this.logLines().find((l) => /activated in [\d.]+ ms/.test(l)),
      timeoutMs,
      'the "activated in N ms" log line',
    );
    return Number(/activated in ([\d.]+) ms/.exec(line)?.[1]);
  }

  /**
   * The extension's activation time as VS Code itself reports it ("Developer: Show Running Extensions"): loading
   * the bundle plus activate(), which the "activated in" line does not cover. Leaves that editor open.
   */
  async runningExtensionsActivationMs(): Promise<number> {
    await this.runCommand('Developer: Show Running Extensions');
    const row = this.page
      .locator('.runtime-extensions-editor .monaco-list-row')
      .filter({ hasText: 'PostgreSQL Query Tuner' })
      .first();
    const text = await waitFor(
      async () => {
        const t = (await row.count()) > 0 ? await row.innerText() : '';
        return /Activation: \d+ms/.test(t) ? t : undefined;
      },
      15_000,
      'our row in Running Extensions',
    );
    return Number(/Activation: (\d+)ms/.exec(text)?.[1]);
  }

  logLines(): string[] {
    return extensionLogLines(this.editor.workDir);
  }

  /**
   * Runs "Open Plan from File" on the plan of `nodes` nodes and waits for the view to show it, then for the
   * host's "first paint" line. Call closeEditors() first to measure a newly created plan view.
   */
  /**
   * "Open Plan from File" with the `nodes`-node plan file. `dwellMs`: how long the dialog stays open with the
   * path in it before Enter (a person picking a file takes seconds; the test alone takes a few hundred ms).
   */
  async openPlan(nodes: number, dwellMs = 0): Promise<{ sample: PaintSample; view: PaintedView }> {
    const path = this.plans.get(nodes);
    if (!path) throw new Error(`no plan file of ${nodes} nodes in this session`);
    const paintLinesBefore = this.paintLines().length;
    const readyLinesBefore = this.logLines().filter((l) => readyLine.test(l)).length;
    await this.runCommand('Open Plan from File');
    // code-server's own file dialog: a quick input holding a path.
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    const listed = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: fileName });
    // The dialog sets its own starting folder a moment after it opens, over anything typed before: type the path
    // until it stays, and press Enter once the listing has caught up with it.
    await waitFor(
      async () => {
        if ((await input.inputValue()) !== path) await input.fill(path);
        await new Promise((r) => setTimeout(r, 150));
        return (await input.inputValue()) === path && (await listed.count()) > 0 ? true : undefined;
      },
      15_000,
      'the file dialog to take the path',
    );
    if (dwellMs > 0) await new Promise((r) => setTimeout(r, dwellMs));
    const t0 = performance.now();
    await input.press('Enter');
    const frame = await waitFor(
      () => findPaintedFrame(this.page, fileName, nodes),
      60_000,
      `the plan view of ${fileName}`,
      5,
    );
    const commandToPaintMs = performance.now() - t0;
    const line = await waitFor(
      () =>
        this.paintLines()
          .slice(paintLinesBefore)
          .find((l) => firstPaintLine.exec(l)?.[2] === String(nodes)),
      30_000,
      `the "first paint … for ${nodes} nodes" log line`,
    );
    const [, hostMs, , viewMs, receivedMs] = firstPaintLine.exec(line) ?? [];
    const ready = readyLine.exec(this.logLines().filter((l) => readyLine.test(l))[readyLinesBefore] ?? '');
    const readyFigures = ready
      ? { readyMs: Number(ready[1]), scriptStartMs: optionalNumber(ready[2]), scriptReadyMs: optionalNumber(ready[3]) }
      : {};
    const view = await readView(frame);
    return {
      sample: {
        nodes,
        dwellMs: dwellMs || undefined,
        commandToPaintMs,
        hostFirstPaintMs: Number(hostMs),
        viewMs: Number(viewMs),
        receivedMs: optionalNumber(receivedMs),
        ...readyFigures,
      },
      view,
    };
  }

  /** Closes every editor, the plan view included, and waits until its frame is gone. */
  async closeEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await waitFor(async () => ((await findPlanFrame(this.page)) ? undefined : true), 10_000, 'the plan view to close');
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }

  /** Stops the browser and the editor; keeps the editor's profile and logs when `keepFiles` (a failed run). */
  async stop(keepFiles = false): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      this.editor.stop(keepFiles);
    }
  }

  private paintLines(): string[] {
    return this.logLines().filter((l) => firstPaintLine.test(l));
  }

  private async runCommand(title: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    const focusedRow = widget.locator('.quick-input-list .monaco-list-row.focused').filter({ hasText: title });
    // Right after the workbench appears the palette can open before the commands are registered: retry.
    await waitFor(
      async () => {
        if (await widget.isVisible()) await this.page.keyboard.press('Escape');
        // The side bar's title: focuses the workbench (not a webview) and does nothing else.
        await this.page.locator('.part.sidebar .composite.title').first().click();
        await this.page.keyboard.press('F1');
        await input.waitFor({ timeout: 10_000 });
        await input.fill(`>${title}`);
        // The list filters as it is typed into: Enter only once the wanted command is the focused row.
        return (
          (await focusedRow
            .first()
            .waitFor({ timeout: 3_000 })
            .then(
              () => true,
              () => false,
            )) || undefined
        );
      },
      30_000,
      `"${title}" in the command palette`,
    );
    await input.press('Enter');
  }
}

/** The inner webview frame that draws our SVG, if there is one now. */
async function findPlanFrame(page: Page): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate(() => document.querySelector('svg.plan-svg') !== null)) return frame;
    } catch {
      // Frames come and go while a webview loads.
    }
  }
  return undefined;
}

/** The plan view's frame once it shows the plan of `fileName` with its nodes drawn. */
async function findPaintedFrame(page: Page, fileName: string, nodes: number): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      const shown = await frame.evaluate(
        ([name, count]) => {
          const title =
            document.querySelector('.summary .title')?.textContent ??
            document.querySelector('.title')?.textContent ??
            '';
          return (
            document.querySelector('svg.plan-svg g.node') !== null &&
            title.includes(name) &&
            (document.querySelector('.summary')?.textContent ?? '').includes(count)
          );
        },
        [fileName, String(nodes)] as const,
      );
      if (shown) return frame;
    } catch {
      // As above.
    }
  }
  return undefined;
}

async function readView(frame: Frame): Promise<PaintedView> {
  const read = await frame.evaluate(() => {
    const stats = [...document.querySelectorAll('.summary *')].map((e) => e.textContent ?? '');
    const nodesAt = stats.findIndex((t) => /^nodes$/i.test(t.trim()));
    return {
      title: document.querySelector('.title')?.textContent ?? '',
      nodesStat: nodesAt >= 0 ? (stats[nodesAt + 1] ?? '').trim() : '',
      openedOnLabel:
        (
          document.querySelector('g.node g.hotspot.rank-1')?.closest('g.node') ??
          document.querySelector('svg.plan-svg g.node')
        )?.querySelector('text.label')?.textContent ?? null,
      hotspotNode: document.querySelector('g.node g.hotspot.rank-1')?.closest('g.node')?.id ?? null,
      drawnNodes: document.querySelectorAll('svg.plan-svg g.node').length,
    };
  });
  return { frame, ...read };
}

function optionalNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

export const artifactsDir = join(__dirname, '../../test-artifacts');
