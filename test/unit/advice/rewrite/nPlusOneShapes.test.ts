/**
 * The N+1 fix keeps what the code returns: each loop shape in test/fixtures/nplusone/ is run as written and as the
 * fix edits it (both transpiled with TypeScript's transpileModule) with a real `pg` Pool on the test server, on
 * users/orders data from our generator below, and the returned values are compared with deepStrictEqual. Loops
 * whose effect the single query does not reproduce get no edit: their advice offers the query and the
 * measurement only.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { Pool } from 'pg';
import { adviseNPlusOne, type NPlusOneAdvice } from '../../../../src/core/advice/nPlusOne/adviseNPlusOne';
import { findNPlusOne } from '../../../../src/core/advice/nPlusOne/findNPlusOne';
import { nPlusOneFix } from '../../../../src/extension/advice/nPlusOneFix';
import { testServer } from '../../../helpers/globalServer';
import { urlFor } from '../../../helpers/testDatabase';
import { useRewriteDatabase } from './rewriteDatabase';

const fixtures = join(__dirname, '../../../fixtures/nplusone');

// 40 users (every third inactive, users 5, 10, … without orders), 1–9 orders each with distinct times per user.
const dataSql = `
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);
INSERT INTO users SELECT g, 'user ' || lpad(g::text, 2, '0'), g % 3 <> 0 FROM generate_series(1, 40) g;
CREATE TABLE orders (
  id int PRIMARY KEY,
  user_id int NOT NULL REFERENCES users (id),
  total numeric(10, 2) NOT NULL,
  placed_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT row_number() OVER (ORDER BY u, n), u, round((u * 13 + n * 7) % 200 + n / 4.0, 2), timestamptz '2024-01-01 00:00:00+00' + ((u * 37 + n * 101) % 997) * interval '1 hour'
FROM generate_series(1, 40) u, generate_series(1, 1 + u % 9) n
WHERE u % 5 <> 0;
ANALYZE users;
ANALYZE orders;
`;

/**
 * What the children's JSON necessarily changes, and nothing else: the driver gives numeric as a string and
 * timestamptz as a Date, json_agg gives a JSON number and an ISO string. Both sides are mapped to the same
 * tagged form so that a real difference (another value, another row, another order) still fails.
 */
function normalised(value: unknown): unknown {
  if (value instanceof Date) return `time:${value.getTime()}`;
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(value)) return `time:${Date.parse(value)}`;
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)))
    return `number:${Number(value)}`;
  if (Array.isArray(value)) return value.map(normalised);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [normalised(k), normalised(v)]));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalised(v)]));
  return value;
}

type Load = (pool: Pool) => Promise<unknown>;

/** The module's `load`, from TypeScript source transpiled as the project's build would (CommonJS). */
function loadOf(source: string, fileName: string): Load {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName,
  }).outputText;
  const module = { exports: {} as { load?: Load } };
  new Function('module', 'exports', 'require', js)(module, module.exports, require);
  assert.equal(typeof module.exports.load, 'function', `${fileName} exports load`);
  return module.exports.load as Load;
}

