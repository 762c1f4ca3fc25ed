/**
 * Advisor numbers (issue 13 item 7) in a real VS Code (code-server + Chromium) on the test PostgreSQL server: a
 * database of this suite's own holds 200,000 orders (our generator below, one order a few minutes apart over two
 * years, no index on created_at). The statement of daily.sql filters `date(created_at) = …`: an index on created_at
 * cannot serve it as written and the sargable rewrite alone is no faster, only the two together are (a seq scan of
 * 200,000 rows → an index range of ~270). As a user does: pick the connection, right-click → "Suggest Indexes and
 * Rewrites", read the message, the Problems panel and the hover, open "Compare before/after", pick the quick fix.
 *
 * - the index is one finding with the rewrite (`rewrite-with-index`), never a plain `index-suggestion`;
 * - the message and the hover give one time of the statement as written (the arms measured together), not one per run;
 * - the hover is short structured Markdown: list items and SQL code blocks, no long paragraph;
 * - the comparison shows the statement as it is on the left, the rewrite with the index on the right, each plan
 *   drawn whole (small plans never open zoomed in as "too big to read whole");
 * - the pair's quick fix puts the rewrite in place (returning the same rows on the server) and opens the DDL in one
 *   step, and one Undo restores the statement; nothing is saved, nothing is built on the server.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { indexNames } from '../helpers/testDatabase';
import { useServerEditor } from './serverEditor';
import { waitFor } from './pageProbes';
import { documentText, pickQuickFix as pickQuickFixOn, queryRows as queryRowsAt, wordOnLine } from './editorActions';
import { notificationText } from './workbench';

const database = `tuner_e2e_advisor_numbers_${process.pid}`;
const label = 'orders db';
const indexName = 'orders_created_at_covering_idx';
const rewriteTitle = 'Leave the indexed column bare in the predicate';

const statement = ['SELECT id, total', 'FROM orders', "WHERE date(created_at) = '2024-03-01'"].join('\n');
const dailySql = ['-- The orders of one day.', `${statement};`, ''].join('\n');

// Generated, deterministic: 200,000 orders spread over 2023–2024 by modular arithmetic (about 270 a day), in an
// order unrelated to created_at; primary key only.
const dataSql = `
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id bigint NOT NULL,
  total numeric(10,2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (g::bigint * 7919) % 2000, ((g * 37) % 50000) / 100.0,
       CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'paid' END,
       timestamptz '2023-01-01' + ((g::bigint * 104729) % (730 * 24 * 60)) * interval '1 minute'
FROM generate_series(1, 200000) g;
`;

/** Every "as written" time in a text: "As written 32.7 ms", "As written: 32.7 ms", "time as written (x): 32.65 ms". */
function asWrittenTimes(text: string): number[] {
  return [...text.matchAll(/as written\b[^\n\d]*?([\d,]+(?:\.\d+)?) ms/gi)].map((m) => Number(m[1].replace(/,/g, '')));
}

/** The same time, to the precision the two places print it (the message rounds to 3 digits, evidence to 0.01). */
function sameTime(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(0.01, 0.01 * Math.max(a, b));
}

