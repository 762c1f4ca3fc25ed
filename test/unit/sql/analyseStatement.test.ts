import { strict as assert } from 'node:assert';
import { loadParser } from '../../../src/core/sql/parser';
import { analyseStatement } from '../../../src/core/sql/analyseStatement';
import type { ColumnPredicate, StatementFacts } from '../../../src/core/sql/statementFacts';
import type { SourceRange } from '../../../src/core/positions';

const DASHBOARD = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100`;

const at = (f: StatementFacts, r: SourceRange | undefined): string | undefined =>
  r ? f.text.slice(r.start, r.end) : undefined;

function predicate(f: StatementFacts, text: string): ColumnPredicate {
  const p = f.predicates.find((x) => at(f, x.range) === text);
  assert.ok(p, `no predicate ${text}; have ${f.predicates.map((x) => at(f, x.range)).join(' | ')}`);
  return p;
}

describe('analyseStatement', () => {
  before(() => loadParser());

  it('reads the dashboard query of case 1', () => {
    const f = analyseStatement(DASHBOARD);
    assert.equal(f.kind, 'select');
    assert.deepEqual(
      f.relations.map((r) => [r.name, r.alias, at(f, r.range), r.isCte]),
      [
        ['users', 'u', 'users u', false],
        ['orders', 'o', 'orders o', false],
      ],
    );
    assert.equal(f.joins.length, 1);
    const j = f.joins[0];
    assert.equal(j.type, 'left');
    assert.deepEqual(j.nullableRelations, ['o']);
    assert.equal(at(f, j.range), 'u.id = o.user_id');
    assert.equal(at(f, j.clauseRange), 'LEFT JOIN orders o ON u.id = o.user_id');
    assert.deepEqual(
      j.keys.map((k) => [k.left.relation, k.left.column, k.right.relation, k.right.column]),
      [['users', 'id', 'orders', 'user_id']],
    );
    const p = predicate(f, "o.created_at >= '2024-01-01'");
    assert.equal(p.kind, 'range');
    assert.equal(p.clause, 'where');
    assert.equal(p.operator, '>=');
    assert.equal(p.valueText, "'2024-01-01'");
    assert.deepEqual([p.column?.qualifier, p.column?.column, p.column?.relation], ['o', 'created_at', 'orders']);
    assert.equal(at(f, p.column?.range), 'o.created_at');
    assert.equal(predicate(f, 'u.id = o.user_id').clause, 'join');
    assert.deepEqual(
      f.selectList.map((s) => [s.text, s.alias, s.aggregate]),
      [
        ['u.name', undefined, undefined],
        ['COUNT(o.id) AS order_count', 'order_count', 'count'],
        ['SUM(o.total) AS total_spent', 'total_spent', 'sum'],
      ],
    );
    assert.deepEqual(
      f.groupBy.map((g) => [at(f, g.range), g.relation]),
      [
        ['u.id', 'users'],
        ['u.name', 'users'],
      ],
    );
    assert.deepEqual(
      f.orderBy.map((o) => [o.expressionText, o.descending, at(f, o.range)]),
      [['total_spent', true, 'total_spent DESC']],
    );
    assert.equal(f.orderBy[0].column?.relation, undefined, 'an output alias is not a table column');
    assert.deepEqual([f.limit?.valueText, at(f, f.limit?.range)], ['100', 'LIMIT 100']);
    assert.equal(f.offset, undefined);
    assert.deepEqual(
      f.functionCalls.map((c) => [c.name, at(f, c.range)]),
      [
        ['count', 'COUNT(o.id)'],
        ['sum', 'SUM(o.total)'],
      ],
    );
    assert.equal(at(f, f.clauseRanges?.where), "o.created_at >= '2024-01-01'");
    assert.equal(at(f, f.clauseRanges?.groupBy), 'u.id, u.name');
    assert.deepEqual(f.correlatedSubqueries, []);
    assert.equal(f.lockingClause, false);
  });

  it('keeps exact ranges after é and emoji (UTF-8 byte locations converted)', () => {
    const sql = "/* é😀 */ SELECT 'ü😀' AS x, t.a FROM t WHERE t.b = 'é' AND lower(t.c) = $1";
    const f = analyseStatement(sql);
    assert.equal(at(f, f.relations[0].range), 't');
    assert.equal(at(f, predicate(f, "t.b = 'é'").column?.range), 't.b');
    const fn = predicate(f, 'lower(t.c) = $1');
    assert.equal(fn.expression?.functionName, 'lower');
    assert.equal(fn.expression?.text, 'lower(t.c)');
    assert.deepEqual(
      f.selectList.map((s) => s.text),
      ["'ü😀' AS x", 't.a'],
    );
    assert.deepEqual(f.parameters, [1]);
  });

  it('classifies predicates', () => {
    const f = analyseStatement(
      'SELECT * FROM t WHERE a = 1 AND b < 2 AND c IN (1, 2) AND d IN (SELECT x FROM u) AND e NOT IN (SELECT y FROM v) ' +
        "AND f LIKE 'ab%' AND g ILIKE '%z' AND h IS NULL AND i IS NOT NULL AND j @> '{\"k\":1}' AND k @@ to_tsquery('w') " +
        "AND date(m) = '2024-01-01' AND n + 1 = 5 AND p::text = 'x' AND q <> 3 AND r BETWEEN 1 AND 9 AND s = ANY($2) AND (w = 1 OR w = 2)",
    );
    const kinds = (text: string): [string, string | undefined] => {
      const p = predicate(f, text);
      return [p.kind, p.column?.column];
    };
    assert.deepEqual(kinds('a = 1'), ['equality', 'a']);
    assert.deepEqual(kinds('b < 2'), ['range', 'b']);
    assert.deepEqual(kinds('c IN (1, 2)'), ['in-list', 'c']);
    assert.equal(predicate(f, 'c IN (1, 2)').valueText, '(1, 2)');
    assert.deepEqual(kinds('d IN (SELECT x FROM u)'), ['in-subquery', 'd']);
    assert.deepEqual(kinds('e NOT IN (SELECT y FROM v)'), ['not-in-subquery', 'e']);
    assert.deepEqual(kinds("f LIKE 'ab%'"), ['like-prefix', 'f']);
    assert.deepEqual(kinds("g ILIKE '%z'"), ['like-leading-wildcard', 'g']);
    assert.deepEqual(kinds('h IS NULL'), ['is-null', 'h']);
    assert.deepEqual(kinds('i IS NOT NULL'), ['is-not-null', 'i']);
    assert.deepEqual(kinds('j @> \'{"k":1}\''), ['jsonb-containment', 'j']);
    assert.deepEqual(kinds("k @@ to_tsquery('w')"), ['full-text', 'k']);
    assert.deepEqual(kinds('q <> 3'), ['inequality', 'q']);
    assert.deepEqual(kinds('r BETWEEN 1 AND 9'), ['range', 'r']);
    assert.deepEqual(kinds('s = ANY($2)'), ['in-list', 's']);
    const date = predicate(f, "date(m) = '2024-01-01'");
    assert.deepEqual(
      [date.kind, date.column, date.expression?.functionName, date.expression?.columns.map((c) => c.column)],
      ['equality', undefined, 'date', ['m']],
    );
    const plus = predicate(f, 'n + 1 = 5');
    assert.deepEqual([plus.expression?.text, plus.expression?.functionName], ['n + 1', undefined]);
    const cast = predicate(f, "p::text = 'x'");
    assert.deepEqual([cast.expression?.text, cast.expression?.castTo], ['p::text', 'text']);
    assert.equal(predicate(f, 'w = 1').underOr, true);
    assert.equal(predicate(f, 'a = 1').underOr, undefined);
    assert.equal(
      f.relations.every((r) => r.name !== 't' || r.blockId === 0),
      true,
    );
  });

  it('resolves columns through aliases, subqueries and CTEs, and marks CTE references', () => {
    const f = analyseStatement(
      "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '7 days') " +
        'SELECT c.name, r.total FROM recent r JOIN customers AS c ON c.id = r.customer_id ' +
        'LEFT JOIN (SELECT customer_id, count(*) AS n FROM tickets GROUP BY customer_id) s ON s.customer_id = c.id',
    );
    assert.deepEqual(
      f.relations.map((r) => [r.name, r.alias, r.isCte, at(f, r.range)]),
      [
        ['orders', undefined, false, 'orders'],
        ['recent', 'r', true, 'recent r'],
        ['customers', 'c', false, 'customers AS c'],
        ['tickets', undefined, false, 'tickets'],
      ],
    );
    const inCte = predicate(f, "created_at > now() - interval '7 days'");
    assert.equal(inCte.column?.relation, 'orders');
    assert.notEqual(inCte.blockId, 0);
    assert.equal(f.joins.length, 2);
    assert.deepEqual(
      f.joins.map((j) => [j.type, j.nullableRelations]),
      [
        ['inner', []],
        ['left', ['s']],
      ],
    );
    assert.equal(f.joins[0].keys[0].right.relation, 'recent');
    assert.equal(f.joins[1].keys[0].left.relation, undefined, 'a subquery column has no table');
  });

  it('finds correlated subqueries in the select list and WHERE, not uncorrelated ones', () => {
    const f = analyseStatement(
      'SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.program_id = p.id) AS n, (SELECT max(id) FROM tasks) AS m ' +
        'FROM programs p WHERE EXISTS (SELECT 1 FROM owners o WHERE o.program_id = p.id) AND p.id IN (SELECT program_id FROM tasks)',
    );
    assert.deepEqual(
      f.correlatedSubqueries.map((c) => [at(f, c), c.sublinkKind, c.clause]),
      [
        ['(SELECT count(*) FROM tasks t WHERE t.program_id = p.id)', 'scalar', 'select'],
        ['EXISTS (SELECT 1 FROM owners o WHERE o.program_id = p.id)', 'exists', 'where'],
      ],
    );
  });

  it('reads stars, OFFSET, ORDER BY random(), FOR UPDATE and parameters', () => {
    const f = analyseStatement(
      'SELECT *, t.* FROM t WHERE a = $3 AND b = $1 ORDER BY random() NULLS FIRST LIMIT $2 OFFSET 10000 FOR UPDATE',
    );
    assert.deepEqual(
      f.selectStars.map((r) => at(f, r)),
      ['*', 't.*'],
    );
    assert.deepEqual([f.offset?.valueText, at(f, f.offset?.range)], ['10000', 'OFFSET 10000']);
    assert.deepEqual([f.limit?.valueText, at(f, f.limit?.range)], ['$2', 'LIMIT $2']);
    assert.deepEqual(
      f.orderBy.map((o) => [o.expressionText, o.nullsFirst, at(f, o.range)]),
      [['random()', true, 'random() NULLS FIRST']],
    );
    assert.equal(f.lockingClause, true);
    assert.deepEqual(f.parameters, [1, 2, 3]);
    assert.deepEqual(
      f.functionCalls.map((c) => c.name),
      ['random'],
    );
  });

  it('tells statement kinds apart and analyses UPDATE/DELETE predicates', () => {
    assert.equal(analyseStatement('INSERT INTO t (a) VALUES (1)').kind, 'insert');
    assert.equal(analyseStatement('VALUES (1), (2)').kind, 'values');
    assert.equal(analyseStatement('CREATE INDEX ON t (a)').kind, 'ddl');
    assert.equal(analyseStatement('BEGIN').kind, 'transaction');
    assert.equal(analyseStatement('VACUUM t').kind, 'utility');
    const u = analyseStatement(
      'UPDATE orders o SET total = 0 FROM users u WHERE u.id = o.user_id AND lower(u.email) = $1',
    );
    assert.equal(u.kind, 'update');
    assert.deepEqual(
      u.relations.map((r) => r.name),
      ['orders', 'users'],
    );
    assert.equal(predicate(u, 'lower(u.email) = $1').expression?.columns[0].relation, 'users');
    const d = analyseStatement('DELETE FROM sessions WHERE expires_at < now()');
    assert.equal(d.kind, 'delete');
    assert.equal(predicate(d, 'expires_at < now()').column?.relation, 'sessions');
  });

  it('throws a syntax-error TunerError for bad SQL', () => {
    assert.throws(
      () => analyseStatement('SELECT FROM WHERE'),
      (e: Error & { reason?: string }) => e.reason === 'syntax-error',
    );
  });
});
