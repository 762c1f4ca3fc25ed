/**
 * The benchmark workload, made by our own generator (setseed + generate_series, no downloads): the dashboard
 * case of docs/cases.md case 1, and a TPC-H-like schema `tpch` with analytical and OLTP queries over it; its writes
 * (batches of inserts, updates and deletes) and their timing with each arm's indexes, for the write cost.
 */
import { dashboardSchemaSql, dashboardSql } from '../../test/unit/advice/index/advisorData';
import type { PgSession } from '../../src/core/db/pgSession';
import { median } from '../../src/core/median';
import { parsePlan } from '../../src/core/plan/parsePlan';

export interface WorkloadQuery {
  id: string;
  sql: string;
}

export function tpchSchemaSql(scale: number): string {
  const customers = 15_000 * scale;
  const orders = 150_000 * scale;
  const parts = 20_000 * scale;
  const suppliers = 1_000 * scale;
  return `
SET synchronous_commit = on;
DROP SCHEMA IF EXISTS tpch CASCADE;
CREATE SCHEMA tpch;
SELECT setseed(0.2024);
CREATE TABLE tpch.nation (n_nationkey int PRIMARY KEY, n_name text NOT NULL, n_regionkey int NOT NULL);
INSERT INTO tpch.nation SELECT g, 'NATION' || g, g % 5 FROM generate_series(0, 24) g;
CREATE TABLE tpch.supplier (s_suppkey int PRIMARY KEY, s_name text NOT NULL, s_nationkey int NOT NULL, s_acctbal numeric(12,2) NOT NULL);
INSERT INTO tpch.supplier SELECT g, 'Supplier#' || lpad(g::text, 9, '0'), g % 25, round((random() * 10000)::numeric, 2) FROM generate_series(1, ${suppliers}) g;
CREATE TABLE tpch.part (p_partkey int PRIMARY KEY, p_name text NOT NULL, p_brand text NOT NULL, p_type text NOT NULL, p_size int NOT NULL, p_retailprice numeric(12,2) NOT NULL);
INSERT INTO tpch.part SELECT g, 'part ' || g, 'Brand#' || (1 + floor(random() * 5))::int || (1 + floor(random() * 5))::int,
  (ARRAY['STANDARD','SMALL','MEDIUM','LARGE','ECONOMY','PROMO'])[1 + floor(random() * 6)::int] || ' BRASS', 1 + floor(random() * 50)::int,
  round((900 + random() * 1100)::numeric, 2) FROM generate_series(1, ${parts}) g;
CREATE TABLE tpch.customer (c_custkey int PRIMARY KEY, c_name text NOT NULL, c_nationkey int NOT NULL, c_phone text NOT NULL,
  c_acctbal numeric(12,2) NOT NULL, c_mktsegment text NOT NULL);
INSERT INTO tpch.customer SELECT g, 'Customer#' || lpad(g::text, 9, '0'), g % 25, (10 + g % 25) || '-' || lpad((g * 7919 % 1000000)::text, 6, '0'),
  round((random() * 10000 - 1000)::numeric, 2), (ARRAY['AUTOMOBILE','BUILDING','FURNITURE','MACHINERY','HOUSEHOLD'])[1 + g % 5]
FROM generate_series(1, ${customers}) g;
CREATE TABLE tpch.orders (o_orderkey int PRIMARY KEY, o_custkey int NOT NULL, o_orderstatus char(1) NOT NULL, o_totalprice numeric(12,2) NOT NULL,
  o_orderdate date NOT NULL, o_orderpriority text NOT NULL, o_clerk text NOT NULL);
INSERT INTO tpch.orders SELECT g, 1 + floor(random() * ${customers})::int,
  CASE WHEN random() < 0.03 THEN 'P' WHEN random() < 0.5 THEN 'F' ELSE 'O' END,
  round((1000 + random() * 400000)::numeric, 2), date '1992-01-01' + floor(random() * 2400)::int,
  (ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'])[1 + floor(random() * 5)::int],
  'Clerk#' || lpad((1 + floor(random() * 1000))::int::text, 9, '0')
FROM generate_series(1, ${orders}) g;
CREATE TABLE tpch.lineitem (l_orderkey int NOT NULL, l_linenumber int NOT NULL, l_partkey int NOT NULL, l_suppkey int NOT NULL,
  l_quantity numeric(12,2) NOT NULL, l_extendedprice numeric(12,2) NOT NULL, l_discount numeric(12,2) NOT NULL,
  l_returnflag char(1) NOT NULL, l_shipdate date NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber));
INSERT INTO tpch.lineitem SELECT o.o_orderkey, n, 1 + floor(random() * ${parts})::int, 1 + floor(random() * ${suppliers})::int,
  q, round((q * (900 + random() * 1100))::numeric, 2), round((random() * 0.1)::numeric, 2),
  CASE WHEN random() < 0.25 THEN 'R' WHEN random() < 0.5 THEN 'A' ELSE 'N' END, o.o_orderdate + (1 + floor(random() * 120))::int
FROM tpch.orders o, generate_series(1, 1 + (o.o_orderkey % 7)) n, LATERAL (SELECT (1 + floor(random() * 50))::numeric AS q) x;
`;
}

