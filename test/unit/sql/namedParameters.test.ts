import { strict as assert } from 'node:assert';
import { loadParser, parseSql } from '../../../src/core/sql/parser';
import { rewriteNamedParameters } from '../../../src/core/sql/namedParameters';

describe('rewriteNamedParameters', () => {
  before(() => loadParser());

  it('numbers names in order of first use and repeats the number for a repeated name', () => {
    const r = rewriteNamedParameters('SELECT * FROM t WHERE a = :id AND b > :since OR a = :id');
    assert.equal(r.text, 'SELECT * FROM t WHERE a = $1 AND b > $2 OR a = $1');
    assert.deepEqual(r.names, ['id', 'since']);
    assert.equal(r.firstNumber, 1);
    assert.doesNotThrow(() => parseSql(r.text));
  });

  it('leaves casts, :=, strings, comments, dollar quotes, identifiers and array slices alone', () => {
    const sql = 'SELECT x::text, \':nope\', ":nope", $$ :nope $$, arr[1:n] /* :nope */ FROM t -- :nope\nWHERE y = :yes';
    const r = rewriteNamedParameters(sql);
    assert.deepEqual(r.names, ['yes']);
    assert.equal(r.text, sql.replace(':yes', '$1'));
  });

  it("rewrites psql's :'name' and :\"name\" forms too", () => {
    const r = rewriteNamedParameters('SELECT * FROM t WHERE a = :\'since\' AND b = :"who"');
    assert.equal(r.text, 'SELECT * FROM t WHERE a = $1 AND b = $2');
    assert.deepEqual(r.names, ['since', 'who']);
  });

  it('numbers after existing $n parameters', () => {
    const r = rewriteNamedParameters('SELECT * FROM t WHERE a = $2 AND b = :b');
    assert.equal(r.text, 'SELECT * FROM t WHERE a = $2 AND b = $3');
    assert.equal(r.firstNumber, 3);
    assert.deepEqual(r.names, ['b']);
  });

  it('maps offsets in the new text back to the original', () => {
    const sql = "SELECT 'é' FROM t WHERE customer_id = :customer_id AND x = 1";
    const r = rewriteNamedParameters(sql);
    const at = r.text.indexOf('x = 1');
    assert.equal(r.toOriginal(at), sql.indexOf('x = 1'));
    const p = r.text.indexOf('$1');
    assert.equal(r.toOriginal(p), sql.indexOf(':customer_id'));
    assert.equal(r.toOriginal(p + 2), sql.indexOf(':customer_id') + ':customer_id'.length);
    assert.equal(r.toOriginal(5), 5);
  });

  it('returns the text unchanged when there is nothing to rewrite', () => {
    const r = rewriteNamedParameters('SELECT 1');
    assert.equal(r.text, 'SELECT 1');
    assert.deepEqual(r.replacements, []);
  });
});
