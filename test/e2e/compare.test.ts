/**
 * Plan history, compare and sharing in a real VS Code (code-server + Chromium) on the embedded default: explain
 * the dashboard statement of queries.sql twice, run "Compare with Previous Plan" and read the compare view's
 * summary from the webview; then "Copy Plan for Sharing", paste the clipboard into an untitled editor, save it
 * and check that no table name of the workspace is in it. Screenshots go to test-artifacts/.
 */
import { strict as assert } from 'node:assert';
import { useEditor } from './codeServer';
import { waitFor } from './pageProbes';

describe('Compare with Previous and Copy Plan for Sharing, end to end (code-server + Chromium)', function () {
  this.timeout(600_000);
  // The workbench's clipboard is the browser's: the page may read and write it as a user's browser would.
  const ed = useEditor({ name: 'compare', clipboard: true });

  it('two explains of the dashboard statement, then Compare with Previous Plan shows both with the summary', async () => {
    const { page } = ed;
    await ed.openFile('queries.sql', 'LIMIT 100');
    await ed.activated();

    const delivered = (): number => ed.logLines().filter((l) => /Plan delivered to the view \d+ ms/.test(l)).length;
    for (let run = 1; run <= 2; run++) {
      await ed.contextMenuCommand('GROUP BY u.id', 'Explain and Optimize');
      await waitFor(() => (delivered() >= run ? true : undefined), 120_000, `plan ${run}`);
    }
    await ed.planFrame(async (f) => (await f.locator('g.node').count()) > 0, 30_000);

    const t0 = Date.now();
    // From the editor, the cursor still in the statement: the command picks the statement under it.
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'GROUP BY u.id' }).first().click({ position: { x: 30, y: 5 } });
    await ed.runCommand('Compare with Previous Plan');
    const frame = await ed.planFrame(async (f) => (await f.locator('.compare-summary li').count()) > 0, 60_000);
    console.log(`      command to compare view: ${Date.now() - t0} ms`);
    const summary = await frame.locator('.compare-summary').innerText();
    assert.match(summary, /Execution time [\d.,]+ (ms|s) → [\d.,]+ (ms|s)/);
    assert.match(summary, /\d+ nodes matched \(\d+ exact/);
    const panes = await frame.locator('.pane-head').allInnerTexts();
    assert.equal(panes.length, 2, panes.join(' | '));
    for (const p of panes) assert.match(p, /\d\d:\d\d:\d\d on Embedded \(workspace schema\)/);
    assert.equal(await frame.locator('svg.plan-svg').count(), 2, 'both plans drawn');
    assert.ok(ed.logLines().some((l) => /Compare: Execution time/.test(l)));
    await ed.screenshot('compare-with-previous');
  });

  it('Copy Plan for Sharing puts the plan and statement on the clipboard without the workspace\'s names', async () => {
    const { page } = ed;
    await ed.runCommand('Copy Plan for Sharing');
    const toast = page.locator('.notification-toast').filter({ hasText: /Plan copied for sharing\. Replaced/ });
    await toast.first().waitFor({ timeout: 30_000 });
    const note = await toast.first().innerText();
    assert.match(note, /\d+ tables?/);
    await ed.screenshot('copy-plan-for-sharing');

    // Paste into an untitled editor as a user would (and see it there); the whole text is read from the
    // browser's clipboard, since the editor draws only the lines in view.
    await ed.runCommand('File: New Untitled Text File');
    await page.locator('.tabs-container .tab.active').filter({ hasText: /Untitled/ }).first().waitFor({ timeout: 10_000 });
    await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+V');
    // The cursor ends below the pasted text: the editor shows its last lines, the plan's trailer.
    await waitFor(async () => (/Execution Time|table_\d/.test(await ed.activeEditorText()) ? true : undefined), 15_000, 'the pasted plan');
    await ed.screenshot('shared-plan-pasted');
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(text, /^SELECT /, 'the statement first');
    assert.match(text, /"Node Type": "Limit"|Limit/, 'the plan after it');
    assert.match(text, /table_1/);
    for (const name of ['orders', 'users', 'user_id', 'created_at', '2024-01-01']) assert.ok(!text.includes(name), `"${name}" is in the shared text`);
  });
});