export const tpchTables = [
  'tpch.nation',
  'tpch.supplier',
  'tpch.part',
  'tpch.customer',
  'tpch.orders',
  'tpch.lineitem',
];

export function workloadQueries(): WorkloadQuery[] {
  return [
    // Its rewrite is not given here: the bench asks the rewrite advisor for it, as the product does.
    { id: 'dashboard', sql: dashboardSql },
    {
      id: 'q01 order history',
      sql: 'SELECT o_orderkey, o_orderdate, o_totalprice FROM tpch.orders WHERE o_custkey = 1234 ORDER BY o_orderdate DESC LIMIT 10',
    },
    {
      id: 'q02 lines of a part',
      sql: 'SELECT l_orderkey, l_quantity, l_extendedprice FROM tpch.lineitem WHERE l_partkey = 777',
    },
    { id: 'q03 customer by phone', sql: "SELECT c_custkey, c_name FROM tpch.customer WHERE c_phone = '13-007919'" },
    {
      id: 'q04 customer by name',
      sql: "SELECT c_custkey, c_acctbal FROM tpch.customer WHERE lower(c_name) = 'customer#000001234'",
    },
    {
      id: 'q05 revenue per day',
      sql: "SELECT l_shipdate, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM tpch.lineitem WHERE l_shipdate BETWEEN '1995-01-01' AND '1995-01-31' GROUP BY l_shipdate ORDER BY l_shipdate",
    },
    {
      id: 'q06 pending orders',
      sql: "SELECT o_orderkey, o_totalprice FROM tpch.orders WHERE o_orderstatus = 'P' AND o_orderdate >= '1997-01-01'",
    },
    {
      id: 'q07 top customers',
      sql: "SELECT c.c_name, sum(o.o_totalprice) AS spent FROM tpch.customer c JOIN tpch.orders o ON o.o_custkey = c.c_custkey WHERE o.o_orderdate >= '1998-01-01' AND c.c_mktsegment = 'BUILDING' GROUP BY c.c_custkey, c.c_name ORDER BY spent DESC LIMIT 20",
    },
    {
      id: 'q08 clerk recent',
      sql: "SELECT o_orderkey, o_orderdate FROM tpch.orders WHERE o_clerk = 'Clerk#000000123' ORDER BY o_orderdate DESC LIMIT 20",
    },
    {
      id: 'q09 parts by brand/size',
      sql: "SELECT p_partkey, p_retailprice FROM tpch.part WHERE p_brand = 'Brand#23' AND p_size = 15",
    },
    {
      id: 'q10 supplier returns',
      sql: "SELECT l_orderkey, l_quantity FROM tpch.lineitem WHERE l_suppkey = 42 AND l_returnflag = 'R'",
    },
    {
      id: 'q11 urgent orders of a day',
      sql: "SELECT count(*) FROM tpch.orders WHERE o_orderdate = '1996-03-15' AND o_orderpriority = '1-URGENT'",
    },
  ];
}

