/**
 * How fast the plan view opens a plan of N nodes, in Debian's Chromium: the real bundle, the real message
 * path (a window `message` event, as VS Code delivers it), plans from our generator parsed by parsePlan.
 * - firstPaintMs: from posting DidShowResultNotification to the first frame after the view drew it;
 * - interactiveMs: from posting it until a keyboard move (ArrowDown) has been handled and painted;
 * - heapMB: JS heap in use after that.
 */
import type { Page } from 'playwright-core';
import type { DidShowResultNotification } from '../src/shared/protocol';
import { launchChromium, openPlanView } from '../test/unit/webview/harness';
import { syntheticResult } from '../test/unit/webview/fixtureResults';

export interface WebviewPaintSample {
  nodes: number;
  firstPaintMs: number;
  interactiveMs: number;
  heapMB: number;
}

/**
 * Posts `message` to the open plan view the way VS Code delivers it and times the view: until the next frame
 * (with `untilNodesDrawn`, the first frame that shows plan nodes), and until a keyboard move (ArrowDown) has
 * been handled and painted.
 */
export async function timeShowResult(
  page: Page,
  message: DidShowResultNotification,
  untilNodesDrawn: boolean,
): Promise<{ firstPaintMs: number; interactiveMs: number }> {
  // The message is put in the page first, so the timing covers the view, not Playwright's transfer.
  await page.evaluate((m) => {
    (window as unknown as { __benchMessage: unknown }).__benchMessage = m;
  }, message);
  return page.evaluate(async (waitForNodes) => {
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
    const w = window as unknown as { __benchMessage: unknown };
    // A structured clone, as VS Code's postMessage delivers it.
    const clone = structuredClone(w.__benchMessage);
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: clone }));
    if (waitForNodes) while (!document.querySelector('g.node')) await frame();
    await frame();
    const firstPaintMs = performance.now() - t0;
    const canvas = document.querySelector<HTMLElement>('.plan-canvas')!;
    canvas.focus();
    canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await frame();
    return { firstPaintMs, interactiveMs: performance.now() - t0 };
  }, untilNodesDrawn);
}

export async function measureWebviewPaint(nodeCounts: number[]): Promise<WebviewPaintSample[]> {
  const browser = await launchChromium();
  const samples: WebviewPaintSample[] = [];
  try {
    for (const nodes of nodeCounts) {
      const message: DidShowResultNotification = {
        type: 'didShowResult',
        result: syntheticResult(nodes),
        title: `${nodes} nodes`,
      };
      const view = await openPlanView(browser);
      const timing = await timeShowResult(view.page, message, false);
      const heapMB = await view.page.evaluate(() => {
        const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        return memory ? memory.usedJSHeapSize / 2 ** 20 : Number.NaN;
      });
      if (view.errors.length) throw new Error(`plan view failed on ${nodes} nodes: ${view.errors.join('; ')}`);
      samples.push({ nodes, ...timing, heapMB });
      await view.page.close();
    }
  } finally {
    await browser.close();
  }
  return samples;
}

if (require.main === module) {
  measureWebviewPaint([100, 500, 2000, 5000]).then(
    (rows) =>
      console.table(
        rows.map((r) => ({
          ...r,
          firstPaintMs: +r.firstPaintMs.toFixed(1),
          interactiveMs: +r.interactiveMs.toFixed(1),
          heapMB: +r.heapMB.toFixed(1),
        })),
      ),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
