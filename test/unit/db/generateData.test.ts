/**
 * Generated rows on a real PGlite: a schema with composite keys, a self-reference, a cycle through a nullable
 * foreign key, an enum, CHECK constraints, hostile table and column names, a partitioned table and a seeded table;
 * then what the plans say about the data (empty tables, generated rows).
 */
import { strict as assert } from 'node:assert';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { embeddedDataOf, recordEmbeddedData } from '../../../src/core/db/generateData/embeddedDataNote';
import { generateData, type EmbeddedDataSummary } from '../../../src/core/db/generateData/generateData';
import type { PgliteSession } from '../../../src/core/db/pgliteSession';
import { explainAndOptimize } from '../../../src/core/pipeline/explainAndOptimize';

const schema = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SCHEMA "Shop ""Main""";

CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL UNIQUE);
INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France'), ('it', 'Italy');

CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(40) NOT NULL UNIQUE,
  country char(2) NOT NULL REFERENCES countries (code),
  feeling mood NOT NULL,
  referred_by bigint REFERENCES customers (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE "Shop ""Main"""."Order Items; DROP TABLE customers" (
  "order" int NOT NULL,
  "line no" int NOT NULL,
  "select" text NOT NULL CHECK ("select" IN ('a', 'b', 'c')),
  qty int NOT NULL CHECK (qty BETWEEN 1 AND 10),
  price numeric(8, 2) NOT NULL CHECK (price > 0),
  PRIMARY KEY ("order", "line no")
);

CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status text NOT NULL CHECK (status = ANY (ARRAY['new', 'paid', 'shipped'])),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  note jsonb,
  token uuid NOT NULL UNIQUE,
  CHECK (ends_at > starts_at)
);

-- A cycle: a team has a captain (nullable), a player belongs to a team.
CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL, captain_id int);
CREATE TABLE players (id int PRIMARY KEY, team_id int NOT NULL REFERENCES teams (id), active boolean NOT NULL);
ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES players (id);

-- A composite foreign key onto a composite primary key.
CREATE TABLE shipments (
  id int PRIMARY KEY,
  order_no int NOT NULL,
  line_no int NOT NULL,
  shipped_on date NOT NULL,
  FOREIGN KEY (order_no, line_no) REFERENCES "Shop ""Main"""."Order Items; DROP TABLE customers" ("order", "line no")
);

-- A junction table whose whole key is two foreign keys.
CREATE TABLE followers (
  follower_id bigint NOT NULL REFERENCES customers (id),
  followed_id bigint NOT NULL REFERENCES customers (id),
  PRIMARY KEY (follower_id, followed_id)
);

CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM ('2000-01-01') TO ('2023-01-01');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
`;

const items = '"Shop ""Main"""."Order Items; DROP TABLE customers"';

describe('generated data on the embedded database (PGlite)', function () {
  this.timeout(300_000);
  let session: PgliteSession;
  let summary: EmbeddedDataSummary;

  const one = async <T extends Record<string, unknown>>(sql: string): Promise<T> => {
    const [row] = await session.query<T>(sql);
    return row;
  };
  const count = async (table: string, where = 'true'): Promise<number> =>
    Number((await one<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).n);

  before(async () => {
    // Schema only: the seeded countries are the only rows; the others are empty until generated below.
    session = await openEmbeddedDatabase([{ path: 'schema.sql', text: schema }], { generateData: 'off' });
  });
  after(async () => {
    await session?.close();
  });

  it('without generation the session records which tables are empty, and a plan over them says so', async () => {
    const before = embeddedDataOf(session);
    assert.equal(before?.kind, 'loaded');
    assert.ok(before?.emptyTables.includes('public.orders'));
    assert.ok(!before?.emptyTables.includes('public.countries'));
    const result = await explainAndOptimize(session, 'SELECT * FROM orders ORDER BY starts_at', { analyze: false });
    assert.match(result.run?.dataNote ?? '', /Empty on the embedded database: orders .*empty table/);
    const seeded = await explainAndOptimize(session, 'SELECT * FROM countries', { analyze: false });
    assert.equal(seeded.run?.dataNote, undefined);
  });

  it('fills every empty table, parents before children, and leaves seeded tables alone', async () => {
    summary = await generateData(session, { scale: 2000 });
    recordEmbeddedData(session, summary);
    await session.execute('VACUUM ANALYZE');
    assert.equal(summary.kind, 'generated');
    assert.deepEqual(summary.emptyTables, [], JSON.stringify(summary.tables, null, 1));
    assert.equal(await count('countries'), 3);
    const rows = Object.fromEntries(summary.tables.map((t) => [t.table, t.rows]));
    // Leaf tables get the scale, parents a tenth per level.
    // orders has a CHECK over two columns: twice the rows are generated and at most 2,000 of those passing kept.
    assert.ok(rows['public.orders'] > 1900 && rows['public.orders'] <= 2000, String(rows['public.orders']));
    assert.equal(rows['public.events'], 2000);
    assert.ok(rows['public.customers'] >= 20 && rows['public.customers'] <= 200, String(rows['public.customers']));
    const order = summary.tables.map((t) => t.table);
    assert.ok(order.indexOf('public.customers') < order.indexOf('public.orders'));
    assert.ok(order.indexOf('Shop "Main".Order Items; DROP TABLE customers') < order.indexOf('public.shipments'));
  });

  it('foreign keys take existing parent keys, spread over the parents', async () => {
    assert.equal(await count('orders o', 'NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)'), 0);
    const used = await one<{ n: number }>('SELECT count(DISTINCT customer_id)::int AS n FROM orders');
    assert.ok(Number(used.n) > (await count('customers')) / 2);
    assert.deepEqual(
      (await session.query<{ country: string }>('SELECT DISTINCT country FROM customers ORDER BY 1')).map(
        (r) => r.country,
      ),
      ['de', 'fr', 'it'],
    );
    // The composite reference points at existing (order, line no) pairs.
    assert.ok((await count('shipments')) > 0);
    assert.equal(
      await count(
        'shipments s',
        `NOT EXISTS (SELECT 1 FROM ${items} i WHERE i."order" = s.order_no AND i."line no" = s.line_no)`,
      ),
      0,
    );
    // A key made only of foreign keys: repeats are dropped, the rest kept.
    assert.ok((await count('followers')) > 0);
  });

  it('a self-reference and a cycle through a nullable foreign key are filled afterwards, some left NULL', async () => {
    const referred = await count('customers', 'referred_by IS NOT NULL');
    const total = await count('customers');
    assert.ok(referred > total / 2 && referred < total, `${referred} of ${total}`);
    assert.ok((await count('teams', 'captain_id IS NOT NULL')) > 0);
    assert.equal(
      await count(
        'teams t',
        'captain_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM players p WHERE p.id = t.captain_id)',
      ),
      0,
    );
    assert.ok((await count('players')) > 0);
  });

  it('unique keys, CHECK constraints, enums and NOT NULL hold with most rows kept', async () => {
    assert.equal(
      await count('customers'),
      Number((await one<{ n: number }>('SELECT count(DISTINCT email)::int AS n FROM customers')).n),
    );
    assert.ok((await one<{ n: number }>('SELECT max(length(email))::int AS n FROM customers')).n <= 40);
    const statuses = (await session.query<{ status: string }>('SELECT DISTINCT status FROM orders ORDER BY 1')).map(
      (r) => r.status,
    );
    assert.deepEqual(statuses, ['new', 'paid', 'shipped']);
    assert.ok((await count(items)) > 150, String(await count(items)));
    assert.equal(await count(items, `qty NOT BETWEEN 1 AND 10 OR price <= 0 OR "select" NOT IN ('a', 'b', 'c')`), 0);
    const feelings = await session.query<{ feeling: string }>('SELECT DISTINCT feeling::text FROM customers');
    assert.equal(feelings.length, 3);
    // Rows the two-column CHECK rejects are left out, and made up for: more are generated than kept.
    assert.ok((await count('orders')) > 1900);
    assert.equal(await count('orders', 'ends_at <= starts_at'), 0);
    assert.ok((await count('orders', 'note IS NULL')) > 0);
  });

  it('identity and serial columns are left to the database, so their sequences follow the rows', async () => {
    const max = Number((await one<{ n: number }>('SELECT max(id)::int AS n FROM orders')).n);
    const next = await session.query<{ id: number }>(
      "SELECT nextval(pg_get_serial_sequence('orders', 'id'))::int AS id",
    );
    assert.ok(Number(next[0].id) > max);
  });

  it('a partitioned table is filled through its parent', async () => {
    assert.ok((await count('events')) > 0);
    assert.ok((await count('events_2022')) + (await count('events_rest')) === (await count('events')));
  });

  it('the plans now say the data is generated, with its scale and shape', async () => {
    const result = await explainAndOptimize(
      session,
      'SELECT c.email, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.email',
      { analyze: false },
    );
    assert.match(
      result.run?.dataNote ?? '',
      /^The embedded database holds generated data, not yours: [\d,]+ rows in \d+ table\(s\) \(largest 2,000, scale 2,000\), shaped by defaults per type/,
    );
    const scan = result.plan.nodes.find((n) => n.fields['Relation Name'] === 'orders');
    assert.ok(Number(scan?.fields['Plan Rows']) > 100, 'the planner sees the rows');
  });
});