export { dashboardSchemaSql };

/**
 * The workload's writes, each a batch of ~1,000 rows so that index maintenance is measurable: inserts, an update
 * of indexed columns (no HOT update then) and a delete, on the tables the reads use.
 */
export function workloadWrites(): WorkloadQuery[] {
  return [
    {
      id: 'w1 insert orders',
      sql: "INSERT INTO tpch.orders SELECT 50000000 + g, 1 + g % 1000, 'O', 100, date '1998-08-01', '3-MEDIUM', 'Clerk#000000001' FROM generate_series(1, 1000) g",
    },
    {
      id: 'w2 update orders',
      sql: "UPDATE tpch.orders SET o_orderstatus = 'F', o_orderdate = o_orderdate + 1, o_custkey = o_custkey + 1 WHERE o_orderkey BETWEEN 1000 AND 1999",
    },
    {
      id: 'w3 insert lineitem',
      sql: "INSERT INTO tpch.lineitem SELECT 1 + g, 100 + g % 7, 1 + g % 500, 1 + g % 50, 5, 500, 0.05, 'N', date '1998-09-01' FROM generate_series(1, 1000) g",
    },
    { id: 'w4 delete lineitem', sql: 'DELETE FROM tpch.lineitem WHERE l_orderkey BETWEEN 2000 AND 2250' },
    { id: 'w5 update customer', sql: "UPDATE tpch.customer SET c_phone = c_phone || 'x' WHERE c_custkey <= 1000" },
    {
      id: 'w6 insert dashboard orders',
      sql: "INSERT INTO orders (id, user_id, created_at, total, status) SELECT 90000000 + g, 1 + g % 1000, timestamp '2025-01-01', 10, 'paid' FROM generate_series(1, 1000) g",
    },
  ];
}

/** One index set for the write-cost comparison: its DDL (built without CONCURRENTLY, inside the transaction). */
export interface WriteArm {
  name: string;
  ddl: string[];
}

/** Per arm, the median ms of each write with the arm's indexes built. */
export type WriteArmTimes = Map<string, Map<string, number>>;

/**
 * Each write timed with each arm's indexes (and with none), all in one rolled-back transaction per arm: the arm's
 * indexes built, then per write `samples` runs of EXPLAIN ANALYZE (TIMING OFF), each inside a savepoint rolled back
 * at once, arms interleaved per round so that the machine's drift falls on all of them. Nothing is kept.
 */
export async function measureWriteArms(
  session: PgSession,
  arms: WriteArm[],
  writes: WorkloadQuery[],
  samples = 5,
): Promise<WriteArmTimes> {
  const runs = new Map<string, Map<string, number[]>>(arms.map((a) => [a.name, new Map()]));
  for (let round = 0; round <= samples; round++) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(k + round) % arms.length];
      await session.inTransaction!(
        async (tx) => {
          for (const d of arm.ddl) await tx.query(d.replace(' CONCURRENTLY', '').replace(/;\s*$/, ''));
          for (const w of writes) {
            await tx.query('SAVEPOINT bench_write');
            const plan = parsePlan(await tx.explainJson(w.sql, 'ANALYZE, TIMING OFF'));
            await tx.query('ROLLBACK TO SAVEPOINT bench_write');
            // Round 0 warms the pages up.
            if (round === 0) continue;
            const list = runs.get(arm.name)!.get(w.id) ?? [];
            list.push(plan.executionTimeMs ?? plan.totals.timeMs);
            runs.get(arm.name)!.set(w.id, list);
          }
        },
        { statementTimeoutMs: 300_000 },
      );
    }
  }
  return new Map(
    [...runs].map(([arm, perWrite]) => [arm, new Map([...perWrite].map(([id, list]) => [id, median(list)]))]),
  );
}
