/**
 * Index advice in a real VS Code (code-server + Chromium) on the embedded default with the e2e workspace: after
 * Explain and Optimize, the advisors run in the background; the quick-fix menu on the statement offers the index
 * suggestion, and applying it opens an untitled document with `CREATE INDEX CONCURRENTLY` and its
 * `DROP INDEX CONCURRENTLY` rollback while the user's files stay as they were.
 *
 * The dashboard query of queries.sql gets no index at the workspace's small scale (the advisor builds the
 * candidates, times them and drops them: a seq scan of 20,000 rows is as fast), so the test adds a file with a
 * selective lookup, the kind of statement an index serves at any scale.
 *
 * Then the plan view's "Open report" takes the advice already computed for the statement (index DDL, figures with
 * their method, rollback; the rewrite section), and the quick fix "Compare before/after" opens the compare view
 * with the plans without and with the index.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useEditor } from './codeServer';
import { waitFor } from './pageProbes';

const lookupSql = [
  '-- Recent paid orders of one customer.',
  'SELECT id, total, created_at',
  'FROM orders',
  "WHERE user_id = 42 AND status = 'paid'",
  'ORDER BY created_at DESC',
  'LIMIT 10;',
  '',
].join('\n');

describe('Index and rewrite advice in the editor, end to end (code-server + Chromium)', function () {
  this.timeout(600_000);
  // The report is read whole from the clipboard (the editor draws only the lines in view).
  const ed = useEditor({ name: 'advisors', files: { 'lookup.sql': lookupSql }, clipboard: true });
  const adviceDone = (): number =>
    ed.logLines().filter((l) => /Suggest Indexes and Rewrites: \d+ index suggestion/.test(l)).length;

  it('after Explain and Optimize the quick fix opens the index DDL with its rollback; the files are unchanged', async () => {
    const { page } = ed;
    const queriesBefore = readFileSync(join(ed.workspace, 'queries.sql'), 'utf8');
    await ed.openFile('lookup.sql', 'LIMIT 10');

    // Menus carry our items once the extension host has activated the extension.
    await ed.activated();
    const t0 = Date.now();
    await ed.contextMenuCommand('WHERE user_id', 'Explain and Optimize');

    const adviceLine = await waitFor(
      () => ed.logLines().find((l) => /Suggest Indexes and Rewrites: \d+ index suggestion/.test(l)),
      180_000,
      'the advisors to finish',
    );
    console.log(`      explain + advice: ${Date.now() - t0} ms — ${adviceLine.replace(/^.*Suggest/, 'Suggest')}`);
    assert.match(
      adviceLine,
      /: [1-9]\d* index suggestion/,
      ed
        .logLines()
        .filter((l) => /index advice|Suggest/.test(l))
        .join('\n'),
    );

    // The advice sits on the statement's first word; the quick-fix menu there lists the index.
    const first = page.locator('.monaco-editor .view-line').filter({ hasText: 'SELECT id, total' }).first();
    await first.click({ position: { x: 8, y: 5 } });
    await page.keyboard.press('Control+.');
    const fix = page
      .locator('.action-widget .monaco-list-row')
      .filter({ hasText: /Add .*index on orders \(user_id.* — measured/ });
    await fix.first().waitFor({ timeout: 15_000 });
    await ed.screenshot('advice-quick-fix-menu');
    for (
      let i = 0;
      i < 15 &&
      (await page
        .locator('.action-widget .monaco-list-row.focused')
        .filter({ hasText: /index on orders/ })
        .count()) === 0;
      i++
    ) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');

    await page
      .locator('.tabs-container .tab')
      .filter({ hasText: /Untitled/ })
      .first()
      .waitFor({ timeout: 15_000 });
    const ddl = await waitFor(
      async () => {
        const text = await ed.activeEditorText();
        return /CREATE INDEX CONCURRENTLY/.test(text) ? text : undefined;
      },
      15_000,
      'the DDL document',
    );
    assert.match(ddl, /CREATE INDEX CONCURRENTLY \S+ ON public\.orders \(user_id/);
    assert.match(ddl, /-- DROP INDEX CONCURRENTLY /);
    assert.match(ddl, /Measured on /);
    await ed.screenshot('advice-index-ddl');

    assert.equal(readFileSync(join(ed.workspace, 'lookup.sql'), 'utf8'), lookupSql, 'lookup.sql on disk is unchanged');
    assert.equal(readFileSync(join(ed.workspace, 'queries.sql'), 'utf8'), queriesBefore, 'queries.sql is unchanged');
    assert.equal(
      await page
        .locator('.tabs-container .tab.dirty')
        .filter({ hasText: /lookup\.sql|queries\.sql/ })
        .count(),
      0,
      'no user file is modified',
    );
  });

  it('the report takes the advice already computed, and "Compare before/after" shows the plans without and with the index', async () => {
    const { page } = ed;
    const advisedBefore = adviceDone();
    await ed.openFile('lookup.sql', 'LIMIT 10');
    await ed.contextMenuCommand('WHERE user_id', 'Explain and Optimize');
    const frame = await ed.planFrame(async (f) => (await f.locator('#open-report-button').count()) > 0, 120_000);
    await frame.locator('#open-report-button').click();
    const reportLine = await ed.waitForLog(/Report: \d+ rewrite\(s\), \d+ index suggestion\(s\)/, 60_000, 'the report');
    assert.match(reportLine, /Report: 0 rewrite\(s\), [1-9]\d* index suggestion\(s\) from the advice on Embedded/);
    await waitFor(
      async () => (/# Query tuning report/.test(await ed.activeEditorText()) ? true : undefined),
      15_000,
      'the report document',
    );
    await page.locator('.editor-group-container.active .monaco-editor .view-line').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    const report = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(report, /^## Rewrites\n\nNo rewrite applies to this statement\.$/m);
    assert.match(report, /^## Index advice$/m);
    assert.match(report, /^### 1\. `orders_user_id\w*` on orders \(measured\)$/m);
    assert.match(report, /^CREATE INDEX CONCURRENTLY orders_user_id\w* ON public\.orders \(user_id/m);
    assert.match(report, /^- \*\*Why this column order:\*\* /m);
    assert.match(report, /^- \*\*Measured:\*\* measured on Embedded.*\(EXPLAIN ANALYZE, median of \d runs/m);
    assert.match(report, /^DROP INDEX CONCURRENTLY public\.orders_user_id\w*;$/m);
    await ed.screenshot('advice-report');

    // The explain cleared the statement's advice diagnostics; the advisors run again after it.
    await waitFor(
      () => (adviceDone() > advisedBefore ? true : undefined),
      180_000,
      'the advisors after the second explain',
    );
    await ed.openFile('lookup.sql', 'LIMIT 10');
    const first = page.locator('.monaco-editor .view-line').filter({ hasText: 'SELECT id, total' }).first();
    await first.click({ position: { x: 8, y: 5 } });
    await page.keyboard.press('Control+.');
    const compareRow = /Compare before\/after: as it is ↔ with orders_user_id\w* \(measured plans\)/;
    await page
      .locator('.action-widget .monaco-list-row')
      .filter({ hasText: compareRow })
      .first()
      .waitFor({ timeout: 15_000 });
    for (
      let i = 0;
      i < 15 &&
      (await page.locator('.action-widget .monaco-list-row.focused').filter({ hasText: compareRow }).count()) === 0;
      i++
    ) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    const compare = await ed.planFrame(async (f) => (await f.locator('.compare-summary li').count()) > 0, 60_000);
    const panes = await compare.locator('.pane-head').allInnerTexts();
    assert.equal(panes.length, 2, panes.join(' | '));
    assert.match(panes[0], /as it is/);
    assert.match(panes[1], /with orders_user_id\w*/);
    assert.equal(await compare.locator('svg.plan-svg').count(), 2, 'both plans drawn');
    const summary = await compare.locator('.compare-summary').innerText();
    assert.match(summary, /Seq Scan on orders → (Bitmap Heap Scan|Index (Only )?Scan)/);
    assert.ok(ed.logLines().some((l) => /Compare: /.test(l)));
    await ed.screenshot('advice-compare-before-after');
  });
});
