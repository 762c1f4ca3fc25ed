/**
 * Candidates for subqueries run per outer row (issue 12): the correlation column leads, then equality, then the
 * range or sort column, covering what the subqueries read. Every member of the family: scalar subqueries (one per
 * output column, as an ORM writes them), EXISTS, NOT EXISTS, IN, NOT IN, LATERAL, `$n` instead of literals,
 * schema-qualified and quoted names, and UPDATE … WHERE EXISTS. Real StatementFacts, a hand-made catalog.
 */
import { strict as assert } from 'node:assert';
import { loadParser } from '../../../../src/core/sql/parser';
import { analyseStatement } from '../../../../src/core/sql/analyseStatement';
import { generateCandidates } from '../../../../src/core/advice/index/generateCandidates';
import type { CatalogSnapshot, ColumnStats } from '../../../../src/core/db/catalog';
import type { IndexCandidate } from '../../../../src/core/advice/indexSuggestion';

function column(table: string, name: string, nDistinct: number, schema = 'public'): ColumnStats {
  return { schema, table, column: name, nullFrac: 0, nDistinct, dataType: 'integer' };
}

/** Invented figures for the rules to act on: user_id has many values, status few. */
function catalog(): CatalogSnapshot {
  const table = (name: string, rows: number, schema = 'public') => ({
    schema,
    name,
    estimatedRows: rows,
    relPages: rows / 100,
    totalBytes: rows * 100,
    tableBytes: rows * 80,
  });
  return {
    server: { versionNum: 150000, versionText: 'PostgreSQL 15', extensions: {}, settings: {} },
    tables: [table('orders', 1_000_000), table('users', 100_000), table('Orders', 1_000_000, 'Shop')],
    indexes: [],
    columns: [
      column('orders', 'user_id', 90_000),
      column('orders', 'status', 4),
      column('orders', 'created_at', -0.9),
      column('orders', 'total', -0.5),
      column('Orders', 'userId', 90_000, 'Shop'),
      column('Orders', 'createdAt', -0.9, 'Shop'),
    ],
  };
}

const keys = (c: IndexCandidate): string[] => c.keys.map((k) => k.column ?? `(${k.expression})`);
const show = (cs: IndexCandidate[]): string =>
  JSON.stringify(cs.map((c) => `${c.table} (${keys(c).join(', ')}) INCLUDE (${c.include.join(', ')})`));

function candidatesFor(sql: string): IndexCandidate[] {
  return generateCandidates({ facts: analyseStatement(sql), catalog: catalog() }).candidates;
}

/** The highest-rated candidate on `table` led by `lead`. */
function ledBy(cs: IndexCandidate[], table: string, lead: string): IndexCandidate {
  const c = cs.find((x) => x.table === table && x.keys[0]?.column === lead);
  assert.ok(c, `no candidate on ${table} led by ${lead}: ${show(cs)}`);
  return c;
}

const ormDashboardSql = `SELECT u.id, u.email,
  (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS order_count,
  (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS total_spent,
  (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id AND o.created_at >= timestamptz '2024-01-01') AS last_order
FROM users u WHERE u.status = 'active' ORDER BY u.id LIMIT 100`;

