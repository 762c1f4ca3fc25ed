/** Polling helpers for the end-to-end suites: the workbench and its webviews load asynchronously. */
import type { Frame, Page } from 'playwright-core';

/** Polls until `probe` gives something other than undefined or false; throws naming `what` after the timeout. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The plan view's frame (webviews sit in nested frames), once `ready` holds for it. */
export async function planFrame(
  page: Page,
  ready: (frame: Frame) => Promise<boolean>,
  timeoutMs: number,
): Promise<Frame> {
  return waitFor(
    async () => {
      for (const frame of page.frames()) {
        try {
          if ((await frame.locator('svg.plan-svg').count()) > 0 && (await ready(frame))) return frame;
        } catch {
          // Frames come and go while the webview loads.
        }
      }
      return undefined;
    },
    timeoutMs,
    'the plan view',
  );
}
