/**
 * N+1 loops found with the TypeScript compiler API in the case-2 snippet and variants, and the single query
 * measured on the real PostgreSQL 15 test server against data from our own generator (below).
 */
import { strict as assert } from 'node:assert';
import { loadParser, parseSql } from '../../../../src/core/sql/parser';
import { findNPlusOne } from '../../../../src/core/advice/nPlusOne/findNPlusOne';
import { adviseNPlusOne } from '../../../../src/core/advice/nPlusOne/adviseNPlusOne';
import { combinedQuery } from '../../../../src/core/advice/nPlusOne/combinedQuery';
import { mayHoldQueryCall } from '../../../../src/core/advice/nPlusOne/mayHoldQuery';
import { rewriteDatabase, type RewriteDatabase } from './rewriteDatabase';

const caseTwo = `export async function listPrograms(pool: Pool) {
  const programs = await pool.query(\`SELECT * FROM programs WHERE status = 'active'\`);
  for (const program of programs.rows) {
    program.tasks = await pool.query(\`SELECT * FROM tasks WHERE program_id = $1\`, [program.id]);
  }
  return programs.rows;
}
`;

const dataSql = `
SELECT setseed(0.3);
CREATE TABLE programs (id int PRIMARY KEY, title text NOT NULL, status text NOT NULL);
INSERT INTO programs SELECT g, 'program ' || g, CASE WHEN g % 4 = 0 THEN 'archived' ELSE 'active' END FROM generate_series(1, 200) g;
CREATE TABLE tasks (id int PRIMARY KEY, program_id int NOT NULL REFERENCES programs (id), title text NOT NULL, due date);
INSERT INTO tasks SELECT g, 1 + (g * 37) % 190, 'task ' || g, date '2024-01-01' + (g % 90) FROM generate_series(1, 4000) g;
ANALYZE;
`;

