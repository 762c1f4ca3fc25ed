import { strict as assert } from 'node:assert';
import { loadParser } from '../../../../src/core/sql/parser';
import { analyseStatement } from '../../../../src/core/sql/analyseStatement';
import { runSqlRules, sqlRules } from '../../../../src/core/insights/sqlRules';
import type { Insight } from '../../../../src/core/insights/insight';

interface RuleCases {
  /** SQL and the exact text each finding must underline. */
  positive: Array<[string, string[]]>;
  negative: string[];
}

const DASHBOARD = `SELECT u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent
FROM users u
LEFT JOIN orders o ON u.id = o.user_id
WHERE o.created_at >= '2024-01-01'
GROUP BY u.id, u.name
ORDER BY total_spent DESC
LIMIT 100`;

const cases: Record<string, RuleCases> = {
  'select-star': {
    positive: [
      ['SELECT * FROM programs WHERE status = $1', ['*']],
      ['SELECT p.*, t.id FROM programs p JOIN tasks t ON t.program_id = p.id WHERE p.id = 1', ['p.*']],
    ],
    negative: ['SELECT count(*) FROM t', 'SELECT id FROM t WHERE EXISTS (SELECT * FROM u WHERE u.id = t.id)'],
  },
  'offset-pagination': {
    positive: [
      ['SELECT id FROM t ORDER BY id LIMIT 20 OFFSET 10000', ['OFFSET 10000']],
      ['SELECT id FROM t ORDER BY id LIMIT 20 OFFSET $1', ['OFFSET $1']],
    ],
    negative: ['SELECT id FROM t ORDER BY id LIMIT 20 OFFSET 40', 'SELECT id FROM t ORDER BY id LIMIT 20'],
  },
  'not-in-subquery': {
    positive: [
      ['SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders)', ['id NOT IN (SELECT user_id FROM orders)']],
      ['SELECT id FROM users WHERE id <> ALL (SELECT user_id FROM orders)', ['id <> ALL (SELECT user_id FROM orders)']],
    ],
    negative: [
      'SELECT id FROM users WHERE id NOT IN (1, 2, 3)',
      'SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)',
      'SELECT id FROM users WHERE id IN (SELECT user_id FROM orders)',
    ],
  },
  'leading-wildcard-like': {
    positive: [
      ["SELECT id FROM users WHERE email LIKE '%@example.com'", ["email LIKE '%@example.com'"]],
      ["SELECT id FROM users WHERE name ILIKE '%' || $1 || '%'", ["name ILIKE '%' || $1 || '%'"]],
      ["SELECT id FROM users WHERE code LIKE '_42'", ["code LIKE '_42'"]],
    ],
    negative: [
      "SELECT id FROM users WHERE email LIKE 'bob%'",
      "SELECT id FROM users WHERE email NOT LIKE '%x'",
      "SELECT '%x' LIKE '%x'",
    ],
  },
  'function-on-column': {
    positive: [
      ["SELECT id FROM users WHERE LOWER(email) = 'a@b.c'", ["LOWER(email) = 'a@b.c'"]],
      ["SELECT id FROM orders WHERE date(created_at) = '2024-01-01'", ["date(created_at) = '2024-01-01'"]],
      ['SELECT id FROM t WHERE col + 1 = 5', ['col + 1 = 5']],
      // Arithmetic inside a row still hides its column.
      ['SELECT id FROM t WHERE (a + 1, b) < (5, 6)', ['(a + 1, b) < (5, 6)']],
      [
        "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE upper(u.name) LIKE 'A%'",
        ["upper(u.name) LIKE 'A%'"],
      ],
    ],
    negative: [
      "SELECT id FROM users WHERE email = lower('A@B.C')",
      "SELECT id FROM orders WHERE created_at >= now() - interval '1 day'",
      "SELECT id FROM users WHERE email::text = 'x'",
      // A row of bare columns hides none of them: a B-tree on (created_at, id) serves the keyset comparison.
      ...['<', '<=', '>', '>=', '='].map(
        (op) =>
          `SELECT id FROM tickets WHERE tenant_id = 1 AND (created_at, id) ${op} ('2025-01-01 00:00:00+00', 1000000) ORDER BY created_at DESC, id DESC LIMIT 25`,
      ),
    ],
  },
  'implicit-cast-on-column': {
    positive: [
      ["SELECT id FROM users WHERE id::text = '42'", ["id::text = '42'"]],
      [
        "SELECT id FROM orders WHERE CAST(created_at AS date) = '2024-01-01'",
        ["CAST(created_at AS date) = '2024-01-01'"],
      ],
    ],
    negative: [
      "SELECT id FROM orders WHERE created_at = '2024-01-01'::date",
      'SELECT id::text FROM users WHERE id = 1',
    ],
  },
  'order-by-random': {
    positive: [['SELECT id FROM products ORDER BY random() LIMIT 1', ['random()']]],
    negative: ['SELECT random() FROM products ORDER BY id LIMIT 1', 'SELECT id FROM products ORDER BY id'],
  },
  'missing-limit': {
    positive: [
      ['SELECT id, name FROM users', ['users']],
      ['SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id', ['users u JOIN orders o ON o.user_id = u.id']],
    ],
    negative: [
      'SELECT id FROM users WHERE id = 1',
      'SELECT id FROM users LIMIT 10',
      'SELECT count(*) FROM users',
      'SELECT status, count(*) FROM users GROUP BY status',
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
      'SELECT 1',
      'UPDATE users SET name = name',
    ],
  },
  'correlated-subquery': {
    positive: [
      [
        'SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.program_id = p.id) AS n FROM programs p',
        ['(SELECT count(*) FROM tasks t WHERE t.program_id = p.id)'],
      ],
      [
        'SELECT o.id FROM orders o WHERE o.total > (SELECT avg(total) FROM orders i WHERE i.user_id = o.user_id)',
        ['(SELECT avg(total) FROM orders i WHERE i.user_id = o.user_id)'],
      ],
    ],
    negative: [
      'SELECT p.id, (SELECT max(id) FROM tasks) FROM programs p',
      'SELECT p.id FROM programs p WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.program_id = p.id)',
      'SELECT p.id, n.c FROM programs p LEFT JOIN LATERAL (SELECT count(*) AS c FROM tasks t WHERE t.program_id = p.id) n ON true',
    ],
  },
  'left-join-nullified': {
    positive: [
      [DASHBOARD, ["o.created_at >= '2024-01-01'"]],
      ['SELECT * FROM a RIGHT JOIN b ON a.id = b.a_id WHERE a.flag IS NOT NULL', ['a.flag IS NOT NULL']],
      [
        'SELECT u.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE lower(o.status) = $1',
        ['lower(o.status) = $1'],
      ],
    ],
    negative: [
      "SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id AND o.created_at >= '2024-01-01'",
      'SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE o.id IS NULL',
      "SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE o.status = 'x' OR o.id IS NULL",
      "SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE coalesce(o.status, 'none') = 'none'",
      "SELECT u.name FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE u.created_at >= '2024-01-01'",
      "SELECT u.name FROM users u JOIN orders o ON u.id = o.user_id WHERE o.created_at >= '2024-01-01'",
      'SELECT * FROM (SELECT 1) x WHERE EXISTS (SELECT 1 FROM users u LEFT JOIN orders o ON o.user_id = u.id) AND 1 = 1',
    ],
  },
};

