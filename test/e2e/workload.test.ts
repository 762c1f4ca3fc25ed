/**
 * Workload and health in a real VS Code (code-server + Chromium): the "PostgreSQL Tuner" activity-bar view on the
 * embedded database (a note, no error), then on the test PostgreSQL server after a workload this test drives: the
 * driven statement is listed first, is found in a workspace file, and one click opens and explains it; the health
 * report command opens a Markdown report that names the foreign key planted without an index; Suggest Indexes for
 * the Workload opens the workload's index report.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { Client } from 'pg';
import { testServer } from '../helpers/globalServer';
import { repoRoot, serverConnection, useEditor } from './codeServer';
import { waitFor } from './pageProbes';
import { viewLinesText } from './workbench';
import { createDatabase, dropDatabase } from '../helpers/testDatabase';

const database = `tuner_workload_e2e_${process.pid}`;
/** No constants, so pg_stat_statements keeps it as written and explaining it asks for no parameter values. */
const driven =
  'SELECT u.name, count(o.id) AS order_count, sum(o.total) AS spent FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name ORDER BY spent DESC';

describe('Workload and health, end to end (code-server + Chromium)', function () {
  this.timeout(600_000);

  before(async () => {
    const db = new Client({ connectionString: await createDatabase(await testServer(), database) });
    await db.connect();
    try {
      for (const file of ['schema/001_tables.sql', 'seed/001_rows.sql'])
        await db.query(readFileSync(join(repoRoot, 'test/e2e-workspace', file), 'utf8'));
      // Planted for the health report: a foreign key with no index on its referencing column.
      await db.query(
        'CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), amount numeric(10, 2) NOT NULL)',
      );
      await db.query('INSERT INTO refunds SELECT g, g * 10, 1 FROM generate_series(1, 500) g; ANALYZE refunds');
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query(
        'SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)',
      );
      for (let i = 0; i < 25; i++) await db.query(driven);
      for (let i = 1; i <= 20; i++) await db.query('SELECT name FROM users WHERE id = $1', [i]);
    } finally {
      await db.end();
    }
  });
  const ed = useEditor(async () => ({
    ...(await serverConnection('e2e workload', database)),
    name: 'workload',
    // The application code that issues the driven statement, for "Found in workspace".
    files: {
      // A copy of the parameterised lookup with its value, as a developer keeps one to try it.
      'queries/lookup.sql': '-- One user by id.\nSELECT name FROM users WHERE id = 7;\n',
      'src/dashboard.ts': `import type { Pool } from 'pg';\n\nexport async function topCustomers(pool: Pool) {\n  return pool.query(\`\n    SELECT u.name, count(o.id) AS order_count, sum(o.total) AS spent\n    FROM users u JOIN orders o ON o.user_id = u.id\n    GROUP BY u.name\n    ORDER BY spent DESC\`);\n}\n`,
    },
  }));

  after(async () => {
    await dropDatabase(await testServer(), database);
  });

  it('the activity-bar view says why the embedded database has no top queries', async () => {
    const { page } = ed;
    await page.locator('.activitybar .action-item a[aria-label^="PostgreSQL Tuner"]').first().click();
    const note = viewRows(page).filter({ hasText: 'No workload on the embedded database' });
    await note.first().waitFor({ timeout: 120_000 });
    assert.match(await note.first().innerText(), /started without pg_stat_statements/);
  });

  it('on the server it lists the driven statement first, found in the workspace', async () => {
    const { page } = ed;
    await page.locator('.statusbar-item').filter({ hasText: 'Embedded (workspace schema)' }).first().click();
    await page.locator('.quick-input-widget').waitFor();
    await page.keyboard.type('e2e workload');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'e2e workload' }).first().waitFor();
    await page.keyboard.press('Enter');
    const first = viewRows(page).first();
    await waitFor(
      async () => ((await first.innerText()).startsWith(driven.slice(0, 71)) ? true : undefined),
      60_000,
      'the driven statement in the view',
    );
    const text = await first.innerText();
    // The label is the statement on one line, cut at 72 characters.
    assert.ok(text.startsWith(`${driven.slice(0, 71)}…`), text);
    assert.match(text, /\d+\.\d% of total time · .+ total · 25 calls/);
    assert.match(await page.locator('.part.sidebar').innerText(), /by total time · e2e workload/);

    await widenSideBar(page, 620);
    await first.locator('.monaco-tl-twistie').click();
    const source = viewRows(page).filter({ hasText: 'dashboard.ts:5' });
    await source.first().waitFor({ timeout: 60_000 });
    assert.match(await source.first().innerText(), /Found in workspace/);
    await ed.screenshot('top-queries-view');
  });

  it('one click opens the statement in a new SQL editor and explains it', async () => {
    const { page } = ed;
    await viewRows(page).first().locator('.label-name').click();
    const frame = await ed.planFrame(
      async (f) => /Ran on e2e workload/.test(await f.locator('body').innerText()),
      120_000,
    );
    await frame.locator('g.node').first().waitFor({ timeout: 10_000 });
    assert.ok((await frame.locator('g.node').count()) >= 3);
    // An untitled editor is named after the start of its first line: the comment above the statement.
    const untitled = page.locator('.tabs-container .tab').filter({ hasText: 'From pg_stat_statements on' });
    assert.equal(await untitled.count(), 1, 'the statement opened in an untitled editor');
    assert.ok(ed.logLines().some((l) => /Top queries: \d+ statement\(s\) by total on e2e workload/.test(l)));
    await ed.screenshot('top-query-explained');
  });

  it('a top query with $1 opens with the value of its workspace copy, without asking for it', async () => {
    const { page } = ed;
    const lookup = viewRows(page).filter({ hasText: 'SELECT name FROM users WHERE id = $1' });
    await lookup.first().waitFor({ timeout: 30_000 });
    await lookup.first().locator('.label-name').click();
    const frame = await ed.planFrame(
      async (f) =>
        /Ran on e2e workload/.test(await f.locator('body').innerText()) &&
        /users/.test(await f.locator('body').innerText()) &&
        !/order_count|spent/.test(await f.locator('body').innerText()),
      120_000,
    );
    await frame.locator('g.node').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.quick-input-widget:visible').count(), 0, 'no parameter prompt');
    // The log file is written behind the view: wait for the line rather than read it once.
    await ed.waitForLog(
      /Top queries: opening the workspace's copy with values at queries\/lookup\.sql:2/,
      15_000,
      'the log line saying the copy with values was used',
    );
    const text = await ed.activeEditorText();
    assert.match(text, /WHERE id = 7/);
    assert.doesNotMatch(text, /\$1/);
  });

  it('Show Health Report opens a Markdown report naming the unindexed foreign key', async () => {
    const { page } = ed;
    await ed.runCommand('Show Health Report');
    // Long lines wrap in the editor beside the plan view: match the heading's start.
    const heading = page.locator('.monaco-editor .view-line').filter({ hasText: '# Health report:' });
    await heading.first().waitFor({ timeout: 120_000 });
    const top = await viewLinesText(heading.first().locator('xpath=ancestor::div[contains(@class, "view-lines")]'), '');
    assert.ok(top.startsWith(`# Health report: ${database} on e2e workload`), top.slice(0, 200));
    assert.match(top, /\*\*Score: \d+ \/ 100\*\* · \d+ findings? · PostgreSQL 15/);
    // …and rendered beside it, as a report is read.
    const preview = page.locator('.tabs-container .tab').filter({ hasText: /^Preview / });
    await preview.first().waitFor({ timeout: 30_000 });
    // The report is longer than the window: search it as a user would.
    await findInReport(page, heading.first(), 'refunds_order_id_fkey on', 'a match for the planted foreign key');
    await ed.screenshot('health-report');
  });

  it('Suggest Indexes for the Workload opens a Markdown report of the top statements with the DDL', async () => {
    const { page } = ed;
    await ed.runCommand('Suggest Indexes for the Workload');
    const heading = page.locator('.monaco-editor .view-line').filter({ hasText: '# Indexes for the workload on' });
    await heading.first().waitFor({ timeout: 300_000 });
    const top = await viewLinesText(heading.first().locator('xpath=ancestor::div[contains(@class, "view-lines")]'), '');
    assert.ok(top.startsWith('# Indexes for the workload on e2e workload'), top.slice(0, 200));
    assert.match(top, /\*\*Measurement:\*\* /);
    assert.match(top, /\*\*Statements:\*\* \d+ measured, \d+ estimated, \d+ writes, \d+ skipped/);
    const preview = page.locator('.tabs-container .tab').filter({ hasText: /^Preview / });
    await preview.first().waitFor({ timeout: 30_000 });
    // The parameterised lookup ran with the value of its workspace copy (queries/lookup.sql), not skipped.
    await findInReport(
      page,
      heading.first(),
      'values from queries/lookup.sql',
      'the lookup with the value of its workspace copy',
    );
  });
});

