/**
 * The editor's plan history and sharing glue on real results: two Explain and Optimize runs of one statement on
 * the test server (before and after an index), kept in a Memento (a Map standing in for VS Code's workspace
 * storage: plain key/value, no database), read back by a new store as after a reload, compared, and obfuscated.
 */
import { strict as assert } from 'node:assert';
import type { DatabaseSession } from '../../../src/core/db/session';
import { explainAndOptimize, analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';
import { comparisonMessage, entryLabel, entryResult } from '../../../src/extension/history/comparison';
import {
  historyStorageKey,
  PlanHistoryStore,
  type HistoryMemento,
} from '../../../src/extension/history/planHistoryStore';
import { obfuscatedResult, sharePlan } from '../../../src/extension/history/sharePlan';
import { sessionWithFreshSchema } from '../../helpers/testDatabase';

class MapMemento implements HistoryMemento {
  readonly values = new Map<string, unknown>();
  writes = 0;
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.writes++;
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    return Promise.resolve();
  }
}

const schema = `hist_${process.pid}`;
const names = [schema, 'users', 'orders', 'user_id', 'created_at', 'total', 'name', `orders_created_at_idx`];

describe('plan history and sharing in the editor (test server)', function () {
  this.timeout(120_000);
  let session: DatabaseSession;
  let sql: string;
  let first: TuningResult;
  let second: TuningResult;

  before(async () => {
    session = await sessionWithFreshSchema(schema, 'test server');
    // Generated: 2,000 users, 40,000 orders, deterministic arithmetic.
    await session.execute(`
      CREATE TABLE ${schema}.users (id bigint PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO ${schema}.users SELECT g, 'user ' || g FROM generate_series(1, 2000) g;
      INSERT INTO ${schema}.orders SELECT g, 1 + (g * 7919) % 2000, ((g * 37) % 50000) / 100.0, timestamptz '2022-01-01' + (g % 1000) * interval '1 day'
        FROM generate_series(1, 40000) g;
      ANALYZE ${schema}.users; ANALYZE ${schema}.orders;`);
    sql = `SELECT u.name, count(o.id) AS order_count, sum(o.total) AS total_spent
FROM ${schema}.users u JOIN ${schema}.orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-09-01'
GROUP BY u.id, u.name ORDER BY total_spent DESC LIMIT 10`;
    first = await explainAndOptimize(session, sql, { analyze: true });
    await session.execute(
      `CREATE INDEX orders_created_at_idx ON ${schema}.orders (created_at); ANALYZE ${schema}.orders;`,
    );
    second = await explainAndOptimize(session, sql, { analyze: true });
  });

  after(async () => {
    await session?.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await session?.close();
  });

  it('keeps both runs with connection and time, survives a reload, and compares the latest two', async () => {
    const memento = new MapMemento();
    const store = new PlanHistoryStore(memento);
    const a = await store.record(first, 1_700_000_000_000);
    const b = await store.record(second, 1_700_000_060_000);
    assert.ok('recorded' in a && 'recorded' in b);
    assert.equal(memento.writes, 2, 'written back after each add');
    assert.equal(typeof memento.get(historyStorageKey), 'string');

    // A new store on the same storage: what VS Code gives the extension after a reload.
    const restored = new PlanHistoryStore(memento);
    // Other constants and spacing: the same statement for the history.
    const pair = await restored.latestTwo(sql.replace("'2024-09-01'", "'2023-01-01'").replace(/\n/g, ' '));
    assert.ok(pair, 'two plans found after the reload');
    assert.equal(pair.previous.timestamp, 1_700_000_000_000);
    assert.equal(pair.latest.connectionLabel, 'test server');
    assert.equal(pair.latest.rawPlan, second.rawPlan);
    assert.equal(pair.latest.executionTimeMs, second.plan.executionTimeMs);
    assert.match(entryLabel(pair.latest, 1_700_000_060_000), /^\d\d:\d\d:\d\d on test server$/);

    const before = await entryResult(pair.previous);
    const after = await entryResult(pair.latest);
    assert.equal(before.plan.nodes.length, first.plan.nodes.length);
    const message = await comparisonMessage(before, after, { title: 'dashboard', before: 'then', after: 'now' });
    assert.equal(message.type, 'didShowComparison');
    assert.match(message.summary[0], /^Execution time .* → .*\(/);
    // The index turned the scan of orders into an index or bitmap scan: the comparison says so.
    assert.ok(
      message.summary.some((l) => /Seq Scan → (Bitmap Heap Scan|Index Scan)/.test(l)),
      message.summary.join('\n'),
    );
    assert.match(message.summary[message.summary.length - 1], /nodes matched/);
  });

  it('is bounded per statement, in statements and in plan size', async () => {
    const memento = new MapMemento();
    const store = new PlanHistoryStore(memento, {
      maxPerStatement: 2,
      maxStatements: 1,
      maxPlanChars: second.rawPlan.length + 1,
    });
    for (let i = 0; i < 3; i++) await store.record(second, 1000 + i);
    const restored = new PlanHistoryStore(memento, { maxPerStatement: 2, maxStatements: 1 });
    assert.deepEqual(
      (await restored.entries(sql)).map((e) => e.timestamp),
      [1001, 1002],
    );

    const big = { ...second, rawPlan: `${second.rawPlan}${' '.repeat(10)}` };
    const skipped = await store.record(big);
    assert.ok('skipped' in skipped && /over the history's limit/.test(skipped.skipped));

    const other = await explainAndOptimize(session, `SELECT count(*) FROM ${schema}.users`, { analyze: false });
    await store.record(other, 5000);
    const afterOther = new PlanHistoryStore(memento, { maxPerStatement: 2, maxStatements: 1 });
    assert.equal(await afterOther.statementCount(), 1);
    assert.equal((await afterOther.entries(sql)).length, 0, 'the older statement made room');
  });

  it('does not keep a pasted plan (no connection) and reads unreadable storage as empty', async () => {
    const memento = new MapMemento();
    const store = new PlanHistoryStore(memento);
    const pasted = await analysePlanText(first.rawPlan, sql);
    const outcome = await store.record(pasted);
    assert.ok('skipped' in outcome);
    assert.equal(memento.writes, 0);
    memento.values.set(historyStorageKey, '{not json');
    assert.equal(await new PlanHistoryStore(memento).statementCount(), 0);
  });

  it('Copy Plan for Sharing: no schema name or literal survives, and the note says what was replaced', async () => {
    const shared = await sharePlan(second);
    for (const name of names) assert.ok(!new RegExp(`\\b${name}\\b`).test(shared.text), `${name} in:\n${shared.text}`);
    assert.ok(!shared.text.includes('2024-09-01'));
    assert.match(shared.text, /table_1/);
    assert.match(shared.text, /"Node Type": "Limit"/, 'node types kept');
    assert.match(shared.text, /^SELECT /, 'the statement comes first');
    assert.match(
      shared.note,
      /^Replaced 1 schema, 2 tables, 1 index, .*\d+ columns?.* and \d+ literals? \(e\.g\. .+ → .+\); numbers, node types and keywords kept\.$/,
    );
    assert.match(shared.replacements, /table_\d\tusers/);
    // Figures are kept: the shared plan parses to the same tree with the same times.
    const reparsed = await analysePlanText(shared.obfuscated.text);
    assert.equal(reparsed.plan.nodes.length, second.plan.nodes.length);
    assert.equal(reparsed.plan.executionTimeMs, second.plan.executionTimeMs);
  });

  it('the obfuscated report result names only stand-ins, in its insights too', async () => {
    const result = await obfuscatedResult(first);
    const text = JSON.stringify({ sql: result.sql, insights: result.insights, run: result.run, raw: result.rawPlan });
    for (const name of names.filter((n) => n !== 'orders_created_at_idx'))
      assert.ok(!new RegExp(`\\b${name}\\b`).test(text), name);
    assert.equal(result.run?.sessionLabel, 'a PostgreSQL server');
    assert.equal(result.plan.nodes.length, first.plan.nodes.length);
  });
});
