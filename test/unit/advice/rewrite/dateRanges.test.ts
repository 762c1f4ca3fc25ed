/**
 * The date family of the sargable rewrite (dateRanges.ts) under session time zones that split days differently
 * from UTC: a half-hour offset (Asia/Kolkata) and one with daylight saving changes (America/Santiago). The
 * timestamps run every 37 minutes across a year's end, month ends and the zone's clock changes, so a bound
 * off by an hour or a day would drop or add rows. Each form's rewrite is proven and returns the original's rows.
 */
import { strict as assert } from 'node:assert';
import { adviseRewrites } from '../../../../src/core/advice/rewrite/adviseRewrites';
import { PgSession } from '../../../../src/core/db/pgSession';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase } from '../../../helpers/testDatabase';
import { loadParser } from '../../../../src/core/sql/parser';

const setupSql = `
CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL, local_at timestamp NOT NULL, on_day date NOT NULL);
INSERT INTO events SELECT i, ts, ts AT TIME ZONE 'UTC', (ts AT TIME ZONE 'UTC')::date
  FROM (SELECT i, timestamptz '2023-12-30 00:00:00+00' + i * interval '37 minutes' AS ts FROM generate_series(0, 5000) i) s;
INSERT INTO events SELECT 100000 + i, ts, ts AT TIME ZONE 'UTC', (ts AT TIME ZONE 'UTC')::date
  FROM (SELECT i, timestamptz '2024-04-05 00:00:00+00' + i * interval '37 minutes' AS ts FROM generate_series(0, 800) i) s;
INSERT INTO events SELECT 200000 + i, ts, ts AT TIME ZONE 'UTC', (ts AT TIME ZONE 'UTC')::date
  FROM (SELECT i, timestamptz '2024-09-05 00:00:00+00' + i * interval '37 minutes' AS ts FROM generate_series(0, 800) i) s;
CREATE INDEX ON events (at); CREATE INDEX ON events (local_at); CREATE INDEX ON events (on_day);
ANALYZE events;
`;

const forms = (c: string): string[] => [
  `date(${c}) = '2024-01-01'`,
  `${c}::date BETWEEN '2023-12-31' AND '2024-01-02'`,
  `date(${c}) > '2024-02-28'`,
  `date(${c}) <= '2024-04-06'`,
  `EXTRACT(YEAR FROM ${c}) = 2024`,
  `date_part('year', ${c}) < 2024`,
  `date_trunc('day', ${c}) = '2024-04-07'`,
  `date_trunc('month', ${c}) = '2024-02-01'`,
  `date_trunc('month', ${c}) = '2024-02-15'`,
  `date_trunc('month', ${c}) <= '2024-01-10'`,
  `date_trunc('week', ${c}) > '2024-09-02'`,
  `date_trunc('month', ${c}) = date_trunc('month', timestamptz '2024-09-07 12:00:00+00')`,
  `date_trunc('month', ${c}) > date_trunc('month', timestamp '2024-01-20 00:00:00')`,
  `to_char(${c}, 'YYYY-MM') = '2024-02'`,
  `to_char(${c}, 'YYYY-MM-DD') IN ('2024-04-07', '2024-09-08', '2023-12-31')`,
  `date(${c}) IN ('2024-04-06', '2024-09-07')`,
  // America/Santiago skips 00:00–01:00 on 8 September 2024: that day starts at 01:00, and its start + 1 day is
  // 01:00 of the 9th, an hour into the next day (rows there were kept by the old bound).
  `date_trunc('day', ${c}) = date_trunc('day', timestamptz '2024-09-08 12:00:00-03')`,
  `date_trunc('day', ${c}) <= date_trunc('day', timestamptz '2024-09-08 12:00:00-03')`,
  `date_trunc('day', ${c}) = date_trunc('day', $1::timestamptz)`,
];

describe('date ranges under time zones that split the day differently (test server)', function () {
  this.timeout(300_000);
  const database = `date_ranges_${process.pid}`;
  let url = '';

  before(async () => {
    await loadParser();
    url = await createDatabase(await testServer(), database);
    const setup = await PgSession.connect({ connectionString: url });
    await setup.execute(setupSql);
    await setup.close();
  });
  after(async () => dropDatabase(await testServer(), database));

  for (const zone of ['Asia/Kolkata', 'America/Santiago']) {
    it(`${zone}: every form over timestamptz, timestamp and date columns is rewritten with the same rows`, async () => {
      const session = await PgSession.connect({
        connectionString: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c TimeZone=${zone}`)}`,
      });
      try {
        assert.equal((await session.query('SHOW TimeZone'))[0].TimeZone, zone);
        for (const column of ['at', 'local_at', 'on_day']) {
          for (const predicate of forms(column)) {
            const sql = `SELECT id FROM events WHERE ${predicate} ORDER BY id`;
            const params = predicate.includes('$1') ? ['2024-09-08 12:00'] : [];
            const [r] = await adviseRewrites(session, sql, {
              only: ['sargable-predicate'],
              skipMeasurement: true,
              params,
            });
            assert.ok(r, `no rewrite for ${sql}`);
            // A value inside a month matches no row: proven on no data, then the rows below are the check.
            const expected = predicate.includes("'2024-02-15'") ? 'not-tested-on-data' : 'equivalent';
            assert.equal(r.verification, expected, `${sql}\n${r.rewrittenSql}\n${r.verificationReason}`);
            assert.doesNotMatch(
              r.rewrittenSql.split('WHERE')[1],
              new RegExp(`(date|EXTRACT|date_part)\\(${column}\\)`),
            );
            const original = await session.query(sql, params);
            const rewritten = await session.query(r.rewrittenSql, params);
            assert.deepEqual(rewritten, original, `${sql}\n${r.rewrittenSql}`);
          }
        }
      } finally {
        await session.close();
      }
    });
  }
});
