/** classifyForExplain and buildExplainStatement on statements parsed by the real parser (no database). */
import { strict as assert } from 'node:assert';
import { loadParser } from '../../../src/core/sql/parser';
import {
  calledFunctions,
  classifyForExplain,
  reachStart,
  volatilityLookup,
} from '../../../src/core/db/statementSafety';
import { nonTransactionalFunctions, reachedFunctions } from '../../../src/core/db/nonTransactional';
import { backslashInPlainString } from '../../../src/core/sql/lexer';
import { buildExplainStatement, explainOptions, statementBody } from '../../../src/core/db/explainStatement';
import { TunerError } from '../../../src/core/errors';

// Rows as pg_proc gives them on PostgreSQL 15 for these names.
const volatilityOf = volatilityLookup([
  { schema: 'pg_catalog', name: 'lower', provolatile: 'i' },
  { schema: 'pg_catalog', name: 'now', provolatile: 's' },
  { schema: 'pg_catalog', name: 'random', provolatile: 'v' },
]);

describe('classifyForExplain', () => {
  before(() => loadParser());

  const cases: Array<[string, string]> = [
    ['SELECT lower(x) FROM t WHERE d < now()', 'read-only-transaction'],
    ['SELECT pg_catalog.lower(x) FROM t', 'read-only-transaction'],
    ['VALUES (1), (2)', 'read-only-transaction'],
    ['SELECT random()', 'rolled-back-transaction'],
    ['SELECT my_unknown_fn(1)', 'rolled-back-transaction'],
    ['SELECT * FROM t FOR SHARE', 'rolled-back-transaction'],
    ['SELECT * FROM (SELECT * FROM t FOR UPDATE) s', 'rolled-back-transaction'],
    ['WITH u AS (UPDATE t SET x = 1 RETURNING *) SELECT * FROM u', 'rolled-back-transaction'],
    ['INSERT INTO t VALUES (1)', 'rolled-back-transaction'],
    ['UPDATE t SET x = 1', 'rolled-back-transaction'],
    ['DELETE FROM t', 'rolled-back-transaction'],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'rolled-back-transaction'],
  ];
  for (const [sql, wrapper] of cases) {
    it(`${sql} → ${wrapper}`, () => {
      const r = classifyForExplain(sql, { analyze: true, volatilityOf });
      assert.ok(r.safe, r.safe ? '' : r.message);
      assert.equal(r.wrapper, wrapper);
    });
  }

  it('without ANALYZE any single plannable statement is plan-only', () => {
    for (const sql of ['DELETE FROM t', 'SELECT random()', 'INSERT INTO t VALUES (1)']) {
      const r = classifyForExplain(sql, { analyze: false });
      assert.ok(r.safe && r.wrapper === 'plan-only', sql);
    }
  });

  const refused: Array<[string, RegExp]> = [
    ['CREATE INDEX i ON t (x)', /DDL/],
    ['ALTER TABLE t ADD COLUMN y int', /DDL/],
    ['TRUNCATE t', /DDL/],
    ['VACUUM ANALYZE t', /VACUUM/],
    ['COPY t FROM STDIN', /COPY/],
    ['COMMIT', /Transaction control/],
    ['CALL p()', /CALL/],
    ['DO $$ BEGIN END $$', /DO block/],
    ['EXPLAIN SELECT 1', /without EXPLAIN/],
    ['SELECT 1; DELETE FROM t', /2 statements/],
    ['-- only a comment', /no statement/],
  ];
  for (const [sql, message] of refused) {
    it(`refuses ${sql}`, () => {
      const r = classifyForExplain(sql, { analyze: true, volatilityOf });
      assert.equal(r.safe, false);
      assert.match(r.safe ? '' : r.message, message);
    });
  }

  it('DDL is refused without ANALYZE too', () => {
    assert.equal(classifyForExplain('DROP TABLE t', { analyze: false }).safe, false);
  });

  it('a syntax error throws syntax-error with an offset', () => {
    assert.throws(
      () => classifyForExplain('SELECT FROM WHERE', { analyze: true }),
      (e: unknown) => e instanceof TunerError && e.reason === 'syntax-error' && e.detail.offset === 12,
    );
  });

  it('calledFunctions lists names with their schema', () => {
    assert.deepEqual(calledFunctions('SELECT pg_catalog.lower(a), f(g(1)) FROM t WHERE h() > 0'), [
      { name: 'lower', schema: 'pg_catalog' },
      { name: 'f' },
      { name: 'g' },
      { name: 'h' },
    ]);
  });

  it('volatilityLookup: any volatile overload wins; a wrong schema is unknown', () => {
    const lookup = volatilityLookup([
      { schema: 'public', name: 'f', provolatile: 'i' },
      { schema: 'other', name: 'f', provolatile: 'v' },
    ]);
    assert.equal(lookup({ name: 'f' }), 'volatile');
    assert.equal(lookup({ name: 'f', schema: 'public' }), 'immutable');
    assert.equal(lookup({ name: 'f', schema: 'nope' }), undefined);
  });
});

