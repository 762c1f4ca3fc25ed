/**
 * OR → UNION ALL with an OFFSET page and with sort keys that are not output columns, proven on the real
 * PostgreSQL 15 test server. Data from our own generator below (generate_series, no randomness): both OR'd
 * columns hold NULLs, many rows match both conditions, and opened_at is unique (7919 is prime to 30000), so
 * ORDER BY opened_at is a total order.
 */
import { strict as assert } from 'node:assert';
import { parseSql } from '../../../../src/core/sql/parser';
import { rewriteNamedParameters } from '../../../../src/core/sql/namedParameters';
import { adviseRewrites } from '../../../../src/core/advice/rewrite/adviseRewrites';
import { verifyRewrite } from '../../../../src/core/advice/rewrite/verifyRewrite';
import type { Rewrite } from '../../../../src/core/advice/rewriteSuggestion';
import { useRewriteDatabase } from './rewriteDatabase';

const ticketsSql = `
CREATE TABLE tickets (id int PRIMARY KEY, owner_id int, tag int, opened_at timestamptz NOT NULL, title text NOT NULL);
INSERT INTO tickets
SELECT g,
       CASE WHEN g % 7 = 0 THEN NULL ELSE g % 400 END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE g % 300 END,
       timestamptz '2024-01-01 00:00:00+00' + ((g * 7919) % 30000) * interval '1 minute',
       't' || g
FROM generate_series(1, 30000) g;
CREATE INDEX tickets_owner ON tickets (owner_id);
CREATE INDEX tickets_tag ON tickets (tag);
ANALYZE tickets;
`;

/** tag first: a row with tag NULL and owner_id = 5 is kept by the second branch only through IS NOT TRUE. */
const matching = 'tag = 5 OR owner_id = 5';

function orSplit(rewrites: Rewrite[]): Rewrite {
  const found = rewrites.filter((r) => r.id === 'or-to-union-all');
  assert.equal(found.length, 1, JSON.stringify(rewrites.map((r) => r.id)));
  assert.doesNotThrow(() => parseSql(rewriteNamedParameters(found[0].rewrittenSql).text), found[0].rewrittenSql);
  return found[0];
}

