/**
 * `pg-tuner loops` from the built bundle (dist/cli.js): the case-2 N+1 loop (storing each program's task rows)
 * found in a temporary source tree,
 * its single query and code change, --json, --markdown, --apply (the core's edits written, nothing found on
 * the next run), and --measure on the real test server in a programs/tasks database of its own (our
 * generator below: 60 programs, 50 of them active, 600 tasks, no index on tasks.program_id).
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adviseNPlusOne } from '../../../src/core/advice/nPlusOne/adviseNPlusOne';
import type { LoopsResult } from '../../../src/cli/commands/loops';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, indexNames, runSql } from '../../helpers/testDatabase';

const caseTwo = `import type { Pool } from 'pg';

export async function listPrograms(pool: Pool) {
  const programs = await pool.query(\`SELECT * FROM programs WHERE status = 'active'\`);
  for (const program of programs.rows) {
    program.tasks = (await pool.query(\`SELECT * FROM tasks WHERE program_id = $1\`, [program.id])).rows;
  }
  return programs.rows;
}
`;

const noLoop = `export async function program(pool: { query(sql: string, values: unknown[]): Promise<unknown> }, id: number) {
  return pool.query('SELECT * FROM programs WHERE id = $1', [id]);
}
`;

const twoLoops = `export async function users(db) {
  const users = await db.query('SELECT id, name FROM users WHERE active');
  for (const user of users.rows) {
    user.orders = (await db.query('SELECT id, total FROM orders WHERE user_id = $1 ORDER BY id', [user.id])).rows;
  }
  return users.rows;
}

export async function programs(db) {
  const programs = await db.query("SELECT * FROM programs WHERE status = 'active'");
  programs.rows.forEach(async (program) => {
    program.tasks = await db.query('SELECT * FROM tasks WHERE program_id = $1', [program.id]);
  });
  return programs.rows;
}
`;

const dataSql = `
CREATE TABLE programs (id int PRIMARY KEY, title text NOT NULL, status text NOT NULL);
INSERT INTO programs SELECT g, 'program ' || g, CASE WHEN g % 6 = 0 THEN 'archived' ELSE 'active' END FROM generate_series(1, 60) g;
CREATE TABLE tasks (id int PRIMARY KEY, program_id int NOT NULL REFERENCES programs (id), title text NOT NULL, due date);
INSERT INTO tasks SELECT g, 1 + (g * 7) % 60, 'task ' || g, date '2024-01-01' + (g % 90) FROM generate_series(1, 600) g;
ANALYZE programs;
ANALYZE tasks;
`;

/** 1-based line and column of the first `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** A source tree: the loop, a file without one, and copies of the loop where they must not be looked for. */
function sourceTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'pg-tuner-loops-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src/programs.ts'), caseTwo);
  writeFileSync(join(root, 'src/program.ts'), noLoop);
  for (const skipped of ['node_modules/lib', 'dist', '.cache']) {
    mkdirSync(join(root, skipped), { recursive: true });
    writeFileSync(
      join(root, skipped, 'index.js'),
      caseTwo.replace(/^import type.*\n/, '').replace('(pool: Pool)', '(pool)'),
    );
  }
  return root;
}

// The ledger of our own scans (written by --measure) goes to a directory of the test's, not the user's.
const stateDir = mkdtempSync(join(tmpdir(), 'pg-tuner-state-'));
const run = (args: string[], cwd: string) => runCli(['loops', ...args], { cwd, env: { PG_TUNER_STATE_DIR: stateDir } });

