/**
 * Ties at the START of an OFFSET page (row OFFSET and row OFFSET + 1 share the ORDER BY key), proven on the real
 * PostgreSQL 15 test server. Data from our own generator below (generate_series, no randomness): rows matching
 * `a = 1 OR b = 1` are the multiples of 4 or 6, exactly four in each grp (ids 12g+4, +6, +8, +12), so with
 * ORDER BY grp the page `LIMIT 6 OFFSET 6` starts inside grp 1 (rows 5–8) and ends with grp 2 (rows 9–12).
 */
import { strict as assert } from 'node:assert';
import { adviseRewrites } from '../../../../src/core/advice/rewrite/adviseRewrites';
import { verifyRewrite, type VerifyResult } from '../../../../src/core/advice/rewrite/verifyRewrite';
import { describeEquivalence, equivalenceRows, renderRewriteMarkdown } from '../../../../src/core/report/rewriteReport';
import { useRewriteDatabase } from './rewriteDatabase';
import { tiedPageCaveat } from '../../../../src/core/advice/rewrite/adviseRewrites';
import { rewriteFixTitle } from '../../../../src/extension/advice/rewriteFix';

const itemsSql = `
CREATE TABLE items (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, grp int NOT NULL, label text NOT NULL);
INSERT INTO items
SELECT g,
       CASE WHEN g % 4 = 0 THEN 1 ELSE g % 97 + 2 END,
       CASE WHEN g % 6 = 0 THEN 1 ELSE g % 89 + 2 END,
       (g - 1) / 12,
       'item ' || g
FROM generate_series(1, 3000) g;
CREATE INDEX items_a ON items (a);
CREATE INDEX items_b ON items (b);
ANALYZE items;
`;

const matching = 'a = 1 OR b = 1';
/** The original: ORDER BY grp alone, so the order among a grp's four rows is left open. */
const page = (limit: string, offset: string): string =>
  `SELECT id, grp, label FROM items WHERE ${matching} ORDER BY grp LIMIT ${limit} OFFSET ${offset}`;
/** Correct rewrites that settle the ties one way or the other. */
const settled = (direction: 'ASC' | 'DESC', limit: string, offset: string): string =>
  `SELECT id, grp, label FROM items WHERE ${matching} ORDER BY grp, id ${direction} LIMIT ${limit} OFFSET ${offset}`;

