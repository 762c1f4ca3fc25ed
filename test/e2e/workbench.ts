/**
 * What a user does in the workbench, as the end-to-end suites do it: open a file from the explorer, run a
 * command from the palette or the editor's context menu, read an editor's text. Plain functions of a Page.
 */
import type { Locator, Page } from 'playwright-core';
import { waitFor } from './pageProbes';

/** Opens `name` from the explorer and waits for its tab and for a line holding `shownText`. */
export async function openFile(page: Page, name: string, shownText: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: name });
  await row.first().waitFor({ timeout: 60_000 });
  await row.first().click();
  await page.locator('.tabs-container .tab').filter({ hasText: name }).first().waitFor();
  await page.locator('.monaco-editor .view-line').filter({ hasText: shownText }).first().waitFor({ timeout: 30_000 });
}

/**
 * Runs a command from the palette by its exact title, with or without its category ("File: …" or ours); the
 * list also offers titles that merely contain it. Right after the workbench appears the palette can open
 * before the extension's commands are registered: it is opened again until the command is there.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const exactLabel = page
    .locator('.label-name')
    .filter({ hasText: new RegExp(`^(?:[^:]+: )?${escapeRegExp(title)}$`) });
  const rows = widget.locator('.quick-input-list .monaco-list-row').filter({ has: exactLabel });
  const focused = widget.locator('.quick-input-list .monaco-list-row.focused').filter({ has: exactLabel });
  await waitFor(
    async () => {
      if (await widget.isVisible()) await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`);
      if (
        !(await rows
          .first()
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => false,
          ))
      )
        return undefined;
      // The list filters as it is typed into: Enter only once the wanted command is the focused row.
      for (let i = 0; i < 10 && (await focused.count()) === 0; i++) await page.keyboard.press('ArrowDown');
      return (await focused.count()) > 0 || undefined;
    },
    30_000,
    `"${title}" in the command palette`,
  );
  await page.keyboard.press('Enter');
}

/** Clicks into the line holding `lineText` (the cursor goes there) and picks `item` from the editor's context menu. */
export async function contextMenuCommand(page: Page, lineText: string, item: string): Promise<void> {
  const line = page.locator('.monaco-editor .view-line').filter({ hasText: lineText }).first();
  // Near the line's start: a long line's centre can lie beyond the editor, under the plan view beside it.
  await line.click({ position: { x: 30, y: 5 } });
  await line.click({ button: 'right', position: { x: 30, y: 5 } });
  // A menu item's accessible name ends with its keybinding; its label element holds the title alone.
  const entry = page
    .getByRole('menuitem')
    .filter({ has: page.locator('.action-label').filter({ hasText: new RegExp(`^${escapeRegExp(item)}$`) }) });
  await entry.first().waitFor({ timeout: 10_000 });
  // Hover focuses the item, Enter runs it: a mouse click right after the menu opened is sometimes ignored by the
  // workbench (the menu stays open with the item highlighted), Enter on the focused item never is.
  await entry.first().hover();
  await page.keyboard.press('Enter');
  await page.locator('.context-view .monaco-menu').first().waitFor({ state: 'hidden', timeout: 5_000 });
}

/**
 * The text of the newest notification matching `pattern`: its toast, or, when the workbench put it in the
 * notification centre without a toast (it does so now and then while other notifications come and go), the
 * centre's entry, opened for it and closed again. Either is what the user can read. `toastTimeoutMs` ≤ 0 reads
 * the centre straight away.
 */
export async function notificationText(page: Page, pattern: RegExp, toastTimeoutMs = 10_000): Promise<string> {
  const toast = page.locator('.notification-toast').filter({ hasText: pattern });
  if (
    toastTimeoutMs > 0 &&
    (await toast
      .first()
      .waitFor({ timeout: toastTimeoutMs })
      .then(
        () => true,
        () => false,
      ))
  )
    return toast.first().innerText();
  await runCommand(page, 'Notifications: Show Notifications');
  const entry = page.locator('.notifications-center .notification-list-item').filter({ hasText: pattern });
  await entry.first().waitFor({ timeout: 10_000 });
  const text = await entry.first().innerText();
  await page.keyboard.press('Escape');
  return text;
}

/** The text of the first editor on the page (Monaco draws spaces as U+00A0). */
export function editorText(page: Page): Promise<string> {
  return viewLinesText(page.locator('.monaco-editor .view-lines').first(), '\n');
}

/** The text of the focused editor group's editor. */
export function activeEditorText(page: Page): Promise<string> {
  return viewLinesText(page.locator('.editor-group-container.active .monaco-editor .view-lines').first(), '\n');
}

/**
 * An editor's rendered lines in order, joined with `separator`: '\n' for the document's lines, '' to join
 * wrapped lines again (Monaco wraps after a space). Only the lines in view are drawn.
 */
export async function viewLinesText(viewLines: Locator, separator: string): Promise<string> {
  const lines = await viewLines.evaluate((el) =>
    [...el.querySelectorAll<HTMLElement>('.view-line')]
      .map((l) => ({ top: Number.parseFloat(l.style.top || '0'), text: l.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
  return lines.join(separator).replace(/\u00a0/g, ' ');
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