describe('Advisor numbers in the editor, end to end (code-server + Chromium, test server)', function () {
  this.timeout(900_000);
  const { ed, url } = useServerEditor({
    database,
    label,
    dataSql,
    vacuum: ['orders'],
    name: 'advisor-numbers',
    files: { 'daily.sql': dailySql },
  });

  const queryRows = <T extends object>(sql: string): Promise<T[]> => queryRowsAt<T>(url(), sql);

  const onDisk = (): string => readFileSync(join(ed.workspace, 'daily.sql'), 'utf8');

  /** The statement's first word in daily.sql, where the advice diagnostics sit. */
  const firstWord = (page: Page) => wordOnLine(page, 'SELECT id, total', 'SELECT');

  const pickQuickFix = (page: Page, title: RegExp) => pickQuickFixOn(page, () => firstWord(page), title);

  it('"Suggest Indexes and Rewrites" presents the index as one finding with the rewrite, with one as-written time', async () => {
    const { page } = ed;
    await ed.openFile('daily.sql', 'WHERE date(created_at)');
    await ed.activated();

    // The connection, picked from the status bar.
    await page.locator('.statusbar-item').filter({ hasText: 'Embedded (workspace schema)' }).first().click();
    await page.locator('.quick-input-widget').waitFor();
    await page.keyboard.type(label);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item').filter({ hasText: label }).first().waitFor({ timeout: 10_000 });

    const t0 = Date.now();
    const done = /Suggest Indexes and Rewrites: \d+ index suggestion\(s\), \d+ rewrite\(s\) in \d+ ms on /;
    // On a loaded machine the first connection can miss its 10 s (the embedded database starts at the same time
    // in the same extension host): the user is told so and runs the command again; so does the test, once.
    const connectFailed = /\[error\] Suggest Indexes and Rewrites: \[connection-failed\]/;
    let logLine = '';
    for (let attempt = 1; !logLine; attempt++) {
      const failedBefore = ed.logLines().filter((l) => connectFailed.test(l)).length;
      await ed.contextMenuCommand('WHERE date(created_at)', 'Suggest Indexes and Rewrites');
      const outcome = await waitFor(
        () => {
          const lines = ed.logLines();
          const ok = lines.find((l) => done.test(l));
          if (ok) return ok;
          return lines.filter((l) => connectFailed.test(l)).length > failedBefore ? 'failed' : undefined;
        },
        300_000,
        'the advisors to finish',
      );
      if (outcome !== 'failed') logLine = outcome;
      else if (attempt >= 2)
        assert.fail(
          ed
            .logLines()
            .filter((l) => connectFailed.test(l))
            .join('\n'),
        );
      else console.log('      (the connection missed its 10 s on the loaded machine: running the command again)');
    }
    console.log(`      advice: ${Date.now() - t0} ms — ${logLine.replace(/^.*Suggest/, 'Suggest')}`);
    assert.match(logLine, new RegExp(`: 1 index suggestion\\(s\\), 1 rewrite\\(s\\) in \\d+ ms on ${label}`));

    // The message: the pair, then every arm against one time of the statement as written.
    const message = (
      await notificationText(page, new RegExp(`On ${label}: .*Quick fixes`), 30_000).then((t) => t.replace(/\s+/g, ' '))
    ).replace(/\u00a0/g, ' ');
    console.log(`      message: ${message}`);
    assert.ok(message.includes(`${rewriteTitle} with the index ${indexName}`), message);
    assert.match(
      message,
      /As written ([\d.]+) ms → rewrite [\d.]+ ms, index [\d.]+ ms, both [\d.]+ ms \(measured together, median of \d+\)/,
    );
    assert.doesNotMatch(message, /index suggestion/, 'the index is not offered alone');
    const messageBase = asWrittenTimes(message);
    assert.equal(messageBase.length, 1, `one as-written time in: ${message}`);
    // Four times in all: as written, rewrite, index, both — no other "before" from another run.
    assert.equal([...message.matchAll(/[\d.]+ ms/g)].length, 4, message);

    // The Problems panel: one finding for the index and its rewrite together, none for the index alone.
    await page.keyboard.press('Control+Shift+M');
    const problems = page.locator('.markers-panel .monaco-list-row');
    const pairRow = problems.filter({ hasText: 'rewrite-with-index' });
    await pairRow.first().waitFor({ timeout: 15_000 });
    const pairText = (await pairRow.first().innerText()).replace(/\s+/g, ' ');
    assert.equal(await pairRow.count(), 1, pairText);
    assert.equal(await problems.filter({ hasText: 'index-suggestion' }).count(), 0, 'no plain index finding');
    assert.match(
      pairText,
      new RegExp(
        `Rewrite \\+ index: ${rewriteTitle} with ${indexName} — measured together ([\\d.]+) → [\\d.]+ ms, [\\d.]+× faster`,
      ),
    );
    const titleBase = Number(/measured together ([\d.]+) →/.exec(pairText)?.[1]);
    assert.ok(sameTime(titleBase, messageBase[0]), `${titleBase} in the finding, ${messageBase[0]} in the message`);
    await ed.screenshot('advisor-numbers-problems');

    // The hover on the statement's first word shows all of its advice: one baseline, in lists and code blocks.
    await page.keyboard.press('Escape');
    const hover = page.locator('.monaco-hover').filter({ hasText: 'rewrite-with-index' });
    const hoverText = await waitFor(
      async () => {
        await page.mouse.move(0, 0);
        await firstWord(page).hover();
        const shown = await hover
          .first()
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => false,
          );
        if (!shown) return undefined;
        const text = (await hover.first().innerText()).replace(/\u00a0/g, ' ');
        return /Rollback/.test(text) ? text : undefined;
      },
      60_000,
      'the hover with the pair',
    );
    console.log(`      hover as-written times: ${asWrittenTimes(hoverText).join(', ')}`);
    assert.match(hoverText, /The index gains only on the rewritten statement, so the two go together/);
    assert.match(hoverText, /Measured together on .* \(one run, median of \d+ each\)/);
    const hoverBase = asWrittenTimes(hoverText);
    assert.ok(hoverBase.length >= 1, hoverText);
    for (const t of hoverBase)
      assert.ok(sameTime(t, messageBase[0]), `as written ${t} ms in the hover, ${messageBase[0]} ms in the message`);
    // The rendered Markdown of the hover (its parts sit in nested hover elements): list items, code, paragraphs.
    const shape = await page.evaluate(() => {
      const parts = [...document.querySelectorAll('.monaco-hover')].filter((el) =>
        (el.textContent ?? '').includes('rewrite-with-index'),
      );
      // No local functions here: the test's transpiler would name them with a helper the page does not have.
      // A fenced block is drawn as tokenized source (spans), not as <pre><code>.
      const texts = ['li', 'pre, code, .monaco-tokenized-source', 'p'].map((selector) => [
        ...new Set(parts.flatMap((el) => [...el.querySelectorAll(selector)].map((e) => e.textContent ?? ''))),
      ]);
      return {
        around: (parts[0]?.innerHTML ?? '').replace(/^[\s\S]*?(.{0,300}CREATE INDEX)[\s\S]*$/, '$1'),
        items: texts[0],
        code: texts[1],
        longest: Math.max(0, ...texts[2].map((t) => t.length)),
      };
    });
    assert.ok(shape.items.length >= 4, `list items in the hover: ${JSON.stringify(shape)}`);
    assert.ok(
      shape.items.some((i) => /^Rewrite \+ index: [\d.]+ ms/.test(i)),
      JSON.stringify(shape.items),
    );
    assert.ok(
      shape.code.some((c) => c.includes(`CREATE INDEX CONCURRENTLY ${indexName} ON public.orders (created_at`)),
      JSON.stringify(shape),
    );
    assert.ok(
      shape.code.some((c) => /created_at >= /.test(c)),
      'the rewritten statement in a code block',
    );
    assert.ok(shape.longest <= 400, `a paragraph of ${shape.longest} characters in the hover`);
    await ed.screenshot('advisor-numbers-hover');
    // The hover stays while the pointer rests on it: put it away, as a user would.
    await page.keyboard.press('Escape');
    await page.mouse.move(0, 0);
  });

  it('"Compare before/after" shows the statement as it is on the left, the rewrite with the index on the right, both whole', async () => {
    const { page } = ed;
    await pickQuickFix(page, new RegExp(`Compare before/after: as it is ↔ ${rewriteTitle} with ${indexName}`));
    const compare: Frame = await ed.planFrame(
      async (f) =>
        (await f.locator('.compare-summary li').count()) > 0 && (await f.locator('svg.plan-svg').count()) === 2,
      180_000,
    );
    const title = await compare.locator('.summary .title').innerText();
    assert.match(title, new RegExp(`as it is \\(EXPLAIN ANALYZE on ${label}\\)`));
    const panes = await compare.locator('.pane-head').allInnerTexts();
    assert.equal(panes.length, 2, panes.join(' | '));
    assert.match(panes[0], /^as it is · /);
    assert.match(panes[1], new RegExp(`^${rewriteTitle}, with ${indexName} · `));
    const summary = await compare.locator('.compare-summary').innerText();
    // The statement as it is reads every order (a seq scan, perhaps parallel); with the rewrite and the index, the day.
    assert.match(summary, /Rows scanned 200,000 → \d+/, summary);
    assert.match(summary, / → (Bitmap Heap Scan|Index (Only )?Scan)\b/, summary);

    // Small plans open whole: every node drawn, inside its pane, and no "too big to read whole" note.
    for (const [i, side] of (['before', 'after'] as const).entries()) {
      const nodes = Number(/(\d+) nodes/.exec(panes[i])?.[1]);
      assert.ok(nodes > 0 && nodes <= 40, panes[i]);
      const fit = await compare.evaluate((s) => {
        const pane = document.querySelector(`.compare-pane.${s} svg.plan-svg`);
        if (!pane) return undefined;
        const box = pane.getBoundingClientRect();
        const drawn = [...pane.querySelectorAll('g.node')].map((g) => g.getBoundingClientRect());
        const inside = drawn.filter(
          (r) =>
            r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
        );
        return { drawn: drawn.length, inside: inside.length };
      }, side);
      assert.deepEqual(fit, { drawn: nodes, inside: nodes }, `${side}: ${panes[i]}`);
    }
    assert.equal((await compare.locator('.compare-zoom-note').innerText()).trim(), '');
    assert.doesNotMatch(await compare.locator('.compare-info').innerText(), /too big to read whole/);
    // The left plan is the statement as it is, not the rewrite: its scan carries no index and no range on created_at.
    const beforeLabels = await compare.locator('.compare-pane.before g.node text.label').allTextContents();
    const afterLabels = await compare.locator('.compare-pane.after g.node text.label').allTextContents();
    assert.ok(
      beforeLabels.some((l) => /Seq Scan/.test(l)),
      beforeLabels.join(' | '),
    );
    assert.ok(!beforeLabels.some((l) => l.includes(indexName.slice(0, 12))), beforeLabels.join(' | '));
    assert.ok(
      afterLabels.some((l) => /Index|Bitmap/.test(l)),
      afterLabels.join(' | '),
    );
    assert.ok(ed.logLines().some((l) => /Compare: /.test(l)));
    await ed.screenshot('advisor-numbers-compare');
  });

  it('the pair’s quick fix puts the rewrite in place and opens the DDL in one step; one Undo restores the statement', async () => {
    const { page } = ed;
    const indexesBefore = await indexNames(url());
    await ed.openFile('daily.sql', 'SELECT id, total');
    await pickQuickFix(
      page,
      new RegExp(`^Rewrite and add index: ${rewriteTitle} \\+ ${indexName} — measured together`),
    );

    // The DDL opens beside, untitled, for the user to run.
    await page
      .locator('.tabs-container .tab')
      .filter({ hasText: /Untitled/ })
      .first()
      .waitFor({ timeout: 30_000 });
    const ddl = await waitFor(
      async () => {
        const text = await documentText(page);
        return /CREATE INDEX CONCURRENTLY/.test(text) ? text : undefined;
      },
      30_000,
      'the DDL document',
    );
    assert.match(ddl, new RegExp(`^-- Suggested: ${rewriteTitle}, with ${indexName}$`, 'm'));
    assert.match(ddl, /^-- The quick fix rewrote the statement as \(the index gains only with it\):$/m);
    assert.match(ddl, new RegExp(`^CREATE INDEX CONCURRENTLY ${indexName} ON public\\.orders \\(created_at`, 'm'));
    assert.match(ddl, new RegExp(`^-- DROP INDEX CONCURRENTLY (public\\.)?${indexName};$`, 'm'));
    // Running the whole document runs only the DDL: everything else is a `--` comment, points as `-- - ` lines.
    const create = ddl.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('--'));
    assert.equal(create.length, 1, create.join('\n'));
    assert.ok(ddl.split('\n').filter((l) => l.startsWith('-- - ')).length >= 3, ddl);
    assert.match(ddl, /^-- - As written: [\d.]+ ms \(the baseline\)$/m);
    await ed.screenshot('advisor-numbers-ddl');

    // The statement was rewritten in place, unsaved, in the same step.
    const sqlTab = page.locator('.tabs-container .tab').filter({ hasText: 'daily.sql' }).first();
    await page
      .locator('.tabs-container .tab.dirty')
      .filter({ hasText: 'daily.sql' })
      .first()
      .waitFor({ timeout: 30_000 });
    await sqlTab.click();
    const rewritten = await documentText(page);
    assert.ok(rewritten.startsWith('-- The orders of one day.\n'), rewritten);
    assert.ok(rewritten.endsWith(';\n'), rewritten);
    const newStatement = rewritten.slice('-- The orders of one day.\n'.length, -2);
    // Laid out over several lines: read on one.
    assert.match(
      newStatement.replace(/\s+/g, ' '),
      /WHERE created_at >= \(?'2024-03-01'\)?::date AND created_at < \(?\(?'2024-03-01'\)?::date \+ 1\)?$/,
    );
    assert.doesNotMatch(newStatement, /date\(created_at\)/);
    // The same rows on the server, the very text the editor now holds.
    const key = (rows: Array<{ id: string }>): string =>
      rows
        .map((r) => r.id)
        .sort()
        .join(',');
    const asWritten = await queryRows<{ id: string }>(statement);
    assert.ok(asWritten.length > 100, `${asWritten.length} orders that day`);
    assert.equal(key(await queryRows<{ id: string }>(newStatement)), key(asWritten));
    assert.equal(onDisk(), dailySql, 'nothing is saved until the user saves');

    await page.keyboard.press('Control+Z');
    await waitFor(
      async () => ((await documentText(page)) === dailySql ? true : undefined),
      15_000,
      'the original text after one Undo',
    ).catch(async (err: Error) => {
      assert.equal(await documentText(page), dailySql, err.message);
    });
    await page
      .locator('.tabs-container .tab.dirty')
      .filter({ hasText: 'daily.sql' })
      .waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(onDisk(), dailySql);
    assert.deepEqual(await indexNames(url()), indexesBefore, 'nothing built on the server');
    assert.ok(!indexesBefore.includes(indexName));
  });
});
