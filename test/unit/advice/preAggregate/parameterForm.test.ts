/**
 * Issue 12 §2: the family with a parameter in the child's condition (`o.created_at >= $1 … LIMIT $2`, as a driver
 * sends it) gets no pre-aggregated form, and says why as the rewrite rules do ("Closest rule: …, blocked because
 * …"): a view holds one value of the condition; the per-bucket summary that would hold every value is measured on
 * the data (rows per user and month, per user and year, against the orders) and is about as large as the orders.
 * The pipeline (report, editor, MCP) gives the same reason as why pre-aggregation was not tried.
 */
import assert from 'node:assert/strict';
import { useRewriteDatabase } from '../rewrite/rewriteDatabase';
import { preAggregateBlocked } from '../../../../src/core/advice/preAggregate/parameterForm';
import { matchPreAggregate } from '../../../../src/core/advice/preAggregate/preAggregateForm';
import { notOfTheFamily, preAggregateStep } from '../../../../src/core/pipeline/preAggregateStep';

const setup = `
SELECT setseed(0.3);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text, status text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id), total numeric(10,2),
  created_at timestamptz);
INSERT INTO users (email, name, status)
SELECT 'u' || g || '@x.test', 'User ' || g, CASE WHEN g % 4 = 0 THEN 'inactive' ELSE 'active' END
FROM generate_series(1, 300) g;
-- About ten orders per user over four years, as the dashboard's data: few orders per user and month.
INSERT INTO orders (user_id, total, created_at)
SELECT CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + (g * 7919) % 300 END, round((random() * 500)::numeric, 2),
  CASE WHEN g % 17 = 0 THEN NULL ELSE timestamptz '2022-01-01' + floor(random() * 1461) * interval '1 day' END
FROM generate_series(1, 3000) g;
ANALYZE;
`;

const parameterised = `SELECT u.id, u.email, u.name, COUNT(o.id) AS order_count, SUM(o.total) AS total_spent, MAX(o.created_at) AS last_order
FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.created_at >= $1
WHERE u.status = 'active' GROUP BY u.id, u.email, u.name ORDER BY total_spent DESC NULLS LAST, u.id LIMIT $2`;

describe('pre-aggregation: a parameter in the child condition is said, with the data’s bucket counts (issue 12 §2)', function () {
  this.timeout(120_000);
  const db = useRewriteDatabase('pre_aggregate_params', setup);

  it('the $1/$2 dashboard: blocked because $1 changes per call; the per-month summary measured against the orders', async () => {
    assert.equal(matchPreAggregate(parameterised), undefined, 'outside the family as written');
    const blocked = await preAggregateBlocked(parameterised, db().session);
    assert.ok(blocked, 'said');
    assert.equal(blocked.id, 'pre-aggregate');
    assert.match(blocked.reason, /^`o\.created_at >= \$1` compares orders with a parameter: a materialized view/);
    assert.match(blocked.reason, /a summary per user_id and month of created_at .* would stay exact for every value/);
    // The counts are the data's, read another way here.
    const [expected] = await db().session.query<{ rows: number; month: number; year: number }>(
      `SELECT (SELECT count(*)::int FROM orders WHERE user_id IS NOT NULL AND created_at IS NOT NULL) AS rows,
         (SELECT count(*)::int FROM (SELECT DISTINCT user_id, date_trunc('month', created_at) FROM orders
            WHERE user_id IS NOT NULL AND created_at IS NOT NULL) m) AS month,
         (SELECT count(*)::int FROM (SELECT DISTINCT user_id, extract(year FROM created_at) FROM orders
            WHERE user_id IS NOT NULL AND created_at IS NOT NULL) y) AS year`,
    );
    assert.deepEqual(blocked.buckets, {
      column: 'created_at',
      rows: expected.rows,
      perMonth: expected.month,
      perYear: expected.year,
    });
    assert.ok(blocked.buckets.perMonth > 0.8 * blocked.buckets.rows, 'about one summary row per order');
    assert.match(
      blocked.reason,
      /on this data it would hold [\d,]+ rows for [\d,]+ orders rows \(0\.\d\d per row; by year/,
    );
    // Without a session (measuring not allowed): the reason without the counts.
    const unmeasured = await preAggregateBlocked(parameterised);
    assert.equal(unmeasured?.buckets, undefined);
    assert.match(unmeasured?.reason ?? '', /about as many as orders has when a user_id has few rows a month/);
  });

  it('a parameter in an equality: write the value into the statement; other statements: nothing', async () => {
    const equality = `SELECT u.id, sum(o.total) AS s FROM users u JOIN orders o ON o.user_id = u.id AND o.total = $1 GROUP BY u.id`;
    const blocked = await preAggregateBlocked(equality, db().session);
    assert.match(
      blocked?.reason ?? '',
      /^`o\.total = \$1` compares orders with a parameter: .*write the value into the statement/,
    );
    assert.equal(await preAggregateBlocked('SELECT * FROM users WHERE id = $1', db().session), undefined);
    const literal = parameterised.replace('$1', "timestamptz '2024-01-01'").replace('$2', '100');
    assert.equal(await preAggregateBlocked(literal, db().session), undefined, 'of the family: offered, not blocked');
  });

  it('the pipeline (report, editor, MCP) says it as why pre-aggregation was not tried', async () => {
    const outcome = await preAggregateStep(db().session, parameterised, { allowMeasuredWhatIf: true });
    assert.equal(outcome.measured.length, 0);
    assert.match(outcome.notTried ?? '', /^`o\.created_at >= \$1` compares orders with a parameter/);
    assert.match(outcome.notTried ?? '', /on this data it would hold/);
    const other = await preAggregateStep(db().session, 'SELECT id FROM users WHERE id = $1', {
      allowMeasuredWhatIf: true,
    });
    assert.equal(other.notTried, notOfTheFamily);
  });
});
