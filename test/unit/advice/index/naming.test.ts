/** Index names, identifier quoting and the DDL text of a candidate (no database). */
import { strict as assert } from 'node:assert';
import {
  candidateNameParts,
  indexName,
  isGeneratedName,
  quoteIdentifier,
  maxIdentifierBytes,
} from '../../../../src/core/advice/index/identifiers';
import {
  createIndexSql,
  dropIndexSql,
  hypotheticalCreateSql,
  transactionalCreateSql,
} from '../../../../src/core/advice/index/indexDdl';
import type { IndexCandidate } from '../../../../src/core/advice/indexSuggestion';

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
    const long = indexName(
      'a_rather_long_table_name_for_testing',
      ['first_long_column_name', 'second_long_column_name', 'third'],
      'idx',
    );
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
      keys: [
        { column: 'user_id', reason: '' },
        { column: 'created_at', descending: true, reason: '' },
      ],
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
    const gin = candidate({
      table: 'user',
      method: 'gin',
      keys: [{ column: 'payload', opclass: 'jsonb_path_ops', reason: '' }],
      name: 'user_payload_gin_idx',
    });
    assert.equal(
      createIndexSql(gin),
      'CREATE INDEX CONCURRENTLY user_payload_gin_idx ON public."user" USING gin (payload jsonb_path_ops);',
    );
    const expr = candidate({
      table: 'users',
      keys: [{ expression: 'lower(email)', reason: '' }],
      name: 'users_lower_email_idx',
    });
    assert.equal(
      createIndexSql(expr),
      'CREATE INDEX CONCURRENTLY users_lower_email_idx ON public.users ((lower(email)));',
    );
  });
});

describe('generated names a kept index may give up for its plain one', () => {
  const keys = [{ column: 'l_shipdate', reason: '' }];
  const shape = { table: 'lineitem', keys, method: 'btree' as const, include: [] as string[], predicate: undefined };
  it("knows the plain name, the numbered ones and the workload pool's, and no other", () => {
    assert.deepEqual(candidateNameParts({ ...shape, include: ['l_quantity'], predicate: 'l_quantity > 1' }), [
      'l_shipdate',
      'covering',
      'partial',
    ]);
    for (const name of [
      'lineitem_l_shipdate_idx',
      'lineitem_l_shipdate_idx1',
      'lineitem_l_shipdate_idx12',
      'lineitem_l_shipdate_idx_2',
    ])
      assert.ok(isGeneratedName(name, shape), name);
    for (const name of ['lineitem_shipdate', 'lineitem_l_shipdate_covering_idx', 'orders_l_shipdate_idx1'])
      assert.ok(!isGeneratedName(name, shape), name);
    const long = {
      ...shape,
      table: 'a_rather_long_table_name_for_testing',
      keys: [{ column: 'first_long_column_name_for_testing_names', reason: '' }],
    };
    const taken = new Set<string>();
    for (let i = 0; i < 12; i++) taken.add(indexName(long.table, candidateNameParts(long), 'idx', taken));
    for (const name of taken) assert.ok(isGeneratedName(name, long), name);
  });
});
