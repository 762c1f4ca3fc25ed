/**
 * Index advice in a real VS Code (code-server + Chromium) on the embedded default with the e2e workspace: after
 * Explain and Optimize, the advisors run in the background; the quick-fix menu on the statement offers the index
 * suggestion, and applying it opens an untitled document with `CREATE INDEX CONCURRENTLY` and its
 * `DROP INDEX CONCURRENTLY` rollback while the user's files stay as they were.
 *
 * The dashboard query of queries.sql gets no index at the workspace's small scale (the advisor builds the
 * candidates, times them and drops them: a seq scan of 20,000 rows is as fast), so the test adds a file with a
 * selective lookup, the kind of statement an index serves at any scale.
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
  const ed = useEditor({ name: 'advisors', files: { 'lookup.sql': lookupSql } });

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
    assert.match(adviceLine, /: [1-9]\d* index suggestion/, ed.logLines().filter((l) => /index advice|Suggest/.test(l)).join('\n'));

    // The advice sits on the statement's first word; the quick-fix menu there lists the index.
    const first = page.locator('.monaco-editor .view-line').filter({ hasText: 'SELECT id, total' }).first();
    await first.click({ position: { x: 8, y: 5 } });
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row').filter({ hasText: /Add .*index on orders \(user_id.* — measured/ });
    await fix.first().waitFor({ timeout: 15_000 });
    await ed.screenshot('advice-quick-fix-menu');
    for (let i = 0; i < 15 && (await page.locator('.action-widget .monaco-list-row.focused').filter({ hasText: /index on orders/ }).count()) === 0; i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');

    await page.locator('.tabs-container .tab').filter({ hasText: /Untitled/ }).first().waitFor({ timeout: 15_000 });
    const ddl = await waitFor(async () => {
      const text = await ed.activeEditorText();
      return /CREATE INDEX CONCURRENTLY/.test(text) ? text : undefined;
    }, 15_000, 'the DDL document');
    assert.match(ddl, /CREATE INDEX CONCURRENTLY \S+ ON public\.orders \(user_id/);
    assert.match(ddl, /-- DROP INDEX CONCURRENTLY /);
    assert.match(ddl, /Measured on /);
    await ed.screenshot('advice-index-ddl');

    assert.equal(readFileSync(join(ed.workspace, 'lookup.sql'), 'utf8'), lookupSql, 'lookup.sql on disk is unchanged');
    assert.equal(readFileSync(join(ed.workspace, 'queries.sql'), 'utf8'), queriesBefore, 'queries.sql is unchanged');
    assert.equal(await page.locator('.tabs-container .tab.dirty').filter({ hasText: /lookup\.sql|queries\.sql/ }).count(), 0, 'no user file is modified');
  });
});
