/**
 * Plan history, compare and sharing in a real VS Code (code-server + Chromium) on the embedded default: explain
 * the dashboard statement of queries.sql twice, run "Compare with Previous Plan" and read the compare view's
 * summary from the webview; then "Copy Plan for Sharing", paste the clipboard into an untitled editor, save it
 * and check that no table name of the workspace is in it. Screenshots go to test-artifacts/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { extensionLogLines, installCodeServer, packageVsix, repoRoot, startEditor, type RunningEditor } from './codeServer';
import { waitFor, planFrame } from './pageProbes';

const artifacts = join(repoRoot, 'test-artifacts');
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

describe('Compare with Previous and Copy Plan for Sharing, end to end (code-server + Chromium)', function () {
  this.timeout(600_000);
  let browser: Browser;
  let editor: RunningEditor;
  let page: Page;
  let vsix: string;
  let failed = false;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    vsix = packageVsix();
    const entry = installCodeServer();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumFlags });
    editor = await startEditor({ entry, vsix, name: 'compare' });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // The workbench's clipboard is the browser's: let the page read and write it as a user's browser would.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(editor.url).origin });
    page = await context.newPage();
    await page.goto(editor.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      failed = true;
      await page?.screenshot({ path: join(artifacts, 'failed-compare.png') }).catch(() => undefined);
    }
  });

  after(async () => {
    await page?.close().catch(() => undefined);
    await browser?.close();
    editor?.stop(failed);
    if (vsix) rmSync(vsix, { force: true });
  });

  it('two explains of the dashboard statement, then Compare with Previous Plan shows both with the summary', async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: 'queries.sql' });
    await row.first().waitFor({ timeout: 60_000 });
    await row.first().click();
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'LIMIT 100' }).first().waitFor({ timeout: 30_000 });
    await waitFor(() => extensionLogLines(editor.workDir).find((l) => /activated in [\d.]+ ms/.test(l)), 60_000, 'activation');

    const delivered = (): number => extensionLogLines(editor.workDir).filter((l) => /Plan delivered to the view \d+ ms/.test(l)).length;
    for (let run = 1; run <= 2; run++) {
      await contextMenuCommand(page, 'GROUP BY u.id', 'Explain and Optimize');
      await waitFor(() => (delivered() >= run ? true : undefined), 120_000, `plan ${run}`);
    }
    await planFrame(page, async (f) => (await f.locator('g.node').count()) > 0, 30_000);

    const t0 = Date.now();
    // From the editor, the cursor still in the statement: the command picks the statement under it.
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'GROUP BY u.id' }).first().click({ position: { x: 30, y: 5 } });
    await runCommand(page, 'Compare with Previous Plan');
    const frame = await planFrame(page, async (f) => (await f.locator('.compare-summary li').count()) > 0, 60_000);
    console.log(`      command to compare view: ${Date.now() - t0} ms`);
    const summary = await frame.locator('.compare-summary').innerText();
    assert.match(summary, /Execution time [\d.,]+ (ms|s) → [\d.,]+ (ms|s)/);
    assert.match(summary, /\d+ nodes matched \(\d+ exact/);
    const panes = await frame.locator('.pane-head').allInnerTexts();
    assert.equal(panes.length, 2, panes.join(' | '));
    for (const p of panes) assert.match(p, /\d\d:\d\d:\d\d on Embedded \(workspace schema\)/);
    assert.equal(await frame.locator('svg.plan-svg').count(), 2, 'both plans drawn');
    assert.ok(extensionLogLines(editor.workDir).some((l) => /Compare: Execution time/.test(l)));
    await page.screenshot({ path: join(artifacts, 'compare-with-previous.png') });
  });

  it('Copy Plan for Sharing puts the plan and statement on the clipboard without the workspace\'s names', async () => {
    await runCommand(page, 'Copy Plan for Sharing');
    const toast = page.locator('.notification-toast').filter({ hasText: /Plan copied for sharing\. Replaced/ });
    await toast.first().waitFor({ timeout: 30_000 });
    const note = await toast.first().innerText();
    assert.match(note, /\d+ tables?/);
    await page.screenshot({ path: join(artifacts, 'copy-plan-for-sharing.png') });

    // Paste into an untitled editor as a user would (and see it there); the whole text is read from the
    // browser's clipboard, since the editor draws only the lines in view.
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tabs-container .tab.active').filter({ hasText: /Untitled/ }).first().waitFor({ timeout: 10_000 });
    await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+V');
    // The cursor ends below the pasted text: the editor shows its last lines, the plan's trailer.
    await waitFor(async () => (/Execution Time|table_\d/.test(await activeEditorText(page)) ? true : undefined), 15_000, 'the pasted plan');
    await page.screenshot({ path: join(artifacts, 'shared-plan-pasted.png') });
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(text, /^SELECT /, 'the statement first');
    assert.match(text, /"Node Type": "Limit"|Limit/, 'the plan after it');
    assert.match(text, /table_1/);
    for (const name of ['orders', 'users', 'user_id', 'created_at', '2024-01-01']) assert.ok(!text.includes(name), `"${name}" is in the shared text`);
  });
});

/** Runs a command from the palette by its exact title (the list also offers titles that merely contain it). */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  const exact = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name').filter({ hasText: new RegExp(`^(?:[^:]+: )?${escapeRegExp(title)}$`) }) });
  await exact.first().waitFor({ timeout: 10_000 });
  for (let i = 0; i < 10 && (await page.locator('.quick-input-list .monaco-list-row.focused').filter({ has: page.locator('.label-name').filter({ hasText: new RegExp(`^(?:[^:]+: )?${escapeRegExp(title)}$`) }) }).count()) === 0; i++) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Clicks into the line holding `lineText` (the cursor goes there) and picks `item` from the editor's context menu. */
async function contextMenuCommand(page: Page, lineText: string, item: string): Promise<void> {
  const line = page.locator('.monaco-editor .view-line').filter({ hasText: lineText }).first();
  await line.click({ position: { x: 30, y: 5 } });
  await line.click({ button: 'right', position: { x: 30, y: 5 } });
  const entry = page.getByRole('menuitem').filter({ has: page.locator('.action-label').filter({ hasText: new RegExp(`^${item}$`) }) });
  await entry.first().waitFor({ timeout: 10_000 });
  await entry.first().hover();
  await page.keyboard.press('Enter');
  await page.locator('.context-view .monaco-menu').first().waitFor({ state: 'hidden', timeout: 5_000 });
}


async function activeEditorText(page: Page): Promise<string> {
  const lines = await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().evaluate((el) =>
    [...el.querySelectorAll<HTMLElement>('.view-line')]
      .map((l) => ({ top: Number.parseFloat(l.style.top || '0'), text: l.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

