/**
 * Pre-aggregation in a real VS Code (code-server + Chromium) on the test PostgreSQL server (issue 12 §2): a
 * database of this suite's own holds 4,000 users and 120,000 orders (our generator below, primary keys only). The
 * dashboard of dashboard.sql reads every order of the active users; a materialized view of the per-user totals
 * answers it from 4,000 rows. As a user does: pick the connection, right-click → "Suggest Indexes and Rewrites",
 * then the light bulb on the statement.
 *
 * - the quick fix "Pre-aggregate: materialized view … (N× faster; refresh takes X)" opens a new, untitled SQL
 *   document with the DDL, the refresh, the query over the view and the rollback under comments; nothing is run
 *   (no view on the server), dashboard.sql is unchanged;
 * - the second, separate fix replaces the statement by the query over the view (unsaved), and Undo restores it.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { useServerEditor } from './serverEditor';
import { waitFor } from './pageProbes';
import { documentText, pickQuickFix as pickQuickFixOn, queryRows, wordOnLine } from './editorActions';

const database = `tuner_e2e_pre_aggregate_${process.pid}`;
const label = 'shop db';

const statement = [
  'SELECT u.id, count(o.id) AS orders, sum(o.total) AS spent',
  'FROM users u JOIN orders o ON o.user_id = u.id',
  "WHERE u.status = 'active'",
  'GROUP BY u.id',
  'ORDER BY spent DESC, u.id',
  'LIMIT 20',
].join('\n');
const dashboardSql = ['-- The best customers.', `${statement};`, ''].join('\n');

const dataSql = `
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, status text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), total numeric(10,2) NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@x.test', CASE WHEN g % 3 = 0 THEN 'inactive' ELSE 'active' END
FROM generate_series(1, 4000) g;
INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 4000, ((g * 37) % 50000) / 100.0 FROM generate_series(1, 120000) g;
`;

describe('Pre-aggregation quick fixes in the editor, end to end (code-server + Chromium, test server)', function () {
  this.timeout(900_000);
  const { ed, url } = useServerEditor({
    database,
    label,
    dataSql,
    vacuum: ['users', 'orders'],
    name: 'pre-aggregate',
    files: { 'dashboard.sql': dashboardSql },
  });

  const matviews = async (): Promise<number> =>
    Number((await queryRows<{ n: string }>(url(), 'SELECT count(*) AS n FROM pg_matviews'))[0].n);

  const onDisk = (): string => readFileSync(join(ed.workspace, 'dashboard.sql'), 'utf8');

  /** The statement's first word in dashboard.sql, where the advice diagnostics sit. */
  const firstWord = (page: Page) => wordOnLine(page, 'SELECT u.id, count', 'SELECT');

  const pickQuickFix = (page: Page, title: RegExp) => pickQuickFixOn(page, () => firstWord(page), title);

  it('the quick fix opens the view’s DDL, refresh, query and rollback in a new document; nothing runs', async () => {
    const { page } = ed;
    await ed.openFile('dashboard.sql', 'GROUP BY u.id');
    await ed.activated();
    await page.locator('.statusbar-item').filter({ hasText: 'Embedded (workspace schema)' }).first().click();
    await page.locator('.quick-input-widget').waitFor();
    await page.keyboard.type(label);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item').filter({ hasText: label }).first().waitFor({ timeout: 10_000 });

    const t0 = Date.now();
    const offered = /pre-aggregate: Materialized view \w+: .*: reads /;
    const connectFailed = /\[error\] Suggest Indexes and Rewrites: \[connection-failed\]/;
    let logLine = '';
    for (let attempt = 1; !logLine; attempt++) {
      const failedBefore = ed.logLines().filter((l) => connectFailed.test(l)).length;
      await ed.contextMenuCommand('GROUP BY u.id', 'Suggest Indexes and Rewrites');
      const outcome = await waitFor(
        () => {
          const lines = ed.logLines();
          const ok = lines.find((l) => offered.test(l) || /pre-aggregate: (not tried|.*not offered)/.test(l));
          if (ok) return ok;
          return lines.filter((l) => connectFailed.test(l)).length > failedBefore ? 'failed' : undefined;
        },
        400_000,
        'the advisors to finish',
      );
      if (outcome !== 'failed') logLine = outcome;
      else if (attempt >= 2) assert.fail('the connection failed twice');
    }
    console.log(`      advice: ${Date.now() - t0} ms — ${logLine.trim()}`);
    assert.match(
      logLine,
      offered,
      ed
        .logLines()
        .filter((l) => /pre-aggregate/.test(l))
        .join('\n'),
    );

    const title = await pickQuickFix(
      page,
      /Pre-aggregate: materialized view \w+ \([\d.,]+× faster; refresh takes [\d.]+ m?s\)/,
    );
    console.log(`      fix: ${title}`);
    // A new untitled SQL editor with the document; dashboard.sql is as it was and the server holds no view.
    await page
      .locator('.tab.active')
      .filter({ hasText: /Untitled/ })
      .first()
      .waitFor({ timeout: 15_000 });
    const doc = await documentText(page);
    assert.match(doc, /^-- Pre-aggregate: materialized view \w+ /);
    assert.match(doc, /^-- Nothing has been run\. Review it, then run it yourself/m);
    assert.match(doc, /^-- Trade-off: reads /m);
    assert.match(doc, /^CREATE MATERIALIZED VIEW \w+ AS$/m);
    assert.match(doc, /^CREATE UNIQUE INDEX /m);
    assert.match(doc, /^REFRESH MATERIALIZED VIEW CONCURRENTLY \w+;$/m);
    assert.match(doc, /^-- rollback: DROP MATERIALIZED VIEW /m);
    await ed.screenshot('pre-aggregate-document');
    assert.equal(await matviews(), 0, 'nothing was run on the server');
    assert.equal(onDisk(), dashboardSql);
  });

  it('the second, separate fix replaces the statement by the query over the view; Undo restores it', async () => {
    const { page } = ed;
    await ed.openFile('dashboard.sql', 'GROUP BY u.id');
    await pickQuickFix(page, /Pre-aggregate: replace the statement by the query over \w+ \(create it first\)/);
    const replaced = await waitFor(
      async () => {
        const t = await documentText(page);
        return /JOIN \w+ AS \w+ ON/.test(t) && !/GROUP BY/.test(t) ? t : undefined;
      },
      15_000,
      'the statement replaced',
    );
    assert.match(replaced, /^-- The best customers\.\n/);
    assert.match(replaced, /;\n$/);
    assert.equal(onDisk(), dashboardSql, 'not saved');
    await page.keyboard.press('Control+Z');
    const restored = await waitFor(
      async () => {
        const t = await documentText(page);
        return t.includes('GROUP BY u.id') ? t : undefined;
      },
      10_000,
      'the statement restored',
    );
    assert.equal(restored.replace(/\r\n/g, '\n'), dashboardSql);
    assert.equal(await matviews(), 0);
  });
});
