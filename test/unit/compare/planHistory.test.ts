import { strict as assert } from 'node:assert';
import { PlanHistory, statementKey } from '../../../src/core/compare/planHistory';
import { loadParser } from '../../../src/core/sql/parser';
import { syntheticPlanJson } from '../../helpers/syntheticPlan';

describe('PlanHistory', () => {
  before(() => loadParser());
  const plan = syntheticPlanJson(5);

  it('groups one statement written with other constants and spacing', () => {
    assert.equal(statementKey('SELECT * FROM t WHERE id = 1'), statementKey('select *\n  from t where id = 42'));
    assert.notEqual(statementKey('SELECT * FROM t WHERE id = 1'), statementKey('SELECT * FROM u WHERE id = 1'));
    assert.match(statementKey('SELEC nonsense ('), /^text-[0-9a-f]{8}$/);
  });

  it('keeps the newest plans per statement, and knows the previous one', () => {
    const h = new PlanHistory({ maxPerStatement: 3 });
    for (let i = 0; i < 5; i++) {
      h.add({
        sql: `SELECT * FROM t WHERE id = ${i}`,
        rawPlan: plan,
        timestamp: 1000 + i,
        connectionLabel: 'local',
        settings: { work_mem: `${i}MB` },
      });
    }
    h.add({ sql: 'SELECT 1', rawPlan: plan, timestamp: 5000 });
    const list = h.entries('SELECT * FROM t WHERE id = 7');
    assert.deepEqual(
      list.map((e) => e.timestamp),
      [1002, 1003, 1004],
    );
    assert.equal(h.latest('SELECT * FROM t WHERE id = 0')?.settings?.work_mem, '4MB');
    assert.equal(h.previous('SELECT * FROM t WHERE id = 0')?.timestamp, 1003);
    assert.equal(h.previous('SELECT 1'), undefined);
    assert.equal(h.statementCount, 2);
  });

  it('drops the least recently used statement beyond the limit', () => {
    const h = new PlanHistory({ maxStatements: 2 });
    h.add({ sql: 'SELECT * FROM a', rawPlan: plan, timestamp: 1 });
    h.add({ sql: 'SELECT * FROM b', rawPlan: plan, timestamp: 2 });
    h.add({ sql: 'SELECT * FROM a', rawPlan: plan, timestamp: 3 });
    h.add({ sql: 'SELECT * FROM c', rawPlan: plan, timestamp: 4 });
    assert.equal(h.entries('SELECT * FROM b').length, 0);
    assert.equal(h.entries('SELECT * FROM a').length, 2);
    assert.equal(h.entries('SELECT * FROM c').length, 1);
  });

  it('survives serialise/deserialise, ignores junk, and applies smaller bounds on load', () => {
    const h = new PlanHistory();
    const first = h.add({
      sql: 'SELECT * FROM t',
      rawPlan: plan,
      timestamp: 10,
      connectionLabel: 'prod',
      settings: { random_page_cost: '1.1' },
      executionTimeMs: 12.5,
    });
    h.add({ sql: 'SELECT * FROM t', rawPlan: plan, timestamp: 20 });
    const back = PlanHistory.deserialise(h.serialise());
    assert.deepEqual(back.entries('SELECT * FROM t'), h.entries('SELECT * FROM t'));
    assert.deepEqual(back.get(first.id), first);
    // New ids continue after the stored ones.
    const third = back.add({ sql: 'SELECT * FROM t', rawPlan: plan, timestamp: 30 });
    assert.ok(!h.entries('SELECT * FROM t').some((e) => e.id === third.id));
    assert.equal(PlanHistory.deserialise(h.serialise(), { maxPerStatement: 1 }).entries('SELECT * FROM t').length, 1);
    assert.equal(PlanHistory.deserialise('not json').statementCount, 0);
    assert.equal(PlanHistory.deserialise(JSON.stringify({ version: 9 })).statementCount, 0);
    assert.equal(PlanHistory.deserialise(undefined).statementCount, 0);
    assert.ok(back.remove(first.id));
    assert.equal(back.get(first.id), undefined);
  });
});
