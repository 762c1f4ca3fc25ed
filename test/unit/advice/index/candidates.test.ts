/**
 * Rule candidates from real StatementFacts (analyseStatement) and a hand-made catalog snapshot: no database.
 * The catalog figures are invented for the rules to act on (n_distinct, row counts), not read from a server.
 */
import { strict as assert } from 'node:assert';
import { loadParser } from '../../../../src/core/sql/parser';
import { analyseStatement } from '../../../../src/core/sql/analyseStatement';
import { generateCandidates, selectivityKey } from '../../../../src/core/advice/index/generateCandidates';
import { existingCoverage } from '../../../../src/core/advice/index/existingCoverage';
import { indexesMadeRedundant } from '../../../../src/core/advice/index/redundantIndexes';
import type { CatalogSnapshot, ColumnStats, IndexInfo } from '../../../../src/core/db/catalog';
import type { IndexCandidate } from '../../../../src/core/advice/indexSuggestion';

function column(table: string, name: string, nDistinct: number, dataType = 'integer'): ColumnStats {
  return { schema: 'public', table, column: name, nullFrac: 0, nDistinct, dataType };
}

function catalog(indexes: IndexInfo[] = []): CatalogSnapshot {
  const table = (name: string, rows: number) => ({
    schema: 'public',
    name,
    estimatedRows: rows,
    relPages: rows / 100,
    totalBytes: rows * 100,
    tableBytes: rows * 80,
  });
  return {
    server: { versionNum: 150000, versionText: 'PostgreSQL 15', extensions: {}, settings: {} },
    tables: [table('orders', 1_000_000), table('users', 100_000), table('events', 500_000)],
    indexes,
    columns: [
      column('orders', 'user_id', 90_000),
      column('orders', 'status', 4, 'text'),
      column('orders', 'created_at', -0.9, 'timestamp'),
      column('orders', 'total', -0.5, 'numeric'),
      column('users', 'email', -1, 'text'),
      column('users', 'status', 2, 'text'),
      // A soft-delete column: many distinct timestamps, yet almost every row NULL.
      column('orders', 'deleted_at', 63_200, 'timestamptz'),
    ],
  };
}

function keys(c: IndexCandidate): string[] {
  return c.keys.map((k) => k.column ?? `(${k.expression})`);
}