/**
 * Searches a report with the editor's find widget, as a user would, and closes the widget again. A find widget left
 * open (by this search or another editor's) sits over the report's first lines and would take the click, so every
 * visible one is closed with its own close button first.
 */
async function findInReport(page: Page, line: Locator, text: string, what: string): Promise<void> {
  const closeVisibleFindWidgets = async (): Promise<void> => {
    for (const close of await page.locator('.find-widget.visible .codicon-widget-close').all())
      await close.click().catch(() => undefined);
    await waitFor(
      async () => ((await page.locator('.find-widget.visible').count()) === 0 ? true : undefined),
      10_000,
      'no find widget open',
    );
  };
  await closeVisibleFindWidgets();
  await line.click({ position: { x: 10, y: 5 } });
  await page.keyboard.press('Control+f');
  await page.keyboard.type(text);
  const count = page.locator('.find-widget.visible .matchesCount');
  await waitFor(async () => (/\d+ of \d+/.test(await count.first().innerText()) ? true : undefined), 10_000, what);
  await page.keyboard.press('Escape');
  await closeVisibleFindWidgets();
}

/** Drags the side bar's edge so that the items' descriptions (share and figures) show in the screenshot. */
async function widenSideBar(page: Page, width: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) return;
  const edge = bar.x + bar.width;
  for (const sash of await page.locator('.monaco-sash.vertical').all()) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    return;
  }
}

function viewRows(page: Page): Locator {
  // The container holds one view, so the side bar shows its tree without a pane header of its own.
  return page.locator('.part.sidebar .monaco-list-row');
}
