/**
 * An N+1 loop written with an ORM (knex) in a real VS Code (code-server + Chromium): the workspace holds a small
 * TypeScript service, src/users.ts, that loads each active user's orders with one knex query per user (the loop of
 * test/fixtures/nplusone-orm/knexAssign.ts). The workspace copy sits inside this repository, so the editor's finder
 * resolves `knex` from the project's node_modules as it would in a user's project. Opening the file shows the
 * warning on the loop's query (squiggle, Problems panel, hover); the quick fix, picked from the menu, batches the
 * query before the loop in one step (one Undo restores it); the edited file still compiles (TypeScript, strict)
 * and returns the same value as the loop on the test PostgreSQL server. The file on disk stays as it was.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Page } from 'playwright-core';
import ts from 'typescript';
import { testServer } from '../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../helpers/testDatabase';
import { useEditor } from './codeServer';
import { waitFor } from './pageProbes';
import { documentText, openQuickFixMenu, pickFocusedQuickFix } from './editorActions';

const database = `tuner_e2e_orm_nplusone_${process.pid}`;
const usersTs = readFileSync(resolve(__dirname, '../fixtures/nplusone-orm/knexAssign.ts'), 'utf8');

// 40 users (every third inactive, users 5, 10, … without orders), 1–9 orders each: deterministic arithmetic.
const dataSql = `
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);
INSERT INTO users SELECT g, 'user ' || lpad(g::text, 2, '0'), g % 3 <> 0 FROM generate_series(1, 40) g;
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), total numeric(10, 2) NOT NULL);
INSERT INTO orders
SELECT row_number() OVER (ORDER BY u, n), u, round((u * 13 + n * 7) % 200 + n / 4.0, 2)
FROM generate_series(1, 40) u, generate_series(1, 1 + u % 9) n
WHERE u % 5 <> 0;
ANALYZE;
`;

/** TypeScript's errors for `text` as the file at `path` (strict, the project's node_modules for imports). */
function compileErrors(path: string, text: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    resolve(name) === path ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (resolve(name) === path ? text : readFile(name));
  const program = ts.createProgram([path], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** What the module's `load(knex)` returns, the module's text transpiled as the user's build would. */
async function runLoad(text: string, db: Knex): Promise<unknown> {
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const exports: { load?: (k: Knex) => Promise<unknown> } = {};
  new Function('exports', 'require', js)(exports, require);
  assert.ok(exports.load, 'the module exports load');
  return JSON.parse(JSON.stringify(await exports.load(db)));
}

describe('An ORM (knex) N+1 loop in the editor, end to end (code-server + Chromium)', function () {
  this.timeout(600_000);
  let db: Knex | undefined;

  before(async () => {
    const server = await testServer();
    const url = await createDatabase(server, database);
    await runSql(url, dataSql);
    db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
  });

  const ed = useEditor({
    name: 'orm-n-plus-one',
    // The desktop default: the fix stays unsaved until the user saves (the web build auto-saves after a second).
    settings: { 'files.autoSave': 'off', 'editor.stickyScroll.enabled': false },
    files: { 'src/users.ts': usersTs },
    clipboard: true,
  });

  after(async () => {
    await db?.destroy();
    await dropDatabase(await testServer(), database);
  });

  const path = (): string => join(ed.workspace, 'src/users.ts');
  const onDisk = (): string => readFileSync(path(), 'utf8');

  /** users.ts's whole text in the editor; its tab focuses it (a line may lie under the scroll shadow once scrolled). */
  const usersText = (page: Page): Promise<string> =>
    documentText(page, page.locator('.tabs-container .tab').filter({ hasText: 'users.ts' }).first());

  /** The loop's query call: the `knex` token of `knex('orders')` on the line inside the loop. */
  const loopQuery = (page: Page) =>
    page
      .locator('.monaco-editor .view-line')
      .filter({ hasText: "user.orders = await knex('orders')" })
      .locator('span span')
      .filter({ hasText: /^knex$/ })
      .first();

  it('opening the file warns on the loop’s knex query: squiggle, Problems panel and hover', async () => {
    const { page } = ed;
    assert.deepEqual(compileErrors(resolve(path()), usersTs), [], 'the file compiles as written');
    // src/ is collapsed in the explorer: Quick Open, as a user would.
    await waitFor(
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget .quick-input-box input').fill('src/users.ts');
        return page
          .locator('.quick-input-list .monaco-list-row')
          .filter({ hasText: 'users.ts' })
          .first()
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => undefined,
          );
      },
      60_000,
      'users.ts in Quick Open',
    );
    await page.keyboard.press('Enter');
    await page
      .locator('.monaco-editor .view-line')
      .filter({ hasText: 'for (const user of users)' })
      .first()
      .waitFor({ timeout: 30_000 });
    await ed.activated();

    // The finder builds a TypeScript program over the file on its own thread: the first check takes seconds.
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 120_000 });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'n-plus-one-query' });
    await problem.first().waitFor({ timeout: 15_000 });
    const problemText = (await problem.first().innerText()).replace(/\s+/g, ' ');
    assert.equal(await problem.count(), 1, problemText);
    assert.match(problemText, /knex/, problemText);
    assert.match(problemText, /\(N round trips\)/, problemText);
    const line = usersTs.slice(0, usersTs.indexOf("knex('orders')")).split('\n').length;
    assert.ok(problemText.includes(`[Ln ${line}, `), problemText);

    await page.keyboard.press('Escape');
    const hover = page.locator('.monaco-hover').filter({ hasText: 'n-plus-one-query' });
    const hoverText = await waitFor(
      async () => {
        await page.mouse.move(0, 0);
        await loopQuery(page).hover();
        const shown = await hover
          .first()
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => false,
          );
        if (!shown) return undefined;
        // Our part comes when the extension host answers (the TypeScript service may keep the window busy).
        const text = (await hover.first().innerText()).replace(/\u00a0/g, ' ');
        return /Recognised as/.test(text) ? text : undefined;
      },
      60_000,
      'the hover on the loop’s query',
    );
    // Told by knex's own type declarations, from the project's node_modules, and the batched call shown.
    assert.match(hoverText, /Recognised as knex from its type declarations/, hoverText);
    assert.match(hoverText, /whereIn/, hoverText);
    await ed.screenshot('orm-n-plus-one-hover');
    await page.mouse.move(0, 0);
    assert.equal(onDisk(), usersTs);
  });

  it('the quick fix batches the query before the loop in one step; the file compiles and returns the same; one Undo restores it', async () => {
    const { page } = ed;
    const title = /Batch the loop's knex query: one query for every user, grouped by user_id \(N → 1 round trips\)/;
    await openQuickFixMenu(page, () => loopQuery(page), title);
    await ed.screenshot('orm-n-plus-one-quick-fix-menu');
    await pickFocusedQuickFix(page, title);

    // Picked, it applies at once: no refactor preview.
    await page
      .locator('.tabs-container .tab.dirty')
      .filter({ hasText: 'users.ts' })
      .first()
      .waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.bulk-edit-panel input.edit-checkbox').count(), 0, 'no refactor preview');
    const fixed = await usersText(page);
    assert.notEqual(fixed, usersTs);
    assert.match(fixed, /whereIn\(/, fixed);
    // No query left inside the loop.
    const loop = fixed.slice(fixed.indexOf('for (const user of users)'));
    assert.doesNotMatch(loop.slice(0, loop.indexOf('}')), /await knex\(/, fixed);
    assert.deepEqual(compileErrors(resolve(path()), fixed), [], `the fixed file compiles:\n${fixed}`);
    assert.ok(db);
    const before = await runLoad(usersTs, db);
    const after = await runLoad(fixed, db);
    assert.ok(JSON.stringify(before).length > 1000, 'rows came back');
    assert.deepStrictEqual(after, before, `the fixed code returns what the loop returned:\n${fixed}`);
    await ed.screenshot('orm-n-plus-one-after-fix');
    assert.equal(onDisk(), usersTs, 'nothing is saved until the user saves');

    await page.keyboard.press('Control+Z');
    await waitFor(
      async () => ((await usersText(page)) === usersTs ? true : undefined),
      15_000,
      'the original text after one Undo',
    ).catch(async (err: Error) => {
      assert.equal(await usersText(page), usersTs, err.message);
    });
    await page
      .locator('.tabs-container .tab.dirty')
      .filter({ hasText: 'users.ts' })
      .waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(onDisk(), usersTs);
  });
});
