/**
 * "Compare before/after" of a rewrite, the part free of `vscode` (rewriteComparison.ts, which AdviceService.compare
 * wraps in progress): both forms of the dashboard's proven rewrite explained with ANALYZE on the test server, what
 * the compare view then receives (matched nodes, summary, labels), and that nothing in the database changed.
 * The advice comes from the real advisors, as on a read-only connection (nothing built); the data from our
 * generator (advisorData.ts, seeded), in a database of its own.
 */
import { strict as assert } from 'node:assert';
import { adviseStatement } from '../../../src/core/pipeline/statementAdvice';
import { PgSession } from '../../../src/core/db/pgSession';
import type { Rewrite } from '../../../src/core/advice/rewriteSuggestion';
import type { PlanNode } from '../../../src/core/plan/planNode';
import { comparableRewrite } from '../../../src/extension/advice/adviceComparison';
import { rewriteComparison } from '../../../src/extension/advice/rewriteComparison';
import { comparisonMessage } from '../../../src/extension/history/comparison';
import { dashboardSchemaSql, dashboardSql, vacuumStatements } from '../advice/index/advisorData';
import { testServer } from '../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../helpers/testDatabase';

const database = 'advice_comparison_test';

describe('rewriteComparison: both forms of a proven rewrite, explained for the compare view (test server)', function () {
  this.timeout(180_000);
  let session: PgSession;
  let rewrite: Rewrite;

  /** Everything a statement could have changed: the relations of the schema and the rows of both tables. */
  async function databaseState(): Promise<string> {
    const rows = await session.query<{ state: string }>(`
      SELECT (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
        || '|' || (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM users u)
        || '|' || (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o) AS state`);
    return rows[0].state;
  }

  before(async () => {
    const s = await testServer();
    session = await PgSession.connect({ connectionString: await createDatabase(s, database) });
    if (s.extensions.includes('hypopg')) await session.execute('CREATE EXTENSION hypopg');
    // Generated: 5,000 users, 50,000 orders (advisorData.ts, setseed 0.42); only primary keys.
    await session.execute(dashboardSchemaSql(5_000, 50_000));
    for (const v of vacuumStatements(['users', 'orders'])) await session.execute(v);
    const advised = await adviseStatement(session, dashboardSql, { allowMeasuredWhatIf: false });
    const proven = advised.rewrites.filter(comparableRewrite);
    assert.ok(
      proven.length >= 1,
      advised.rewrites.map((r) => `${r.title}: ${r.verification} (${r.verificationReason})`).join('; '),
    );
    rewrite = proven[0];
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), database);
  });

  it('explains both forms with ANALYZE, read-only, and labels them for the view', async () => {
    const stateBefore = await databaseState();
    const steps: string[] = [];
    const { before, after, labels } = await rewriteComparison(session, rewrite, {
      where: session.label,
      onStep: (step) => steps.push(step),
    });
    assert.deepEqual(steps, ['original', 'rewrite']);

    assert.equal(before.sql, rewrite.originalSql);
    assert.equal(after.sql, rewrite.rewrittenSql);
    for (const side of [before, after]) {
      assert.equal(side.plan.analyzed, true);
      assert.equal(side.run?.analyzed, true);
      assert.equal(side.run?.wrapper, 'read-only-transaction', 'ran inside a read-only transaction');
      assert.equal(side.run?.sessionLabel, session.label);
      assert.ok((side.plan.executionTimeMs ?? -1) >= 0);
      assert.ok(side.rawPlan.length > 0 && side.facts !== undefined, 'a full result: raw plan and SQL facts');
      assert.ok(
        side.catalog?.tables.some((t) => t.name === 'orders'),
        'with the catalog the insights read',
      );
    }
    // Same rows from both: the root's actual rows agree (a LIMIT 100 over 5,000 users).
    const rootRows = (p: { nodes: PlanNode[] }): number | undefined => p.nodes[0]?.metrics.actualRowsTotal;
    assert.equal(rootRows(before.plan), rootRows(after.plan));
    assert.equal(rootRows(before.plan), 100);
    assert.deepEqual(labels, {
      title: `${rewrite.title}: both forms explained (ANALYZE) on ${session.label}`,
      before: 'as written',
      after: 'rewritten',
    });
    assert.equal(await databaseState(), stateBefore, 'nothing in the database changed');

    // What the compare view receives (ctx.showComparison builds exactly this message).
    const message = comparisonMessage(before, after, labels);
    assert.equal(message.type, 'didShowComparison');
    assert.equal(message.before, before);
    assert.equal(message.after, after);
    assert.equal(message.title, labels.title);
    assert.equal(message.beforeLabel, 'as written');
    assert.equal(message.afterLabel, 'rewritten');
    const c = message.comparison;
    assert.equal(c.analyzed, true);
    // Every node is matched once or listed as one side's only.
    const beforeIds = [...c.matches.map((m) => m.beforeId), ...c.unmatchedBefore].sort((a, b) => a - b);
    const afterIds = [...c.matches.map((m) => m.afterId), ...c.unmatchedAfter].sort((a, b) => a - b);
    assert.deepEqual(
      beforeIds,
      before.plan.nodes.map((n) => n.id).sort((a, b) => a - b),
    );
    assert.deepEqual(
      afterIds,
      after.plan.nodes.map((n) => n.id).sort((a, b) => a - b),
    );
    // Both forms read orders and users: their scans are matched to each other.
    for (const table of ['orders', 'users']) {
      const m = c.matches.find(
        (x) =>
          new RegExp(`\\bon ${table}\\b`).test(x.beforeLabel) && new RegExp(`\\bon ${table}\\b`).test(x.afterLabel),
      );
      assert.ok(m, `${table}: ${c.matches.map((x) => `${x.beforeLabel} ↔ ${x.afterLabel}`).join('; ')}`);
      assert.notEqual(m.confidence, 'guessed');
    }
    console.log(`      ${rewrite.title}: ${message.summary.join(' | ')}`);
    const [first] = message.summary;
    const last = message.summary[message.summary.length - 1];
    assert.match(first, /^Execution time [\d.,]+ (ms|s) → [\d.,]+ (ms|s) \(/);
    assert.ok(last.startsWith(`${c.matches.length} nodes matched (`), last);
    const counts = { exact: 0, likely: 0, guessed: 0 };
    for (const m of c.matches) counts[m.confidence]++;
    assert.ok(last.includes(`(${counts.exact} exact, ${counts.likely} likely, ${counts.guessed} guessed)`), last);
  });

  it('a cancel stops the comparison: the rewrite never runs', async () => {
    const abort = new AbortController();
    const steps: string[] = [];
    const run = rewriteComparison(session, rewrite, {
      where: session.label,
      signal: abort.signal,
      onStep: (step) => {
        steps.push(step);
        if (step === 'original') abort.abort();
      },
    });
    await assert.rejects(run, (err: unknown) => (err as { reason?: string }).reason === 'cancelled');
    assert.deepEqual(steps, ['original']);
  });
});