describe('OR → UNION ALL with OFFSET and non-output sort keys, on PostgreSQL', function () {
  this.timeout(180_000);
  const db = useRewriteDatabase('rw_or_union', ticketsSql);

  /** What the original's page holds: rows matching both conditions, rows with tag NULL, repeated output rows. */
  async function pageFacts(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: number; both: number; tagNull: number }> {
    const rows = await db().session.query<{ tag: number | null; owner_id: number | null }>(
      `SELECT t.tag, t.owner_id FROM tickets t WHERE id IN (SELECT id FROM (${sql}) AS page)`,
      params,
    );
    return {
      rows: rows.length,
      both: rows.filter((r) => r.tag === 5 && r.owner_id === 5).length,
      tagNull: rows.filter((r) => r.tag === null).length,
    };
  }

  it('pages with OFFSET: each branch keeps its first LIMIT + OFFSET rows, the union is cut with LIMIT … OFFSET …', async () => {
    const sql = `SELECT id, tag, owner_id, opened_at FROM tickets WHERE ${matching} ORDER BY opened_at, id LIMIT 40 OFFSET 30`;
    const r = orSplit(await adviseRewrites(db().session, sql, { skipMeasurement: true }));
    assert.match(r.rewrittenSql, /LIMIT 70\)\nUNION ALL\n\(SELECT/);
    assert.match(r.rewrittenSql, /AND tag = 5 IS NOT TRUE\nORDER BY/);
    assert.match(r.rewrittenSql, /\)\nORDER BY\n {2}opened_at,\n {2}id\nLIMIT 40\nOFFSET 30$/);
    assert.ok(
      r.caveats.some((c) => /first 70 rows .*\(LIMIT 40 OFFSET 30\)/.test(c)),
      r.caveats.join('\n'),
    );
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.deepEqual(
      r.equivalence && [
        r.equivalence.originalRows,
        r.equivalence.onlyInOriginal,
        r.equivalence.onlyInRewrite,
        r.equivalence.order,
      ],
      [40, 0, 0, 'same'],
    );

    // The page holds what makes the split hard: rows both branches match, and rows whose first condition is NULL.
    const facts = await pageFacts(sql);
    assert.equal(facts.rows, 40);
    assert.ok(facts.both > 0 && facts.tagNull > 0, JSON.stringify(facts));
    // And the data tell the right form from the near misses: branches cut at LIMIT alone, or NOT instead of IS NOT TRUE.
    const cutAtLimit = await verifyRewrite(
      db().session,
      { originalSql: sql, rewrittenSql: r.rewrittenSql.replace(/LIMIT 70\)/g, 'LIMIT 40)') },
      { skipMeasurement: true },
    );
    assert.equal(cutAtLimit.verification, 'not-equivalent', cutAtLimit.verificationReason);
    const plainNot = await verifyRewrite(
      db().session,
      { originalSql: sql, rewrittenSql: r.rewrittenSql.replace('AND tag = 5 IS NOT TRUE', 'AND NOT tag = 5') },
      { skipMeasurement: true },
    );
    assert.equal(plainNot.verification, 'not-equivalent', plainNot.verificationReason);
  });

  it('pages with parameters: the branches keep $n + $m rows (as bigint), and the pipeline measures the rewrite', async () => {
    const sql = `SELECT id, tag, owner_id, opened_at FROM tickets WHERE tag = $1 OR owner_id = $2 ORDER BY opened_at DESC, id LIMIT $3 OFFSET $4`;
    const params = [5, 5, 30, 45];
    const r = orSplit(await adviseRewrites(db().session, sql, { params, runs: 1 }));
    assert.match(r.rewrittenSql, /LIMIT CAST\(\$3 AS bigint\) \+ CAST\(\$4 AS bigint\)\)\nUNION ALL/);
    assert.match(r.rewrittenSql, /\)\nORDER BY\n {2}opened_at DESC,\n {2}id\nLIMIT \$3\nOFFSET \$4$/);
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.equal(r.equivalence?.originalRows, 30);
    // Equivalent, so it was measured like any rewrite; it is a quick fix exactly when the measurement says faster.
    assert.ok(r.measurement, 'measured');
    assert.equal(r.measurement.after.rows, 30);
    assert.equal(r.quickFix, r.measurement.faster);
  });

  it('sorts by keys the query does not return through generated columns in a query around the union', async () => {
    // owner_id and tag repeat across rows ((NULL, 5), (5, NULL) …): the page has equal output rows.
    const sql = `SELECT owner_id, tag AS label FROM tickets WHERE ${matching} ORDER BY date_trunc('day', opened_at) DESC, id LIMIT 25 OFFSET 40`;
    const r = orSplit(await adviseRewrites(db().session, sql, { skipMeasurement: true }));
    assert.match(r.rewrittenSql, /^SELECT\n {2}u\.owner_id,\n {2}u\.label\nFROM \(\n {2}\(SELECT/);
    assert.match(r.rewrittenSql, /tag AS label,\n {4}date_trunc\('day', opened_at\) AS __sort1,\n {4}id AS __sort2\n/);
    assert.match(r.rewrittenSql, /LIMIT 65\)\n {2}UNION ALL\n/);
    assert.match(r.rewrittenSql, /\) AS u\nORDER BY\n {2}u\.__sort1 DESC,\n {2}u\.__sort2\nLIMIT 25\nOFFSET 40$/);
    assert.match(r.explanation, /__sort1, __sort2/);
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.deepEqual(
      r.equivalence && [
        r.equivalence.originalRows,
        r.equivalence.onlyInOriginal,
        r.equivalence.onlyInRewrite,
        r.equivalence.order,
      ],
      [25, 0, 0, 'same'],
    );
    const cutAtLimit = await verifyRewrite(
      db().session,
      { originalSql: sql, rewrittenSql: r.rewrittenSql.replace(/LIMIT 65\)/g, 'LIMIT 25)') },
      { skipMeasurement: true },
    );
    assert.equal(cutAtLimit.verification, 'not-equivalent', cutAtLimit.verificationReason);

    const original = await db().session.query<Record<string, unknown>>(sql);
    const distinct = new Set(original.map((row) => JSON.stringify(row)));
    assert.ok(distinct.size < original.length, `${distinct.size} distinct of ${original.length} rows`);
    assert.ok(original.some((row) => row.label === null) && original.some((row) => row.owner_id === null));
    // The caller sees the same columns under the same names, without the generated ones.
    const rewritten = await db().session.query<Record<string, unknown>>(r.rewrittenSql);
    assert.deepEqual(Object.keys(rewritten[0]), ['owner_id', 'label']);
  });

  it('expands * from the catalog to sort by an expression, and refuses it without a catalog', async () => {
    const sql = `SELECT * FROM tickets WHERE ${matching} ORDER BY extract(epoch FROM opened_at) DESC LIMIT 12`;
    const r = orSplit(await adviseRewrites(db().session, sql, { skipMeasurement: true }));
    assert.match(
      r.rewrittenSql,
      /^SELECT\n {2}u\.id,\n {2}u\.owner_id,\n {2}u\.tag,\n {2}u\.opened_at,\n {2}u\.title\nFROM \(/,
    );
    assert.match(r.rewrittenSql, /\(SELECT\n {4}\*,\n {4}EXTRACT\(epoch FROM opened_at\) AS __sort1/i);
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.equal(r.equivalence?.order, 'same');
    const offline = await adviseRewrites(undefined, sql);
    assert.equal(offline.filter((x) => x.id === 'or-to-union-all').length, 0);
  });

  it('still refuses OFFSET without LIMIT (every row is needed anyway), and FETCH … WITH TIES', async () => {
    const withLimit = orSplit(
      await adviseRewrites(
        db().session,
        `SELECT id FROM tickets WHERE ${matching} ORDER BY opened_at LIMIT 5 OFFSET 10`,
        { skipMeasurement: true },
      ),
    );
    assert.equal(withLimit.verification, 'equivalent', withLimit.verificationReason);
    for (const sql of [
      `SELECT id FROM tickets WHERE ${matching} ORDER BY opened_at OFFSET 10`,
      `SELECT id FROM tickets WHERE ${matching} OFFSET 10`,
      `SELECT id FROM tickets WHERE ${matching} ORDER BY opened_at FETCH FIRST 5 ROWS WITH TIES`,
    ]) {
      const rewrites = await adviseRewrites(db().session, sql, { skipMeasurement: true });
      assert.equal(rewrites.filter((x) => x.id === 'or-to-union-all').length, 0, sql);
    }
  });
});
