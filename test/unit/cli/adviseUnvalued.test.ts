/**
 * `pg-tuner advise` of a statement with `$n` and no values, from the built bundle (dist/cli.js): estimated from a
 * generic plan on the embedded database (--schema) and on a PostgreSQL 17 server without HypoPG, a note asking
 * for values on the run's PostgreSQL 15 server; never "Lost the connection".
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer } from '../../helpers/globalServer';
import { buildBundles, runCli as run } from '../../helpers/cliBundle';
import { startTestServer, type TestServer } from '../../helpers/postgresServer';
import { createDatabase, runSql } from '../../helpers/testDatabase';

const lookup = 'SELECT id, total FROM orders WHERE user_id = $1';
const schema = `CREATE TABLE orders (id bigint PRIMARY KEY, user_id int NOT NULL, total numeric NOT NULL);
INSERT INTO orders SELECT g, g % 5000, g % 97 FROM generate_series(1, 50000) g;
ANALYZE orders;
`;

function assertEstimatedFromGenericPlan(r: { code: number | null; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Lost the connection|bind message/);
  assert.match(r.stdout, /Measurement: none \(its \$n parameters have no values/);
  assert.match(r.stdout, /^1\. orders_user_id\w*_idx on orders \[estimated only\]$/m);
  assert.match(r.stdout, /Estimate: estimated by the planner with the real index/);
}

describe('pg-tuner advise of a $n statement without values (built bundle)', function () {
  this.timeout(240_000);
  let pg17: TestServer | undefined;

  before(() => {
    buildBundles();
  });
  after(async () => {
    await pg17?.stop();
  });

  it('on the embedded database (--schema): estimated from a generic plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-tuner-unvalued-'));
    const file = join(dir, 'schema.sql');
    writeFileSync(file, schema);
    assertEstimatedFromGenericPlan(await run(['advise', lookup, '--schema', file]));
  });

  it('on a PostgreSQL 17 server without HypoPG (--allow-what-if): estimated from a generic plan', async () => {
    pg17 = await startTestServer({ major: 17, preloadLibraries: [] });
    await runSql(pg17.url, schema);
    assertEstimatedFromGenericPlan(await run(['advise', lookup, '--url', pg17.url, '--allow-what-if']));
  });

  it('before PostgreSQL 16: a note asks for values', async function () {
    const server = await testServer();
    if (server.versionNum >= 160000) this.skip();
    const url = await createDatabase(server, 'advise_unvalued_test');
    await runSql(url, schema);
    const r = await run(['advise', lookup, '--url', url, '--allow-what-if']);
    assert.doesNotMatch(r.stderr, /Lost the connection|bind message/);
    assert.match(r.stdout + r.stderr, /\$n parameters without values.*give parameter values/);
  });
});