describe('verifyRewrite: ties at the start of an OFFSET page, on PostgreSQL', function () {
  this.timeout(180_000);
  const db = useRewriteDatabase('rw_page_ties', itemsSql);

  async function verify(originalSql: string, rewrittenSql: string, params?: unknown[]): Promise<VerifyResult> {
    return verifyRewrite(db().session, { originalSql, rewrittenSql }, { skipMeasurement: true, params });
  }

  async function ids(sql: string, params: unknown[] = []): Promise<number[]> {
    return (await db().session.query<{ id: number }>(sql, params)).map((r) => r.id);
  }

  function assertStartTie(r: VerifyResult): void {
    // Its page is one the original may return: equivalent, with the boundary named.
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.equal(r.equivalence?.order, 'boundary-ties');
    assert.deepEqual(r.equivalence?.tiedBoundaries, ['page-start']);
    assert.match(
      r.verificationReason,
      /at the OFFSET boundary \(row 6, the last one OFFSET skips, and row 7, the first returned, have the same key\)/,
    );
    assert.doesNotMatch(r.verificationReason, /LIMIT boundary/);
  }

  it('the data is what the tests assume: four matching rows per grp, the page starts inside grp 1', async () => {
    const keys = await db().session.query<{ grp: number }>(
      `SELECT grp FROM items WHERE ${matching} ORDER BY grp LIMIT 13`,
    );
    assert.deepEqual(
      keys.map((k) => k.grp),
      [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3],
    );
    assert.deepEqual(await ids(settled('ASC', '6', '6')), [20, 24, 28, 30, 32, 36]);
    assert.deepEqual(await ids(settled('DESC', '6', '6')), [18, 16, 36, 32, 30, 28]);
  });

  it('a correct rewrite returning other tied rows at the page start gets the tie verdict, naming the OFFSET boundary', async () => {
    const original = await ids(page('6', '6'));
    const results: Array<{ direction: 'ASC' | 'DESC'; sameRows: boolean; r: VerifyResult }> = [];
    for (const direction of ['ASC', 'DESC'] as const) {
      const rewrite = await ids(settled(direction, '6', '6'));
      const r = await verify(page('6', '6'), settled(direction, '6', '6'));
      results.push({ direction, sameRows: [...rewrite].sort().join() === [...original].sort().join(), r });
    }
    // The two settled forms return different grp 1 rows, so at least one differs from the original's choice.
    assert.ok(
      results.some((x) => !x.sameRows),
      JSON.stringify(results.map((x) => [x.direction, x.sameRows])),
    );
    for (const { direction, sameRows, r } of results) {
      assertStartTie(r);
      assert.match(
        r.verificationReason,
        /The rewrite's page is one the statement as written may return: the same ORDER BY key at every position, the same rows outside those tie groups/,
      );
      const e = r.equivalence;
      assert.ok(e);
      assert.equal(e.originalRows, 6);
      assert.equal(e.rewriteRows, 6);
      // The figures still show the difference among the tied rows; the order row says why it is allowed.
      assert.equal(e.onlyInOriginal > 0, !sameRows, `${direction}: ${r.verificationReason}`);
      assert.equal(e.onlyInRewrite, e.onlyInOriginal);
    }
  });

  it('OR → UNION ALL on that page: equivalent over the ties, offered with the caveat that names them', async () => {
    const rewrites = await adviseRewrites(db().session, page('6', '6'), { skipMeasurement: true });
    const r = rewrites.find((x) => x.id === 'or-to-union-all');
    assert.ok(r, JSON.stringify(rewrites.map((x) => x.id)));
    assert.match(r.rewrittenSql, /UNION ALL/);
    assertStartTie(r);
    assert.ok(r.caveats.includes(tiedPageCaveat), r.caveats.join(' | '));
    // What the user reads: the verdict, the reason and the order row all say the ties sit at the page's start.
    const order =
      'rows tie on the ORDER BY key at the OFFSET boundary: any of the tied rows is a correct answer there, and the rewrite returns rows of the original with that key (which ones may differ from today)';
    assert.ok(r.equivalence);
    assert.deepEqual(
      equivalenceRows(r.equivalence).find((row) => row[0] === 'Order'),
      ['Order', order],
    );
    assert.match(describeEquivalence(r), new RegExp(`^equivalent: .*; ${order.replace(/[()]/g, '\\$&')}$`));
    const md = renderRewriteMarkdown([r]);
    assert.ok(md.includes(`**Verdict:** equivalent. ${r.verificationReason}`), md);
    assert.ok(md.includes(order), md);
    assert.ok(md.includes('To fix which rows, end the ORDER BY with a unique key'), md);
    // Its fix title says the rows are the same up to those ties.
    assert.match(rewriteFixTitle({ ...r, quickFix: true }), /— same rows up to ties at the page boundary, /);
  });

  it('finds the start tie with LIMIT $n OFFSET $m from the given values', async () => {
    const r = await verify(page('$1', '$2'), settled('DESC', '$1', '$2'), [6, 6]);
    assertStartTie(r);
  });

  it('names both boundaries when the whole page lies inside one tie group', async () => {
    // Rows 6–7 of grp 1 (rows 5–8): row 5 and row 8 tie with the page too.
    const r = await verify(page('2', '5'), settled('DESC', '2', '5'));
    assert.equal(r.verification, 'equivalent', r.verificationReason);
    assert.equal(r.equivalence?.order, 'boundary-ties');
    assert.deepEqual(r.equivalence?.tiedBoundaries, ['page-start', 'page-end']);
    assert.match(r.verificationReason, /at the OFFSET boundary \(row 5, .*\) and at the LIMIT boundary/);
    assert.match(
      equivalenceRows(r.equivalence)[3][1],
      /^rows tie on the ORDER BY key at both the OFFSET and the LIMIT boundaries: any of the tied rows is a correct answer there/,
    );
  });

  it('a wrong rewrite whose difference lies outside the tie groups is still not-equivalent', async () => {
    // grp 2 fills rows 9–12, inside the page on both sides: one of its rows changed.
    const changedInside = `SELECT CASE WHEN id = 32 THEN -id ELSE id END AS id, grp, label FROM items WHERE ${matching} ORDER BY grp, id DESC LIMIT 6 OFFSET 6`;
    const inside = await verify(page('6', '6'), changedInside);
    assert.equal(inside.verification, 'not-equivalent', inside.verificationReason);
    assert.match(inside.verificationReason, /^Rows tie on the ORDER BY key at the OFFSET boundary/);
    assert.match(
      inside.verificationReason,
      /rows 3–6 of the page \(ORDER BY key \(2\)\) do not tie with the page's boundaries, yet hold different rows/,
    );
    assert.deepEqual(inside.equivalence?.tiedBoundaries, ['page-start']);

    // The tied rows at the start are not rows of grp 1 at all.
    const foreignTies = `SELECT CASE WHEN grp = 1 THEN id + 1000 ELSE id END AS id, grp, label FROM items WHERE ${matching} ORDER BY grp, id LIMIT 6 OFFSET 6`;
    const foreign = await verify(page('6', '6'), foreignTies);
    assert.equal(foreign.verification, 'not-equivalent', foreign.verificationReason);
    assert.match(
      foreign.verificationReason,
      /2 of the rewrite's rows 1–2 of the page \(ORDER BY key \(1\)\) are not rows of the original with that key/,
    );

    // One row further: the keys no longer line up (row 2 of the page is grp 2 instead of grp 1).
    const shifted = await verify(page('6', '6'), settled('ASC', '6', '7'));
    assert.equal(shifted.verification, 'not-equivalent', shifted.verificationReason);
    assert.match(
      shifted.verificationReason,
      /row 2 of the page has the ORDER BY key \(1\) in the original and \(2\) in the rewrite/,
    );

    // The same with parameters, $3 after the page's: the membership check still types $1 and $2 although its query has no LIMIT.
    const withParams = (sql: string): string =>
      sql.replace(matching, 'a = $3 OR b = $3').replace('LIMIT 6 OFFSET 6', 'LIMIT $1 OFFSET $2');
    const foreignWithParams = await verify(withParams(page('6', '6')), withParams(foreignTies), [6, 6, 1]);
    assert.equal(foreignWithParams.verification, 'not-equivalent', foreignWithParams.verificationReason);
    assert.match(foreignWithParams.verificationReason, /are not rows of the original with that key/);
  });

  it('ties at the LIMIT boundary alone: equivalent for a correct rewrite, not-equivalent for a wrong one', async () => {
    // Rows 1–6: grp 0 and two rows of grp 1, whose other two rows come next.
    const correct = await verify(page('6', '0'), settled('DESC', '6', '0'));
    assert.equal(correct.verification, 'equivalent', correct.verificationReason);
    assert.equal(correct.equivalence?.order, 'boundary-ties');
    assert.deepEqual(correct.equivalence?.tiedBoundaries, ['page-end']);
    assert.match(correct.verificationReason, /^Rows tie on the ORDER BY key at the LIMIT boundary/);
    assert.doesNotMatch(correct.verificationReason, /OFFSET boundary/);
    const wrong = await verify(
      page('6', '0'),
      `SELECT CASE WHEN id = 8 THEN 0 ELSE id END AS id, grp, label FROM items WHERE ${matching} ORDER BY grp LIMIT 6`,
    );
    assert.equal(wrong.verification, 'not-equivalent', wrong.verificationReason);
    assert.match(wrong.verificationReason, /rows 1–4 of the page \(ORDER BY key \(0\)\)/);
  });

  it('without ties at either boundary nothing changes: same order, ties inside only, a different order', async () => {
    const total = `SELECT id, grp, label FROM items WHERE ${matching} ORDER BY grp, id LIMIT 6 OFFSET 6`;
    const same = await verify(
      total,
      `SELECT i.id, i.grp, i.label FROM items i WHERE i.a = 1 OR i.b = 1 ORDER BY i.grp, i.id LIMIT 6 OFFSET 6`,
    );
    assert.equal(same.verification, 'equivalent', same.verificationReason);
    assert.equal(same.equivalence?.order, 'same');
    assert.equal(same.equivalence?.tiedBoundaries, undefined);
    assert.equal(
      same.verificationReason,
      'Same 6 rows in the same order (0 row(s) only in the original, 0 only in the rewrite; 6 vs 6 rows).',
    );

    // Rows 5–8 are exactly grp 1: rows 4 and 9 belong to other grps, so the ties stay inside the page.
    const inside = await verify(page('4', '4'), settled('DESC', '4', '4'));
    assert.equal(inside.verification, 'equivalent', inside.verificationReason);
    assert.equal(inside.equivalence?.order, 'ties-only');
    assert.equal(inside.equivalence?.tiedBoundaries, undefined);

    const reversed = await verify(total, `SELECT id, grp, label FROM (${total}) AS p ORDER BY id DESC`);
    assert.equal(reversed.verification, 'not-equivalent', reversed.verificationReason);
    assert.equal(reversed.equivalence?.order, 'differs');
    assert.equal(
      reversed.verificationReason,
      'Same rows but in a different order although the ORDER BY key has no ties (6 rows).',
    );
  });
});