describe('SQL rules', () => {
  before(() => loadParser());

  it('every registered rule has cases here, and ids are unique kebab-case', () => {
    assert.deepEqual(sqlRules.map((r) => r.id).sort(), Object.keys(cases).sort());
    for (const r of sqlRules) assert.match(r.id, /^[a-z]+(-[a-z]+)*$/);
  });

  for (const [id, c] of Object.entries(cases)) {
    describe(id, () => {
      const findings = (sql: string): Insight[] => runSqlRules(analyseStatement(sql)).filter((i) => i.ruleId === id);

      for (const [sql, expected] of c.positive) {
        it(`flags: ${sql.replace(/\s+/g, ' ').slice(0, 90)}`, () => {
          const found = findings(sql);
          assert.deepEqual(
            found.map((i) => (i.sqlRange ? sql.slice(i.sqlRange.start, i.sqlRange.end) : undefined)),
            expected,
          );
          for (const i of found) {
            assert.ok(
              i.title.length > 10 && i.explanation.length > 40,
              'a title and an explanation a developer understands',
            );
            assert.ok(i.suggestion && i.evidence.length > 0);
            assert.deepEqual(i.nodeIds, []);
          }
        });
      }
      for (const sql of c.negative) {
        it(`does not flag: ${sql.slice(0, 90)}`, () => {
          assert.deepEqual(findings(sql), []);
        });
      }
    });
  }
});

