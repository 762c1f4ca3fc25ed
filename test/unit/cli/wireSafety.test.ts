/**
 * The built CLI against a database where standard_conforming_strings = off: `SELECT 'a\'' ; COMMIT; DELETE …`
 * is one string literal to our parser but three statements to the server. Explaining it must change no row,
 * with and without ANALYZE, whether the setting comes from the database or the connection's options.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { wireAttack } from '../db/adversarialStatements';

const dbName = 'tuner_cli_wire';

describe('pg-tuner explain with standard_conforming_strings = off (built bundle)', function () {
  this.timeout(180_000);
  let url: string;

  before(async () => {
    buildBundles();
    url = await createDatabase(await testServer(), dbName);
  });
  after(async () => {
    await dropDatabase(await testServer(), dbName);
  });

  async function rows(): Promise<number> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM adv_t')).rows[0].n;
    } finally {
      await c.end();
    }
  }

  async function reset(databaseSetting: boolean): Promise<void> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(
        `DROP TABLE IF EXISTS adv_t; CREATE TABLE adv_t (id int PRIMARY KEY); INSERT INTO adv_t VALUES (1), (2), (3);`,
      );
      await c.query(
        `ALTER DATABASE ${dbName} ${databaseSetting ? 'SET standard_conforming_strings = off' : 'RESET standard_conforming_strings'}`,
      );
    } finally {
      await c.end();
    }
  }

  for (const where of ['database', 'options'] as const) {
    for (const analyze of [true, false]) {
      it(`set in the ${where}, ${analyze ? 'with' : 'without'} ANALYZE: refused, rows unchanged`, async () => {
        await reset(where === 'database');
        const target = new URL(url);
        if (where === 'options') target.searchParams.set('options', '-c standard_conforming_strings=off');
        const r = await runCli([
          'explain',
          '--url',
          target.toString(),
          ...(analyze ? [] : ['--no-analyze']),
          wireAttack,
        ]);
        assert.equal(await rows(), 3, `rows were deleted; stdout: ${r.stdout} stderr: ${r.stderr}`);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr + r.stdout, /standard_conforming_strings = off/);
      });
    }
  }
});
