/**
 * Issue 12 §1 for the other rewrite rules: each over its family of forms (test/helpers/ruleFamilies.ts), every
 * form on every small data set on the test server. A rule declines with a reason, or its rewrite is proven by
 * verifyRewrite and returns exactly the original's rows on each data set: 0 wrong results per rule.
 */
import assert from 'node:assert/strict';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import type { FamilyCounts } from '../../../helpers/aggregateFamily';
import { ruleFamilies, ruleFamilyReport, ruleFamilySessions, runRuleFamily } from '../../../helpers/ruleFamilies';

describe('the rewrite rules over their families of forms (issue 12 §1)', function () {
  this.timeout(900_000);
  const made: string[] = [];
  let sessions: Awaited<ReturnType<typeof ruleFamilySessions>> = [];
  const counts = new Map<string, FamilyCounts>();

  before(async () => {
    const server = await testServer();
    sessions = await ruleFamilySessions(async (name, setupSql) => {
      const database = `${name}_${process.pid}`;
      made.push(database);
      const session = await PgSession.connect({ connectionString: await createDatabase(server, database) });
      await session.execute(setupSql);
      return session;
    });
    for (const family of ruleFamilies) {
      const c = await runRuleFamily(family, sessions);
      counts.set(family.id, c);
      console.log(ruleFamilyReport(family.id, c).join('\n'));
    }
  });

  after(async () => {
    for (const { session } of sessions) await session.close();
    const server = await testServer();
    for (const database of made) await dropDatabase(server, database);
  });

  for (const family of ruleFamilies) {
    it(`${family.id}: at least 20 forms, each rewritten with the same rows or declined with a reason`, () => {
      const c = counts.get(family.id);
      assert.ok(c);
      assert.ok(c.variants >= 20, `${c.variants} forms`);
      const wrong = c.outcomes.filter((o) => o.kind === 'wrong');
      assert.deepEqual(
        wrong.map((o) => `${o.variant.name}: ${o.kind === 'wrong' ? `${o.detail}\n${o.rewrittenSql ?? ''}` : ''}`),
        [],
      );
      assert.equal(c.rewritten + c.declined, c.variants);
      for (const o of c.outcomes) if (o.kind === 'declined') assert.ok(o.reason.length > 10, o.variant.name);
      // Each family holds both: forms the rule must rewrite, and near misses it must decline.
      const missed = c.outcomes.filter((o) => o.variant.mustRewrite && o.kind !== 'rewritten');
      assert.deepEqual(
        missed.map((o) => `${o.variant.name}: ${o.kind === 'declined' ? o.reason : o.kind}`),
        [],
      );
      assert.ok(c.declined > 0, 'no near miss declined');
    });
  }

  it('NOT IN over a column holding NULL is never offered; NOT IN with a nullable tested column keeps its rows', () => {
    const outcome = (name: string) => counts.get('not-in-to-not-exists')?.outcomes.find((o) => o.variant.name === name);
    const trap = outcome('over a nullable column (the NULL trap)');
    assert.equal(trap?.kind, 'declined');
    assert.match(trap.kind === 'declined' ? trap.reason : '', /NULL/);
    // u.manager_id is NULL for some users: NOT IN drops them (the subquery is not empty), NOT EXISTS alone keeps them.
    assert.equal(outcome('a nullable tested column (u.manager_id)')?.kind, 'rewritten');
  });

  it('COUNT over a subquery with OFFSET is not read as an existence test', () => {
    const o = counts.get('count-to-exists')?.outcomes.find((x) => x.variant.name === 'OFFSET inside');
    assert.equal(o?.kind, 'declined');
  });
});