function applied(text: string, advice: NPlusOneAdvice): string {
  let out = text;
  for (const e of [...advice.edits].sort((a, b) => b.range.start - a.range.start))
    out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

describe('N+1 fix: each loop shape returns the same value before and after the edit (test server)', function () {
  this.timeout(120_000);
  let pool: Pool;
  // Before the database's own hooks, so the pool (lazy: it connects on first query) ends before the drop.
  before(async () => {
    // The database useRewriteDatabase makes (its name carries the process id).
    pool = new Pool({ connectionString: urlFor(await testServer(), `nplus1_shapes_${process.pid}`), max: 2 });
  });
  after(async () => pool?.end());
  const db = useRewriteDatabase('nplus1_shapes', dataSql);

  const editable = readdirSync(fixtures).filter((f) => f.endsWith('.ts') && !f.startsWith('noEdit'));
  const withoutEdit = readdirSync(fixtures).filter((f) => f.startsWith('noEdit') && f.endsWith('.ts'));

  it('the fixtures hold the shapes this file is about', () => {
    assert.deepEqual(editable.sort(), [
      'assignRows.ts',
      'countingLoop.ts',
      'forAwait.ts',
      'mapById.ts',
      'objectById.ts',
      'promiseAllMap.ts',
      'pushSpread.ts',
      'topFivePerUser.ts',
    ]);
    assert.deepEqual(withoutEdit.sort(), [
      'noEditForEach.ts',
      'noEditMoreEffects.ts',
      'noEditProjection.ts',
      'noEditWholeResult.ts',
    ]);
  });

  for (const name of [
    'pushSpread.ts',
    'assignRows.ts',
    'forAwait.ts',
    'countingLoop.ts',
    'promiseAllMap.ts',
    'mapById.ts',
    'objectById.ts',
    'topFivePerUser.ts',
  ]) {
    it(`${name}: the fixed code returns what the loop returned, with one query`, async () => {
      const text = readFileSync(join(fixtures, name), 'utf8');
      const [advice, ...rest] = await adviseNPlusOne(db().session, text, name, { measure: false });
      assert.ok(advice, `the loop in ${name} is found and has a single query`);
      assert.equal(rest.length, 0);
      assert.equal(advice.noEditReason, undefined);
      assert.equal(advice.edits.length, 2);
      const fixed = applied(text, advice);
      assert.deepEqual(findNPlusOne(fixed, name), [], `no query left in a loop:\n${fixed}`);
      const before = await loadOf(text, name)(pool);
      const queries: string[] = [];
      const counting = {
        query: (...args: Parameters<Pool['query']>) => (queries.push(String(args[0])), pool.query(...args)),
      } as unknown as Pool;
      const after = await loadOf(fixed, name)(counting);
      assert.equal(queries.length, 1, 'one round trip');
      assert.deepStrictEqual(normalised(after), normalised(before), `returned value differs after the fix:\n${fixed}`);
      // Not vacuous: parents with and without children came back.
      assert.ok(JSON.stringify(before instanceof Map ? [...before] : before).length > 200, 'rows came back');
    });
  }

  it('the top-N child query becomes LEFT JOIN LATERAL of itself (ORDER BY … LIMIT 5), aggregated in that order', async () => {
    const text = readFileSync(join(fixtures, 'topFivePerUser.ts'), 'utf8');
    const [advice] = await adviseNPlusOne(db().session, text, 'topFivePerUser.ts', { measure: false });
    // Pretty-printed over several lines: compare on one.
    const flat = advice.combined.sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    assert.match(
      flat,
      /LEFT JOIN LATERAL \(SELECT json_agg\(json_build_object\('id', o\.id, 'total', o\.total, 'placed_at', o\.placed_at\) ORDER BY o\.placed_at DESC\) AS latest FROM \(SELECT o\.\* FROM orders AS o WHERE o\.user_id = u\.id ORDER BY o\.placed_at DESC LIMIT 5\) AS o\) AS o_top ON true/,
    );
    assert.doesNotMatch(flat, /GROUP BY/);
    const rows = (await pool.query<{ latest: unknown[] }>(advice.combined.sql)).rows;
    assert.ok(
      rows.some((r) => r.latest.length === 5) && rows.some((r) => r.latest.length === 0),
      'capped at five, and users without orders keep []',
    );
  });

  for (const name of ['noEditForEach.ts', 'noEditWholeResult.ts', 'noEditMoreEffects.ts', 'noEditProjection.ts']) {
    it(`${name}: no edit; the measurement and the single query are offered`, async () => {
      const text = readFileSync(join(fixtures, name), 'utf8');
      const [advice, ...rest] = await adviseNPlusOne(db().session, text, name, { runs: 1 });
      assert.ok(advice, `the loop in ${name} is still reported`);
      assert.equal(rest.length, 0);
      assert.deepEqual(advice.edits, []);
      assert.match(advice.noEditReason ?? '', /^No code change: /);
      assert.ok(advice.measurement, advice.measurementNote);
      const action = nPlusOneFix(advice);
      assert.equal(action.edits, undefined, 'the light bulb offers no edit');
      assert.ok(action.newDocument?.content.includes(advice.combined.sql), 'it opens the single query');
    });
  }

  it('the reasons name what the loop does that one query cannot', async () => {
    const reason = async (name: string): Promise<string> =>
      (await adviseNPlusOne(undefined, readFileSync(join(fixtures, name), 'utf8'), name))[0]?.noEditReason ?? '';
    assert.match(await reason('noEditForEach.ts'), /forEach does not wait for its async callback/);
    assert.match(await reason('noEditWholeResult.ts'), /stores the whole query result/);
    assert.match(await reason('noEditMoreEffects.ts'), /uses more of the query result orders than its rows/);
    assert.match(await reason('noEditProjection.ts'), /in a way the single query does not reproduce/);
  });
});
