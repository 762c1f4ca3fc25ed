/**
 * The embedded database starts as the workspace opens (issue 13, item 5), in a real VS Code (code-server +
 * Chromium): a workspace holding schema folders activates the extension, which starts the embedded database in
 * the background before any file is opened; the first Explain and Optimize then finds it ready. With
 * `pgTuner.embedded.startWhen: sqlInView` (extension.test.ts) the start waits for a SQL file in view.
 */
import { strict as assert } from 'node:assert';
import { useEditor } from './codeServer';

describe('Embedded database started as the workspace opens (code-server + Chromium)', function () {
  this.timeout(300_000);
  const ed = useEditor({ name: 'warmup' });

  it('starts in the background before any file is opened, and says so in the status bar', async () => {
    await ed.waitForLog(
      /Embedded database: starting in the background \(the workspace has schema files\)/,
      60_000,
      'the background start as the workspace opens',
    );
    await ed.waitForLog(/Embedded database ready in \d+ ms/, 120_000, 'the embedded database ready');
    // On a thread of its own: loading the schema does not hold the extension host every extension shares.
    assert.ok(
      ed.logLines().some((l) => /PGlite started from the prepared data directory on its own thread/.test(l)),
      'PGlite runs on its own thread, from the prepared data directory',
    );
    const editors = await ed.page.locator('.tabs-container .tab').count();
    assert.equal(editors, 0, 'no editor was opened: the workspace alone started it');
    await ed.page
      .locator('.statusbar-item')
      .filter({ hasText: /^\s*Embedded \(workspace schema\)\s*$/ })
      .first()
      .waitFor({ timeout: 10_000 });
  });

  it('the first Explain and Optimize finds it started: one start, no second load of the schema', async () => {
    await ed.openFile('queries.sql', 'LIMIT 100');
    await ed.contextMenuCommand('GROUP BY u.id', 'Explain and Optimize');
    await ed.planFrame((f) => f.locator('g.node').first().isVisible(), 90_000);
    const starts = ed.logLines().filter((l) => /Embedded database: loading \d+ schema file/.test(l));
    assert.equal(starts.length, 1, `the schema was loaded once:\n${starts.join('\n')}`);
  });
});
