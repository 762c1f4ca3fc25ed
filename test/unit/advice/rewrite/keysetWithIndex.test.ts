/**
 * Deep OFFSET page → keyset pagination measured with its index (docs/cases.md, case 4), on the real PostgreSQL 15
 * test server, on the events of deepPageEvents.ts (timestamps with microseconds and ties on them).
 */
import { strict as assert } from 'node:assert';
import { adviseStatement } from '../../../../src/core/pipeline/statementAdvice';
import { adviseRewriteWithIndex } from '../../../../src/core/advice/rewrite/rewriteWithIndex';
import { renderRewriteMarkdown } from '../../../../src/core/report/rewriteReport';
import type { CombinationArm } from '../../../../src/core/advice/rewriteSuggestion';
import { deepPage, useDeepPageDatabase } from './deepPageEvents';
import type { RewriteDatabase } from './rewriteDatabase';

function arm(arms: CombinationArm[], label: string): CombinationArm {
  const found = arms.find((a) => a.label === label);
  assert.ok(found, `no arm "${label}" in ${JSON.stringify(arms.map((a) => a.label))}`);
  return found;
}

async function indexesOnEvents(db: RewriteDatabase): Promise<string[]> {
  const rows = await db.session.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1",
  );
  return rows.map((r) => r.indexname);
}

describe('keyset pagination measured with its index', function () {
  this.timeout(300_000);
  const db = useDeepPageDatabase('rw_keyset');

  it('binds the last key of the previous page and measures original, rewrite, index and both; the keyset + index reads a page', async () => {
    const before = await indexesOnEvents(db());
    const advised = await adviseStatement(db().session, deepPage, { allowMeasuredWhatIf: true, params: [4] });
    const keyset = advised.rewrites.find((r) => r.id === 'keyset-pagination');
    assert.ok(keyset, JSON.stringify(advised.rewrites.map((r) => r.id)));
    assert.equal(keyset.verification, 'equivalent', keyset.verificationReason);
    assert.match(keyset.rewrittenSql, /\(created_at, id\) > \(:last_created_at, :last_id\)/);
    assert.match(keyset.executableSql ?? '', /\(created_at, id\) > \(\$2, \$3\)/);
    assert.equal(advised.combinationNote, undefined);
    assert.equal(advised.combined?.id, 'keyset-pagination', `index advisor chose ${advised.indexes.best?.appliesTo}`);
    // The index the keyset needs leads with the ordering (created_at; id may follow, or break the few ties after it).
    const c = advised.combined?.combination;
    assert.ok(c, 'measured with its index');
    assert.ok(
      c.indexSql.some((ddl) => /ON public\.events \(created_at[,)]/.test(ddl)),
      c.indexSql.join('\n'),
    );
    assert.deepEqual(
      c.arms.map((a) => [a.label, a.rewrite, a.index]),
      [
        ['original', false, false],
        ['rewrite alone', true, false],
        ['index alone', false, true],
        ['rewrite + index', true, true],
      ],
    );
    // Every arm returns the page; the original reads 60 000 rows to throw them away, the keyset + index reads the page.
    for (const a of c.arms) assert.equal(a.figures.rows, 20, a.label);
    const original = arm(c.arms, 'original').figures;
    const both = arm(c.arms, 'rewrite + index').figures;
    const indexAlone = arm(c.arms, 'index alone').figures;
    const figures = JSON.stringify(c.arms.map((a) => [a.label, a.figures.rowsScanned, a.figures.sharedBuffers]));
    assert.ok(original.rowsScanned >= 60_000, figures);
    assert.ok(indexAlone.rowsScanned >= 60_000, `OFFSET still walks the index: ${figures}`);
    assert.ok(both.rowsScanned * 100 < original.rowsScanned, figures);
    assert.ok(both.sharedBuffers * 20 < original.sharedBuffers, figures);
    assert.deepEqual(await indexesOnEvents(db()), before, 'nothing left built');
    // The report says which row the new parameters were bound to.
    const report = renderRewriteMarkdown([advised.combined!], deepPage);
    assert.match(report, /bound to the row this query returns \(the last row of the previous page\)/);
    assert.ok(report.includes(keyset.extraParamsQuery ?? '(none)'), report);
  });

  it('does the same for `pg-tuner rewrite --with-index`', async () => {
    const before = await indexesOnEvents(db());
    const advised = await adviseStatement(db().session, deepPage, { allowMeasuredWhatIf: false, params: [4] });
    const { chosen } = await adviseRewriteWithIndex(db().session, deepPage, advised.rewrites, { params: [4], runs: 1 });
    assert.equal(chosen?.id, 'keyset-pagination');
    const arms = chosen?.combination?.arms ?? [];
    assert.equal(arms.length, 4);
    assert.ok(arm(arms, 'rewrite + index').figures.rowsScanned * 100 < arm(arms, 'original').figures.rowsScanned);
    assert.deepEqual(await indexesOnEvents(db()), before, 'nothing left built');
  });
});