describe('pg-tuner loops (built bundle)', function () {
  this.timeout(300_000);
  let root: string;
  const inner = positionOf(caseTwo, 'pool.query(`SELECT * FROM tasks');

  before(() => {
    buildBundles();
    root = sourceTree();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds exactly the case-2 loop, at the query call inside it, with the single query and the code change, and writes nothing', async () => {
    const r = await run(['.'], root);
    assert.equal(r.code, 0, r.stderr);
    const headers = r.stdout.match(/^\S+:\d+:\d+ {2}N\+1 queries.*$/gm) ?? [];
    assert.deepEqual(headers, [
      `src/programs.ts:${inner.line}:${inner.column}  N+1 queries: one tasks query per programs row → one query with json_agg`,
    ]);
    assert.match(r.stdout, /^ {3}Round trips: 1 \+ N → 1$/m);
    assert.match(
      r.stdout,
      /Single query:\n {5}SELECT\n {7}p\.\*,\n {7}COALESCE\(json_agg\(t\) FILTER \(WHERE t\.program_id IS NOT NULL\), '\[\]'\) AS tasks\n {5}FROM programs AS p\n {5}LEFT JOIN tasks AS t ON t\.program_id = p\.id\n {5}WHERE\n {7}p\.status = 'active'\n {5}GROUP BY\n {7}p\.id\n/,
    );
    // The outer query's line and the three lines of the loop go; the outer query with the single SQL comes.
    assert.match(
      r.stdout,
      /Code change \(run with --apply to write it\):\n {5}@@ -4,4 \+4,9 @@\n {5}- {2}const programs = await pool\.query\(`SELECT \* FROM programs WHERE status = 'active'`\);\n {5}- {2}for \(const program of programs\.rows\) \{\n/,
    );
    assert.match(r.stdout, /^ {5}\+ {2}const programs = await pool\.query\(`SELECT$/m);
    // The SQL's continuation lines sit one step deeper than the code line the literal starts on.
    assert.match(r.stdout, /^ {5}\+ {4}FROM programs AS p$/m);
    assert.match(r.stdout, /^ {5}\+ {6}p\.id`\);$/m);
    assert.match(r.stdout, /^ {3}Caveat: Assumes programs\.id is the primary key/m);
    assert.doesNotMatch(r.stdout, /Index|Measured/);
    assert.match(r.stdout, /^1 N\+1 loop found in 2 files\.$/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /static analysis only/);
    assert.equal(readFileSync(join(root, 'src/programs.ts'), 'utf8'), caseTwo);
  });

  it('--json: the files scanned and each loop with its position and the core advice', async () => {
    const r = await run(['src', '--json'], root);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as LoopsResult;
    assert.deepEqual(out.files, ['src/program.ts', 'src/programs.ts']);
    assert.equal(out.measured, false);
    assert.equal(out.database, undefined);
    assert.equal(out.loops.length, 1);
    const [loop] = out.loops;
    assert.deepEqual(
      { path: loop.path, line: loop.line, column: loop.column, loopLines: loop.loopLines },
      { path: 'src/programs.ts', ...inner, loopLines: { start: 5, end: 7 } },
    );
    assert.equal(loop.advice.id, 'n-plus-one-to-json-agg');
    assert.equal(loop.advice.finding.inner.sql, 'SELECT * FROM tasks WHERE program_id = $1');
    assert.equal(loop.advice.combined.arrayColumn, 'tasks');
    assert.deepEqual(loop.advice.roundTrips, { before: '1 + N', after: 1 });
    assert.equal(loop.advice.edits.length, 2);
    assert.match(loop.advice.measurementNote ?? '', /No database session/);
  });

  it('--markdown: the loop, its SQL and its diff as a pull request takes them', async () => {
    const r = await run(['src/*.ts', '--markdown'], root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^## N\+1 query loops\n\n1 N\+1 loop found in 2 files\.\n\n### `src\/programs\.ts:\d+:\d+` N\+1 queries/,
    );
    assert.match(r.stdout, /```sql\nSELECT\n {2}p\.\*,/);
    assert.match(r.stdout, /```diff\n@@ -4,4 \+4,9 @@\n- {2}const programs/);
  });

  it('--fail-on warning exits 2 when a loop is found, --fail-on critical does not', async () => {
    assert.equal((await run(['src', '--fail-on', 'warning'], root)).code, 2);
    assert.equal((await run(['src', '--fail-on', 'critical'], root)).code, 0);
    assert.equal((await run(['src/program.ts', '--fail-on', 'info'], root)).code, 0);
  });

  it('--apply writes the core edits into the file, and the next run finds no loop', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pg-tuner-loops-apply-'));
    try {
      cpSync(join(root, 'src'), join(copy, 'src'), { recursive: true });
      // A second file with two loops in two functions: both are written in one go.
      writeFileSync(join(copy, 'src/two.ts'), twoLoops);
      const r = await run(['src', '--apply'], copy);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.match(/Code change \(applied\):/g)?.length, 2);
      // The forEach loop does not wait for its callbacks: no edit could keep what it does, so it is left as it is.
      assert.match(r.stdout, /^ {3}No code change: forEach does not wait for its async callback/m);
      assert.match(
        r.stdout,
        /^Wrote src\/programs\.ts: 1 loop replaced by a single query\.\nWrote src\/two\.ts: 1 loop replaced by a single query\.\nNot changed: 1 loop\(s\) whose effect the single query does not reproduce/m,
      );
      for (const [name, text] of [
        ['programs.ts', caseTwo],
        ['two.ts', twoLoops],
      ]) {
        const advice = await adviseNPlusOne(undefined, text, name);
        let expected = text;
        for (const e of advice.flatMap((a) => a.edits).sort((a, b) => b.range.start - a.range.start))
          expected = expected.slice(0, e.range.start) + e.newText + expected.slice(e.range.end);
        const written = readFileSync(join(copy, 'src', name), 'utf8');
        assert.equal(written, expected, name);
        assert.doesNotMatch(written, /for \(const/);
        assert.equal((written.match(/json_agg/g) ?? []).length, advice.filter((a) => a.edits.length > 0).length, name);
      }
      assert.match(
        readFileSync(join(copy, 'src/two.ts'), 'utf8'),
        /programs\.rows\.forEach\(async \(program\) => \{\n {4}program\.tasks = await db\.query/,
      );
      assert.equal(readFileSync(join(copy, 'src/program.ts'), 'utf8'), noLoop);
      const written = readFileSync(join(copy, 'src/programs.ts'), 'utf8');
      const again = await run(['src', '--apply', '--fail-on', 'warning'], copy);
      // The forEach loop is still reported (with its query and no change), so --fail-on warning still fails.
      assert.equal(again.code, 2, again.stderr);
      assert.match(again.stdout, /^1 N\+1 loop found in 3 files\.\nNot changed: 1 loop\(s\)/m);
      assert.equal(readFileSync(join(copy, 'src/programs.ts'), 'utf8'), written);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('--apply with two loops over the same rows: the first replaces the outer query, the second is left and named', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pg-tuner-loops-shared-'));
    try {
      const shared = caseTwo.replace(
        '  return programs.rows;',
        '  for (const program of programs.rows) {\n    program.notes = (await pool.query(`SELECT * FROM notes WHERE program_id = $1`, [program.id])).rows;\n  }\n  return programs.rows;',
      );
      writeFileSync(join(copy, 'shared.ts'), shared);
      const r = await run(['shared.ts', '--apply'], copy);
      assert.equal(r.code, 0, r.stderr);
      // The second loop reads the rows the first one fills: with the first one's single query they would carry its
      // children already, so it gets no edit.
      assert.match(
        r.stdout,
        /^2 N\+1 loops found in 1 file\.\nWrote shared\.ts: 1 loop replaced by a single query\.\nNot changed: 1 loop\(s\)/m,
      );
      assert.match(r.stdout, /No code change: programs is used between its query and the loop/);
      const written = readFileSync(join(copy, 'shared.ts'), 'utf8');
      assert.match(written, /AS tasks/);
      assert.match(written, /program\.notes = \(await pool\.query/);
      assert.doesNotMatch(written, /program\.tasks = await/);
      const again = await run(['shared.ts', '--json'], copy);
      assert.equal(again.code, 0, again.stderr);
      const out = JSON.parse(again.stdout) as LoopsResult;
      assert.equal(out.loops.length, 0);
      assert.deepEqual(out.withoutRewrite, [
        { path: 'shared.ts', line: positionOf(written, 'pool.query(`SELECT * FROM notes').line },
      ]);
      assert.match(again.stderr, /no single query to offer .*: shared\.ts:\d+\./);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('usage errors exit 64: no files, --apply with --json, --max-parents without --measure, --measure without a server, a non-script file', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /loops needs the code to scan/],
      [['src', '--apply', '--json'], /--apply .* not with --json/],
      [['src', '--json', '--markdown'], /--json or --markdown, not both/],
      [['src', '--max-parents', '10'], /--max-parents goes with --measure/],
      [['src', '--measure'], /--measure runs each loop's queries on a server/],
      [['src', '--schema', 'x.sql'], /loops does not take --schema/],
    ];
    writeFileSync(join(root, 'notes.txt'), 'SELECT 1');
    cases.push([['notes.txt'], /notes\.txt is not a TypeScript or JavaScript file/]);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}pg-tuner loops <file\|dir\|glob>…/m);
    assert.match(help.stdout, /^ {2}--measure {16}Run each loop's 1 \+ N queries/m);
    for (const [args, message] of cases) {
      const r = await run(args, root);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Usage:/);
    }
  });

  it('a path that cannot be read exits 1 and names it; so does a glob that matches nothing', async () => {
    const missing = await run(['src', 'lib/missing.ts'], root);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, 'pg-tuner: Cannot read lib/missing.ts: no such file or directory.\n');
    const glob = await run(['src/**/*.jsx'], root);
    assert.equal(glob.code, 1);
    assert.match(glob.stderr, /^pg-tuner: No \.ts\/\.js files match src\/\*\*\/\*\.jsx\.$/m);
  });

  describe('on the test server (programs/tasks, 50 active programs)', () => {
    const database = 'loops_cli_test';
    let url: string;

    before(async () => {
      url = await createDatabase(await testServer(), database);
      await runSql(url, dataSql);
    });
    after(async () => dropDatabase(await testServer(), database));

    it('--measure: 1 + 50 → 1 round trips, both times, the same shape, the catalog column list and the foreign-key index', async () => {
      const r = await run(['src/programs.ts', '--url', url, '--measure'], root);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /Measuring 1 loop\(s\) in src\/programs\.ts on .*loops_cli_test.* \(read-only transaction; a sample of the parents, rounds until the ratio is clear; Ctrl-C stops with the best result so far\)/,
      );
      // Progress on stderr as it goes: the warm-up, then each round.
      assert.match(
        r.stderr,
        /^ {2}src\/programs\.ts:6: warm-up round: .*\n(.*\n)*? {2}src\/programs\.ts:6: round 1 of ≤ 5: loop ≈ /m,
      );
      assert.match(
        r.stdout,
        /^ {3}Measured on \S*loops_cli_test\S* \(read-only transaction, median of [1-5]\): 1 \+ 50 → 1 round trips: loop [\d.]+ m?s vs single query [\d.]+ m?s \([\d.]+× (lower|higher)\)$/m,
      );
      assert.match(r.stdout, /^ {5}Runs: loop ([\d.]+ m?s, )*[\d.]+ m?s; single query ([\d.]+ m?s, )*[\d.]+ m?s$/m);
      assert.match(
        r.stdout,
        /^ {5}Rounds: (the ratio was clear after [3-5] rounds \(within \d+ %\)|[1-5] rounds?, (the most asked for|as many as the time budget allowed))\.$/m,
      );
      assert.match(
        r.stdout,
        /^ {5}Same result shape: 50 parents, each with the same number of children in both forms\.$/m,
      );
      assert.match(
        r.stdout,
        /json_build_object\('id', t\.id, 'program_id', t\.program_id, 'title', t\.title, 'due', t\.due\) ORDER BY t\.id\)/,
      );
      assert.match(
        r.stdout,
        /^ {3}Index \(no index leads with tasks\.program_id\):\n {5}CREATE INDEX CONCURRENTLY tasks_program_id_idx ON tasks \(program_id\);\n {5}Rollback: DROP INDEX CONCURRENTLY tasks_program_id_idx;$/m,
      );
      assert.doesNotMatch(r.stdout, /Assumes programs\.id is the primary key|Caveat: No index leads/);
      // Read-only: nothing was built.
      assert.deepEqual(await indexNames(url), ['programs_pkey', 'tasks_pkey']);
    });

    it('--measure --max-parents --json: the loop sampled at 10 parents and carried to all 50, the single query over all 50', async () => {
      const r = await run(['src', '--url', url, '--measure', '--max-parents', '10', '--json'], root);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as LoopsResult;
      assert.equal(out.measured, true);
      assert.match(out.database ?? '', /loops_cli_test/);
      const m = out.loops[0]?.advice.measurement;
      assert.ok(m, out.loops[0]?.advice.measurementNote);
      assert.deepEqual(
        {
          parents: m.parents,
          before: m.roundTripsBefore,
          after: m.roundTripsAfter,
          extrapolated: m.extrapolated,
          sameShape: m.sameShape,
          sampled: m.sampledParents,
        },
        { parents: 50, before: 51, after: 1, extrapolated: true, sameShape: true, sampled: 10 },
      );
      assert.equal(m.samplesLoopMs.length, m.samplesSingleMs.length);
      assert.ok(m.samplesLoopMs.length >= 1 && m.samplesLoopMs.length <= 5);
      assert.match(
        m.scaling,
        /for 10 of 50 parents \(spread over them\).* plus the first child query's plus the mean of the others × 49$/,
      );
      // Progress went to stderr; stdout is the JSON alone.
      assert.match(r.stderr, /round 1 of ≤ 5/);
      assert.ok(m.loopMs > 0 && m.singleMs > 0);
    });

    it('a server without --measure reads the catalog only and says how to measure', async () => {
      const r = await run(['src', '--url', url], root);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /Measured on/);
      assert.match(r.stdout, /CREATE INDEX CONCURRENTLY tasks_program_id_idx ON tasks \(program_id\);/);
      assert.match(r.stderr, /Not measured: add --measure/);
      assert.doesNotMatch(r.stderr, /static analysis only/);
    });
  });
});
