/**
 * Plan history, compare and sharing in a real VS Code (code-server + Chromium) on the embedded default: explain
 * the dashboard statement of queries.sql twice, run "Compare with Previous Plan" and read the compare view's
 * summary from the webview; then "Copy Plan for Sharing", paste the clipboard into an untitled editor, save it
 * and check that no table name of the workspace is in it. Then "Compare Plans…" on two saved 2,000-node plans of a
 * partitioned Append (made by our generator, test/unit/compare/hugeComparison.ts), picked through the editor's
 * Open dialogs: the compare view groups the partitions on both sides, pairs the groups and marks the pair with
 * the summed change. Screenshots go to test-artifacts/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { comparePlans } from '../../src/core/compare/comparePlans';
import { parsePlan } from '../../src/core/plan/parsePlan';
import { pairGroups } from '../../webview/compareGroups';
import { formatMs } from '../../webview/format';
import { findSiblingGroups, groupTitle } from '../../webview/siblingGroups';
import { HUGE_NODES, hugeComparisonJson } from '../unit/compare/hugeComparison';
import { useEditor } from './codeServer';
import { waitFor } from './pageProbes';
import { notificationText } from './workbench';

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
    await page
      .locator('.monaco-editor .view-line')
      .filter({ hasText: 'GROUP BY u.id' })
      .first()
      .click({ position: { x: 30, y: 5 } });
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

  it("Copy Plan for Sharing puts the plan and statement on the clipboard without the workspace's names", async () => {
    const { page } = ed;
    await ed.runCommand('Copy Plan for Sharing');
    const note = await notificationText(page, /Plan copied for sharing\. Replaced/, 30_000);
    assert.match(note, /\d+ tables?/);
    await ed.screenshot('copy-plan-for-sharing');

    // Paste into an untitled editor as a user would (and see it there); the whole text is read from the
    // browser's clipboard, since the editor draws only the lines in view.
    await ed.runCommand('File: New Untitled Text File');
    await page
      .locator('.tabs-container .tab.active')
      .filter({ hasText: /Untitled/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+V');
    // The cursor ends below the pasted text: the editor shows its last lines, the plan's trailer.
    await waitFor(
      async () => (/Execution Time|table_\d/.test(await ed.activeEditorText()) ? true : undefined),
      15_000,
      'the pasted plan',
    );
    await ed.screenshot('shared-plan-pasted');
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(text, /^SELECT /, 'the statement first');
    assert.match(text, /"Node Type": "Limit"|Limit/, 'the plan after it');
    assert.match(text, /table_1/);
    for (const name of ['orders', 'users', 'user_id', 'created_at', '2024-01-01'])
      assert.ok(!text.includes(name), `"${name}" is in the shared text`);
  });

  /** Accepts the editor's Open dialog titled `title` (code-server's own: a quick input holding a path) with `path`. */
  async function openDialog(title: RegExp, path: string): Promise<void> {
    const widget = ed.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    await widget.locator('.quick-input-title').filter({ hasText: title }).waitFor({ timeout: 15_000 });
    // The dialog fills in its default folder a moment after it opens, over anything typed before: type the path
    // until it stays.
    await waitFor(
      async () => {
        if ((await input.inputValue()) !== path) await input.fill(path);
        await new Promise((r) => setTimeout(r, 300));
        return (await input.inputValue()) === path || undefined;
      },
      15_000,
      `the dialog "${title.source}" to take the path`,
    );
    await input.press('Enter');
  }

  it('Compare Plans… on two saved 2,000-node partitioned plans: groups on both sides, paired, with the summed change', async () => {
    const { page } = ed;
    const json = hugeComparisonJson();
    const dir = join(ed.workspace, 'plans');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'sensors-before.json'), json.before);
    writeFileSync(join(dir, 'sensors-after.json'), json.after);
    // What the view must show, from the same plans through the product's own matching and grouping.
    const before = parsePlan(json.before);
    const after = parsePlan(json.after);
    assert.equal(before.nodes.length, HUGE_NODES);
    const b = findSiblingGroups(before);
    const a = findSiblingGroups(after);
    const { pairs } = pairGroups(b, a, comparePlans(before, after).matches);
    assert.ok(
      pairs.length >= 3 && pairs.length === b.groups.length,
      `${pairs.length} pairs of ${b.groups.length} groups`,
    );
    const loop = pairs.find((p) => p.before.members[0].fields['Node Type'] === 'Nested Loop');
    assert.ok(loop, 'the Nested Loops are a group');

    const t0 = Date.now();
    await ed.runCommand('Compare Plans…');
    // With a statement of the history in view the command first asks where the plans come from.
    const source = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Two saved plan files' });
    const first = await Promise.race([
      source
        .first()
        .waitFor({ timeout: 15_000 })
        .then(() => 'pick' as const),
      page
        .locator('.quick-input-title')
        .filter({ hasText: /the plan BEFORE/ })
        .waitFor({ timeout: 15_000 })
        .then(() => 'dialog' as const),
    ]);
    if (first === 'pick') await source.first().click();
    await openDialog(/Compare Plans: the plan BEFORE/, join(dir, 'sensors-before.json'));
    await openDialog(/Compare Plans: the plan AFTER/, join(dir, 'sensors-after.json'));

    const groupsOn = (f: Frame, side: 'before' | 'after') => f.locator(`.compare-pane.${side} g.node.group`);
    const frame = await ed.planFrame(async (f) => (await groupsOn(f, 'after').count()) > 0, 120_000);
    console.log(
      `      command (${first === 'pick' ? 'source pick, ' : ''}two Open dialogs) to grouped compare view of 2 × ${HUGE_NODES} nodes: ${Date.now() - t0} ms`,
    );
    // As the user first sees it, before any zoom.
    await ed.screenshot('compare-plans-grouped');
    const panes = await frame.locator('.pane-head').allInnerTexts();
    assert.ok(
      /sensors-before\.json/.test(panes[0] ?? '') && /sensors-after\.json/.test(panes[1] ?? ''),
      panes.join(' | '),
    );
    // F fits each plan to its pane: every group box is then in view, and few boxes are drawn for 2,000 nodes.
    for (const side of ['before', 'after'] as const) {
      await frame.locator(`.compare-pane.${side} .plan-canvas`).press('f');
      await waitFor(
        async () => (await groupsOn(frame, side).count()) === pairs.length || undefined,
        15_000,
        `${pairs.length} group boxes on the ${side} side`,
      );
      const drawn = await frame.locator(`.compare-pane.${side} g.node`).count();
      assert.ok(drawn < 100, `${side}: ${drawn} boxes drawn of ${HUGE_NODES} nodes`);
      console.log(`      ${side}: ${drawn} boxes drawn for ${HUGE_NODES} nodes, whole plan fitted`);
      assert.equal(
        await frame.locator(`.compare-pane.${side} g.node.group.match-group`).count(),
        pairs.length,
        `every group on the ${side} side is paired`,
      );
    }
    // The pair of Nested Loop groups: the after box says what the members sum to, the before box where they went.
    const r = loop.timeMs.before / loop.timeMs.after;
    const faster = `Σ ${r >= 10 ? Math.round(r) : r.toFixed(1)}× faster`;
    const afterBox = frame.locator(`.compare-pane.after #plan-group-${loop.after.id}`);
    const beforeBox = frame.locator(`.compare-pane.before #plan-group-${loop.before.id}`);
    assert.ok(
      ((await afterBox.locator('text.delta').textContent()) ?? '').startsWith(faster),
      `the after group says ${faster}`,
    );
    assert.equal(
      await beforeBox.locator('text.delta').textContent(),
      `${loop.matched} matched in ${groupTitle(loop.after)}`,
    );
    assert.equal(loop.matched, loop.before.members.length);
    // Unchanged groups say so.
    for (const p of pairs.filter((x) => x !== loop)) {
      assert.equal(
        await frame.locator(`.compare-pane.after #plan-group-${p.after.id} text.delta`).textContent(),
        'unchanged',
        p.after.label,
      );
    }

    // Selecting one group selects its partner and tells what the pair sums to; opening it opens both.
    await beforeBox.click();
    await frame
      .locator(`.compare-pane.after #plan-group-${loop.after.id}.linked-selected`)
      .waitFor({ timeout: 10_000 });
    const info = (await frame.locator('.compare-info').textContent()) ?? '';
    assert.ok(
      info.includes(
        `${loop.matched} of ${loop.before.members.length} members matched · Σ time ${formatMs(loop.timeMs.before)} → ${formatMs(loop.timeMs.after)}`,
      ),
      info,
    );
    await frame.locator('.compare-pane.before .plan-canvas').press('Enter');
    await waitFor(
      async () => (await afterBox.getAttribute('aria-expanded')) === 'true' || undefined,
      10_000,
      'the partner group to open',
    );
    assert.equal(await beforeBox.getAttribute('aria-expanded'), 'true');
    await ed.screenshot('compare-plans-grouped-open');
    const summary = await frame.locator('.compare-summary').innerText();
    assert.match(summary, /Seq Scan → Index Scan in \d+ nodes/);
  });
});
