import { strict as assert } from 'node:assert';
import { checkRules } from '../../../src/core/check/checkRules';
import { planRules } from '../../../src/core/insights/planRules';
import {
  adviceRuleIds,
  nPlusOneRule,
  planRuleIds,
  sqlRuleIds,
  statementAdviceRuleIds,
  syntaxErrorRule,
  type RuleId,
} from '../../../src/core/insights/ruleIds';
import { sqlRules } from '../../../src/core/insights/sqlRules';
import { adviceFixProvider } from '../../../src/extension/advice/adviceFixProvider';
import { AdviceStore } from '../../../src/extension/advice/statementAdvice';

/**
 * Every rule id a diagnostic can carry, with the module that produces it. Typed `Record<RuleId, …>`: a new id in
 * a table without a row here does not compile, and each row is checked against its module below.
 */
const owner: Record<RuleId, 'plan rule' | 'sql rule' | 'statement advice' | 'n+1 loop' | 'parser'> = {
  'seq-scan-large-table': 'plan rule',
  'row-misestimate': 'plan rule',
  'nested-loop-many-rows': 'plan rule',
  'filter-discards-most-rows': 'plan rule',
  'sort-spills-to-disk': 'plan rule',
  'hash-spills-to-disk': 'plan rule',
  'lossy-bitmap-heap-scan': 'plan rule',
  'index-only-scan-heap-fetches': 'plan rule',
  'parallel-workers-not-launched': 'plan rule',
  'jit-overhead': 'plan rule',
  'high-planning-time': 'plan rule',
  'temp-buffers-written': 'plan rule',
  'cold-cache': 'plan rule',
  hotspot: 'plan rule',
  'left-join-nullified': 'sql rule',
  'not-in-subquery': 'sql rule',
  'function-on-column': 'sql rule',
  'implicit-cast-on-column': 'sql rule',
  'leading-wildcard-like': 'sql rule',
  'correlated-subquery': 'sql rule',
  'offset-pagination': 'sql rule',
  'order-by-random': 'sql rule',
  'select-star': 'sql rule',
  'missing-limit': 'sql rule',
  'index-suggestion': 'statement advice',
  'rewrite-with-index': 'statement advice',
  'query-rewrite': 'statement advice',
  'query-rewrite-info': 'statement advice',
  'pre-aggregate': 'statement advice',
  'n-plus-one-query': 'n+1 loop',
  'syntax-error': 'parser',
};

describe('rule ids: one table, each id with its module', () => {
  it('each plan and SQL rule module carries exactly one id of its table, and each id has its module', () => {
    assert.deepEqual(planRules.map((r) => r.id).sort(), [...planRuleIds].sort());
    assert.deepEqual(sqlRules.map((r) => r.id).sort(), [...sqlRuleIds].sort());
    for (const [id, kind] of Object.entries(owner)) {
      if (kind === 'plan rule')
        assert.ok(
          planRules.some((r) => r.id === id),
          `${id}: no plan rule module`,
        );
      if (kind === 'sql rule')
        assert.ok(
          sqlRules.some((r) => r.id === id),
          `${id}: no SQL rule module`,
        );
    }
  });

  it("the statement advice's ids are the ones its fix provider answers, and every insight rule has check metadata", () => {
    const provider = adviceFixProvider(new AdviceStore());
    const advice = Object.entries(owner)
      .filter(([, kind]) => kind === 'statement advice')
      .map(([id]) => id);
    assert.deepEqual([...provider.ruleIds].sort(), [...advice].sort());
    assert.deepEqual([...statementAdviceRuleIds].sort(), [...advice].sort());
    assert.deepEqual([...adviceRuleIds].sort(), [...advice, nPlusOneRule].sort());
    for (const id of [...planRuleIds, ...sqlRuleIds, syntaxErrorRule]) assert.ok(id in checkRules, id);
  });
});