describe('buildExplainStatement', () => {
  before(() => loadParser());

  it('options follow the server version', () => {
    assert.deepEqual(explainOptions({ analyze: true, versionNum: 150004 }), [
      'ANALYZE',
      'BUFFERS',
      'VERBOSE',
      'SETTINGS',
      'WAL',
      'FORMAT JSON',
    ]);
    assert.deepEqual(explainOptions({ analyze: true, versionNum: 120010 }), [
      'ANALYZE',
      'BUFFERS',
      'VERBOSE',
      'SETTINGS',
      'FORMAT JSON',
    ]);
    assert.deepEqual(explainOptions({ analyze: true, versionNum: 110020 }), [
      'ANALYZE',
      'BUFFERS',
      'VERBOSE',
      'FORMAT JSON',
    ]);
    assert.deepEqual(explainOptions({ analyze: false, versionNum: 150004 }), ['VERBOSE', 'SETTINGS', 'FORMAT JSON']);
    assert.deepEqual(explainOptions({ analyze: false, versionNum: 160000, genericPlan: true }), [
      'VERBOSE',
      'SETTINGS',
      'GENERIC_PLAN',
      'FORMAT JSON',
    ]);
  });

  it('GENERIC_PLAN before 16, with values or with ANALYZE is bad input', () => {
    assert.throws(
      () => explainOptions({ analyze: false, versionNum: 150004, genericPlan: true }),
      /needs PostgreSQL 16 or later; this server is 15\.4/,
    );
    assert.throws(
      () => explainOptions({ analyze: false, versionNum: 170000, genericPlan: true, hasParamValues: true }),
      /drop the values/,
    );
    assert.throws(() => explainOptions({ analyze: true, versionNum: 170000, genericPlan: true }), /without ANALYZE/);
  });

  it('keeps the statement as written, minus a trailing semicolon and comment', () => {
    assert.equal(statementBody('  SELECT 1 ; -- done\n'), '  SELECT 1 ');
    assert.equal(statementBody("SELECT 'é;' -- x"), "SELECT 'é;' -- x");
    assert.equal(statementBody("SELECT 'é' ;"), "SELECT 'é' ");
    const built = buildExplainStatement('SELECT * FROM t WHERE a = $1;', { analyze: false, versionNum: 150000 });
    assert.equal(built.text, 'EXPLAIN (VERBOSE, SETTINGS, FORMAT JSON) SELECT * FROM t WHERE a = $1');
    assert.equal(built.text.slice(built.prefixLength), 'SELECT * FROM t WHERE a = $1');
  });
});

describe('reachStart, backslashInPlainString and reachedFunctions (no database)', () => {
  before(() => loadParser());

  it('names the functions, relations (also the target of a write) and operators a statement starts from', () => {
    const start = reachStart(
      'INSERT INTO adv.log SELECT f(x) FROM "My View" v WHERE v.a OPERATOR(s.#~#) 1 AND b + 2 > 3',
    );
    assert.deepEqual(
      start.functions.map((f) => f.name),
      ['f'],
    );
    assert.deepEqual(start.relations.sort(), ['"My View"', '"adv"."log"']);
    assert.deepEqual(start.operators.sort(), ['#~#', '+', '>'].sort());
  });

  it("finds a backslash only where standard_conforming_strings = off reads it differently ('…' and N'…')", () => {
    assert.equal(backslashInPlainString("SELECT 'a\\'' ; COMMIT; DELETE FROM t; -- '"), true);
    assert.equal(backslashInPlainString("SELECT N'a\\b'"), true);
    assert.equal(backslashInPlainString("SELECT E'a\\'b', $$x\\y$$, \"a\\b\" FROM t -- \\"), false);
    assert.equal(backslashInPlainString("SELECT 'plain'"), false);
  });

  it('reports each denylisted function by its shortest way, and a way through a STABLE/IMMUTABLE function as one the planner may run', () => {
    const edges = [
      { from: null, to: 'r1', steps: ['view v'], planner: false, denied: false, name: 'v' },
      {
        from: 'r1',
        to: 'f9',
        steps: ['function pg_advisory_lock'],
        planner: false,
        denied: true,
        name: 'pg_advisory_lock',
      },
      { from: 'r1', to: 'f2', steps: ['function f'], planner: true, denied: false, name: 'f' },
      {
        from: 'f2',
        to: 'f9',
        steps: ['function pg_advisory_lock'],
        planner: false,
        denied: true,
        name: 'pg_advisory_lock',
      },
      { from: 'f2', to: 'f2', steps: ['function f'], planner: true, denied: false, name: 'f' },
    ];
    const hits = reachedFunctions(edges);
    assert.deepEqual(
      hits.map((h) => [h.path.join(' → '), h.plannerMayRun]),
      [
        ['view v → function f → function pg_advisory_lock', true],
        ['view v → function pg_advisory_lock', false],
      ],
    );
  });

  it('every denylisted function has its reason', () => {
    for (const f of nonTransactionalFunctions) assert.ok(f.reason.length > 20, f.name);
    assert.equal(new Set(nonTransactionalFunctions.map((f) => f.name)).size, nonTransactionalFunctions.length);
  });
});
