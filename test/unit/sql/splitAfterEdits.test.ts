import { strict as assert } from 'node:assert';
import { lexSql } from '../../../src/core/sql/lexer';
import { splitStatements, splitTokens, statementAt } from '../../../src/core/sql/splitStatements';

/**
 * splitStatements remembers its last splits and, after an edit, lexes only around the edit. Whatever the
 * edit, the answer must be the one a split of the whole text gives. The edits come from a seeded generator
 * (deterministic), biased towards what changes lexing: quotes, comment marks, dollar quotes, `;`, BEGIN ATOMIC.
 */
describe('splitStatements after edits', () => {
  let seed = 20240611;
  const random = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const snippets = [
    ';',
    "'",
    '"',
    '$$',
    '$a$',
    '/*',
    '*/',
    '--',
    '\n',
    ' ',
    'x',
    '7',
    '.',
    '..',
    'begin atomic',
    'end',
    'case',
    '(',
    ')',
    'create rule',
    'SELECT 1;',
    'é😀',
    "e'",
    '$1',
    ':',
    '::',
  ];
  const whole = (text: string) => splitTokens(text, lexSql(text));

  const documents = [
    Array.from(
      { length: 60 },
      (_, i) => `-- q${i}\nSELECT id, name FROM users WHERE id = ${i} AND note <> 'a;b'\nORDER BY id;\n`,
    ).join('\n'),
    "SELECT 'a;b', E'it\\'s; fine', \"odd;name\" FROM t -- c;omment\n/* outer /* nested; */ still; comment */ WHERE x = 1;" +
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql;DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$;SELECT $1::int; SELECT 2",
    'CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END; SELECT 3; END;\n' +
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));\nSELECT 4;\nselect 1.5..2; select 1;;; select 2',
  ];

  for (const [n, document] of documents.entries()) {
    it(`gives the whole-text split after each of 500 random edits (document ${n + 1})`, () => {
      for (let run = 0; run < 20; run++) {
        let text = document;
        assert.deepEqual(splitStatements(text), whole(text));
        for (let step = 0; step < 25; step++) {
          // Half the edits land right around a `;`, where the split may restart or get back in step.
          const semicolons = [...text.matchAll(/;/g)].map((m) => m.index ?? 0);
          const near = semicolons.length > 0 && random() < 0.5;
          const at = near
            ? Math.max(0, Math.min(text.length, pick(semicolons) - 2 + Math.floor(random() * 5)))
            : Math.floor(random() * (text.length + 1));
          const r = random();
          if (r < 0.45) text = text.slice(0, at) + pick(snippets) + text.slice(at);
          else if (r < 0.8)
            text = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(random() * 6)));
          else
            text =
              text.slice(0, at) + pick(snippets) + text.slice(Math.min(text.length, at + Math.floor(random() * 4)));
          const statements = whole(text);
          assert.deepEqual(splitStatements(text), statements, JSON.stringify(text));
          const offset = Math.floor(random() * (text.length + 1));
          const expected = statements.filter((s) => s.start <= offset).pop() ?? statements[0];
          assert.deepEqual(statementAt(text, offset), expected);
        }
      }
    });
  }

  it('hands out copies: changing what it returned does not change the next answer', () => {
    const text = 'SELECT 1; SELECT 2';
    const first = splitStatements(text);
    first[0].start = 99;
    first.pop();
    assert.deepEqual(splitStatements(text), [
      { text: 'SELECT 1', start: 0, end: 8 },
      { text: 'SELECT 2', start: 10, end: 18 },
    ]);
  });
});
