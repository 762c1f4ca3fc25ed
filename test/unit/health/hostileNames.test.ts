/**
 * Names from the database reach `pg-tuner health` and `top` output as text: a table called
 * `<img src=x onerror=alert(1)>` is no tag in the Markdown report, and one whose name carries ESC ]0;…BEL or
 * ESC [2J neither retitles nor clears the terminal. Real tables on the real test server, the built CLI.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { testServer } from '../../helpers/globalServer';
import type { TestServer } from '../../helpers/postgresServer';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';

const dbName = `hostile_names_${process.pid}`;
const PARENT = 'p<img src=x onerror=alert(1)>';
const CHILD = 'c\u001b]0;pwned\u0007\u001b[2J';
/** A quote and a semicolon, and a dot: the catalog read joined such names unquoted (invalid name syntax). */
const QUOTED = 'we"ird; DROP TABLE users; --';
const DOTTED = 'My.Table';

function assertNoRawControls(out: string, what: string): void {
  assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${what}: a control character got through`);
}

describe('hostile names from the database in health and top', function () {
  this.timeout(180_000);
  let server: TestServer;
  let url: string;
  let work: string;

  before(async () => {
    buildBundles();
    work = mkdtempSync(join(tmpdir(), 'pg-tuner-hostile-'));
    server = await testServer();
    url = await createDatabase(server, dbName);
    const c = new Client({ connectionString: url });
    await c.connect();
    const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
    // A foreign key without an index: health names both tables in a finding.
    await c.query(`CREATE TABLE ${q(PARENT)} (id int PRIMARY KEY)`);
    await c.query(`CREATE TABLE ${q(CHILD)} (id int PRIMARY KEY, parent_id int REFERENCES ${q(PARENT)} (id))`);
    await c.query(`INSERT INTO ${q(PARENT)} SELECT g FROM generate_series(1, 100) g`);
    await c.query(`INSERT INTO ${q(CHILD)} SELECT g, 1 + g % 100 FROM generate_series(1, 1000) g`);
    await c.query(`CREATE TABLE ${q(QUOTED)} (id int); CREATE TABLE ${q(DOTTED)} (id int)`);
    await c.query('CREATE EXTENSION pg_stat_statements');
    for (let i = 0; i < 5; i++) await c.query(`SELECT count(*) FROM ${q(CHILD)} WHERE id < $1`, [i]);
    await c.end();
  });

  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await dropDatabase(server, dbName);
  });

  it('health: the terminal output has no control sequence, the report no tag', async () => {
    const out = join(work, 'health.md');
    const r = await runCli(['health', '--url', url, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /c\\x1b\]0;pwned\\x07\\x1b\[2J/, 'the name is shown, its escapes as text');
    assertNoRawControls(r.stdout, 'health');
    const md = readFileSync(out, 'utf8');
    assert.ok(md.includes('p&lt;img src=x onerror=alert(1)>'), 'the name is in the report as text');
    const outsideFences = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
    assert.ok(!outsideFences.includes('<img'), 'no live tag outside code blocks');
    // Inside code blocks the DDL names the table exactly, escape character included, so that it runs; a
    // Markdown renderer shows it as text. Everywhere else the name is text only.
    assertNoRawControls(outsideFences, 'health report outside its code blocks');
  });

  it('explain: a table named with a quote and a semicolon, or with a dot, is explained; nothing is dropped', async () => {
    const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
    for (const name of [QUOTED, DOTTED])
      for (const mode of [[], ['--no-analyze']]) {
        const r = await runCli(['explain', '--url', url, ...mode, `SELECT * FROM ${q(name)}`]);
        // Before: "invalid name syntax" and "cross-database references are not implemented".
        assert.equal(r.code, 0, `${name} ${mode.join(' ')}: ${r.stderr}`);
        assert.ok(r.stdout.includes(`Seq Scan on ${name}`), r.stdout);
      }
    const c = new Client({ connectionString: url });
    await c.connect();
    const left = await c.query("SELECT count(*)::int AS n FROM pg_class WHERE relname IN ($1, $2) AND relkind = 'r'", [
      QUOTED,
      DOTTED,
    ]);
    await c.end();
    assert.equal(left.rows[0].n, 2);
  });

  it('top: the statement text is printed without its control sequences', async () => {
    const r = await runCli(['top', '--url', url, '--by', 'calls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /FROM "c\\x1b\]0;pwned\\x07\\x1b\[2J"/);
    assertNoRawControls(r.stdout, 'top');
  });
});
