/** Index names, identifier quoting and the DDL text of a candidate (no database). */
import { strict as assert } from 'node:assert';
import { indexName, quoteIdentifier, maxIdentifierBytes } from '../../../src/core/advice/index/identifiers';
import { createIndexSql, dropIndexSql, hypotheticalCreateSql, transactionalCreateSql } from '../../../src/core/advice/index/indexDdl';
import type { IndexCandidate } from '../../../src/core/advice/indexSuggestion';

function candidate(over: Partial<IndexCandidate>): IndexCandidate {
  return {
    table: 'orders',
    schema: 'public',
    method: 'btree',
    keys: [{ column: 'user_id', reason: 'join key' }],
    include: [],
    features: [],
    name: 'orders_user_id_idx',
    serves: [],
    ruleScore: 0.5,
    columnOrderReason: '',
    ...over,
  };
}

describe('index names and DDL', () => {
  it('names an index table_columns_idx', () => {
    assert.equal(indexName('orders', ['user_id', 'created_at'], 'idx'), 'orders_user_id_created_at_idx');
    assert.equal(indexName('users', ['lower(email)'], 'idx'), 'users_lower_email_idx');
  });

  it('keeps names within 63 bytes, the suffix intact, and unique', () => {
    const long = indexName('a_rather_long_table_name_for_testing', ['first_long_column_name', 'second_long_column_name', 'third'], 'idx');
    assert.ok(Buffer.byteLength(long) <= maxIdentifierBytes, long);
    assert.ok(long.endsWith('_idx'));
    const multibyte = indexName('tabelle_größe', ['spälte_ñame_'.repeat(8)], 'idx');
    assert.ok(Buffer.byteLength(multibyte) <= maxIdentifierBytes);
    assert.equal(indexName('orders', ['user_id'], 'idx', new Set(['orders_user_id_idx'])), 'orders_user_id_idx1');
  });

  it('quotes identifiers only when needed', () => {
    assert.equal(quoteIdentifier('orders'), 'orders');
    assert.equal(quoteIdentifier('user'), '"user"');
    assert.equal(quoteIdentifier('Order Items'), '"Order Items"');
    assert.equal(quoteIdentifier('we"ird'), '"we""ird"');
  });

  it('renders CONCURRENTLY DDL, its rollback and the transactional and hypothetical forms', () => {
    const c = candidate({
      keys: [{ column: 'user_id', reason: '' }, { column: 'created_at', descending: true, reason: '' }],
      include: ['total'],
      predicate: "created_at >= '2024-01-01'",
      name: 'orders_user_id_created_at_idx',
    });
    assert.equal(
      createIndexSql(c),
      "CREATE INDEX CONCURRENTLY orders_user_id_created_at_idx ON public.orders (user_id, created_at DESC) INCLUDE (total) WHERE created_at >= '2024-01-01';",
    );
    assert.equal(dropIndexSql(c), 'DROP INDEX CONCURRENTLY public.orders_user_id_created_at_idx;');
    assert.ok(!transactionalCreateSql(c).includes('CONCURRENTLY'));
    assert.ok(hypotheticalCreateSql(c).startsWith('CREATE INDEX ON public.orders'));
    const gin = candidate({ table: 'user', method: 'gin', keys: [{ column: 'payload', opclass: 'jsonb_path_ops', reason: '' }], name: 'user_payload_gin_idx' });
    assert.equal(createIndexSql(gin), 'CREATE INDEX CONCURRENTLY user_payload_gin_idx ON public."user" USING gin (payload jsonb_path_ops);');
    const expr = candidate({ table: 'users', keys: [{ expression: 'lower(email)', reason: '' }], name: 'users_lower_email_idx' });
    assert.equal(createIndexSql(expr), 'CREATE INDEX CONCURRENTLY users_lower_email_idx ON public.users ((lower(email)));');
  });
});
