/**
 * The mocha hooks the plan view's Chromium suites share: the bundle built and one browser launched before the
 * suite; each page opened through `open` checked after its test (no uncaught errors, no CSP violations) and
 * closed; the browser closed after the suite. Kept apart from harness.ts, which the benches load without mocha.
 */
import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchChromium, openPlanView, webviewBundle, type OpenOptions, type PlanViewPage } from './harness';

export interface PlanViewSuite {
  /** A new page with the plan view, said ready; checked and closed after the test. */
  open(options?: OpenOptions): Promise<PlanViewPage>;
}

/** Call in a `describe` body, before the suite's own hooks. */
export function planViewSuite(): PlanViewSuite {
  let browser: Browser | undefined;
  const opened: PlanViewPage[] = [];

  before(async () => {
    await webviewBundle();
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const view of opened.splice(0)) {
      assert.deepEqual(view.errors, [], 'no uncaught errors in the page');
      assert.deepEqual(await view.cspViolations(), [], 'no CSP violations');
      await view.page.close();
    }
  });

  after(async () => {
    await browser?.close();
  });

  return {
    async open(options = {}) {
      assert.ok(browser, "the browser is launched in the suite's before hook");
      const view = await openPlanView(browser, options);
      opened.push(view);
      return view;
    },
  };
}