describe('index candidates by rule', () => {
  before(() => loadParser());

  it('orders equality columns by distinct values, then the range column, then ORDER BY', () => {
    const facts = analyseStatement(
      "SELECT id, total FROM orders WHERE status = 'paid' AND user_id = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT 20",
    );
    const { candidates } = generateCandidates({ facts, catalog: catalog() });
    const composite = candidates.find((c) => c.keys.length === 3 && c.include.length === 0);
    assert.ok(composite, JSON.stringify(candidates.map(keys)));
    assert.deepEqual(keys(composite), ['user_id', 'status', 'created_at']);
    // One direction: ascending keys, scanned backwards. Mixed directions: the keys follow each item.
    assert.equal(composite.keys[2].descending, undefined);
    const mixed = generateCandidates({
      facts: analyseStatement('SELECT id FROM orders WHERE user_id = $1 ORDER BY created_at DESC, total'),
      catalog: catalog(),
    });
    const sorted = mixed.candidates.find((c) => c.keys.length === 3);
    assert.deepEqual(
      sorted?.keys.map((k) => [k.column, k.descending === true]),
      [
        ['user_id', false],
        ['created_at', true],
        ['total', false],
      ],
    );
    assert.match(composite.columnOrderReason, /equality columns first/);
    const covering = candidates.find((c) => c.features.includes('covering') && c.keys.length === 3);
    assert.deepEqual(covering?.include, ['id', 'total']);
  });

  it('turns a selective constant predicate into a partial index, and keeps a non-selective one out', () => {
    const facts = analyseStatement("SELECT id, email FROM users WHERE status = 'active' AND email LIKE 'ab%'");
    const selective = generateCandidates({
      facts,
      catalog: catalog(),
      selectivity: new Map([[selectivityKey('users', "status = 'active'"), 0.05]]),
    });
    const partial = selective.candidates.find((c) => c.predicate !== undefined);
    assert.ok(partial);
    assert.equal(partial.predicate, "status = 'active'");
    assert.deepEqual(keys(partial), ['email']);
    const broad = generateCandidates({
      facts,
      catalog: catalog(),
      selectivity: new Map([[selectivityKey('users', "status = 'active'"), 0.7]]),
    });
    assert.equal(
      broad.candidates.some((c) => c.predicate !== undefined),
      false,
    );
  });

  it('indexes an expression the predicate applies to, with qualifiers removed', () => {
    const facts = analyseStatement('SELECT u.id FROM users u WHERE lower(u.email) = $1');
    const { candidates } = generateCandidates({ facts, catalog: catalog() });
    const plain = candidates.find((c) => c.include.length === 0);
    assert.deepEqual(plain && keys(plain), ['(lower(email))']);
    assert.ok(plain?.features.includes('expression'));
    assert.equal(plain?.name, 'users_lower_email_idx');
    assert.equal(candidates.find((c) => c.include.length > 0)?.name, 'users_lower_email_covering_idx');
  });

  it('proposes GIN for jsonb containment and full-text matches', () => {
    const facts = analyseStatement(`SELECT id FROM events WHERE payload @> '{"kind":"buy"}'`);
    const { candidates } = generateCandidates({ facts, catalog: catalog() });
    assert.equal(candidates[0].method, 'gin');
    assert.equal(candidates[0].keys[0].opclass, 'jsonb_path_ops');
    const fts = generateCandidates({
      facts: analyseStatement("SELECT id FROM events WHERE to_tsvector('english', body) @@ plainto_tsquery('x')"),
      catalog: catalog(),
    });
    assert.equal(fts.candidates[0].method, 'gin');
    assert.equal(fts.candidates[0].keys[0].expression, "to_tsvector('english', body)");
  });

  it('skips a column whose type has no B-tree operator class, and says so', () => {
    const facts = analyseStatement("SELECT id FROM events WHERE area = box '((0,0),(1,1))'");
    const types = new Map([['events', new Map([['area', { dataType: 'box', btree: false }]])]]);
    const { candidates, notes } = generateCandidates({ facts, catalog: catalog(), columnTypes: types });
    assert.equal(candidates.length, 0);
    assert.equal(notes[0].kind, 'no-btree-opclass');
    assert.match(notes[0].message, /box/);
  });

  it('proposes the join key of the nullable side, led by the join column', () => {
    const facts = analyseStatement(
      'SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.status = $1',
    );
    const { candidates } = generateCandidates({ facts, catalog: catalog() });
    assert.ok(
      candidates.some((c) => c.table === 'orders' && keys(c)[0] === 'user_id' && c.features.includes('join-key')),
    );
  });

  it('the other side of a join in join-key order: the key alone, covering, its constant filter as the predicate', () => {
    // The dashboard: users are read whole in id order by a merge join once orders stream in user_id order; an
    // index-only scan of users (id) INCLUDE (email, name) WHERE status = 'active' needs neither heap nor status.
    const facts = analyseStatement(
      "SELECT u.id, u.email, u.name, sum(o.total) FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.status = 'active' GROUP BY u.id, u.email, u.name ORDER BY 4 DESC NULLS LAST LIMIT 100",
    );
    const joinOrder = (kept: number): IndexCandidate | undefined =>
      generateCandidates({
        facts,
        catalog: catalog(),
        selectivity: new Map([[selectivityKey('users', "status = 'active'"), kept]]),
      }).candidates.find((c) => c.table === 'users' && c.predicate !== undefined && keys(c).join() === 'id');
    const c = joinOrder(0.9);
    assert.ok(c);
    assert.equal(c.predicate, "status = 'active'");
    assert.deepEqual([...c.include].sort(), ['email', 'name']);
    assert.deepEqual([...c.features].sort(), ['covering', 'join-key', 'partial']);
    // A filter that keeps (nearly) every row makes no such index: it would be the table's key over again.
    assert.equal(joinOrder(0.99), undefined);
  });

  it('recognises an existing index that covers a candidate (equal or longer, same predicate)', () => {
    const index = (name: string, keyColumns: string[], predicate?: string, include: string[] = []): IndexInfo => ({
      schema: 'public',
      table: 'orders',
      name,
      definition: '',
      method: 'btree',
      keyColumns,
      includeColumns: include,
      predicate,
      unique: false,
      primary: false,
      valid: true,
      sizeBytes: 0,
    });
    const c = {
      table: 'orders',
      schema: 'public',
      method: 'btree',
      keys: [{ column: 'user_id', reason: '' }],
      include: ['total'],
      features: [],
      name: 'x',
      serves: [],
      ruleScore: 0,
      columnOrderReason: '',
    } as IndexCandidate;
    assert.equal(
      existingCoverage(c, [index('a', ['user_id', 'created_at'], undefined, ['total'])])?.relation,
      'covered',
    );
    assert.equal(existingCoverage(c, [index('b', ['user_id'])])?.relation, 'extends');
    // Never "may be redundant" for a key that enforces a constraint, or a full index a partial candidate narrows.
    assert.equal(existingCoverage(c, [{ ...index('pk', ['user_id']), primary: true, unique: true }]), undefined);
    assert.equal(existingCoverage(c, [{ ...index('u', ['user_id']), unique: true }]), undefined);
    assert.equal(existingCoverage({ ...c, predicate: "status = 'active'" }, [index('b', ['user_id'])]), undefined);
    assert.equal(existingCoverage(c, [index('c', ['created_at', 'user_id'], undefined, ['total'])]), undefined);
    const partial = { ...c, predicate: "created_at >= '2024-01-01'" };
    assert.equal(
      existingCoverage(partial, [
        index('d', ['user_id'], "(created_at >= '2024-01-01 00:00:00'::timestamp without time zone)", ['total']),
      ])?.relation,
      'covered',
    );
    assert.equal(
      existingCoverage(partial, [
        index('e', ['user_id'], "(created_at >= '2023-01-01 00:00:00'::timestamp without time zone)", ['total']),
      ]),
      undefined,
    );
  });
  it('an IS NULL never leads: the ORDER BY follows the equality keys, and the soft-delete filter joins the partial predicate', () => {
    const sql =
      "SELECT id, total FROM orders WHERE user_id = 7 AND status IN ('new', 'paid') AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 25";
    const { candidates } = generateCandidates({
      facts: analyseStatement(sql),
      catalog: catalog(),
      selectivity: new Map([
        [selectivityKey('orders', 'deleted_at IS NULL'), 0.97],
        [selectivityKey('orders', "status IN ('new', 'paid')"), 0.06],
        [selectivityKey('orders', 'user_id = 7'), 0.00001],
      ]),
    });
    const all = candidates.map((c) => `${keys(c).join(',')}${c.predicate ? ` WHERE ${c.predicate}` : ''}`);
    // Before: `(deleted_at, user_id, …)` as "equality on deleted_at, 63,200 distinct values".
    assert.ok(
      candidates.every((c) => c.keys[0].column !== 'deleted_at'),
      all.join(' | '),
    );
    const plain = candidates.find((c) => !c.predicate && c.include.length === 0 && c.keys.length > 2);
    assert.deepEqual(plain && keys(plain), ['user_id', 'status', 'created_at', 'deleted_at'], all.join(' | '));
    // What a DBA writes for a list of live rows: the IN and the IS NULL in the predicate, the sort in the keys.
    assert.ok(
      all.includes("user_id,created_at WHERE status IN ('new', 'paid') AND deleted_at IS NULL"),
      all.join(' | '),
    );
  });

  it('a row comparison (keyset cursor) is a range over its columns in order, never a partial predicate', () => {
    const sql =
      "SELECT id, total FROM orders WHERE user_id = 7 AND (created_at, id) < ('2025-01-01 00:00:00+00', 1000000) ORDER BY created_at DESC, id DESC LIMIT 25";
    const { candidates } = generateCandidates({
      facts: analyseStatement(sql),
      catalog: catalog(),
      selectivity: new Map([[selectivityKey('orders', 'user_id = 7'), 0.00001]]),
    });
    const all = candidates.map((c) => `${keys(c).join(',')}${c.predicate ? ` WHERE ${c.predicate}` : ''}`);
    assert.ok(
      candidates.every((c) => !c.predicate?.includes('1000000')),
      all.join(' | '),
    );
    assert.ok(all.includes('user_id,created_at,id'), all.join(' | '));
  });

  it('a window on one column (a bound on each side) makes no partial index; a one-sided cutoff still does', () => {
    const window = generateCandidates({
      facts: analyseStatement(
        "SELECT id FROM orders WHERE user_id = 7 AND created_at >= '2026-11-01' AND created_at < '2026-12-01' ORDER BY created_at DESC LIMIT 100",
      ),
      catalog: catalog(),
      selectivity: new Map([
        [selectivityKey('orders', "created_at >= '2026-11-01'"), 0.02],
        [selectivityKey('orders', "created_at < '2026-12-01'"), 0.98],
      ]),
    });
    assert.deepEqual(
      window.candidates.filter((c) => c.predicate).map((c) => c.predicate),
      [],
    );
    assert.ok(window.candidates.some((c) => keys(c).join(',') === 'user_id,created_at'));
    const cutoff = generateCandidates({
      facts: analyseStatement(
        "SELECT user_id, sum(total) FROM orders WHERE created_at >= '2024-01-01' GROUP BY user_id",
      ),
      catalog: catalog(),
      selectivity: new Map([[selectivityKey('orders', "created_at >= '2024-01-01'"), 0.5]]),
    });
    assert.ok(cutoff.candidates.some((c) => c.predicate === "created_at >= '2024-01-01'"));
  });
  it('no expression index on a call that is not IMMUTABLE (PostgreSQL refuses it): a note says why and what to write', () => {
    const facts = analyseStatement(
      "SELECT id FROM orders WHERE user_id = 7 AND COALESCE(created_at, now()) > now() - interval '1 day'",
    );
    const { candidates, notes } = generateCandidates({ facts, catalog: catalog() });
    assert.ok(
      candidates.every((c) => c.keys.every((k) => k.expression === undefined)),
      JSON.stringify(candidates.map(keys)),
    );
    const note = notes.find((n) => n.kind === 'not-immutable');
    assert.ok(note, JSON.stringify(notes));
    assert.match(note.message, /calls now\(\) \(stable\): PostgreSQL indexes only IMMUTABLE expressions/);
    // An immutable expression still gets its index.
    const lower = generateCandidates({
      facts: analyseStatement("SELECT id FROM users WHERE lower(email) = 'a@example.com'"),
      catalog: catalog(),
    });
    assert.ok(
      lower.candidates.some(
        (c) => c.keys[0].expression === 'lower("email")' || c.keys[0].expression === 'lower(email)',
      ),
    );
  });
  it("LIKE 'abc%' under a collation that does not sort by bytes: a pattern_ops key, which a default index neither covers nor is replaced by", () => {
    const facts = analyseStatement("SELECT id, email FROM users WHERE email LIKE 'user12345%'");
    const columnTypes = new Map([
      ['users', new Map([['email', { dataType: 'text', btree: true, likeOpclass: 'text_pattern_ops' }]])],
    ]);
    const { candidates } = generateCandidates({ facts, catalog: catalog(), columnTypes });
    const plain = candidates.find((c) => c.include.length === 0);
    assert.deepEqual(
      plain?.keys.map((k) => [k.column, k.opclass]),
      [['email', 'text_pattern_ops']],
    );
    assert.match(plain?.name ?? '', /email_pattern/);
    const existing = (name: string, opclass: string, collation = ''): IndexInfo => ({
      schema: 'public',
      table: 'users',
      name,
      definition: '',
      method: 'btree',
      keyColumns: ['email'],
      keyOpclasses: [opclass],
      keyCollations: [collation],
      includeColumns: [],
      unique: false,
      primary: false,
      valid: true,
      sizeBytes: 0,
    });
    assert.ok(plain);
    // Before: "Covered: existing index users_email_idx already covers users (email)", and no index was offered.
    assert.equal(existingCoverage(plain, [existing('users_email_idx', '')]), undefined);
    assert.equal(existingCoverage(plain, [existing('users_email_pattern', 'text_pattern_ops')])?.relation, 'covered');
    assert.equal(existingCoverage(plain, [existing('users_email_c', '', 'C')])?.relation, 'covered');
    // The default index still serves ORDER BY email and ranges: never named redundant by the pattern one.
    assert.deepEqual(indexesMadeRedundant(plain, [existing('users_email_idx', '')]), []);
    // Under C (no likeOpclass) the default operator class serves the prefix as before.
    const c = generateCandidates({ facts, catalog: catalog() });
    assert.ok(c.candidates.some((x) => x.keys[0].column === 'email' && x.keys[0].opclass === undefined));
    // ILIKE 'abc%' is no prefix a B-tree can search (only a trigram index or lower(email)): no such candidate.
    const ilike = generateCandidates({
      facts: analyseStatement("SELECT id, email FROM users WHERE email ILIKE 'user12345%'"),
      catalog: catalog(),
      columnTypes,
    });
    assert.deepEqual(
      ilike.candidates.map((x) => x.keys.map((k) => k.column)),
      [],
    );
  });
});
