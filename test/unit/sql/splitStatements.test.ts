import { strict as assert } from 'node:assert';
import { loadParser, parseSql } from '../../../src/core/sql/parser';
import { checkSyntax, splitStatements, statementAt } from '../../../src/core/sql/splitStatements';
import { utf8ToUtf16 } from '../../../src/core/sql/offsets';

const texts = (sql: string): string[] => splitStatements(sql).map((s) => s.text);

describe('splitStatements', () => {
  before(() => loadParser());

  it('splits on top-level semicolons, trims leading comments and the trailing ;', () => {
    const sql = '-- first\nSELECT 1;\n\n/* second */ SELECT 2 ;   \n  select 3';
    const parts = splitStatements(sql);
    assert.deepEqual(
      parts.map((p) => p.text),
      ['SELECT 1', 'SELECT 2', 'select 3'],
    );
    for (const p of parts) assert.equal(sql.slice(p.start, p.end), p.text);
  });

  it('ignores ; inside strings, E-strings, quoted identifiers, comments and dollar quotes', () => {
    const sql = [
      "SELECT 'a;b', E'it\\'s; fine', \"odd;name\" FROM t -- c;omment\n",
      '/* outer /* nested; */ still; comment */ WHERE x = 1;',
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql;',
      "DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$;",
      'SELECT $1::int; SELECT 2',
    ].join('');
    assert.deepEqual(texts(sql), [
      "SELECT 'a;b', E'it\\'s; fine', \"odd;name\" FROM t -- c;omment\n/* outer /* nested; */ still; comment */ WHERE x = 1",
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql',
      "DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$",
      'SELECT $1::int',
      'SELECT 2',
    ]);
  });

  it('keeps BEGIN ATOMIC bodies and CREATE RULE action lists whole', () => {
    const sql =
      'CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END; SELECT 3; END;\n' +
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));\nSELECT 4';
    const parts = texts(sql);
    assert.equal(parts.length, 3);
    assert.ok(parts[0].endsWith('SELECT 3; END'));
    assert.ok(parts[1].endsWith('VALUES (2))'));
    // The parser agrees on the count.
    assert.equal(parseSql(sql).stmts?.length, 3);
  });

  it('matches the parser statement boundaries on a valid file, with non-ASCII text', () => {
    const sql = "-- café 😀\nSELECT 'é😀;' AS x;\n/* ü */ UPDATE t SET a = 'ß' WHERE b = 1;\nSELECT $q$ ; $q$";
    const parsed = parseSql(sql).stmts ?? [];
    const toUtf16 = utf8ToUtf16(sql);
    const parts = splitStatements(sql);
    assert.equal(parts.length, parsed.length);
    parts.forEach((p, i) => assert.equal(p.start, toUtf16(parsed[i].stmt_location ?? 0)));
    assert.equal(parts[0].text, "SELECT 'é😀;' AS x");
    assert.equal(parts[1].text, "UPDATE t SET a = 'ß' WHERE b = 1");
  });

  it('still splits the rest when one statement is broken', () => {
    const sql = 'SELECT 1;\nSELEC oops FROM;\nSELECT 3';
    assert.deepEqual(texts(sql), ['SELECT 1', 'SELEC oops FROM', 'SELECT 3']);
  });

  it('runs an unterminated string to the end without losing earlier statements', () => {
    assert.deepEqual(texts("SELECT 1; SELECT 'abc; SELECT 3"), ['SELECT 1', "SELECT 'abc; SELECT 3"]);
  });

  it('returns nothing for empty input or only comments', () => {
    assert.deepEqual(splitStatements(''), []);
    assert.deepEqual(splitStatements('  -- nothing\n/* here */ ;;'), []);
  });
});

describe('statementAt', () => {
  const sql = 'SELECT 1;\n\nSELECT 2;  \n-- note\nSELECT 3';
  it('picks the statement under the cursor', () => {
    assert.equal(statementAt(sql, sql.indexOf('2'))?.text, 'SELECT 2');
    assert.equal(statementAt(sql, sql.indexOf('SELECT 3'))?.text, 'SELECT 3');
    assert.equal(statementAt(sql, sql.length)?.text, 'SELECT 3');
  });
  it('picks the nearest previous statement after a ; or on a blank line', () => {
    assert.equal(statementAt(sql, sql.indexOf(';') + 1)?.text, 'SELECT 1');
    assert.equal(statementAt(sql, sql.indexOf('\n\n') + 1)?.text, 'SELECT 1');
    assert.equal(statementAt(sql, sql.indexOf('-- note'))?.text, 'SELECT 2');
  });
  it('picks the first statement before it and nothing in an empty text', () => {
    assert.equal(statementAt('  SELECT 1', 0)?.text, 'SELECT 1');
    assert.equal(statementAt('', 0), undefined);
  });
});

describe('checkSyntax', () => {
  before(() => loadParser());

  it('is undefined for valid SQL', () => {
    assert.equal(checkSyntax('SELECT 1; SELECT 2'), undefined);
  });

  it('reports the error at the right UTF-16 offset, after é and an emoji', () => {
    const sql = "SELECT 'é😀' AS x FROM WHERE";
    const err = checkSyntax(sql);
    assert.ok(err);
    assert.equal(err.offset, sql.indexOf('WHERE'));
    assert.match(err.message, /syntax error at or near "WHERE"/);
  });

  it('points into the second statement of a file', () => {
    const sql = 'SELECT 1;\nSELEC 2;';
    assert.equal(checkSyntax(sql)?.offset, sql.indexOf('SELEC 2'));
  });
});
