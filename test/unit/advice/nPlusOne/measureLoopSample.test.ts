/**
 * Which parents `loops --measure` samples and how their time carries to all of them (issue 12 §4): the sample is
 * spread over the parents ordered by their number of children (the heavy ones always in it), and the sampled child
 * queries' mean is corrected by its line of time against children. Pure tests of sampleIndices and meanChildMs,
 * then the real test server with skewed data: four parents hold most children, and the outer query's order puts
 * them where an evenly spread sample by position never looks.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../../../helpers/testDatabase';
import { PgSession } from '../../../../src/core/db/pgSession';
import { adviseNPlusOne } from '../../../../src/core/advice/nPlusOne/adviseNPlusOne';
import {
  meanChildMs,
  sampleIndices,
  spreadOrder,
  type ChildTiming,
} from '../../../../src/core/advice/nPlusOne/measureLoop';
import { ownRunAlias } from '../../../../src/core/workload/ownRuns';

/** A fixed pseudo-random sequence in [0, 1), so the data differs from case to case yet each run is the same. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('N+1 measurement: the sample by number of children, and its mean corrected (sampleIndices, meanChildMs)', () => {
  it('without counts: spread evenly by position, in spread order, as before', () => {
    for (const [total, count] of [
      [10, 4],
      [400, 40],
      [7, 7],
      [5, 9],
      [1, 3],
    ]) {
      const k = Math.min(total, count);
      const expected = spreadOrder(k).map((i) => Math.floor((i * total) / k));
      assert.deepEqual(sampleIndices(total, count), expected);
      // Counts missing for one parent, or of the wrong length: no ordering by them.
      const partial = Array.from({ length: total }, (_v, i) => (i === total - 1 ? undefined : total - i));
      assert.deepEqual(sampleIndices(total, count, partial), expected);
      if (total !== 2) assert.deepEqual(sampleIndices(total, count, [2, 1]), expected);
    }
    assert.deepEqual(sampleIndices(10, 4), [0, 5, 2, 7]);
    assert.deepEqual(sampleIndices(0, 5), []);
    assert.deepEqual(sampleIndices(0, 5, []), []);
  });

  it('with counts: the heaviest first, the heavy parents all in, light ones spread over the rest, all distinct', () => {
    // 400 parents in the outer query's order; four heavy ones just after the first, where position 0, 10, 20, …
    // (an even spread of 40 by position) never looks.
    const random = lcg(7);
    const children = Array.from({ length: 400 }, () => 1 + Math.floor(random() * 6));
    for (const [position, n] of [
      [1, 50_000],
      [2, 40_000],
      [3, 45_000],
      [4, 30_000],
    ])
      children[position] = n;
    const byPosition = sampleIndices(400, 40);
    assert.ok([1, 2, 3, 4].every((p) => !byPosition.includes(p)));

    const sample = sampleIndices(400, 40, children);
    assert.equal(sample.length, 40);
    assert.equal(new Set(sample).size, 40);
    assert.ok(sample.every((i) => Number.isInteger(i) && i >= 0 && i < 400));
    assert.equal(sample[0], 1, 'the heaviest parent first');
    for (const heavy of [1, 2, 3, 4]) assert.ok(sample.includes(heavy), `heavy parent ${heavy} sampled`);
    // The light ones spread over the whole range of counts, lightest included, and over the outer order.
    const light = sample.filter((i) => children[i] < 10);
    assert.equal(light.length, 36);
    assert.ok(light.some((i) => children[i] === 1) && light.some((i) => children[i] === 6));
    assert.ok(light.some((i) => i < 100) && light.some((i) => i >= 300));
    // Every prefix (a budget cut) mixes heavy and light parents.
    const prefix = sample.slice(0, 4);
    assert.ok(prefix.some((i) => children[i] >= 30_000) && prefix.some((i) => children[i] < 10), `${prefix}`);
  });

  it("with counts: many heavy parents, none holding a slot's share, still fill about half the sample", () => {
    // 20 parents of 400 hold 99.6 % of the children, 1/20 each: less than a slot's share of a sample of 10.
    const children = Array.from({ length: 400 }, (_v, i) => (i % 20 === 3 ? 10_000 : 2));
    assert.ok(
      sampleIndices(400, 10).every((i) => children[i] === 2),
      'an even spread by position misses them all',
    );
    const sample = sampleIndices(400, 10, children);
    assert.equal(new Set(sample).size, 10);
    assert.ok(sample.every((i) => i >= 0 && i < 400));
    assert.equal(children[sample[0]], 10_000);
    const heavy = sample.filter((i) => children[i] === 10_000).length;
    assert.ok(heavy >= 4 && heavy <= 6, `${heavy} heavy of 10`);
    // All alike (none at all included): the order is the outer query's, the same spread as without counts.
    assert.deepEqual(sampleIndices(400, 40, Array<number>(400).fill(5)), sampleIndices(400, 40));
    assert.deepEqual(sampleIndices(400, 40, Array<number>(400).fill(0)), sampleIndices(400, 40));
    // All parents sampled: each exactly once.
    for (const n of [12, 40])
      assert.deepEqual(
        [...sampleIndices(n, n, children.slice(0, n))].sort((a, b) => a - b),
        Array.from({ length: n }, (_v, i) => i),
      );
    // Mostly empty parents, a sample about their number: distinct and within range still.
    const sparse = Array.from({ length: 50 }, (_v, i) => (i % 7 === 0 ? 1 + i : 0));
    for (const k of [1, 2, 5, 25, 49, 50]) {
      const s = sampleIndices(50, k, sparse);
      assert.equal(s.length, k);
      assert.equal(new Set(s).size, k);
      assert.ok(s.every((i) => Number.isInteger(i) && i >= 0 && i < 50));
      assert.equal(s[0], 49, 'the heaviest first');
    }
  });

  it('meanChildMs: exact on a linear time against children, the sample heavier than the parents', () => {
    const random = lcg(11);
    const ms = (children: number): number => 0.25 + 0.002 * children;
    const sample: ChildTiming[] = [50_000, 40_000, 7, 3, 5, 1, 2, 6].map((children) => ({
      children,
      ms: ms(children),
    }));
    // 399 parents: the sample's heavy two, 397 light ones of 1..6 children.
    const lightCounts = Array.from({ length: 397 }, () => 1 + Math.floor(random() * 6));
    const totalChildren = 90_000 + lightCounts.reduce((n, c) => n + c, 0);
    const truth = (399 * 0.25 + 0.002 * totalChildren) / 399;
    const plain = sample.reduce((n, t) => n + t.ms, 0) / sample.length;
    const estimate = meanChildMs(sample, 399, totalChildren);
    assert.ok(Math.abs(estimate - truth) < 1e-9, `${estimate} vs ${truth}`);
    assert.ok(plain > 20 * truth, 'the plain mean is far off here');
    // The sample lighter than the parents: corrected upwards, exactly.
    const lightSample: ChildTiming[] = [1, 2, 3, 4, 6].map((children) => ({ children, ms: ms(children) }));
    const heavyTotal = 399 * 100;
    assert.ok(Math.abs(meanChildMs(lightSample, 399, heavyTotal) - ms(100)) < 1e-9);
  });

  it('meanChildMs: the plain mean when counts are unknown, fewer than 3, all equal, or the line is flat or falls', () => {
    const plainOf = (s: ChildTiming[]): number => s.reduce((n, t) => n + t.ms, 0) / s.length;
    const rising: ChildTiming[] = [
      { children: 1, ms: 1 },
      { children: 10, ms: 2 },
      { children: 100, ms: 12 },
    ];
    assert.notEqual(meanChildMs(rising, 100, 100 * 5), plainOf(rising));
    // Total unknown, or one sampled parent's count unknown.
    assert.equal(meanChildMs(rising, 100), plainOf(rising));
    const oneUnknown = [...rising, { ms: 3 }];
    assert.equal(meanChildMs(oneUnknown, 100, 500), plainOf(oneUnknown));
    // Fewer than 3.
    assert.equal(meanChildMs(rising.slice(0, 2), 100, 500), plainOf(rising.slice(0, 2)));
    // All with the same number of children.
    const same: ChildTiming[] = [1, 2, 4].map((ms) => ({ children: 7, ms }));
    assert.equal(meanChildMs(same, 100, 50), plainOf(same));
    // A flat line, and a falling one.
    const flat: ChildTiming[] = [1, 10, 100].map((children) => ({ children, ms: 2 }));
    assert.equal(meanChildMs(flat, 100, 10), 2);
    const falling: ChildTiming[] = [
      { children: 1, ms: 5 },
      { children: 10, ms: 3 },
      { children: 100, ms: 1 },
    ];
    assert.equal(meanChildMs(falling, 100, 100), plainOf(falling));
    // Nothing sampled.
    assert.equal(meanChildMs([], 100, 100), 0);
  });

  it('meanChildMs: never below the fastest sampled child query, never negative', () => {
    // A steep line from heavy sampled parents, the parents all empty: the line alone would go below zero.
    const sample: ChildTiming[] = [
      { children: 10, ms: 0.4 },
      { children: 20, ms: 0.3 },
      { children: 1_000, ms: 100 },
      { children: 1_010, ms: 101 },
    ];
    const plain = sample.reduce((n, t) => n + t.ms, 0) / sample.length;
    assert.ok(plain > 50);
    const estimate = meanChildMs(sample, 1_000, 0);
    assert.ok(estimate >= 0.3, `${estimate}`);
    assert.equal(estimate, 0.3);
    // A line that would stay above the fastest keeps its value.
    const above = meanChildMs(sample, 1_000, 1_000 * 300);
    assert.ok(above > 20 && above < plain, `${above}`);
  });
});

const dbName = `measure_loop_sample_${process.pid}`;

const source = `import type { Pool } from 'pg';

export async function listTeams(pool: Pool) {
  const teams = await pool.query('SELECT * FROM teams ORDER BY id');
  for (const team of teams.rows) {
    team.members = (await pool.query('SELECT * FROM members WHERE team_id = $1', [team.id])).rows;
  }
  return teams.rows;
}
`;

describe('N+1 measurement on skewed data: the heavy parents sampled and the mean corrected (real server)', function () {
  this.timeout(180_000);
  let url: string;
  let session: PgSession;

  before(async () => {
    url = await createDatabase(await testServer(), dbName);
    // 400 teams; teams 2–5 (positions 1–4 in the outer query's order) hold 50,000 members each, the others 1–6.
    await runSql(
      url,
      `CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
       CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL);
       INSERT INTO teams SELECT g, 'team ' || g FROM generate_series(1, 400) g;
       CREATE TABLE members (id serial PRIMARY KEY, team_id int NOT NULL REFERENCES teams (id), name text NOT NULL);
       INSERT INTO members (team_id, name) SELECT t, 'member ' || g FROM generate_series(2, 5) t, generate_series(1, 50000) g;
       INSERT INTO members (team_id, name)
         SELECT t, 'member ' || g FROM generate_series(1, 400) t, generate_series(1, 6) g
         WHERE t NOT BETWEEN 2 AND 5 AND g <= 1 + t % 6;
       CREATE INDEX members_team_id_idx ON members (team_id);
       ANALYZE teams; ANALYZE members;`,
    );
    session = await PgSession.connect({ connectionString: url });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), dbName);
  });

  it('samples the four heavy teams (each child query of theirs run), says the mean was corrected, and carries the loop near its whole time', async () => {
    const db = `(SELECT oid FROM pg_database WHERE datname = current_database())`;
    await session.query(`SELECT pg_stat_statements_reset(0, ${db}, 0)`);
    const [advice] = await adviseNPlusOne(session, source, 'teams.ts', { maxParents: 40, runs: 3, budgetMs: 30_000 });
    const m = advice?.measurement;
    assert.ok(m, advice?.measurementNote);
    assert.equal(m.parents, 400);
    assert.equal(m.sampledParents, 40);
    assert.equal(m.extrapolated, true);
    assert.equal(m.sameShape, true, m.shapeNote);
    assert.match(
      m.scaling,
      /^the loop ran the child query for 40 of 400 parents \(spread over them\), ordered and weighted by their number of children; the others' mean is corrected for how many children they hold against all the parents \(by its line of time against children(, in [1-3] of [1-3] rounds)?\); its time is the outer query's plus the first child query's plus the mean of the others × 399$/,
    );
    // Our runs of the child query (their own query id): 40 per round, warm-up included, and the rows they read
    // hold the heavy teams' 4 × 50,000 each round (an even spread by position reads ~150 rows a round).
    const runs = await session.query<{ calls: string; rows: string }>(
      `SELECT calls::text AS calls, rows::text AS rows FROM pg_stat_statements
       WHERE dbid = ${db} AND query LIKE '%' || $1 || '%' AND query LIKE '%team_id = $1%'`,
      [ownRunAlias],
    );
    assert.equal(runs.length, 1, JSON.stringify(runs));
    const rounds = m.samplesLoopMs.length + 1;
    assert.equal(Number(runs[0].calls), 40 * rounds);
    const rowsPerRound = Number(runs[0].rows) / rounds;
    assert.ok(rowsPerRound >= 200_000 && rowsPerRound < 200_300, `${rowsPerRound} rows a round`);

    // The loop run whole, query by query, before and after (averaged): the carried time is of its size. Loose on
    // purpose (2×): a sample that missed the heavy teams would carry about a quarter of it.
    const runWhole = async (): Promise<number> => {
      const started = performance.now();
      const teams = await session.query<{ id: number }>('SELECT * FROM teams ORDER BY id');
      for (const team of teams) await session.query('SELECT * FROM members WHERE team_id = $1', [team.id]);
      return performance.now() - started;
    };
    await runWhole();
    const whole = ((await runWhole()) + (await runWhole())) / 2;
    assert.ok(m.loopMs > whole / 2 && m.loopMs < whole * 2, `carried ${m.loopMs} ms vs whole ${whole} ms`);
  });
});
