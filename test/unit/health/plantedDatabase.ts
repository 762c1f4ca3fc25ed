/**
 * The deterministic workload the health checks must find, planted in a database of its own
 * (test/helpers/testDatabase.ts): each planted problem is named here, and nothing else in the database should
 * be flagged. Autovacuum is off for every table so that nothing changes the statistics behind the test's back.
 */
import { Client } from 'pg';

const off = 'WITH (autovacuum_enabled = off)';

/** What was planted, by the check that must find it. */
export const planted = {
  unindexedForeignKey: 'orders_customer_id_fkey',
  unusedIndex: 'events_kind_idx',
  duplicate: { redundant: 'tags_label_dup_idx', kept: 'tags_label_idx' },
  prefix: { redundant: 'visits_page_idx', kept: 'visits_page_day_idx' },
  invalidIndex: 'emails_address_key',
  bloatedTable: 'counters',
  seqScanTable: 'readings',
  neverAnalysed: 'imports',
} as const;

export async function plantWorkload(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL) ${off};
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 2000) g;
-- Planted: a foreign key with no index on orders.customer_id.
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, amount int NOT NULL) ${off};
INSERT INTO orders SELECT g, 1 + g % 2000, g % 100 FROM generate_series(1, 20000) g;
-- Not a finding: a two-column foreign key whose index has the same columns in the other order (and is
-- unscanned, but the only support of the key, so not "unused").
CREATE TABLE regions (country text, code text, PRIMARY KEY (country, code)) ${off};
INSERT INTO regions SELECT 'c' || (g % 10), 'r' || g FROM generate_series(1, 200) g;
CREATE TABLE shops (id int PRIMARY KEY, country text NOT NULL, code text NOT NULL, FOREIGN KEY (country, code) REFERENCES regions) ${off};
CREATE INDEX shops_code_country_idx ON shops (code, country);
INSERT INTO shops SELECT g, 'c' || (g % 10), 'r' || g FROM generate_series(1, 200) g;
-- Planted: an index no query uses.
CREATE TABLE events (id int PRIMARY KEY, kind int NOT NULL, note text) ${off};
INSERT INTO events SELECT g, g % 7, 'event' FROM generate_series(1, 5000) g;
CREATE INDEX events_kind_idx ON events (kind);
-- Planted: a duplicate index (the workload scans the first one).
CREATE TABLE tags (id int PRIMARY KEY, label text NOT NULL) ${off};
INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, 3000) g;
CREATE INDEX tags_label_idx ON tags (label);
CREATE INDEX tags_label_dup_idx ON tags (label);
-- Planted: an index that is a prefix of another (the workload scans the longer one).
CREATE TABLE visits (id int PRIMARY KEY, page int NOT NULL, day int NOT NULL) ${off};
INSERT INTO visits SELECT g, g % 100, g % 365 FROM generate_series(1, 10000) g;
CREATE INDEX visits_page_day_idx ON visits (page, day);
CREATE INDEX visits_page_idx ON visits (page);
-- For the invalid index below.
CREATE TABLE emails (id int PRIMARY KEY, address text NOT NULL) ${off};
INSERT INTO emails SELECT g, 'user' || (g % 500) || '@example.com' FROM generate_series(1, 1000) g;
-- Planted: a table bloated by updates (one transaction, so no page pruning in between).
CREATE TABLE counters (id int PRIMARY KEY, hits int NOT NULL, pad text NOT NULL) ${off};
INSERT INTO counters SELECT g, 0, repeat('p', 100) FROM generate_series(1, 50000) g;
-- Planted: a table read by large sequential scans.
CREATE TABLE readings (id int PRIMARY KEY, sensor int NOT NULL, value int NOT NULL) ${off};
INSERT INTO readings SELECT g, g % 50, (g * 7919) % 100000 FROM generate_series(1, 100000) g;
-- Planted: a table never analysed.
CREATE TABLE imports (id int, payload text) ${off};
INSERT INTO imports SELECT g, 'row ' || g FROM generate_series(1, 5000) g;
`);
    // Planted: a unique index built CONCURRENTLY over duplicate values fails and stays behind, invalid.
    await c.query('CREATE UNIQUE INDEX CONCURRENTLY emails_address_key ON emails (address)').then(
      () => {
        throw new Error('the unique index over duplicates was expected to fail');
      },
      (err: { code?: string }) => {
        if (err.code !== '23505') throw err;
      },
    );
    await c.query(`BEGIN;
UPDATE counters SET hits = hits + 1; UPDATE counters SET hits = hits + 1;
UPDATE counters SET hits = hits + 1; UPDATE counters SET hits = hits + 1;
COMMIT`);
    await c.query('ANALYZE customers, orders, regions, shops, events, tags, visits, emails, counters, readings');
    // The workload: index scans on the indexes meant to be used.
    await c.query('SET enable_seqscan = off; SET enable_bitmapscan = off');
    for (let i = 1; i <= 5; i++) {
      await c.query('SELECT id FROM tags WHERE label = $1', [`tag ${i}`]);
      await c.query('SELECT id FROM visits WHERE page = $1 AND day = $2', [i, i * 3]);
    }
    await c.query('RESET enable_seqscan; RESET enable_bitmapscan');
    // Sequential scans of readings: 15 × 100,000 rows.
    for (let i = 0; i < 15; i++) await c.query('SELECT count(*) FROM readings WHERE value = $1', [i]);
    // Planted: a sort that spills to temp files under a small work_mem.
    await c.query("SET work_mem = '64kB'");
    await c.query(
      "SELECT count(*) FROM (SELECT id, value, repeat('x', 20) AS filler FROM readings ORDER BY value DESC, id OFFSET 0) s",
    );
    await c.query('RESET work_mem');
  } finally {
    // Ending the session flushes its statistics, so every reader sees the same counts.
    await c.end();
  }
}
