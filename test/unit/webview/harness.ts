/**
 * Runs the real plan-view bundle in Debian's Chromium: builds webview/main.ts with the same esbuild options
 * as scripts/build.mjs, serves a page shaped like the extension's webview HTML (strict CSP with a nonce),
 * and stands in for VS Code's `acquireVsCodeApi` by recording posted messages and the saved state.
 * Shared by the webview tests and bench/webviewPaint.ts.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToWebviewMessage, PlanViewState, WebviewToHostMessage } from '../../../src/shared/protocol';

const repoRoot = resolve(__dirname, '../../..');
const ORIGIN = 'http://planview.test';
const NONCE = 'dGVzdG5vbmNl';

let bundle: Promise<string> | undefined;

/** The webview bundle's source text, built once per process. */
export function webviewBundle(): Promise<string> {
  bundle ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'planview-'));
    const outfile = join(dir, 'webview.js');
    await build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: false,
      minify: false,
      entryPoints: [join(repoRoot, 'webview/main.ts')],
      outfile,
      logLevel: 'warning',
    });
    return readFileSync(outfile, 'utf8');
  })();
  return bundle;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export type Theme = 'dark' | 'light';

/** VS Code's Dark Modern and Light Modern values for the variables the view and vscode-elements read. */
const themes: Record<Theme, Record<string, string>> = {
  dark: {
    'editor-background': '#1f1f1f',
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    'panel-border': '#2b2b2b',
    'widget-border': '#313131',
    'editorWidget-background': '#202020',
    'sideBar-background': '#181818',
    'sideBarSectionHeader-background': '#181818',
    'sideBarTitle-foreground': '#cccccc',
    'charts-red': '#f14c4c',
    'charts-orange': '#d18616',
    'charts-yellow': '#cca700',
    'charts-green': '#89d185',
    'charts-blue': '#3794ff',
    focusBorder: '#0078d4',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-border': '#ffffff12',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c',
    'badge-background': '#616161',
    'badge-foreground': '#f8f8f8',
    'icon-foreground': '#cccccc',
    'list-hoverBackground': '#2a2d2e',
    'textCodeBlock-background': '#2b2b2b',
    errorForeground: '#f85149',
    'progressBar-background': '#0078d4',
  },
  light: {
    'editor-background': '#ffffff',
    foreground: '#3b3b3b',
    descriptionForeground: '#6f6f6f',
    'panel-border': '#e5e5e5',
    'widget-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8',
    'sideBar-background': '#f8f8f8',
    'sideBarSectionHeader-background': '#f8f8f8',
    'sideBarTitle-foreground': '#3b3b3b',
    'charts-red': '#e51400',
    'charts-orange': '#d18616',
    'charts-yellow': '#bf8803',
    'charts-green': '#388a34',
    'charts-blue': '#1a85ff',
    focusBorder: '#005fb8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-border': '#0000001a',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'badge-background': '#cccccc',
    'badge-foreground': '#3b3b3b',
    'icon-foreground': '#3b3b3b',
    'list-hoverBackground': '#f2f2f2',
    'textCodeBlock-background': '#f2f2f2',
    errorForeground: '#f85149',
    'progressBar-background': '#005fb8',
  },
};

function pageHtml(theme: Theme): string {
  const vars = Object.entries(themes[theme])
    .map(([k, v]) => `--vscode-${k}: ${v};`)
    .join(' ');
  const font = `--vscode-font-family: "Segoe WPC", "Segoe UI", "DejaVu Sans", sans-serif; --vscode-font-size: 13px; --vscode-font-weight: normal; --vscode-editor-font-family: "DejaVu Sans Mono", monospace;`;
  // The same CSP the extension sets: nothing inline without the nonce, no remote anything.
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'nonce-${NONCE}'; script-src 'nonce-${NONCE}';">
<style nonce="${NONCE}">html { ${vars} ${font} }</style>
<title>Plan view</title></head>
<body class="vscode-${theme}"><script nonce="${NONCE}" src="${ORIGIN}/webview.js"></script></body></html>`;
}

export interface PlanViewPage {
  page: Page;
  /** Messages the webview posted to the "host", in order. */
  posted(): Promise<WebviewToHostMessage[]>;
  clearPosted(): Promise<void>;
  /** The last state the webview saved with setState (undefined if none). */
  savedState(): Promise<PlanViewState | undefined>;
  /** Delivers a host → webview message like VS Code does (a window `message` event). */
  send(message: HostToWebviewMessage): Promise<void>;
  /** CSP violations reported by the page. */
  cspViolations(): Promise<string[]>;
  /** Page errors (uncaught exceptions). */
  errors: string[];
}

/** Stands in for VS Code's webview API; runs in the page before the bundle. Keep it free of named inner functions. */
const fakeVsCodeApi = `function (initialState) {
  const posted = [];
  const violations = [];
  let state = initialState === null ? undefined : initialState;
  let acquired = false;
  window.__posted = posted;
  window.__violations = violations;
  window.__state = () => state;
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      // 'painted' is the host's timing signal; the tests here look at what the user's actions post.
      postMessage: (m) => {
        if (m.type !== 'painted') posted.push(JSON.parse(JSON.stringify(m)));
      },
      getState: () => state,
      setState: (s) => { state = JSON.parse(JSON.stringify(s)); },
    };
  };
}`;

export interface OpenOptions {
  theme?: Theme;
  /** What `getState()` returns, as after a reload of the panel. */
  state?: PlanViewState;
  width?: number;
  height?: number;
}

export async function openPlanView(browser: Browser, options: OpenOptions = {}): Promise<PlanViewPage> {
  const source = await webviewBundle();
  const page = await browser.newPage({ viewport: { width: options.width ?? 1400, height: options.height ?? 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const html = pageHtml(options.theme ?? 'dark');
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = route.request().url();
    if (url.endsWith('/webview.js'))
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: source });
    if (url.endsWith('/index.html')) return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    return route.fulfill({ status: 404, body: '' });
  });
  // A string, not a function: tsx compiles our functions with esbuild's keepNames, whose `__name` helper
  // does not exist in the page; the stub makes functions passed to page.evaluate work too.
  await page.addInitScript({ content: `(${fakeVsCodeApi})(${JSON.stringify(options.state ?? null)});` });
  await page.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() =>
    ((window as unknown as { __posted: Array<{ type: string }> }).__posted ?? []).some((m) => m.type === 'ready'),
  );
  return {
    page,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHostMessage[] }).__posted.slice()),
    clearPosted: () => page.evaluate(() => void ((window as unknown as { __posted: unknown[] }).__posted.length = 0)),
    savedState: () =>
      page.evaluate(() => (window as unknown as { __state: () => PlanViewState | undefined }).__state()),
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    cspViolations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.slice()),
  };
}
