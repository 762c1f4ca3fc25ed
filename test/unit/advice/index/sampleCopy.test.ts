/** The sample copy's pure parts: statements pointed at the copies, and which table is sampled, derived or whole. */
import { strict as assert } from 'node:assert';
import { copyPlan, onCopies, wholeBelowRows } from '../../../../src/core/advice/index/sampleCopy';
import type { SampledTable } from '../../../../src/core/advice/indexSuggestion';
import { loadParser } from '../../../../src/core/sql/parser';

const copied = (table: string, schema = 'public'): SampledTable => ({
  schema,
  table,
  copy: `pgtuner_sample_${table}`,
  method: 'sample',
  rowsFull: 100_000,
  rowsCopied: 10_000,
});

describe('sample copy: statements on the copies', () => {
  before(loadParser);

  it('points plain, qualified and unaliased references at the copies, keeping the names they are read by', () => {
    const sql = onCopies(
      'SELECT orders.id, u.name, public.orders.total FROM public.orders JOIN users u ON u.id = orders.user_id WHERE orders.total > 1',
      [copied('orders'), copied('users')],
    );
    const flat = sql.replace(/\s+/g, ' ');
    assert.match(flat, /FROM pg_temp\.pgtuner_sample_orders AS orders JOIN pg_temp\.pgtuner_sample_users AS u/);
    assert.match(flat, /orders\.total AS total|orders\.total FROM|orders\.total,|, orders\.total/);
    assert.doesNotMatch(flat, /public\./);
  });

  it('leaves a CTE of the same name, other schemas and tables not copied alone', () => {
    const flat = onCopies(
      'WITH orders AS (SELECT * FROM public.orders) SELECT * FROM orders JOIN audit.users a ON true JOIN items ON true',
      [copied('orders'), copied('users')],
    ).replace(/\s+/g, ' ');
    assert.match(flat, /AS \(SELECT \* FROM pg_temp\.pgtuner_sample_orders AS orders\)/);
    assert.match(flat, /\) SELECT \* FROM orders JOIN audit\.users AS a ON true JOIN items ON true/);
  });

  it('keeps $n parameters', () => {
    const flat = onCopies('SELECT * FROM orders WHERE user_id = $1', [copied('orders')]).replace(/\s+/g, ' ');
    assert.match(flat, /FROM pg_temp\.pgtuner_sample_orders AS orders WHERE user_id = \$1/);
  });
});

describe('sample copy: what is sampled', () => {
  const edge = { child: 'public.orders', childColumn: 'user_id', parent: 'public.users', parentColumn: 'id' };
  const t = (name: string, rows: number): { schema: string; name: string; rows: number } => ({
    schema: 'public',
    name,
    rows,
  });

  it('samples the parent and takes its children, parents first', () => {
    const plan = copyPlan([t('orders', 2_000_000), t('users', 200_000)], [edge]);
    assert.deepEqual(
      plan.map((p) => [p.name, p.method]),
      [
        ['users', 'sample'],
        ['orders', 'children'],
      ],
    );
  });

  it('copies a small table whole and then samples its children by themselves', () => {
    const plan = copyPlan([t('orders', 2_000_000), t('users', wholeBelowRows - 1)], [edge]);
    assert.deepEqual(
      plan.map((p) => [p.name, p.method]),
      [
        ['orders', 'sample'],
        ['users', 'whole'],
      ],
    );
  });

  it('breaks a reference cycle: one table sampled, the other following it', () => {
    const back = { child: 'public.users', childColumn: 'last_order', parent: 'public.orders', parentColumn: 'id' };
    const plan = copyPlan([t('orders', 2_000_000), t('users', 200_000)], [edge, back]);
    assert.deepEqual(
      plan.map((p) => p.method),
      ['sample', 'children'],
    );
  });
});
