/**
 * Generated data from the command line: the flags as parsed, then the built bundle (dist/cli.js) as a user runs it:
 * `explain --schema` on generated rows and on empty tables (each says so), `stats export` from the test server
 * into a file that `--stats-file` reads back, and a stats file that is not one.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, UsageError } from '../../../src/cli/args';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../helpers/testDatabase';

const parse = (argv: string[]) => parseCliArgs(argv, { isTty: false, env: {} });

const schema = `CREATE TABLE "Team Members" (id int PRIMARY KEY, "select" text NOT NULL);
CREATE TABLE tasks (id bigint PRIMARY KEY, member_id int NOT NULL REFERENCES "Team Members" (id), done boolean NOT NULL);
`;
const query = 'SELECT t.id FROM tasks t JOIN "Team Members" m ON m.id = t.member_id WHERE NOT t.done';

describe('generated data from the command line', function () {
  this.timeout(300_000);

  it('--generate-data alone does not take the statement as its value; =rows sets the scale; off and bad values', () => {
    const on = parse(['explain', '--schema', 'db', '--generate-data', 'SELECT 1']);
    assert.equal(on.database.generateData, 'on');
    assert.equal(on.database.scale, undefined);
    assert.deepEqual(on.sql, { kind: 'inline', text: 'SELECT 1' });
    assert.equal(parse(['explain', '--schema', 'db', '--generate-data=50k', 'SELECT 1']).database.scale, 50_000);
    assert.equal(parse(['advise', '--schema', 'db', '--generate-data=1m', 'SELECT 1']).database.scale, 1_000_000);
    assert.equal(parse(['explain', '--schema', 'db', '--no-generate-data', 'SELECT 1']).database.generateData, 'off');
    assert.equal(parse(['check', 'q.sql', '--schema', 'db', '--stats-file', 's.json']).database.statsFile, 's.json');
    assert.equal(
      parse(['rewrite', '--schema', 'db', '--stats-from', 'postgres://h/d', 'SELECT 1']).database.statsFrom,
      'postgres://h/d',
    );
    assert.throws(() => parse(['explain', '--generate-data=lots', 'SELECT 1']), UsageError);
    assert.throws(() => parse(['explain', '--generate-data=0', 'SELECT 1']), /from 1 to 10m/);
    assert.deepEqual(parse(['stats', 'export', '--url', 'postgres://x/y', '--no-samples']).statsExport, {
      withoutSamples: true,
    });
    assert.throws(() => parse(['stats', 'import']), /stats takes one action/);
  });

  describe('the built bundle', () => {
    let work: string;
    const database = 'generate_data_cli';

    before(() => {
      buildBundles();
      work = mkdtempSync(join(tmpdir(), 'pg-tuner-generate-'));
      mkdirSync(join(work, 'db'));
      writeFileSync(join(work, 'db/001_schema.sql'), schema);
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await dropDatabase(await testServer(), database);
    });

    it('explain --schema plans on generated rows and says so; --no-generate-data says the tables are empty', async () => {
      const generated = await runCli(['explain', '--schema', 'db', '--no-analyze', '--generate-data=3000', query], {
        cwd: work,
      });
      assert.equal(generated.code, 0, generated.stderr);
      assert.match(
        generated.stdout,
        /^Data: The embedded database holds generated data, not yours: 3,300 rows in 2 table\(s\) \(largest 3,000, scale 3,000\), shaped by defaults per type, no statistics; generated in /m,
      );
      assert.match(generated.stderr, /generating rows for its empty tables/);
      const empty = await runCli(['explain', '--schema', 'db', '--no-analyze', '--no-generate-data', query], {
        cwd: work,
      });
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(
        empty.stdout,
        /^Data: The embedded database holds the schema only: every table is empty, so its plans are those of empty tables\.$/m,
      );
    });

    it('stats export writes a file that --stats-file reads back; a bad one is refused with its name', async () => {
      const url = await createDatabase(await testServer(), database);
      await runSql(
        url,
        `${schema}
         INSERT INTO "Team Members" SELECT g, 'm' || g % 3 FROM generate_series(1, 500) g;
         INSERT INTO tasks SELECT g, 1 + g % 500, g % 4 = 0 FROM generate_series(1, 8000) g;
         ANALYZE;`,
      );
      const exported = await runCli(['stats', 'export', '--url', url]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, /2 table\(s\), 5 column\(s\) with statistics from .*--no-samples leaves them out/);
      const stats = JSON.parse(exported.stdout) as { tables: Record<string, { rows: number }> };
      assert.equal(stats.tables['public.tasks'].rows, 8000);
      mkdirSync(join(work, '.pgtuner'));
      writeFileSync(join(work, '.pgtuner/stats.json'), exported.stdout);

      // The project's committed .pgtuner/stats.json is used without being named.
      const shaped = await runCli(['explain', '--schema', 'db', '--no-analyze', query], { cwd: work });
      assert.equal(shaped.code, 0, shaped.stderr);
      assert.match(shaped.stdout, /shaped by the stats file \.pgtuner\/stats\.json/);
      assert.match(shaped.stdout, /The planner's statistics of 2 table\(s\) are the server's/);
      // Or straight from the server.
      const direct = await runCli(['explain', '--schema', 'db', '--no-analyze', '--stats-from', url, query], {
        cwd: work,
      });
      assert.equal(direct.code, 0, direct.stderr);
      assert.match(direct.stdout, /shaped by statistics from \S*generate_data_cli/);

      writeFileSync(join(work, 'bad.json'), readFileSync(join(work, '.pgtuner/stats.json'), 'utf8').slice(0, 40));
      const bad = await runCli(['explain', '--schema', 'db', '--no-analyze', '--stats-file', 'bad.json', query], {
        cwd: work,
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /bad\.json: not JSON .*pg-tuner stats export --url/);
    });
  });
});
