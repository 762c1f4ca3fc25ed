/**
 * What the e2e suites do to a document as a user would: read its whole text, open the quick-fix menu on a word
 * until it offers a fix and pick that fix with the keyboard; and a query on the test server to compare with.
 */
import { strict as assert } from 'node:assert';
import type { Locator, Page } from 'playwright-core';
import { Client } from 'pg';
import { waitFor } from './pageProbes';

/** Rows of `sql` on the database at `url` (a connection of its own, closed after). */
export async function queryRows<T extends object>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/**
 * The active editor's whole text: select all, copy, read the clipboard (the editor draws only what is in view).
 * `focus` is clicked first (default: the active editor's first line, at its left edge).
 */
export async function documentText(page: Page, focus?: Locator): Promise<string> {
  await page.evaluate(() => navigator.clipboard.writeText(''));
  if (focus) await focus.click();
  else
    await page
      .locator('.editor-group-container.active .monaco-editor .view-line')
      .first()
      .click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');
  const text = await waitFor(
    async () => (await page.evaluate(() => navigator.clipboard.readText())) || undefined,
    10_000,
    'the copied text',
  );
  await page.keyboard.press('Control+Home');
  return text;
}

/** The token `word` on the first editor line holding `lineText` (where a diagnostic sits). */
export function wordOnLine(page: Page, lineText: string, word: string): Locator {
  return page
    .locator('.monaco-editor .view-line')
    .filter({ hasText: lineText })
    .locator('span span')
    .filter({ hasText: new RegExp(`^${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })
    .first();
}

/** Closes a quick-fix menu that is open (one that opened late would lie over the word the next click is for). */
export async function closeActionWidget(page: Page): Promise<void> {
  const widget = page.locator('.action-widget');
  for (let i = 0; i < 5 && (await widget.isVisible()); i++) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
  }
}

/**
 * Opens the quick-fix menu on `anchor` (Ctrl+.) until it offers `title` (right after an edit, or while the fix is
 * still being measured, it offers nothing yet); returns the row's text.
 */
export async function openQuickFixMenu(
  page: Page,
  anchor: () => Locator,
  title: RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const row = page.locator('.action-widget .monaco-list-row').filter({ hasText: title });
  await waitFor(
    async () => {
      await closeActionWidget(page);
      await anchor().click();
      await page.keyboard.press('Control+.');
      return row
        .first()
        .waitFor({ timeout: 20_000 })
        .then(
          () => true,
          () => undefined,
        );
    },
    timeoutMs,
    `"${title.source}" in the quick-fix menu`,
  );
  return (await row.first().innerText()).replace(/\u00a0/g, ' ');
}

/** Picks `title` in the open quick-fix menu with the keyboard: the widget blocks the pointer while it opens. */
export async function pickFocusedQuickFix(page: Page, title: RegExp): Promise<void> {
  const focused = page.locator('.action-widget .monaco-list-row.focused').filter({ hasText: title });
  for (let i = 0; i < 15 && (await focused.count()) === 0; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await focused.count(), 1, `"${title.source}" focused in the quick-fix menu`);
  await page.keyboard.press('Enter');
}

/** Opens the quick-fix menu on `anchor` until it offers `title`, then picks it; returns the row's text. */
export async function pickQuickFix(
  page: Page,
  anchor: () => Locator,
  title: RegExp,
  timeoutMs?: number,
): Promise<string> {
  const text = await openQuickFixMenu(page, anchor, title, timeoutMs);
  await pickFocusedQuickFix(page, title);
  return text;
}