describe('N+1 loops in application code', function () {
  this.timeout(120_000);
  before(() => loadParser());

  it('finds the case-2 loop keyed by program.id', () => {
    const [f, ...rest] = findNPlusOne(caseTwo, 'programs.ts');
    assert.equal(rest.length, 0);
    assert.equal(f.loopKind, 'for-of');
    assert.equal(f.outerVariable, 'programs');
    assert.equal(f.rowsProperty, true);
    assert.equal(f.keyColumn, 'id');
    assert.equal(f.keyParam, 1);
    assert.equal(f.assignedProperty, 'tasks');
    assert.equal(f.inner.sql, 'SELECT * FROM tasks WHERE program_id = $1');
    assert.equal(caseTwo.slice(f.loopRange.start, f.loopRange.end).split('\n').length, 3);
  });

  it('finds forEach, Promise.all(map), client.query({ text, values }) and sql`` variants', () => {
    const code = `
      const { rows: _unused } = { rows: [] };
      const parents = await db.query('SELECT id FROM programs');
      parents.rows.forEach(async (p) => { p.tasks = (await client.query({ text: 'SELECT * FROM tasks WHERE program_id = $1', values: [p.id] })).rows; });
      await Promise.all(parents.rows.map(async (p) => { p.items = await sql\`SELECT * FROM tasks WHERE program_id = \${p.id}\`; }));
      for (let i = 0; i < parents.rows.length; i++) { await knex.raw('SELECT * FROM tasks WHERE program_id = ?', [parents.rows[i].id]); }
    `;
    const found = findNPlusOne(code, 'x.js');
    assert.deepEqual(
      found.map((f) => f.loopKind),
      ['forEach', 'promise-all-map', 'for'],
    );
    assert.equal(found[0].inner.style, 'config-object');
    assert.equal(found[0].assignsRows, true);
    assert.equal(found[1].inner.style, 'tagged-template');
    assert.equal(found[1].inner.sql, 'SELECT * FROM tasks WHERE program_id = $1');
    assert.equal(found[2].keyColumn, 'id');
  });

  it('finds a loop written with type arguments (pool.query<Row>(…)), also past the cheap pre-check', () => {
    const code = `export async function f(pool: Pool) {
  const users = await pool.query<User>('SELECT * FROM users');
  for (const u of users.rows) {
    u.orders = (await pool.query<Order>('SELECT * FROM orders WHERE user_id = $1', [u.id])).rows;
  }
  return users.rows;
}`;
    // The editor and the CLI skip files this says hold no query call: it missed `query<Row>(`.
    assert.equal(mayHoldQueryCall(code), true);
    assert.equal(mayHoldQueryCall('const n = items.query; call(n);'), false);
    const [f] = findNPlusOne(code, 'users.ts');
    assert.equal(f?.keyColumn, 'id');
    assert.deepEqual(f.effect, { kind: 'assign-to-row', property: 'orders' });
  });

  it('a per-parent ORDER BY … LIMIT child query is one LATERAL query, not a json_agg of every child', () => {
    const q = combinedQuery(
      'SELECT * FROM users',
      'SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 5',
      1,
      'id',
      'latest',
    );
    assert.ok(q);
    const flat = q.sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    assert.match(
      flat,
      /LEFT JOIN LATERAL \(SELECT json_agg\(o ORDER BY o\.created_at DESC\) AS latest FROM \(SELECT o\.\* FROM orders AS o WHERE o\.user_id = u\.id ORDER BY o\.created_at DESC LIMIT 5\) AS o\) AS o_top ON true/,
    );
    assert.match(flat, /COALESCE\(o_top\.latest, '\[\]'\) AS latest/);
    // Without an ORDER BY the N rows are arbitrary, and a parameter as the limit is not known: no single query.
    assert.equal(
      combinedQuery('SELECT * FROM users', 'SELECT * FROM orders WHERE user_id = $1 LIMIT 5', 1, 'id', 'latest'),
      undefined,
    );
    assert.equal(
      combinedQuery(
        'SELECT * FROM users',
        'SELECT * FROM orders WHERE user_id = $1 ORDER BY id LIMIT $2',
        1,
        'id',
        'latest',
      ),
      undefined,
    );
  });

  it('quotes reserved words and mixed case in the single query it writes', () => {
    const q = combinedQuery(
      'SELECT * FROM "user" WHERE active',
      'SELECT * FROM "Order" WHERE user_id = $1',
      1,
      'id',
      'orders',
    );
    assert.ok(q, 'a combined query');
    assert.match(q.sql, /FROM "user" AS u\b/);
    assert.match(q.sql, /JOIN "Order" AS o\b/);
    assert.doesNotThrow(() => parseSql(q.sql));
  });

  it('ignores loops not over query rows and queries not keyed by the row', () => {
    const code = `
      const programs = await pool.query('SELECT * FROM programs');
      for (const id of [1, 2, 3]) { await pool.query('SELECT * FROM tasks WHERE program_id = $1', [id]); }
      for (const program of programs.rows) { await pool.query('SELECT * FROM tasks WHERE owner_id = $1', [currentUser.id]); }
      for (const program of programs.rows) { console.log(program.id); }
    `;
    assert.deepEqual(findNPlusOne(code, 'y.ts'), []);
  });

  describe('on PostgreSQL', () => {
    let db: RewriteDatabase;
    before(async () => {
      db = await rewriteDatabase('rw_nplus1', dataSql);
    });
    after(async () => {
      await db?.drop();
    });

    it('offers one json_agg query with the catalog columns, the code edit, the FK index, and measures 1 + N against 1', async () => {
      const [advice, ...rest] = await adviseNPlusOne(db.session, caseTwo, 'programs.ts', { runs: 3 });
      assert.equal(rest.length, 0);
      const sql = advice.combined.sql;
      assert.doesNotThrow(() => parseSql(sql));
      assert.match(sql, /p\.\*/);
      assert.match(
        sql,
        /json_build_object\('id', t\.id, 'program_id', t\.program_id, 'title', t\.title, 'due', t\.due\) ORDER BY t\.id\)/,
      );
      assert.match(sql, /FILTER \(WHERE t\.program_id IS NOT NULL\), '\[\]'\) AS tasks/);
      assert.match(sql, /GROUP BY\n {2}p\.id/);
      assert.equal(
        advice.combined.indexDdl?.create,
        'CREATE INDEX CONCURRENTLY tasks_program_id_idx ON tasks (program_id);',
      );
      // The case stores the whole result (rows, rowCount, fields…) on the row: one query gives only the rows, so no
      // edit, only the query and the measurement.
      assert.deepEqual(advice.edits, []);
      assert.match(advice.noEditReason ?? '', /stores the whole query result/);
      // Storing its rows (`(await …).rows`) is reproduced: the outer SQL replaced, the loop gone.
      const rowsOnly = caseTwo.replace(/tasks = (await pool\.query\(.*\));/, 'tasks = ($1).rows;');
      const [withEdit] = await adviseNPlusOne(db.session, rowsOnly, 'programs.ts', { measure: false });
      let edited = rowsOnly;
      for (const e of [...withEdit.edits].sort((a, b) => b.range.start - a.range.start))
        edited = edited.slice(0, e.range.start) + e.newText + edited.slice(e.range.end);
      assert.doesNotMatch(edited, /for \(const program/);
      assert.match(edited, /json_agg/);
      assert.deepEqual(findNPlusOne(edited, 'programs.ts'), []);
      const m = advice.measurement;
      assert.ok(m, advice.measurementNote);
      assert.equal(m.parents, 150);
      assert.equal(m.roundTripsBefore, 151);
      assert.equal(m.sameShape, true, m.shapeNote);
      assert.ok(m.ratio > 1, `loop ${m.loopMs} ms vs single ${m.singleMs} ms`);
    });

    it('without a session, offers the rewrite unmeasured', async () => {
      const [advice] = await adviseNPlusOne(undefined, caseTwo, 'programs.ts');
      assert.equal(advice.measurement, undefined);
      assert.match(advice.measurementNote ?? '', /No database session/);
      assert.match(advice.combined.sql, /json_agg\(t\)/);
    });
  });
});
