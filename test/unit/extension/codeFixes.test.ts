import { strict as assert } from 'node:assert';
import type { Insight } from '../../../src/core/insights/insight';
import type { RuleId } from '../../../src/core/insights/ruleIds';
import { CodeFixRegistry, type CodeFixProvider, type FixInput } from '../../../src/extension/fixes/codeFix';
import { createFixRegistry } from '../../../src/extension/fixes/fixRegistry';
import { findLeftJoin } from '../../../src/extension/fixes/leftJoinToInner';
import { ddlDocument, extractIndexDdl } from '../../../src/extension/fixes/indexDdlToDocument';

const dashboard = `-- the dashboard
SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100`;

function insight(ruleId: RuleId, extra: Partial<Insight> = {}): Insight {
  return { ruleId, severity: 'warning', nodeIds: [], title: 't', explanation: 'e', evidence: [], ...extra };
}

function inputFor(
  documentText: string,
  statementStart: number,
  rangeText: string,
  ruleId: RuleId,
  extra: Partial<Insight> = {},
): FixInput {
  const start = documentText.indexOf(rangeText);
  const statementText = documentText.slice(statementStart);
  return {
    ruleId,
    insight: insight(ruleId, extra),
    documentText,
    statement: { text: statementText, start: statementStart, end: documentText.length },
    range: { start, end: start + rangeText.length },
  };
}

function apply(text: string, edits: Array<{ range: { start: number; end: number }; newText: string }>): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start))
    out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

describe('quick fixes', () => {
  it('left-join-nullified: rewrites the LEFT JOIN of the filtered alias as JOIN, nothing else', () => {
    const doc = `SELECT 1;\n${dashboard};\n`;
    const fixes = createFixRegistry().fixesFor(
      inputFor(doc, doc.indexOf('SELECT u.name'), 'o.created_at', 'left-join-nullified'),
    );
    assert.equal(fixes.length, 1);
    assert.equal(fixes[0].isPreferred, true);
    const fixed = apply(doc, fixes[0].edits ?? []);
    assert.equal(fixed, doc.replace('LEFT JOIN orders o', 'JOIN orders o'));
  });

  it('left-join-nullified: picks the right join among several and ignores comments and strings', () => {
    const sql = `SELECT * FROM a /* LEFT JOIN o */ LEFT OUTER JOIN b AS x ON x.id = a.id LEFT JOIN public."Orders" o ON o.a = a.id WHERE o.n = 'LEFT JOIN o'`;
    const at = findLeftJoin(sql, 'o');
    assert.ok(at);
    assert.equal(sql.slice(at.keywordStart, at.keywordEnd), 'LEFT JOIN');
    assert.equal(at.keywordStart, sql.indexOf('LEFT JOIN public'));
    const outer = findLeftJoin(sql, 'x');
    assert.equal(sql.slice(outer!.keywordStart, outer!.keywordEnd), 'LEFT OUTER JOIN');
    assert.equal(findLeftJoin(sql, 'zz'), undefined);
  });

  it('offers no edit when the LEFT JOIN cannot be found (never a wrong edit)', () => {
    const doc = 'SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE o.created_at > now()';
    assert.deepEqual(createFixRegistry().fixesFor(inputFor(doc, 0, 'o.created_at', 'left-join-nullified')), []);
  });

  it('index DDL from any insight opens in a new document with its rollback, never as an edit', () => {
    const suggestion =
      'Create CREATE INDEX CONCURRENTLY idx_orders_user ON orders (user_id) INCLUDE (total); then ANALYZE.';
    assert.deepEqual(extractIndexDdl(suggestion), [
      'CREATE INDEX CONCURRENTLY idx_orders_user ON orders (user_id) INCLUDE (total);',
    ]);
    const doc = 'SELECT * FROM orders WHERE user_id = 1';
    const fixes = createFixRegistry().fixesFor(inputFor(doc, 0, 'user_id = 1', 'seq-scan-large-table', { suggestion }));
    assert.equal(fixes.length, 1);
    assert.equal(fixes[0].edits, undefined);
    assert.match(fixes[0].newDocument?.content ?? '', /DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user;/);
    assert.match(ddlDocument(['CREATE INDEX i ON t (c);']), /nothing has been executed/);
  });

  it('an advisor plugs in by registering a provider; only one fix stays preferred', () => {
    const registry = new CodeFixRegistry();
    const advisor: CodeFixProvider = {
      ruleIds: ['select-star'],
      provideFixes: (input) => [
        { title: 'List the columns', isPreferred: true, edits: [{ range: input.range, newText: 'id, name' }] },
        { title: 'Another', isPreferred: true },
      ],
    };
    const registration = registry.register(advisor);
    const doc = 'SELECT * FROM users';
    const fixes = registry.fixesFor(inputFor(doc, 0, '*', 'select-star'));
    assert.deepEqual(
      fixes.map((f) => f.isPreferred),
      [true, false],
    );
    assert.equal(apply(doc, fixes[0].edits ?? []), 'SELECT id, name FROM users');
    assert.equal(registry.fixesFor(inputFor(doc, 0, '*', 'missing-limit')).length, 0);
    registration.dispose();
    assert.equal(registry.fixesFor(inputFor(doc, 0, '*', 'select-star')).length, 0);
  });
});