describe('index candidates for correlated subqueries', () => {
  before(() => loadParser());

  it('one scalar subquery per column: (user_id, created_at) INCLUDE (total), rated first on orders', () => {
    const cs = candidatesFor(ormDashboardSql);
    const best = cs.filter((c) => c.table === 'orders')[0];
    assert.deepEqual(keys(best), ['user_id', 'created_at'], show(cs));
    // The union of what the three subqueries read: sum(total); created_at and user_id are keys already.
    assert.deepEqual(best.include, ['total']);
    assert.ok(best.features.includes('correlation'));
    assert.match(best.columnOrderReason, /correlation column first/);
    assert.match(best.columnOrderReason, /correlation \(o\.user_id = u\.id\) on user_id, 90,000 distinct values/);
    // The plain composite and the correlation column alone are in the family too.
    assert.ok(
      cs.some((c) => keys(c).join() === 'user_id,created_at' && c.include.length === 0),
      show(cs),
    );
    assert.ok(
      cs.some((c) => keys(c).join() === 'user_id' && c.include.length === 0),
      show(cs),
    );
    assert.equal(best.serves[0].kind, 'join');
    assert.equal(best.serves[0].text, 'o.user_id = u.id');
  });

  it('$n parameters instead of literals: the same keys', () => {
    const cs = candidatesFor(
      'SELECT u.id, (SELECT sum(o.total) FROM orders o WHERE o.user_id = u.id AND o.created_at >= $1) AS s FROM users u WHERE u.status = $2',
    );
    const best = ledBy(cs, 'orders', 'user_id');
    assert.deepEqual(keys(best), ['user_id', 'created_at']);
    assert.deepEqual(best.include, ['total']);
  });

  it('EXISTS and NOT EXISTS: correlation, then equality, then range; nothing to INCLUDE from SELECT *', () => {
    for (const not of ['', 'NOT ']) {
      const cs = candidatesFor(
        `SELECT u.id FROM users u WHERE ${not}EXISTS (SELECT * FROM orders o WHERE o.created_at >= '2024-01-01' AND o.status = 'paid' AND u.id = o.user_id)`,
      );
      const best = ledBy(cs, 'orders', 'user_id');
      assert.deepEqual(keys(best), ['user_id', 'status', 'created_at'], show(cs));
      assert.deepEqual(best.include, []);
    }
  });

  it('IN and NOT IN: the subquery target column leads', () => {
    for (const not of ['', 'NOT ']) {
      const cs = candidatesFor(
        `SELECT u.id FROM users u WHERE u.id ${not}IN (SELECT o.user_id FROM orders o WHERE o.created_at >= $1)`,
      );
      assert.deepEqual(keys(ledBy(cs, 'orders', 'user_id')), ['user_id', 'created_at'], show(cs));
    }
  });

  it('LATERAL … ORDER BY … LIMIT: correlation, then the sort column, covering the rest', () => {
    const cs = candidatesFor(
      'SELECT u.id, l.created_at, l.total FROM users u CROSS JOIN LATERAL (SELECT o.created_at, o.total FROM orders o WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 3) l',
    );
    const best = ledBy(cs, 'orders', 'user_id');
    assert.deepEqual(keys(best), ['user_id', 'created_at'], show(cs));
    assert.deepEqual(best.include, ['total']);
  });

  it('a lone max() without a range: the aggregated column follows the correlation column', () => {
    const cs = candidatesFor(
      'SELECT u.id, (SELECT max(o.created_at) FROM orders o WHERE o.user_id = u.id) FROM users u',
    );
    assert.deepEqual(keys(ledBy(cs, 'orders', 'user_id')), ['user_id', 'created_at'], show(cs));
  });

  it('schema-qualified and quoted names', () => {
    const cs = candidatesFor(
      'SELECT u.id, (SELECT count(*) FROM "Shop"."Orders" AS o WHERE o."userId" = u.id AND o."createdAt" >= $1) FROM public.users u',
    );
    const best = ledBy(cs, 'Orders', 'userId');
    assert.deepEqual(keys(best), ['userId', 'createdAt'], show(cs));
    assert.equal(best.schema, 'Shop');
  });

  it('UPDATE … WHERE EXISTS: the correlation column leads there too', () => {
    const cs = candidatesFor(
      "UPDATE users u SET status = 'active' WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.created_at >= $1)",
    );
    assert.deepEqual(keys(ledBy(cs, 'orders', 'user_id')), ['user_id', 'created_at'], show(cs));
  });

  it('an uncorrelated scalar subquery gets no correlation candidate', () => {
    const cs = candidatesFor(
      "SELECT u.id, (SELECT count(*) FROM orders o WHERE o.created_at >= '2024-01-01') FROM users u",
    );
    assert.ok(!cs.some((c) => c.features.includes('correlation')), show(cs));
  });
});
