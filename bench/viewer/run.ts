/**
 * The plan viewer against pev2 (npm `pev2`, Vue 3), in the same Debian Chromium, on the same machine, in the
 * same run, for generated plans of 100, 2,000 and 10,000 nodes (test/helpers/syntheticPlan.ts):
 * - first paint: from handing the plan to the page until the first frame that shows plan nodes;
 * - interactive: until a first interaction (ours: keyboard move to a child; pev2: a click on a node) has
 *   been handled and painted;
 * - heap: JS heap in use after a forced GC.
 * Our view receives the plan parsed by the host (the extension parses off the webview); pev2 parses the
 * JSON in the page, so "ours incl. parse" adds our parsePlan time in Node for a like-for-like figure.
 *
 *   tsx bench/viewer/run.ts          (pev2, vue and bootstrap from node_modules, or from
 *                                     PEV2_NODE_MODULES=/path/to/node_modules when installed elsewhere)
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parsePlan } from '../../src/core/plan/parsePlan';
import type { DidShowResultNotification } from '../../src/shared/protocol';
import { syntheticPlanJson } from '../../test/helpers/syntheticPlan';
import { openPlanView } from '../../test/unit/webview/harness';
import { timeShowResult } from '../webviewPaint';
import { median } from '../../src/core/median';

const repoRoot = resolve(__dirname, '../..');
const PEV2_ORIGIN = 'http://pev2.test';
/** A size whose first paint takes longer than this is reported as over the limit, not waited for. */
const LIMIT_MS = 120_000;

export interface ViewerSample {
  nodes: number;
  ours: { firstPaintMs: number; interactiveMs: number; heapMB: number; parseMs: number };
  pev2?: { firstPaintMs: number; interactiveMs: number; heapMB: number };
  pev2Error?: string;
}

function pev2NodeModules(): string | undefined {
  const candidates = [process.env.PEV2_NODE_MODULES, join(repoRoot, 'node_modules')].filter((p): p is string => !!p);
  return candidates.find(
    (dir) => existsSync(join(dir, 'pev2/package.json')) && existsSync(join(dir, 'vue/package.json')),
  );
}

