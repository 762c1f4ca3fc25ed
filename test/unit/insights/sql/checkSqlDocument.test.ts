import { strict as assert } from 'node:assert';
import { loadParser } from '../../../../src/core/sql/parser';
import { checkSqlDocument } from '../../../../src/core/insights/sqlRules';

describe('checkSqlDocument', () => {
  before(() => loadParser());

  it('reports findings in document offsets across statements, after non-ASCII text', () => {
    const doc = [
      '-- naïve 😀 report',
      'SELECT * FROM users;',
      '',
      "SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01' LIMIT 5;",
    ].join('\n');
    const found = checkSqlDocument(doc).map((i) => [i.ruleId, doc.slice(i.sqlRange.start, i.sqlRange.end)]);
    assert.deepEqual(found, [
      ['select-star', '*'],
      ['missing-limit', 'users'],
      ['left-join-nullified', "o.created_at >= '2024-01-01'"],
    ]);
  });

  it('reports a syntax error at its offset and still checks the other statements', () => {
    const doc = "SELECT 'é😀' FROM WHERE;\nSELECT id FROM t ORDER BY random() LIMIT 1;";
    const found = checkSqlDocument(doc);
    assert.deepEqual(
      found.map((i) => i.ruleId),
      ['syntax-error', 'order-by-random'],
    );
    assert.equal(found[0].sqlRange.start, doc.indexOf('WHERE'));
    assert.equal(doc.slice(found[0].sqlRange.start, found[0].sqlRange.end), 'WHERE');
    assert.match(found[0].title, /syntax error at or near "WHERE"/);
    assert.equal(doc.slice(found[1].sqlRange.start, found[1].sqlRange.end), 'random()');
  });

  it('checks statements with :name placeholders and maps ranges back to the original text', () => {
    const doc = 'SELECT id FROM users WHERE lower(email) = :email AND id > :min_id';
    const found = checkSqlDocument(doc);
    assert.deepEqual(
      found.map((i) => [i.ruleId, doc.slice(i.sqlRange.start, i.sqlRange.end)]),
      [['function-on-column', 'lower(email) = :email']],
    );
  });

  // The 5 ms re-check budget is a benchmark figure: `npm run bench` step (c) measures it.
  it('re-checks a 1,000-line document once statements are cached, one statement edited at a time', () => {
    const statement = (i: number): string =>
      `-- query ${i}\nSELECT u.name, COUNT(o.id) AS n\nFROM users u\nLEFT JOIN orders o ON u.id = o.user_id\n` +
      `WHERE o.created_at >= '2024-01-01' AND lower(u.email) LIKE '%x${i}'\nGROUP BY u.id, u.name\nORDER BY n DESC\nLIMIT 10 OFFSET 5000;\n\n`;
    let doc = '';
    for (let i = 0; doc.split('\n').length < 1000; i++) doc += statement(i);
    checkSqlDocument(doc);
    for (let k = 0; k < 5; k++) {
      const edited = doc.replace("'%x7'", `'%x7${k}'`);
      const found = checkSqlDocument(edited);
      assert.ok(found.length > 300);
    }
  });
});
