import { strict as assert } from 'node:assert';
import { parseSelect, selectToSql } from '../../../src/core/sql/ast';
import { loadParser } from '../../../src/core/sql/parser';
import { resolveOrdinals } from '../../../src/core/sql/ordinals';

function resolved(sql: string): string {
  const parsed = parseSelect(sql);
  assert.ok(parsed, sql);
  return selectToSql(resolveOrdinals(parsed.stmt)).replace(/\s+/g, ' ');
}

describe('GROUP BY / ORDER BY ordinals resolved to what they name', () => {
  before(loadParser);

  it('GROUP BY takes the select item, ORDER BY the output column by its name', () => {
    assert.equal(
      resolved(
        'SELECT u.id, lower(u.email) AS e, sum(o.total) AS s FROM users u JOIN orders o ON o.user_id = u.id GROUP BY 1, 2 ORDER BY 3 DESC, 1',
      ),
      'SELECT u.id, lower(u.email) AS e, sum(o.total) AS s FROM users AS u JOIN orders AS o ON o.user_id = u.id GROUP BY u.id, lower(u.email) ORDER BY s DESC, u.id',
    );
  });

  it('inside subqueries and CTEs too; the statement it was given is not changed', () => {
    const parsed = parseSelect(
      'WITH t AS (SELECT a, count(*) FROM x GROUP BY 1) SELECT * FROM (SELECT b FROM y ORDER BY 1) s',
    );
    assert.ok(parsed);
    const before = JSON.stringify(parsed.stmt);
    assert.match(selectToSql(resolveOrdinals(parsed.stmt)).replace(/\s+/g, ' '), /GROUP BY a\b.*ORDER BY b\b/);
    assert.equal(JSON.stringify(parsed.stmt), before);
  });

  it('leaves alone what is no ordinal of a plain item: a star, 0, an ordinal past the list, a set operation', () => {
    assert.match(resolved('SELECT * FROM x GROUP BY 1'), /GROUP BY 1$/);
    assert.match(resolved('SELECT a FROM x ORDER BY 0'), /ORDER BY 0$/);
    assert.match(resolved('SELECT a FROM x ORDER BY 2'), /ORDER BY 2$/);
    assert.match(resolved('SELECT t.a FROM (SELECT a FROM x UNION SELECT a FROM y ORDER BY 1) t'), /ORDER BY 1 \)/);
  });
});