/** Bundles the pev2 page (JS + CSS) once. */
async function pev2Bundle(nodeModules: string): Promise<{ js: string; css: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pev2-bench-'));
  await build({
    entryPoints: [join(__dirname, 'pev2Page.mjs')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: dir,
    nodePaths: [nodeModules],
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    logLevel: 'error',
  });
  return { js: readFileSync(join(dir, 'pev2Page.js'), 'utf8'), css: readFileSync(join(dir, 'pev2Page.css'), 'utf8') };
}

async function heapMB(page: Page): Promise<number> {
  return page.evaluate(() => {
    (globalThis as unknown as { gc?: () => void }).gc?.();
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return memory ? memory.usedJSHeapSize / 2 ** 20 : Number.NaN;
  });
}

async function measureOurs(
  browser: Browser,
  planJson: string,
  nodes: number,
): Promise<{ firstPaintMs: number; interactiveMs: number; heapMB: number }> {
  const view = await openPlanView(browser);
  const message: DidShowResultNotification = {
    type: 'didShowResult',
    result: { sql: '', plan: parsePlan(planJson), insights: [], nodeRanges: {}, rawPlan: planJson },
    title: `${nodes} nodes`,
  };
  const timing = await timeShowResult(view.page, message, true);
  if (view.errors.length) throw new Error(`our view failed on ${nodes} nodes: ${view.errors.join('; ')}`);
  const heap = await heapMB(view.page);
  await view.page.close();
  return { ...timing, heapMB: heap };
}

async function measurePev2(
  browser: Browser,
  bundle: { js: string; css: string },
  planJson: string,
): Promise<{ firstPaintMs: number; interactiveMs: number; heapMB: number }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // tsx compiles the functions passed to page.evaluate with esbuild's keepNames, whose helper the page lacks.
  await page.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${PEV2_ORIGIN}/pev2.css"><title>pev2</title>
<style>html, body, #app { height: 100%; margin: 0; }</style></head><body><div id="app"></div><script src="${PEV2_ORIGIN}/pev2.js"></script></body></html>`;
  await page.route(`${PEV2_ORIGIN}/**`, (route) => {
    const url = route.request().url();
    if (url.endsWith('/pev2.js'))
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: bundle.js });
    if (url.endsWith('/pev2.css')) return route.fulfill({ status: 200, contentType: 'text/css', body: bundle.css });
    if (url.endsWith('/index.html')) return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${PEV2_ORIGIN}/index.html`);
  await page.waitForFunction(() => typeof (window as unknown as { __mountPlan?: unknown }).__mountPlan === 'function');
  await page.evaluate((p) => void ((window as unknown as { __benchPlan: string }).__benchPlan = p), planJson);
  const timing = await page.evaluate(async (limit) => {
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
    const w = window as unknown as { __benchPlan: string; __mountPlan: (s: string) => void };
    const t0 = performance.now();
    w.__mountPlan(w.__benchPlan);
    while (!document.querySelector('.plan-node')) {
      if (performance.now() - t0 > limit) throw new Error(`no plan node drawn after ${limit} ms`);
      await frame();
    }
    await frame();
    const firstPaintMs = performance.now() - t0;
    const node = document.querySelector<HTMLElement>('.plan-node .plan-node-body, .plan-node')!;
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await frame();
    return { firstPaintMs, interactiveMs: performance.now() - t0 };
  }, LIMIT_MS);
  if (errors.length) throw new Error(errors.join('; '));
  const heap = await heapMB(page);
  await page.close();
  return { ...timing, heapMB: heap };
}

export async function measureViewerVsPev2(sizes = [100, 2_000, 10_000], runs = 3): Promise<ViewerSample[]> {
  const nodeModules = pev2NodeModules();
  const bundle = nodeModules ? await pev2Bundle(nodeModules) : undefined;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
    ],
  });
  const samples: ViewerSample[] = [];
  try {
    for (const nodes of sizes) {
      const planJson = syntheticPlanJson(nodes);
      parsePlan(planJson); // warm-up
      const parseTimes: number[] = [];
      const ours: Array<{ firstPaintMs: number; interactiveMs: number; heapMB: number }> = [];
      const theirs: Array<{ firstPaintMs: number; interactiveMs: number; heapMB: number }> = [];
      let pev2Error: string | undefined = bundle
        ? undefined
        : 'pev2 not installed (npm install --no-save pev2 vue, or PEV2_NODE_MODULES)';
      // Alternating the two viewers keeps a busy machine's noise out of the ratio.
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        parsePlan(planJson);
        parseTimes.push(performance.now() - started);
        ours.push(await measureOurs(browser, planJson, nodes));
        if (bundle && !pev2Error) {
          try {
            theirs.push(await measurePev2(browser, bundle, planJson));
          } catch (err) {
            pev2Error = err instanceof Error ? err.message.split('\n')[0] : String(err);
          }
        }
      }
      const pick = (list: typeof ours) => ({
        firstPaintMs: median(list.map((x) => x.firstPaintMs)),
        interactiveMs: median(list.map((x) => x.interactiveMs)),
        heapMB: median(list.map((x) => x.heapMB)),
      });
      samples.push({
        nodes,
        ours: { ...pick(ours), parseMs: median(parseTimes) },
        pev2: theirs.length ? pick(theirs) : undefined,
        pev2Error,
      });
    }
  } finally {
    await browser.close();
  }
  return samples;
}

/** Rows for bench/run.ts's figure table: name, value, target, met. */
export function viewerFigures(
  samples: ViewerSample[],
): Array<{ name: string; value: string; target: string; met?: boolean }> {
  const rows: Array<{ name: string; value: string; target: string; met?: boolean }> = [];
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  for (const s of samples) {
    const n = s.nodes.toLocaleString('en-US');
    const target = s.nodes >= 10_000 ? 1000 : s.nodes >= 2_000 ? 300 : undefined;
    const faster = s.pev2 ? s.ours.firstPaintMs < s.pev2.firstPaintMs : undefined;
    rows.push({
      name: `viewer ${n} nodes: first paint ours / pev2 (ratio)`,
      value: s.pev2
        ? `${ms(s.ours.firstPaintMs)} / ${ms(s.pev2.firstPaintMs)} (${(s.pev2.firstPaintMs / s.ours.firstPaintMs).toFixed(1)}× faster)`
        : `${ms(s.ours.firstPaintMs)} / – (${s.pev2Error})`,
      target: `${target !== undefined ? `≤ ${target} ms, ` : ''}faster than pev2`,
      met: (target === undefined || s.ours.firstPaintMs <= target) && faster !== false,
    });
    rows.push({
      name: `viewer ${n} nodes: first paint ours incl. parsePlan in the host`,
      value: `${ms(s.ours.firstPaintMs + s.ours.parseMs)} (parse ${ms(s.ours.parseMs)})`,
      target: s.pev2 ? `pev2 ${ms(s.pev2.firstPaintMs)} (parses in the page)` : '',
      met: s.pev2 ? s.ours.firstPaintMs + s.ours.parseMs < s.pev2.firstPaintMs : undefined,
    });
    rows.push({
      name: `viewer ${n} nodes: interactive ours / pev2`,
      value: s.pev2
        ? `${ms(s.ours.interactiveMs)} / ${ms(s.pev2.interactiveMs)} (${(s.pev2.interactiveMs / s.ours.interactiveMs).toFixed(1)}×)`
        : ms(s.ours.interactiveMs),
      target: '',
    });
    rows.push({
      name: `viewer ${n} nodes: JS heap ours / pev2`,
      value: s.pev2
        ? `${s.ours.heapMB.toFixed(1)} MB / ${s.pev2.heapMB.toFixed(1)} MB (${(s.pev2.heapMB / s.ours.heapMB).toFixed(1)}×)`
        : `${s.ours.heapMB.toFixed(1)} MB`,
      target: '',
    });
  }
  return rows;
}

if (require.main === module) {
  measureViewerVsPev2().then(
    (samples) => {
      const rows = viewerFigures(samples);
      const w = [
        Math.max(...rows.map((r) => r.name.length)),
        Math.max(...rows.map((r) => r.value.length)),
        Math.max(...rows.map((r) => r.target.length)),
      ];
      for (const r of rows)
        console.log(
          `${r.name.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${r.target.padEnd(w[2])}  ${r.met === undefined ? '' : r.met ? 'ok' : 'over'}`.trimEnd(),
        );
      console.log(
        `\nChromium ${'/usr/bin/chromium'}, Node ${process.version}; medians of 3 runs, ours and pev2 alternating.`,
      );
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