describe('function-on-column: the range each date form becomes', () => {
  before(() => loadParser());
  const suggestionOf = (sql: string): string =>
    runSqlRules(analyseStatement(sql)).find((i) => i.ruleId === 'function-on-column')?.suggestion ?? '';

  it("date_trunc's own unit, the year's dates for EXTRACT(YEAR …), the day for date()", () => {
    assert.match(
      suggestionOf("SELECT id FROM orders WHERE date_trunc('month', created_at) = '2024-03-01'"),
      /created_at < <start> \+ interval '1 month'/,
    );
    assert.match(
      suggestionOf('SELECT id FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2024'),
      /created_at >= date '<year>-01-01' AND created_at < date '<year \+ 1>-01-01'/,
    );
    assert.match(
      suggestionOf("SELECT id FROM orders WHERE date(created_at) = '2024-03-01'"),
      /created_at < <day> \+ 1`/,
    );
    assert.match(
      suggestionOf("SELECT id FROM orders WHERE to_char(created_at, 'YYYY-MM') = '2024-03'"),
      /created_at < <first day> \+ interval '1 month'/,
    );
    // Another part of a date is no range: the expression index.
    assert.match(suggestionOf('SELECT id FROM orders WHERE EXTRACT(MONTH FROM created_at) = 3'), /CREATE INDEX/);
  });

  it('no expression index on a function that is not IMMUTABLE: the reason, and the rewrite for COALESCE', () => {
    const coalesce = suggestionOf(
      "SELECT id FROM tickets WHERE tenant_id = 2 AND COALESCE(closed_at, now()) > now() - interval '1 day'",
    );
    // It offered CREATE INDEX … ((COALESCE(closed_at, now()))), which PostgreSQL refuses.
    assert.doesNotMatch(coalesce, /CREATE INDEX/);
    assert.match(
      coalesce,
      /^now\(\) is not IMMUTABLE, so PostgreSQL refuses an index on COALESCE\(closed_at, now\(\)\)/,
    );
    assert.ok(
      coalesce.includes(
        "`(closed_at IS NULL AND now() > now() - interval '1 day' OR closed_at > now() - interval '1 day')` (simply " +
          "`(closed_at IS NULL OR closed_at > now() - interval '1 day')` where",
      ),
      coalesce,
    );
    assert.match(coalesce, /which an index on closed_at serves\.$/);
    const clock = suggestionOf("SELECT id FROM t WHERE age(born) > interval '18 years'");
    assert.doesNotMatch(clock, /CREATE INDEX/);
    assert.match(clock, /^age\(\) is not IMMUTABLE/);
    // An immutable default keeps the expression index.
    assert.match(
      suggestionOf('SELECT id FROM t WHERE COALESCE(a, 0) = 5'),
      /CREATE INDEX CONCURRENTLY ON t \(\(COALESCE\(a, 0\)\)\)/,
    );
    // Immutable on some types only: offered with the caveat.
    assert.match(
      suggestionOf('SELECT id FROM orders WHERE EXTRACT(MONTH FROM created_at) = 3'),
      /CREATE INDEX.* Only where extract\(\) is IMMUTABLE for the column's type/,
    );
  });
});
